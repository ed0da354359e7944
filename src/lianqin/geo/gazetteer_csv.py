"""The gazetteer as CSV, so a deployment can import its own. Pure: stdlib, no Django.

One row per place or road segment, header::

    kind,name,aliases,street,community,grid,road,from_no,to_no,parity,lon,lat

* ``kind``: street, community, road (a road's name, aliases and centre), road_segment,
  compound, landmark;
* ``aliases``: ``|``-separated; ``street``, ``community``, ``grid``: codes;
* a road_segment names its road in ``road`` (or ``name``) and needs ``from_no`` ≤
  ``to_no``, ``parity`` (all/odd/even, or 单双号/单号/双号; empty = all), ``grid``, and a
  point; the other kinds leave those columns empty;
* ``lon``/``lat``: WGS-84 degrees, both or neither (a segment needs both).

What must hold: a file is refused whole at its first bad cell, with the line, the column
and a hint (``InvalidInput``), so nothing half-imported reaches the database; two
segments of one road in one street never share a house number (a number must name one
grid); :func:`write_gazetteer_csv` then :func:`parse_gazetteer_csv` gives equal objects.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import NoReturn

from lianqin.errors import InvalidInput
from lianqin.geo.gazetteer import Place, RoadSegment

COLUMNS = ("kind", "name", "aliases", "street", "community", "grid", "road", "from_no",
           "to_no", "parity", "lon", "lat")  # fmt: skip
KINDS = ("street", "community", "road", "road_segment", "compound", "landmark")
_PARITY = {"all": "all", "odd": "odd", "even": "even", "": "all",
           "单双号": "all", "单号": "odd", "双号": "even"}  # fmt: skip


class _Row:
    """One data row: its cells by column, and how to refuse it."""

    def __init__(self, source: str, line: int, cells: dict[str, str]) -> None:
        self.source, self.line, self.cells = source, line, cells

    def fail(self, column: str, problem: str, hint: str) -> NoReturn:
        raise InvalidInput(
            f"{self.source} 第 {self.line} 行 {column}：{problem}",
            hint=hint,
            field=column,
            line=self.line,
            column=column,
        )

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.fail(column, "不能为空", f"{self.cells.get('kind') or '该'}行须填写 {column}")
        return value

    def code(self, column: str) -> str | None:
        value = self.text(column)
        if any(c.isspace() for c in value):
            self.fail(column, f"编码 {value!r} 含空白", "编码中不能有空格或换行")
        return value or None

    def number(self, column: str) -> int:
        value = self.text(column, required=True)
        if not value.isdigit() or not value.isascii():
            self.fail(column, f"门牌号须为整数，而不是 {value!r}", "填写非负整数，如 1、99")
        return int(value)

    def point(self) -> tuple[float, float]:
        return self.degrees("lon", 180.0), self.degrees("lat", 90.0)

    def degrees(self, column: str, limit: float) -> float:
        value = self.text(column, required=True)
        try:
            degrees = float(value)
        except ValueError:
            self.fail(column, f"坐标须为数字，而不是 {value!r}", "WGS-84 十进制度，如 118.63")
        if not math.isfinite(degrees) or abs(degrees) > limit:
            self.fail(column, f"坐标 {value} 超出范围 ±{limit:g}", "经度在 lon 列、纬度在 lat 列")
        return degrees


def parse_gazetteer_csv(text: str, *, source: str = "gazetteer.csv") -> tuple[list[Place], list[RoadSegment]]:  # fmt: skip
    """The places and road segments of a gazetteer CSV; raises ``InvalidInput``."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [cell.strip().lower() for cell in next(reader, [])]
    first = _Row(source, 1, {})
    for column in ("kind", "name"):
        if column not in header:
            first.fail(column, "缺少该列", "第一行须为列名：" + ",".join(COLUMNS))
    places: list[Place] = []
    segments: list[RoadSegment] = []
    lines: dict[tuple[str, str | None, str], list[tuple[RoadSegment, int]]] = defaultdict(list)
    for offset, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = _Row(source, offset, {c: v.strip() for c, v in zip(header, cells, strict=False)})
        kind = row.text("kind", required=True)
        if kind not in KINDS:
            row.fail("kind", f"未知类型 {kind!r}", "可选：" + "、".join(KINDS))
        if kind == "road_segment":
            segment = _segment(row)
            segments.append(segment)
            lines[(segment.road, segment.street_code, segment.parity)].append((segment, offset))
        else:
            places.append(_place(row, kind))
    _check_overlaps(source, lines)
    return places, segments


def _place(row: _Row, kind: str) -> Place:
    aliases = tuple(a.strip() for a in row.text("aliases").split("|") if a.strip())
    lon, lat = row.point() if row.text("lon") or row.text("lat") else (None, None)
    return Place(kind, row.text("name", required=True), aliases, row.code("grid"),
                 row.code("community"), row.code("street"), lon, lat)  # fmt: skip


def _segment(row: _Row) -> RoadSegment:
    road = row.text("road") or row.text("name")
    if not road:
        row.fail("road", "不能为空", "road_segment 行须在 road 列写道路名")
    low, high = row.number("from_no"), row.number("to_no")
    if low > high:
        row.fail("to_no", f"终止门牌 {high} 小于起始门牌 {low}", "from_no 须不大于 to_no")
    parity = _PARITY.get(row.text("parity").lower())
    if parity is None:
        row.fail(
            "parity",
            f"未知单双号 {row.text('parity')!r}",
            "可选 all、odd、even（或 单双号、单号、双号）",
        )
    grid = row.code("grid") or row.fail("grid", "不能为空", "门牌段须指明所在网格编码")
    return RoadSegment(road, row.code("street"), low, high, parity, grid, *row.point())


def _check_overlaps(source: str, lines: dict[tuple[str, str | None, str], list[tuple[RoadSegment, int]]]) -> None:  # fmt: skip
    """Refuse two segments of one road that share a house number (same parity, or one
    of them 'all')."""
    for (road, street, parity), found in lines.items():
        others = lines.get((road, street, "all"), []) if parity != "all" else []
        active: list[tuple[RoadSegment, int]] = []  # segments still open at from_no
        for b, line_b in sorted(found + others, key=lambda x: (x[0].from_no, x[1])):
            active = [(a, line_a) for a, line_a in active if a.to_no >= b.from_no]
            for a, line_a in active:
                if _share_number(a, b):
                    _Row(source, max(line_a, line_b), {}).fail(
                        "from_no",
                        f"{road} 门牌段 {b.from_no}–{b.to_no} 与第 {min(line_a, line_b)} 行 "
                        f"{a.from_no}–{a.to_no} 重叠",
                        "同一道路的门牌号只能属于一个门牌段（单双号分列时分别计）",
                    )
            active.append((b, line_b))


def _share_number(a: RoadSegment, b: RoadSegment) -> bool:
    low, high = max(a.from_no, b.from_no), min(a.to_no, b.to_no)
    return any(a.contains(n) and b.contains(n) for n in range(low, min(high, low + 2) + 1))


def write_gazetteer_csv(places: Iterable[Place], segments: Iterable[RoadSegment]) -> str:
    """The CSV text (header, places, then segments) that :func:`parse_gazetteer_csv` reads back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for p in places:
        writer.writerow([p.kind, p.name, "|".join(p.aliases), p.street_code or "",
                         p.community_code or "", p.grid_code or "", "", "", "", "",
                         _num(p.lon), _num(p.lat)])  # fmt: skip
    for s in segments:
        writer.writerow(["road_segment", "", "", s.street_code or "", "", s.grid_code, s.road,
                         s.from_no, s.to_no, s.parity, _num(s.lon), _num(s.lat)])  # fmt: skip
    return out.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else repr(value)
