"""The top hot issues (热点问题) of 2019 in the TipDM 2020 hot messages, how the heat of each
adds up, and how well ``triage.hotspots`` groups issues checked by hand.

Usage::

    .venv/bin/python benchmarks/eval_hot_issues.py           # writes benchmarks/hot_issues_2019.md
    .venv/bin/python benchmarks/eval_hot_issues.py --sweep   # and a parameter sweep on stdout

Reads ``hot_messages.csv`` from the shared folder (``LIANQIN_SHARED_DIR``, default
``../shared``) and never copies it: the report quotes message ids, dates and titles (at
most 40 characters), never the user ids (留言用户 is only counted, through a hash).
Each row becomes a :class:`Message`: 留言主题 on the first line and 留言详情 as text,
留言时间 as China time, 点赞数 as likes; only messages of 2019 (China time) are grouped.

The check set: issues recognised by hand in the data, each described by a rule on the
text (place words and problem words). For each, the hot issue holding most of the
messages that match the rule, its rank, and two shares: of that hot issue's messages that
match the rule (purity) and of the rule's messages that it holds (coverage). The rules are
broad on purpose (any message naming the place and the problem), so the figures are a
lower bound for coverage of what a reader would call "the same issue".
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import math
import os
import platform
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from lianqin.cli_hot import CHINA, parse_time  # noqa: E402
from lianqin.triage.hotspots import DEFAULT, Config, Hotspot, Message, find_hotspots  # noqa: E402
from lianqin.triage.text import normalize  # noqa: E402

SHARED = Path(os.environ.get("LIANQIN_SHARED_DIR") or REPO.parent / "shared")
HOT = SHARED / "data" / "tipdm2020" / "hot_messages.csv"
OUT = REPO / "benchmarks" / "hot_issues_2019.md"
YEAR = 2019
TOP = 10

#: (issue, place words, problem words): a message matches when it has one of each.
CHECKS = (
    ("丽发新城旁搅拌站", "丽发", "搅拌"),
    ("伊景园滨河苑捆绑销售车位", "伊景园|滨河苑", "车位"),
    ("魅力之城底商油烟噪音", "魅力之城", "油烟|噪音|夜宵|烧烤|门面|商铺|餐馆|扰民"),
    ("58车贷案件", "58车贷", ""),
    ("月亮岛路高压线", "月亮岛", "高压"),
    ("凉塘路旧城改造", "凉塘路", "改造"),
    ("泉星公园规划", "泉星公园", ""),
    ("长房云时代垃圾站", "长房云时代", "垃圾"),
    ("长房云时代幼儿园", "长房云时代", "幼儿园"),
    ("老地方美食广场", "老地方", "美食"),
    ("辉煌国际城楼下饭店", "辉煌国际城", "饭店|餐饮"),
    ("绿地海外滩高铁", "海外滩", "高铁"),
    ("青青家园住改商、烟道", "青青家园|青山新村", "住改商|烟道"),
    ("温斯顿英语退费", "温斯顿", "退费|退款"),
)


def load(path: Path = HOT) -> tuple[list[Message], dict[str, dict[str, str]], Counter[str]]:
    """The messages of ``YEAR``, every row by id, and counts of what was set aside."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seen: Counter[str] = Counter()
    counts: Counter[str] = Counter(rows=len(rows))
    messages = []
    for r in rows:
        at = parse_time(r["留言时间"])
        if at is None:
            counts["untimed"] += 1
            continue
        if at.astimezone(CHINA).year != YEAR:
            continue
        text = f"{r['留言主题']}\n{r['留言详情']}"
        seen[normalize(text)] += 1
        reporter = hashlib.sha256(r["留言用户"].encode()).hexdigest()[:16]
        likes = int(r["点赞数"]) if r["点赞数"].strip().isdigit() else 0
        messages.append(Message(r["留言编号"], text, at, reporter, likes))
    counts["year"] = len(messages)
    counts["repeats"] = sum(c - 1 for c in seen.values())
    return messages, {r["留言编号"]: r for r in rows}, counts


def run(messages: list[Message], config: Config = DEFAULT) -> tuple[list[Hotspot], float, float]:
    """All hot issues, and the wall and CPU seconds ``find_hotspots`` took."""
    wall, cpu = time.perf_counter(), time.process_time()
    found = find_hotspots(messages, config)
    return found, time.perf_counter() - wall, time.process_time() - cpu


def check(found: list[Hotspot], rows: dict[str, dict[str, str]], messages: list[Message]):
    """Per check issue: (name, matching, rank, size, purity, coverage)."""
    holder = {k: h for h in found for k in h.messages + h.duplicates}
    text = {m.key: m.text for m in messages}
    out = []
    for name, place, problem in CHECKS:
        match = {k for k, t in text.items() if re.search(place, t) and re.search(problem, t)}
        held = Counter(holder[k].rank for k in match if k in holder)
        if not held:
            out.append((name, len(match), 0, 0, 0.0, 0.0))
            continue
        rank, hits = min(held.items(), key=lambda kv: (-kv[1], kv[0]))
        h = found[rank - 1]
        size = len(h.messages) + len(h.duplicates)
        out.append((name, len(match), rank, size, hits / size, hits / len(match)))
    return out


def _short(text: str, n: int = 40) -> str:
    flat = "".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def _day(at: datetime) -> str:
    return f"{at.astimezone(CHINA):%Y-%m-%d}"


def report(found: list[Hotspot], rows, messages, counts, seconds: tuple[float, float, float]):
    wall, cpu, total = seconds
    w = DEFAULT.weights
    out = [
        f"# Hot issues (热点问题) of {YEAR}: TipDM 2020 hot messages",
        "",
        "Reproduce: `.venv/bin/python benchmarks/eval_hot_issues.py` (reads "
        "`../shared/data/tipdm2020/hot_messages.csv`, or `LIANQIN_SHARED_DIR`). Method and "
        "parameters: [docs/hot_issues.md](../docs/hot_issues.md); defaults of "
        "`lianqin.triage.hotspots.Config`.",
        "",
        f"Machine: `{platform.platform()}`, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; run {datetime.now(CHINA):%Y-%m-%d %H:%M} (China time). "
        f"`find_hotspots` on {counts['year']:,} messages: {wall:.2f} s wall, {cpu:.2f} s CPU; "
        f"the whole script {total:.1f} s (machines are shared: the CPU time is the steadier "
        "figure).",
        "",
        f"Data: {counts['rows']:,} rows, {counts['untimed']} without a readable time, "
        f"{counts['year']:,} of {YEAR}; {counts['repeats']} of these repeat an earlier "
        f"message's text word for word (a copy within {DEFAULT.window_days:.0f} days is "
        f"counted once: no second message, no second reporter). {len(found)} hot issues "
        f"(≥ {DEFAULT.min_messages} distinct messages from ≥ {DEFAULT.min_reporters} "
        f"reporters) hold {sum(len(h.messages) for h in found):,} messages.",
        "",
        f"## Top {TOP}",
        "",
        "| rank | heat | hot issue (central message's title) | place | first – last (span) "
        "| messages | reporters | likes | growth |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for h in found[:TOP]:
        out.append(
            f"| {h.rank} | {h.heat:.2f} | {_short(h.label)} | {h.place or '—'} | "
            f"{_day(h.first)} – {_day(h.last)} ({h.span_days:.0f} d) | {len(h.messages)} | "
            f"{h.reporters} | {h.likes:,} | {h.growth:+.2f} |"
        )
    out += [
        "",
        "### How the heat adds up",
        "",
        f"heat = {w.messages}·ln(1+messages) + {w.reporters}·ln(1+reporters) + "
        f"{w.span}·span/(span+{DEFAULT.span_scale_days:.0f} d) + {w.likes}·ln(1+likes) + "
        f"{w.growth}·growth; growth = (late − early)/(late + early), halves of the span.",
        "",
        "| rank | messages | reporters | span | likes | growth | heat |",
        "|---|---|---|---|---|---|---|",
    ]
    for h in found[:TOP]:
        parts = (
            w.messages * _log(len(h.messages)),
            w.reporters * _log(h.reporters),
            w.span * h.span_days / (h.span_days + DEFAULT.span_scale_days),
            w.likes * _log(h.likes),
            w.growth * h.growth,
        )
        out.append(f"| {h.rank} | " + " | ".join(f"{p:+.2f}" for p in parts) + f" | {h.heat:.2f} |")
    out += ["", "## The messages of each", ""]
    for h in found[:TOP]:
        out += [
            f"### {h.rank}. {_short(h.label, 60)}",
            "",
            f"Place: {h.place or '—'}; terms: {'、'.join(h.terms) or '—'}; "
            f"{len(h.messages)} messages"
            + (f" and {len(h.duplicates)} copies" if h.duplicates else "")
            + ".",
            "",
            "| id | date | title |",
            "|---|---|---|",
        ]
        by_time = sorted(
            h.messages + h.duplicates, key=lambda k: (parse_time(rows[k]["留言时间"]), k)
        )
        for key in by_time:
            mark = " (copy)" if key in h.duplicates else ""
            at = parse_time(rows[key]["留言时间"])
            out.append(
                f"| {key}{mark} | {_day(at) if at else ''} | {_short(rows[key]['留言主题'])} |"
            )
        out.append("")
    out += [
        "## Check set",
        "",
        "Issues recognised by hand, each as a rule on the text (a place word and a problem "
        "word); the hot issue holding most of the rule's messages. Purity: share of that hot "
        "issue's messages (copies included) matching the rule; coverage: share of the rule's "
        "messages it holds.",
        "",
        "| issue | messages matching | hot issue rank | its messages | purity | coverage |",
        "|---|---|---|---|---|---|",
    ]
    for name, n, rank, size, purity, coverage in check(found, rows, messages):
        where = f"{rank}" if rank else "none"
        out.append(f"| {name} | {n} | {where} | {size} | {purity:.0%} | {coverage:.0%} |")
    return out


def _log(x: float) -> float:
    return math.log1p(max(0.0, x))


def sweep(messages, rows) -> None:
    """Mean F1 (purity, coverage) over the check set and the largest group, per setting."""
    print("| window | merge_at | place_factor | hot issues | largest | mean F1 | seconds |")
    print("|---|---|---|---|---|---|---|")
    for window, merge, factor in itertools.product((30, 60, 90, 180), (0.15, 0.175, 0.2, 0.25),
                                                   (1.0, 2.0, 2.5, 3.0)):  # fmt: skip
        config = replace(DEFAULT, window_days=window, merge_at=merge, place_factor=factor)
        found, wall, _ = run(messages, config)
        scores = [
            2 * p * c / (p + c) if p + c else 0.0 for *_, p, c in check(found, rows, messages)
        ]
        largest = max((len(h.messages) for h in found), default=0)
        print(f"| {window} | {merge} | {factor} | {len(found)} | {largest} | "
              f"{sum(scores) / len(scores):.3f} | {wall:.1f} |", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", action="store_true", help="also print a parameter sweep")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not HOT.is_file():
        sys.exit(f"not found: {HOT} (set LIANQIN_SHARED_DIR)")
    started = time.perf_counter()
    messages, rows, counts = load()
    found, wall, cpu = run(messages)
    lines = report(found, rows, messages, counts, (wall, cpu, time.perf_counter() - started))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(found)} hot issues; top {TOP} → {args.out} ({wall:.2f} s wall, {cpu:.2f} s CPU)")
    if args.sweep:
        sweep(messages, rows)


if __name__ == "__main__":
    main()
