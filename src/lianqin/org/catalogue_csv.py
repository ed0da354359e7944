"""Read the dispatch catalogue (派单目录) and the participating units (参勤单位) from CSV.

Pure: stdlib plus the project's own pure ``choices`` module, no Django. The loaders and the
admin import call this and then write the rows; every rule about what a valid catalogue
is lives here, so a bad file is refused with a line and a column before anything is saved.

Two catalogue shapes are read by the same parser, told apart only by their columns:

* our own format ``code,level1,level2,level3,priority,deadline_policy,lead_units,
  assist_units,keywords`` (Chinese headers 编码, 一级分类 …, 优先级, 时限, 主办单位, 协办单位,
  关键词 work too); a row defines the node at its deepest non-empty level, so a row with an
  empty level3 defines a level-2 category;
* a plain tree ``一级分类,二级分类,三级分类`` (or ``level1,level2,level3``), as the 12345 and
  网络问政 platforms export it.

What must hold for the rows returned:

* every node of the tree appears exactly once, parents before children, siblings in the
  order the file first names them; a parent named only by its children is created;
* codes: an explicit code is two digits per level (``01``, ``0101``, ``010101``) and starts
  with its parent's code; a parent without a row of its own takes the prefix of its
  children's codes; a node without any code gets ``'T'`` + the first 10 hex digits of the
  SHA-1 of its ``'/'``-joined path, so re-importing a tree gives the same codes whatever
  the row order; no code names two different paths;
* inheritance down the tree: a node without a priority takes its nearest ancestor's, and
  the same for the deadline policy and for the units, where lead and assisting units are
  one assignment (a node that names lead units does not inherit assisting ones); keywords
  are never inherited, they describe the node itself;
* unknown columns are ignored; lists (units, keywords) are ``|``-separated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import NoReturn

from lianqin.cases.sla import DEFAULT_POLICIES
from lianqin.choices import PRIORITY_LABELS, Priority

#: The deadline policy codes that ``cases.sla`` defines, in the catalogue's own vocabulary.
DEADLINE_POLICIES: tuple[str, ...] = tuple(DEFAULT_POLICIES)

#: The kinds a participating unit may be.
UNIT_KINDS: tuple[str, ...] = ("department", "enterprise", "police", "party")

#: The priority codes (``choices.Priority``); the Chinese labels are accepted as well.
PRIORITIES: tuple[str, ...] = tuple(str(p) for p in Priority)
_PRIORITY_WORDS: dict[str, str] = {p: p for p in PRIORITIES}
for _code, _label in PRIORITY_LABELS.items():
    for _word in (_label.zh, *_label.zh.split("/")):
        _PRIORITY_WORDS.setdefault(_word, str(_code))

_CATALOGUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "代码", "分类编码"),
    "level1": ("level1", "一级分类", "一级类别", "一级"),
    "level2": ("level2", "二级分类", "二级类别", "二级"),
    "level3": ("level3", "三级分类", "三级类别", "三级"),
    "priority": ("priority", "优先级"),
    "deadline_policy": ("deadline_policy", "时限", "时限类型"),
    "lead_units": ("lead_units", "主办单位"),
    "assist_units": ("assist_units", "协办单位"),
    "keywords": ("keywords", "关键词"),
}
_LEVELS = ("level1", "level2", "level3")
_UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "代码", "单位编码"),
    "name": ("name", "名称", "单位名称"),
    "kind": ("kind", "类型", "单位类型"),
    "short_name": ("short_name", "简称"),
}
_CODE_RE = re.compile(r"^(?:\d{2}){1,3}$")
_UNIT_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class CategoryRow:
    """One node of the catalogue, with the attributes it has after inheritance."""

    code: str
    name: str
    parent_code: str | None
    level: int
    priority: str | None
    deadline_policy: str | None
    lead_units: tuple[str, ...]
    assist_units: tuple[str, ...]
    keywords: tuple[str, ...]
    path: tuple[str, ...]


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    kind: str
    short_name: str


class CatalogueError(ValueError):
    """A file that cannot be loaded, pointing at the line and column an operator must fix."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        hint: str = "",
        source: str = "catalogue.csv",
    ) -> None:
        self.message, self.line, self.column = message, line, column
        self.hint, self.source = hint, source
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [f"line {self.line}"] if self.line is not None else []
        parts += [f"column {self.column}"] if self.column is not None else []
        where = f"{self.source} {', '.join(parts)}" if parts else self.source
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


@dataclass
class _Table:
    """The rows of a CSV with its columns mapped to canonical names."""

    source: str
    headers: dict[str, str]  # canonical name -> header as written in the file
    rows: list[tuple[int, dict[str, str]]]

    def err(self, line: int | None, column: str | None, message: str, hint: str = "") -> NoReturn:
        header = self.headers.get(column, column) if column else None
        raise CatalogueError(message, line=line, column=header, hint=hint, source=self.source)


def _read_table(
    text: str, source: str, columns: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> _Table:
    """Parse CSV text: strip a BOM and whitespace, map headers, skip blank rows."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    table = _Table(source, {}, [])
    if header is None or not any(cell.strip() for cell in header):
        table.err(1, None, "the file is empty", "the first line must name the columns")
    width = len(header)
    aliases = {alias.casefold(): canon for canon, names in columns.items() for alias in names}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        canon = aliases.get(cell.strip().casefold())
        if canon is None:
            continue
        if canon in positions:
            table.err(1, cell.strip(), f"column {canon} given twice")
        positions[canon] = index
        table.headers[canon] = cell.strip()
    for name in required:
        if name not in positions:
            table.err(1, name, "missing required column", f"the header must name {name}")
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if any(cell.strip() for cell in cells[width:]):
            table.err(line, None, f"{len(cells)} values but the header has {width} columns")
        values = {c: cells[i].strip() if i < len(cells) else "" for c, i in positions.items()}
        table.rows.append((line, values))
    return table


def _split(value: str) -> tuple[str, ...]:
    """A ``|``-separated list, trimmed, without empties or repeats, in order."""
    return tuple(dict.fromkeys(part.strip() for part in value.split("|") if part.strip()))


@dataclass
class _Spec:
    """What one catalogue row says about the node at its deepest level."""

    line: int
    path: tuple[str, ...]
    code: str | None
    priority: str | None
    deadline_policy: str | None
    lead_units: tuple[str, ...]
    assist_units: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass
class _Node:
    path: tuple[str, ...]
    line: int
    spec: _Spec | None = None
    code: str | None = None
    code_line: int = 0
    children: list[tuple[str, ...]] = field(default_factory=list)


def _row_path(table: _Table, line: int, row: dict[str, str]) -> tuple[str, ...]:
    names = [row.get(level, "") for level in _LEVELS]
    if not names[0]:
        table.err(line, "level1", "empty level1", "every row needs its level-1 category")
    for depth in (1, 2):
        if names[depth] and not names[depth - 1]:
            table.err(
                line,
                _LEVELS[depth - 1],
                f"{_LEVELS[depth]} '{names[depth]}' without {_LEVELS[depth - 1]}",
                "fill in the parent category",
            )
    return tuple(name for name in names if name)


def _row_units(
    table: _Table, line: int, row: dict[str, str], known: Collection[str] | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    lead, assist = _split(row.get("lead_units", "")), _split(row.get("assist_units", ""))
    for column, units in (("lead_units", lead), ("assist_units", assist)):
        for unit in units:
            if known is not None and unit not in known:
                table.err(
                    line, column, f"unknown unit '{unit}'", "add it to units.csv or fix the code"
                )
    if assist and not lead:
        table.err(line, "lead_units", "assisting units without a lead unit", "name the lead unit")
    both = [unit for unit in assist if unit in lead]
    if both:
        table.err(line, "assist_units", f"unit '{both[0]}' is both lead and assisting")
    return lead, assist


def _row_spec(
    table: _Table,
    line: int,
    row: dict[str, str],
    known: Collection[str] | None,
    policies: Collection[str] = DEADLINE_POLICIES,
) -> _Spec:
    """Validate one row's values; the structure across rows is checked later."""
    path = _row_path(table, line, row)
    code = row.get("code") or None
    if code is not None and (not _CODE_RE.match(code) or len(code) != 2 * len(path)):
        table.err(
            line,
            "code",
            f"code '{code}' does not fit a level-{len(path)} category",
            f"use two digits per level, {2 * len(path)} digits here (01, 0101, 010101)",
        )
    priority = row.get("priority") or None
    if priority is not None:
        if priority.casefold() not in _PRIORITY_WORDS:
            table.err(line, "priority", f"unknown priority '{priority}'", _accepted(PRIORITIES))
        priority = _PRIORITY_WORDS[priority.casefold()]
    policy = (row.get("deadline_policy") or "").casefold() or None
    if policy is not None and policy not in policies:
        table.err(
            line,
            "deadline_policy",
            f"unknown deadline policy '{row['deadline_policy']}'",
            _accepted(tuple(policies)),
        )
    lead, assist = _row_units(table, line, row, known)
    keywords = _split(row.get("keywords", ""))
    return _Spec(line, path, code, priority, policy, lead, assist, keywords)


def _accepted(values: Collection[object]) -> str:
    return "use one of " + ", ".join(str(v) for v in values)


def _merge(table: _Table, node: _Node, spec: _Spec) -> None:
    """A second row for the same path may repeat the first, or fill what it left empty."""
    old = node.spec
    if old is None:
        node.spec = spec
        return
    for column in ("code", "priority", "deadline_policy", "lead_units", "assist_units", "keywords"):
        before, after = getattr(old, column), getattr(spec, column)
        if before and after and before != after:
            table.err(
                spec.line,
                column,
                f"'{'/'.join(spec.path)}' is given again with a different {column}",
                f"first given on line {old.line}; keep one row per category",
            )
        if after and not before:
            setattr(old, column, after)


def _build_tree(table: _Table, specs: list[_Spec]) -> dict[tuple[str, ...], _Node]:
    """Every node, parents created on first mention, in first-appearance order."""
    nodes: dict[tuple[str, ...], _Node] = {}
    for spec in specs:
        for depth in range(1, len(spec.path) + 1):
            path = spec.path[:depth]
            if path not in nodes:
                nodes[path] = _Node(path, spec.line)
                if depth > 1:
                    nodes[path[:-1]].children.append(path)
        _merge(table, nodes[spec.path], spec)
    return nodes


def _path_code(path: tuple[str, ...]) -> str:
    """The stable code of a node that has none: it depends on the path only."""
    digest = hashlib.sha1("/".join(path).encode("utf-8"), usedforsecurity=False)
    return "T" + digest.hexdigest()[:10]


def _assign_codes(table: _Table, nodes: dict[tuple[str, ...], _Node]) -> None:
    """Explicit codes first, then prefixes taken by parents without one, then path codes."""
    for node in nodes.values():
        if node.spec is not None and node.spec.code:
            node.code, node.code_line = node.spec.code, node.spec.line
    explicit = sorted(
        (n.spec for n in nodes.values() if n.spec is not None and n.spec.code),
        key=lambda spec: spec.line,
    )
    for spec in explicit:
        code = spec.code or ""
        for depth in range(len(spec.path) - 1, 0, -1):
            parent = nodes[spec.path[:depth]]
            prefix = code[: 2 * depth]
            if parent.code is None:
                parent.code, parent.code_line = prefix, spec.line
            elif parent.code != prefix:
                table.err(
                    spec.line,
                    "code",
                    f"code '{code}' does not start with '{parent.code}', the code of its "
                    f"parent '{'/'.join(parent.path)}' (line {parent.code_line})",
                    "a child's code is its parent's code plus two digits",
                )
    for node in nodes.values():
        if node.code is None:
            node.code, node.code_line = _path_code(node.path), node.line
    _check_unique(table, nodes)


def _check_unique(table: _Table, nodes: dict[tuple[str, ...], _Node]) -> None:
    seen: dict[str, _Node] = {}
    for node in sorted(nodes.values(), key=lambda n: n.code_line):
        other = seen.setdefault(node.code or "", node)
        if other is not node:
            table.err(
                node.code_line,
                "code",
                f"code '{node.code}' is already used for '{'/'.join(other.path)}' "
                f"(line {other.code_line})",
                "every category needs its own code",
            )


def _emit(
    nodes: dict[tuple[str, ...], _Node],
    path: tuple[str, ...],
    inherited: tuple[str | None, str | None, tuple[str, ...], tuple[str, ...]],
) -> Iterator[CategoryRow]:
    """Preorder walk: the node, then its children, each with the inherited attributes."""
    node = nodes[path]
    priority, policy, lead, assist = inherited
    spec = node.spec
    if spec is not None:
        priority, policy = spec.priority or priority, spec.deadline_policy or policy
        if spec.lead_units:
            lead, assist = spec.lead_units, spec.assist_units
    parent = nodes[path[:-1]].code if len(path) > 1 else None
    yield CategoryRow(
        code=node.code or "",
        name=path[-1],
        parent_code=parent,
        level=len(path),
        priority=priority,
        deadline_policy=policy,
        lead_units=lead,
        assist_units=assist,
        keywords=spec.keywords if spec is not None else (),
        path=path,
    )
    for child in node.children:
        yield from _emit(nodes, child, (priority, policy, lead, assist))


def parse_catalogue_csv(
    text: str,
    *,
    source: str = "catalogue.csv",
    known_units: Collection[str] | None = None,
    known_policies: Collection[str] = DEADLINE_POLICIES,
) -> list[CategoryRow]:
    """The catalogue's nodes, parents first, after inheritance; raise CatalogueError.

    ``known_units``: when given, every unit code must be one of them (pass the codes of
    the units file or of the database).
    """
    table = _read_table(text, source, _CATALOGUE_COLUMNS, ("level1", "level2"))
    specs = [_row_spec(table, line, row, known_units, known_policies) for line, row in table.rows]
    nodes = _build_tree(table, specs)
    _assign_codes(table, nodes)
    rows: list[CategoryRow] = []
    for path in nodes:
        if len(path) == 1:
            rows.extend(_emit(nodes, path, (None, None, (), ())))
    return rows


def parse_units_csv(text: str, *, source: str = "units.csv") -> list[UnitRow]:
    """The participating units in file order; codes unique, kinds known; else CatalogueError.

    ``short_name`` may be missing or empty: the full name is used then.
    """
    table = _read_table(text, source, _UNIT_COLUMNS, ("code", "name", "kind"))
    units: list[UnitRow] = []
    lines: dict[str, int] = {}
    for line, row in table.rows:
        code, name, kind = row["code"], row["name"], row["kind"]
        if not _UNIT_CODE_RE.match(code):
            table.err(
                line, "code", f"unit code '{code}' is not valid", "use lower-case ASCII, e.g. cg"
            )
        if code in lines:
            table.err(line, "code", f"unit code '{code}' is already used on line {lines[code]}")
        if not name:
            table.err(line, "name", "empty name", "give the unit's full name")
        if kind not in UNIT_KINDS:
            table.err(line, "kind", f"unknown kind '{kind}'", _accepted(UNIT_KINDS))
        lines[code] = line
        units.append(UnitRow(code, name, kind, row.get("short_name") or name))
    return units
