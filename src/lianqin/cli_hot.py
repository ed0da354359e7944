"""``lianqin hot``: hot issues (热点问题) in a CSV of citizens' messages, without a database
(``triage.hotspots`` groups them; the database side feeds it case reports).

What must hold: the command never touches the database (``setup`` is not called); the CSV
is read as ``lianqin classify`` reads it (UTF-8 with or without BOM, else GB18030;
``--text`` one column or several joined with ``+``, the first being the title); a missing
file or column ends with one clear line and exit code 2; a row whose time cannot be read
(``2019/2/28 11:25:05``, ``2019-02-28 11:25``, ISO 8601; without an offset it is China
time) is counted, reported and skipped, never fatal; the reporter column is only counted
(hashed as it is read) and never written; ``--out`` is UTF-8 with BOM, one row per message
of the hot issues shown, copies included and marked.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from lianqin.cli_classify import columns, read_csv, row_text, write_csv

CHINA = ZoneInfo("Asia/Shanghai")
#: The columns ``--out`` puts before the message's own id, time and title.
OUTPUT_COLUMNS = ("热点排名", "热度", "热点问题", "地点", "重复留言")
_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def register(
    app: typer.Typer, *, setup: Callable[[], Any], fail: Callable[..., None], console: Console
) -> None:
    @app.command()
    def hot(
        csv_file: Annotated[Path, typer.Option("--csv", help="留言 CSV（UTF-8 或 GB18030），第一行为列名")],
        text: Annotated[str, typer.Option("--text", help="文本列，第一列为标题；多列用 + 连接，如 留言主题+留言详情")],
        time_col: Annotated[str, typer.Option("--time", help="时间列，如 留言时间（无时区按北京时间）")],
        id_col: Annotated[str, typer.Option("--id", help="编号列，如 留言编号（缺省用行号）")] = "",
        reporter: Annotated[str, typer.Option("--reporter", help="留言人列：只用于统计人数，不输出")] = "",
        likes: Annotated[str, typer.Option("--likes", help="点赞数列")] = "",
        year: Annotated[int | None, typer.Option("--year", help="只看这一年的留言（北京时间）")] = None,
        top: Annotated[int, typer.Option("--top", help="显示前几个热点问题", min=1)] = 10,
        out: Annotated[Path | None, typer.Option("--out", help="输出 CSV（UTF-8 BOM）：前几个热点问题的每条留言")] = None,
    ) -> None:  # fmt: skip
        """找出热点问题：同一地点、同一时段、反映同一问题的留言归为一组，按热度（留言数、留言人数、持续时间、点赞数、增长）排序。"""
        from lianqin.triage.hotspots import find_hotspots

        started = time.perf_counter()
        header, rows = read_csv(csv_file, fail)
        at = {"text": columns(header, text, csv_file, fail),
              "time": columns(header, time_col, csv_file, fail)[:1],
              "id": columns(header, id_col, csv_file, fail)[:1] if id_col else [],
              "reporter": columns(header, reporter, csv_file, fail)[:1] if reporter else [],
              "likes": columns(header, likes, csv_file, fail)[:1] if likes else []}  # fmt: skip
        messages, by_key, untimed = _messages(rows, at, year)
        found = find_hotspots(messages, top=top)
        summary = {"rows": len(rows), "untimed": untimed, "read": len(messages), "year": year,
                   "copies": sum(len(h.duplicates) for h in found),
                   "seconds": time.perf_counter() - started}  # fmt: skip
        _print(found, summary, console)
        if out is None:
            return
        keep = [i for i in (at["id"] + at["time"] + at["text"][:1]) if i not in at["reporter"]]
        table = [list(OUTPUT_COLUMNS) + [header[i] for i in keep]]
        for h in found:
            for key in sorted(h.messages + h.duplicates, key=lambda k: by_key[k][0]):
                row = by_key[key][1]
                table.append([str(h.rank), f"{h.heat:.2f}", h.label, h.place,
                              "是" if key in h.duplicates else "", *(row[i] for i in keep)])  # fmt: skip
        try:
            write_csv(out, table)
        except OSError as exc:
            fail(f"写不了输出文件 {out}：{exc.strerror}", "检查路径和权限")
        console.print(f"已写出 {len(table) - 1} 条留言 → {out}")


def parse_time(text: str) -> datetime | None:
    """``2019/2/28 11:25:05``, ``2019-02-28 11:25``, ``2019/2/28`` or ISO 8601, as an aware
    datetime; without an offset, China time. None when it is none of these."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text.replace("-", "/"), fmt)  # noqa: DTZ007
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed.replace(tzinfo=CHINA) if parsed.tzinfo is None else parsed


def _messages(
    rows: list[list[str]], at: dict[str, list[int]], year: int | None
) -> tuple[list[Any], dict[str, tuple[datetime, list[str]]], int]:
    """The rows as messages (of ``year`` only, when given), each row by its key, and how
    many rows had no time that could be read."""
    from lianqin.triage.hotspots import Message

    messages: list[Message] = []
    by_key: dict[str, tuple[datetime, list[str]]] = {}
    untimed = 0
    for n, row in enumerate(rows, start=2):  # line 1 is the header
        when = parse_time(row_text(row, at["time"]))
        if when is None:
            untimed += 1
            continue
        if year and when.astimezone(CHINA).year != year:
            continue
        key = row_text(row, at["id"]).strip() if at["id"] else ""
        key = key if key and key not in by_key else f"第{n}行"
        who = row_text(row, at["reporter"]).strip() if at["reporter"] else ""
        liked = row_text(row, at["likes"]).strip() if at["likes"] else ""
        messages.append(Message(key, row_text(row, at["text"]), when,
                                hashlib.sha256(who.encode()).hexdigest()[:16] if who else "",
                                int(liked) if liked.isdigit() else 0))  # fmt: skip
        by_key[key] = (when, row)
    return messages, by_key, untimed


def _print(found: list[Any], s: dict[str, Any], console: Console) -> None:
    period = f"{s['year']} 年的" if s["year"] else ""
    console.print(f"读取 {s['rows']:,} 行，{period}留言 {s['read']:,} 条"
                  + (f"；{s['untimed']:,} 行时间无法识别，已跳过" if s["untimed"] else ""))  # fmt: skip
    if not found:
        console.print("没有找到热点问题（至少 3 条留言、2 位留言人）")
        return
    table = Table("排名", "热度", "热点问题", "地点", "时间范围", "天数", "留言", "人数",
                  "点赞", "增长", title="热点问题")  # fmt: skip
    for h in found:
        label = h.label if len(h.label) <= 30 else h.label[:29] + "…"
        dates = f"{h.first.astimezone(CHINA):%Y-%m-%d}—{h.last.astimezone(CHINA):%Y-%m-%d}"
        table.add_row(str(h.rank), f"{h.heat:.2f}", label, h.place or "—", dates,
                      f"{h.span_days:.0f}", str(len(h.messages)), str(h.reporters),
                      str(h.likes), f"{h.growth:+.2f}")  # fmt: skip
    console.print(table)
    console.print(f"以上热点问题中相同内容的重复留言 {s['copies']} 条，各计为一条；"
                  f"用时 {s['seconds']:.1f} 秒")  # fmt: skip
