"""``lianqin`` commands for intake: bulk import of exports and payload files, channel
API keys, and the quarantine (list, show, replay, discard)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

TABULAR = {".csv", ".xlsx", ".xlsm"}


def register(
    app: typer.Typer, *, setup: Callable[[], Any], fail: Callable[..., None], console: Console
) -> None:
    @app.command()
    def ingest(
        channel: Annotated[str, typer.Argument(help="渠道：hotline_12345, petition_online …")],
        files: Annotated[
            list[Path],
            typer.Argument(help="CSV/XLSX 导出，或报文文件（.json/.xml/.txt，JSON 数组逐条）"),
        ],
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出汇总")] = False,
    ) -> None:
        """批量接入：解析、定位、查重并单、登记；坏行进隔离区，其余继续；重复运行不重复登记。"""
        setup()
        from lianqin.intake.accounts import channel_actor
        from lianqin.intake.bulk import BulkIntake

        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            fail(f"找不到文件：{', '.join(missing)}", "检查路径")
        payloads = list(_payloads(channel, files, fail))
        run = BulkIntake(channel_actor(channel))
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, disable=as_json, transient=False) as bar:
            task = bar.add_task(f"接入 {channel}", total=len(payloads))
            summary = run.run(payloads, progress=lambda n: bar.advance(task, n))
        if as_json:
            typer.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
            return
        s = summary
        console.print(
            f"共 {s.rows} 条：新立案 {s.new}，并入已有案件 {s.merged}，疑似重复待研判 {s.suggested}，"
            f"重放忽略 {s.replays}，隔离 {s.quarantined}，待人工确认 {s.awaiting}"
            f"（{s.seconds:.1f} 秒，{s.rows / max(s.seconds, 1e-9):.0f} 条/秒）"
        )
        if s.quarantined:
            console.print("[yellow]隔离区[/yellow] lianqin quarantine list 查看原因，修正后 replay")

    @app.command()
    def poll(
        channel: Annotated[str, typer.Argument(help="渠道：petition_online、hotline_12345 …")],
        url: Annotated[str, typer.Argument(help="来源系统的查询接口（返回 JSON 记录列表）")],
        every: Annotated[float, typer.Option(help="每隔多少秒再拉一次（0 = 只拉一次）")] = 0.0,
        header: Annotated[
            list[str] | None, typer.Option(help="附加请求头，如 'Authorization: Bearer …'")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出每轮汇总")] = False,
    ) -> None:
        """轮询来源系统的接口并接入：与批量导入同样的解析、查重和登记；重复拉取不会重复立案。"""
        setup()
        import time as _time

        from lianqin.intake.accounts import channel_actor
        from lianqin.intake.bulk import BulkIntake
        from lianqin.intake.poll import fetch

        headers = dict(h.split(":", 1) for h in (header or []) if ":" in h)
        headers = {k.strip(): v.strip() for k, v in headers.items()}
        run = BulkIntake(channel_actor(channel))
        while True:
            summary = run.run(fetch(channel, url, headers=headers))
            if as_json:
                typer.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
            else:
                console.print(
                    f"拉取 {summary.rows} 条：新立案 {summary.new}，并单 {summary.merged}，"
                    f"疑似重复 {summary.suggested}，重放 {summary.replays}，隔离 {summary.quarantined}"
                )
            if every <= 0:
                return
            _time.sleep(every)

    @app.command()
    def apikey(
        channel: Annotated[str, typer.Argument(help="渠道名，如 hotline_12345、open311")],
        name: Annotated[str, typer.Option(help="密钥名称（便于辨认）")] = "",
    ) -> None:
        """为一个渠道签发 API 密钥（webhook 与 Open311 用）；密钥只显示这一次。"""
        setup()
        from lianqin.intake.accounts import issue_channel_key

        key, raw = issue_channel_key(channel, name)
        console.print(f"[green]已签发[/green] {key.name}（前缀 {key.prefix}）")
        typer.echo(raw)

    quarantine = typer.Typer(
        help="隔离区：无法解析的报文，原样保存，修正后重放或废弃", no_args_is_help=True
    )
    app.add_typer(quarantine, name="quarantine")

    @quarantine.command("list")
    def q_list(
        channel: Annotated[str, typer.Option(help="只看一个渠道")] = "",
        all_states: Annotated[bool, typer.Option("--all", help="含已重放、已废弃")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """列出隔离区的报文：编号、渠道、来源、原因、次数。"""
        setup()
        from lianqin.cases.access import SYSTEM
        from lianqin.intake.quarantine import pending

        qs = pending(SYSTEM, channel, every=all_states)
        rows = list(
            qs.values(
                "id", "channel", "source", "state", "reason", "field", "times_seen", "last_seen_at"
            )
        )
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, default=str))
            return
        table = Table("编号", "渠道", "来源", "状态", "字段", "原因", "次数")
        for r in rows:
            table.add_row(
                str(r["id"]),
                r["channel"],
                r["source"],
                r["state"],
                r["field"],
                r["reason"][:60],
                str(r["times_seen"]),
            )
        console.print(table if rows else "隔离区是空的")

    @quarantine.command("show")
    def q_show(qid: Annotated[int, typer.Argument(help="隔离编号")]) -> None:
        """显示一条隔离报文的原因、修正提示和原文。"""
        setup()
        from lianqin.cases.access import SYSTEM
        from lianqin.intake.quarantine import read

        row = read(SYSTEM, qid)
        console.print(f"#{row.pk} {row.channel} {row.source} [{row.get_state_display()}]")
        console.print(f"原因：{row.reason}" + (f"（字段 {row.field}）" if row.field else ""))
        if row.hint:
            console.print(f"提示：{row.hint}")
        console.print(f"内容类型：{row.content_type}；收到 {row.times_seen} 次")
        typer.echo(row.raw)

    @quarantine.command("replay")
    def q_replay(
        qid: Annotated[int, typer.Argument(help="隔离编号")],
        fixed: Annotated[Path | None, typer.Option("--file", help="修正后的报文文件")] = None,
    ) -> None:
        """重放：按原文（或 --file 给出的修正文本）重新接入；仍无法解析则不改动。"""
        setup()
        from lianqin.cases.access import SYSTEM
        from lianqin.intake.quarantine import replay

        corrected = fixed.read_text(encoding="utf-8") if fixed is not None else None
        outcome = replay(SYSTEM, qid, corrected)
        console.print(f"[green]已重放[/green] #{qid}：{outcome.status} {outcome.case_number}")

    @quarantine.command("discard")
    def q_discard(
        qid: Annotated[int, typer.Argument(help="隔离编号")],
        reason: Annotated[str, typer.Option(help="废弃理由")] = "",
    ) -> None:
        """废弃一条隔离报文（须写理由）；原文仍保留。"""
        setup()
        from lianqin.cases.access import SYSTEM
        from lianqin.intake.quarantine import discard

        discard(SYSTEM, qid, reason)
        console.print(f"已废弃 #{qid}")


def _payloads(channel: str, files: list[Path], fail: Callable[..., None]) -> Iterator[Any]:
    from lianqin.intake import channels
    from lianqin.intake.contract import Payload
    from lianqin.intake.tabular import iter_payloads

    spec = channels.get(channel)
    for path in files:
        suffix = path.suffix.lower()
        if suffix in TABULAR:
            if not spec.files:
                fail(f"渠道 {channel} 不接受表格导出", "用报文文件（.json/.xml）")
            yield from iter_payloads(channel, path.read_bytes(), path.name)
            continue
        text = path.read_text(encoding="utf-8-sig")
        content_type = {".xml": "application/xml", ".txt": "application/x-www-form-urlencoded"}.get(
            suffix, "application/json"
        )
        if suffix == ".json" and text.lstrip().startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                items = None
            if isinstance(items, list):
                for n, item in enumerate(items, 1):
                    yield Payload(
                        channel,
                        json.dumps(item, ensure_ascii=False),
                        content_type,
                        source=f"file:{path.name}#{n}",
                    )
                continue
        yield Payload(channel, text, content_type, source=f"file:{path.name}")
