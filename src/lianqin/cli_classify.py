"""``lianqin train`` and ``lianqin classify``: the case classifier on files, so that anyone
can train a model on a labelled CSV and check its figures on another, without a database
(``triage.classify_service`` trains from the district's own decided cases).

What must hold: these commands never touch the database (``setup`` is not called); a CSV
is read as UTF-8 (with or without BOM), else GB18030; ``--text`` names one column or
several joined with ``+`` (their cells joined by a line break); a missing file, a
missing column (the available ones are listed), a file that is not a model, or a model
from another version ends with one clear line and exit code 2; the output CSV keeps
every input column and row, in order, and is written as UTF-8 with BOM (Excel opens it).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

#: The columns ``classify`` adds (replaced when the input already has them).
OUTPUT_COLUMNS = ("预测类别", "置信度", "第二类别", "第二置信度", "自动分类")
_ENCODINGS = ("utf-8-sig", "gb18030")
_FIELD_LIMIT = 10 * 1024 * 1024  # a citizen's message can be long; csv's default is 128 KB

CsvOpt = Annotated[Path, typer.Option("--csv", help="CSV 文件（UTF-8 或 GB18030），第一行为列名")]
TextOpt = Annotated[str, typer.Option("--text", help="文本列；多列用 + 连接，如 留言主题+留言详情")]


def register(
    app: typer.Typer, *, setup: Callable[[], Any], fail: Callable[..., None], console: Console
) -> None:
    @app.command()
    def train(
        csv_file: CsvOpt,
        text: TextOpt,
        label: Annotated[str, typer.Option("--label", help="类别列，如 一级标签")],
        model: Annotated[Path, typer.Option("--model", help="模型输出文件，如 model.joblib")],
        seed: Annotated[int, typer.Option(help="随机种子（交叉验证分折）")] = 0,
        target: Annotated[float, typer.Option(help="自动分类的目标准确率")] = 0.97,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    ) -> None:
        """在 CSV 文件上训练分类模型：字符 n-gram TF-IDF + 线性模型，输出交叉验证的 macro-F1 和自动分类阈值。"""
        from lianqin.errors import LianqinError
        from lianqin.triage.classifier import Classifier

        header, rows = read_csv(csv_file, fail)
        text_at = columns(header, text, csv_file, fail)
        label_at = columns(header, label, csv_file, fail)
        pairs = [(row_text(r, text_at), row_text(r, label_at).strip()) for r in rows]
        kept = [(t, lab) for t, lab in pairs if t.strip() and lab]
        try:
            clf = Classifier.train([t for t, _ in kept], [lab for _, lab in kept], seed=seed,
                                   target_precision=target, trained_at=datetime.now(UTC))  # fmt: skip
            clf.save(model)
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        except OSError as exc:
            fail(f"写不了模型文件 {model}：{exc.strerror}", "检查路径和权限")
            return
        meta = clf.metadata
        summary = {"model": str(model), "n": meta["n_train"], "skipped": len(pairs) - len(kept),
                   "labels": clf.labels, "counts": meta["counts"],
                   "train_seconds": meta["train_seconds"], "threshold": meta["threshold"],
                   "target_precision": target, "scores": meta["scores"],
                   "per_class": meta["per_class"]}  # fmt: skip
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        _print_training(summary, console)

    @app.command()
    def retrain(
        level: Annotated[int, typer.Option(help="类别层级（编码位数：2、4 或 6）")] = 4,
        force: Annotated[bool, typer.Option("--force", help="即使不如在用模型也启用")] = False,
    ) -> None:
        """用本区已结案件和值班员设定的类别训练分类模型；在在用模型之后到达的案件上不比它差才启用（后台循环按 LIANQIN_RETRAIN_DAYS 定期自动重训）。"""
        setup()
        from lianqin.errors import LianqinError
        from lianqin.triage.classify_service import train_from_db

        try:
            row = train_from_db(level=level, note="lianqin retrain", force=force)
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        scores = row.scores.get("scores", {})
        verdict = "[green]已启用新模型[/green]" if row.active else "[yellow]新模型未启用[/yellow]"
        console.print(row.scores.get("comparison", {}).get("reason", ""))
        console.print(
            f"{verdict} {row.path}：{row.n_train} 件、{len(row.labels)} 类，"
            f"交叉验证 macro-F1 {scores.get('macro_f1', 0):.3f}，自动分类阈值 {row.threshold:.3f}"
        )

    @app.command()
    def classify(
        model: Annotated[Path, typer.Option("--model", help="lianqin train 生成的模型文件")],
        csv_file: CsvOpt,
        text: TextOpt,
        out: Annotated[Path, typer.Option("--out", help="输出 CSV（UTF-8 BOM）")],
        label: Annotated[str, typer.Option("--label", help="已知类别列：同时评估")] = "",
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出汇总")] = False,
    ) -> None:
        """给 CSV 的每一行加上预测类别、置信度、第二类别和是否自动分类；有 --label 时输出 macro-F1 和自动分类覆盖率。"""
        from lianqin.errors import LianqinError
        from lianqin.triage.classifier import Classifier, evaluate

        try:
            clf = Classifier.load(model)
        except LianqinError as exc:
            fail(exc.message, exc.hint)
            return
        header, rows = read_csv(csv_file, fail)
        text_at = columns(header, text, csv_file, fail)
        label_at = columns(header, label, csv_file, fail) if label else []
        top = clf.predict([row_text(r, text_at) for r in rows], k=2)
        keep = [i for i, c in enumerate(header) if c not in OUTPUT_COLUMNS]
        table = [[header[i] for i in keep] + list(OUTPUT_COLUMNS)]
        for row, (first, *rest) in zip(rows, top, strict=True):
            second = rest[0] if rest else None
            table.append([row[i] for i in keep] + [
                first.label, f"{first.confidence:.4f}", second.label if second else "",
                f"{second.confidence:.4f}" if second else "",
                "是" if clf.is_automatic(first) else "否"])  # fmt: skip
        try:
            write_csv(out, table)
        except OSError as exc:
            fail(f"写不了输出文件 {out}：{exc.strerror}", "检查路径和权限")
        summary: dict[str, Any] = {"rows": len(rows), "out": str(out), "threshold": clf.threshold,
                                   "automatic": sum(clf.is_automatic(t[0]) for t in top)}  # fmt: skip
        if label_at:
            marked = [(row_text(r, label_at).strip(), t[0]) for r, t in zip(rows, top, strict=True)]
            marked = [(gold, p) for gold, p in marked if gold]
            if marked:
                figures = evaluate([g for g, _ in marked], [p for _, p in marked],
                                   threshold=clf.threshold,
                                   target=float(clf.metadata.get("target_precision", 0.97)))  # fmt: skip
                summary["evaluation"] = figures.as_dict()
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        _print_classified(summary, console)


def read_csv(path: Path, fail: Callable[..., None]) -> tuple[list[str], list[list[str]]]:
    """Header and rows, every row padded to the header's width."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        fail(f"找不到文件 {path}", "检查路径")
        raise
    except OSError as exc:
        fail(f"读不了文件 {path}：{exc.strerror}", "检查路径和权限")
        raise
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        fail(f"{path} 既不是 UTF-8 也不是 GB18030 编码", "用 Excel 另存为“CSV UTF-8”")
    csv.field_size_limit(_FIELD_LIMIT)
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    except csv.Error as exc:
        fail(f"{path} 不是有效的 CSV：{exc}", "检查引号和分隔符（逗号）")
        raise
    if not rows:
        fail(f"{path} 是空文件", "第一行应为列名")
    header = [c.strip() for c in rows[0]]
    width = len(header)
    return header, [(r + [""] * width)[:width] for r in rows[1:]]


def columns(header: list[str], spec: str, path: Path, fail: Callable[..., None]) -> list[int]:
    """Positions of the ``+``-joined column names in ``spec``."""
    names = [n.strip() for n in spec.split("+") if n.strip()]
    missing = [n for n in names if n not in header]
    if not names or missing:
        fail(f"{path} 中没有列：{'、'.join(missing) or spec!r}",
             f"可用的列：{'、'.join(header)}")  # fmt: skip
    return [header.index(n) for n in names]


def row_text(row: list[str], at: list[int]) -> str:
    return "\n".join(row[i] for i in at)


def write_csv(path: Path, table: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(table)


def _print_training(s: dict[str, Any], console: Console) -> None:
    from lianqin.triage.classifier import FOLDS

    counts = "，".join(f"{k} {v}" for k, v in s["counts"].items())
    sc = s["scores"]
    console.print(f"训练样本 {s['n']} 条（跳过无文本或无类别 {s['skipped']} 条），"
                  f"类别 {len(s['labels'])} 个：{counts}")  # fmt: skip
    console.print(f"训练用时 {s['train_seconds']:.1f} 秒")
    console.print(
        f"{FOLDS} 折交叉验证（样本外）：macro-F1 {sc['macro_f1']:.4f}，准确率 {sc['accuracy']:.4f}"
    )
    console.print(f"自动分类阈值 {s['threshold']:.4f}：交叉验证中 {sc['coverage']:.1%} 的样本置信度达到阈值，"
                  f"其准确率 {sc['coverage_precision']:.1%}（目标 {s['target_precision']:.0%}）")  # fmt: skip
    console.print(f"模型已保存：{s['model']}")


def _print_classified(s: dict[str, Any], console: Console) -> None:
    console.print(f"已分类 {s['rows']} 行 → {s['out']}；自动分类（置信度 ≥ {s['threshold']:.4f}）"
                  f"{s['automatic']} 行")  # fmt: skip
    e = s.get("evaluation")
    if not e:
        return
    console.print(f"评估 {e['n']} 行：macro-F1 {e['macro_f1']:.4f}，准确率 {e['accuracy']:.4f}")
    console.print(
        f"按模型阈值自动分类：{e['auto_share']:.1%} 的行，准确率 {e['auto_precision']:.1%}"
    )
    console.print(f"准确率 ≥ {e['target']:.0%} 时最多可自动分类 {e['coverage']:.1%} 的行"
                  f"（置信度 ≥ {e['coverage_threshold']:.4f}）")  # fmt: skip
    table = Table("类别", "F1")
    for name, f1 in e["per_class"].items():
        table.add_row(name, f"{f1:.4f}")
    console.print(table)
