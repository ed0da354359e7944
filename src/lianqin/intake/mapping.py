"""A channel's field mapping: which source field fills which report field. Pure: no Django.

Every source system names its fields its own way, and a deployment meets variants of the
same system (one city's 12345 exports 工单编号, another's API says ``orderNo``). So the
names live in a TOML file per channel, not in code: the package ships a default in
``intake/mappings/<channel>.toml`` and a deployment may put its own ``<channel>.toml`` in
an override directory (``LIANQIN_CHANNEL_MAPPINGS``); that file replaces the default
whole. The format (``docs/channels.md`` has the long version)::

    [fields]            # report field = source path, or a list: the first non-empty wins
    external_id = ["工单编号", "orderNo"]
    reporter_phone = ["联系电话", "caller.phone"]      # dotted path into nested JSON
    [extra]             # extra key = path(s), or { from = path(s), type = "int" }
    likes = { from = "点赞数", type = "int" }
    [time]              # naive times are read in `timezone`; ISO 8601 is always accepted
    timezone = "Asia/Shanghai"
    formats = ["%Y/%m/%d %H:%M:%S", "epoch"]
    [values.priority]   # translation table; "*" is what an unlisted word becomes
    "紧急" = "urgent"
    [defaults]          # constant used when the source sends nothing
    crs = "gcj02"
    [settings]          # the channel's own knobs; the default file declares them

What must hold:

* a mapping that loads is usable: every key is known, every path non-empty, every
  translated priority or ``crs`` is a value the report accepts, every time format
  compiles; anything else raises :class:`InvalidInput` naming the file and the line or
  key, at load time, never halfway through an import;
* nothing is done per payload that can be done once: paths are split and time formats
  compiled to regular expressions when the file is read, and a file is read once per
  modification (``load_mapping`` caches on path, size and mtime);
* ``external_id`` never has a default: the source's own identifier is never invented.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, time, tzinfo
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from lianqin.choices import Priority
from lianqin.errors import InvalidInput

__all__ = [
    "CRS_VALUES",
    "DEFAULTS_DIR",
    "EXTRA_TYPES",
    "PRIORITY_VALUES",
    "TARGETS",
    "Mapping",
    "Rule",
    "Source",
    "TimeSpec",
    "channels_with_defaults",
    "compile_time_format",
    "load_mapping",
]

#: Where the packaged default mappings live, one ``<channel>.toml`` each.
DEFAULTS_DIR = Path(__file__).resolve().with_name("mappings")

PRIORITY_VALUES = frozenset(str(p) for p in Priority)
CRS_VALUES = frozenset({"wgs84", "gcj02", "bd09"})

#: Report field -> how its value is read. ``line``: one line of text; ``text``: readable
#: multi-line text; ``time``: an aware datetime; ``lon``/``lat``: a float in range;
#: ``list``: a list of strings.
TARGETS: dict[str, str] = {
    "external_id": "line",
    "title": "line",
    "description": "text",
    "reported_at": "time",
    "category_hint": "line",
    "category_code": "line",
    "priority": "line",
    "lon": "lon",
    "lat": "lat",
    "crs": "line",
    "address": "line",
    "grid_code": "line",
    "reporter_name": "line",
    "reporter_phone": "line",
    "reporter_id_number": "line",
    "due_at": "time",
    "photos": "list",
}
#: What an ``[extra]`` entry may be read as (``value``: as sent, strings trimmed).
EXTRA_TYPES = ("value", "text", "int", "float", "bool", "time")
_ALLOWED: dict[str, frozenset[str]] = {"priority": PRIORITY_VALUES, "crs": CRS_VALUES}
_NO_DEFAULT = frozenset({"external_id", "reported_at", "due_at", "lon", "lat", "photos"})
_SECTIONS = ("fields", "extra", "time", "values", "defaults", "settings")
_DEFAULT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


@dataclass(frozen=True, slots=True)
class Source:
    """A source path as written (``caller.phone``) and its parts, split once."""

    name: str
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """How one report field (or one extra key) is filled: where from, read as what."""

    target: str
    kind: str
    sources: tuple[Source, ...]
    translate: dict[str, str] | None = None
    # what a word missing from ``translate`` becomes (the table's "*"); None keeps it
    fallback: str | None = None
    default: str | None = None
    allowed: frozenset[str] | None = None

    def find(self, record: dict[str, Any]) -> tuple[str, Any] | None:
        """The first non-empty value among the sources, with the name it was found under.

        A dotted path is first looked up as a whole key (column names may hold dots),
        then walked through nested objects; a digit part indexes a list.
        """
        for source in self.sources:
            value = record.get(source.name)
            if value is None and source.parts:
                value = record
                for part in source.parts:
                    if isinstance(value, dict):
                        value = value.get(part)
                    elif isinstance(value, list) and part.isdecimal() and int(part) < len(value):
                        value = value[int(part)]
                    else:
                        value = None
                        break
            if value is None or value == "" or value == [] or value == {}:
                continue
            if isinstance(value, str) and value.isspace():
                continue
            return source.name, value
        return None


@dataclass(frozen=True, slots=True)
class TimeFormat:
    """One ``strptime``-style format compiled to a regular expression (a few times faster
    than ``strptime`` and tolerant of one-digit months and hours, as exports write them)."""

    pattern: str
    regex: re.Pattern[str]
    has_clock: bool

    def build(self, match: re.Match[str], zone: tzinfo, end_of_day: bool) -> datetime:
        g = match.groupdict()
        fraction = g.get("f")
        offset = g.get("z")
        if self.has_clock:
            clock = (int(g.get("H") or 0), int(g.get("M") or 0), int(g.get("S") or 0))
        else:
            clock = (23, 59, 59) if end_of_day else (0, 0, 0)
        return datetime(
            int(g["Y"]),
            int(g["m"]),
            int(g["d"]),
            *clock,
            int(fraction.ljust(6, "0")) if fraction else 0,
            tzinfo=_offset(offset) if offset else zone,
        )


_DIRECTIVES = {
    "Y": r"(?P<Y>\d{4})",
    "m": r"(?P<m>\d{1,2})",
    "d": r"(?P<d>\d{1,2})",
    "H": r"(?P<H>\d{1,2})",
    "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})",
    "f": r"(?P<f>\d{1,6})",
    "z": r"(?P<z>Z|[+-]\d{2}:?\d{2})",
}


def compile_time_format(pattern: str) -> TimeFormat:
    """Compile ``%Y %m %d %H %M %S %f %z %%`` and literal text; a space matches any run of
    whitespace. Raises ValueError for another directive or without a full date."""
    out: list[str] = []
    seen: set[str] = set()
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "%":
            if i + 1 >= len(pattern):
                raise ValueError(f"格式 {pattern!r} 以单独的 % 结尾")
            d = pattern[i + 1]
            i += 2
            if d == "%":
                out.append("%")
                continue
            if d not in _DIRECTIVES:
                raise ValueError(
                    f"格式 {pattern!r} 中的 %{d} 不受支持（可用 %Y %m %d %H %M %S %f %z）"
                )
            if d in seen:
                raise ValueError(f"格式 {pattern!r} 中 %{d} 出现了两次")
            seen.add(d)
            out.append(_DIRECTIVES[d])
            continue
        out.append(r"\s+" if ch.isspace() else re.escape(ch))
        i += 1
    if not {"Y", "m", "d"} <= seen:
        raise ValueError(f"格式 {pattern!r} 缺少年月日（%Y %m %d）")
    return TimeFormat(pattern, re.compile("".join(out)), has_clock="H" in seen)


def _offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    return datetime.strptime(text.replace(":", ""), "%z").tzinfo or UTC


_EPOCH_RE = re.compile(r"-?\d{9,13}(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """How a channel's times are read: its formats in order, its zone, epoch or not."""

    zone: tzinfo
    zone_name: str
    formats: tuple[TimeFormat, ...]
    epoch: bool

    def parse(self, value: Any, *, end_of_day: bool = False) -> datetime:
        """An aware datetime, or ValueError. Tries the formats in order, then epoch
        seconds/milliseconds (when listed; 13 digits or more than 1e11 means ms), then
        ISO 8601. A naive time is read in the zone; a date alone means its first second,
        or its last when ``end_of_day`` (a deadline date runs to the end of that day)."""
        if isinstance(value, bool):
            raise ValueError("布尔值不是时间")
        if isinstance(value, int | float):
            if self.epoch:
                return self._from_epoch(float(value))
            value = str(value)
        if not isinstance(value, str):
            raise ValueError("不是文本")
        text = value.strip()
        for fmt in self.formats:
            match = fmt.regex.fullmatch(text)
            if match:
                try:
                    return fmt.build(match, self.zone, end_of_day)
                except ValueError:
                    continue  # 2024-02-30: another format may still read it
        if self.epoch and _EPOCH_RE.fullmatch(text):
            return self._from_epoch(float(text))
        parsed = datetime.fromisoformat(text)
        if end_of_day and len(text) <= 10:  # a bare ISO date: 2024-05-10 or 20240510
            parsed = datetime.combine(parsed.date(), time(23, 59, 59))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.zone)

    def _from_epoch(self, seconds: float) -> datetime:
        if not math.isfinite(seconds):
            raise ValueError("不是有限的数")
        if abs(seconds) >= 1e11:
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, tz=self.zone)
        except (OverflowError, OSError) as exc:
            raise ValueError(str(exc)) from exc

    def examples(self) -> str:
        """The accepted formats, written as examples, for a hint."""
        sample = datetime(2024, 5, 1, 9, 30, 0, tzinfo=UTC)
        shown = [_example(f.pattern, sample) for f in self.formats]
        if self.epoch:
            shown.append("Unix 时间戳（秒或毫秒）")
        shown.append("ISO 8601（如 2024-05-01T09:30:00+08:00）")
        return "、".join(shown)


def _example(pattern: str, sample: datetime) -> str:
    return sample.strftime(pattern.replace("%z", "+0800").replace("%f", "000"))


@dataclass(frozen=True, eq=False)
class Mapping:
    """A loaded, checked mapping. Build it with :func:`load_mapping`.

    Instances are cached and shared between threads, so nothing in them changes after
    loading (``settings`` is a read-only view)."""

    channel: str
    origin: str
    fields: tuple[Rule, ...]
    extra: tuple[Rule, ...]
    time: TimeSpec
    settings: MappingProxyType[str, Any]

    def rule(self, target: str) -> Rule | None:
        return next((r for r in self.fields if r.target == target), None)

    def source_names(self, target: str) -> tuple[str, ...]:
        """The source names a report field is read from, in order ('' when unmapped)."""
        rule = self.rule(target) or next((r for r in self.extra if r.target == target), None)
        return tuple(s.name for s in rule.sources) if rule else ()

    def columns(self) -> tuple[str, ...]:
        """The column names a CSV/XLSX export is expected to have: the first plain
        (undotted) source of every field and extra key, in mapping order."""
        seen: dict[str, None] = {}
        for rule in (*self.fields, *self.extra):
            plain = [s.name for s in rule.sources if not s.parts]
            if plain:
                seen.setdefault(plain[0], None)
        return tuple(seen)

    def key_columns(self) -> tuple[frozenset[str], frozenset[str]]:
        """(names for the identifier, names for the text): a header row must hold one of
        each to be recognised as the header."""
        ids = frozenset(s.name for s in self._sources("external_id") if not s.parts)
        texts = frozenset(
            s.name for t in ("title", "description") for s in self._sources(t) if not s.parts
        )
        return ids, texts

    def _sources(self, target: str) -> tuple[Source, ...]:
        rule = self.rule(target)
        return rule.sources if rule else ()


# ---------------------------------------------------------------------------- loading


def channels_with_defaults() -> tuple[str, ...]:
    """The channels the package ships a default mapping for."""
    return tuple(sorted(p.stem for p in DEFAULTS_DIR.glob("*.toml")))


def load_mapping(channel: str, override_dir: Path | str | None = None) -> Mapping:
    """The mapping of ``channel``: ``<override_dir>/<channel>.toml`` when that file exists
    (it replaces the default whole), else the packaged default.

    Raises InvalidInput for an unknown channel, a missing override directory, or a file
    that does not check (naming the file and the line or key). Cached per file version,
    so calling it once per batch is cheap; do not call it once per row.
    """
    default = DEFAULTS_DIR / f"{channel}.toml"
    if not default.is_file():
        raise InvalidInput(
            f"没有渠道“{channel}”的字段映射",
            field="channel",
            hint="可用的渠道：" + "、".join(channels_with_defaults()),
        )
    path = default
    if override_dir is not None:
        directory = Path(override_dir)
        if not directory.is_dir():
            raise InvalidInput(
                f"映射覆盖目录 {directory} 不存在",
                field="LIANQIN_CHANNEL_MAPPINGS",
                hint="建立这个目录并放入 <渠道>.toml，或不设置这个目录以使用默认映射",
            )
        candidate = directory / f"{channel}.toml"
        if candidate.is_file():
            path = candidate
    stat = path.stat()
    return _load(channel, str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load(channel: str, path: str, _mtime_ns: int, _size: int) -> Mapping:
    text = Path(path).read_text(encoding="utf-8")
    return _Reader(channel, path, text).mapping()


@lru_cache(maxsize=16)
def _declared_settings(channel: str) -> dict[str, Any]:
    """The [settings] of the packaged default: the keys and types an override may set."""
    path = DEFAULTS_DIR / f"{channel}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    settings = data.get("settings", {})
    return dict(settings) if isinstance(settings, dict) else {}


class _Reader:
    """Checks one mapping file and builds the Mapping, raising with file and line."""

    def __init__(self, channel: str, path: str, text: str):
        self.channel = channel
        self.path = path
        self.text = text

    def fail(self, what: str, *, section: str = "", key: str = "", hint: str = "") -> InvalidInput:
        line = _line_of(self.text, section, key) if (section or key) else None
        where = f"{self.path} 第 {line} 行" if line else self.path
        name = f"[{section}] {key}".strip() if key else (f"[{section}]" if section else "")
        return InvalidInput(
            f"映射文件 {where}：{what}",
            field=name or None,
            hint=hint or "改正后重新加载；可参照软件包自带的默认映射（docs/channels.md）",
        )

    def mapping(self) -> Mapping:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise self.fail(f"不是有效的 TOML：{exc}") from exc
        for key in data:
            if key not in _SECTIONS:
                raise self.fail(
                    f"未知的节或键“{key}”",
                    section=key,
                    hint="可用的节：" + "、".join(f"[{s}]" for s in _SECTIONS),
                )
        sections = {s: self.table(data, s) for s in _SECTIONS if s != "values"}
        values = self.table(data, "values")
        fields = sections["fields"]
        extra = sections["extra"]
        defaults = sections["defaults"]
        for name in values:
            if name not in TARGETS and name not in extra:
                raise self.fail(
                    f"[values.{name}] 翻译的字段既不在 [fields] 也不在 [extra] 中",
                    section=f"values.{name}",
                )
            self.translation(name, values)  # checked even when nothing reads it yet
        if "external_id" not in fields:
            raise self.fail("[fields] 缺少 external_id（来源系统自己的编号）", section="fields")
        if "title" not in fields and "description" not in fields:
            raise self.fail("[fields] 至少要映射 title 或 description", section="fields")

        rules: list[Rule] = []
        for target, spec in fields.items():
            if target not in TARGETS:
                raise self.fail(
                    f"未知的目标字段“{target}”",
                    section="fields",
                    key=target,
                    hint="可用的目标字段：" + "、".join(TARGETS),
                )
            rules.append(self.rule(target, TARGETS[target], spec, "fields", values, defaults))
        for target, value in defaults.items():
            if target not in TARGETS or target in _NO_DEFAULT:
                raise self.fail(
                    f"不能为“{target}”设默认值",
                    section="defaults",
                    key=target,
                    hint="默认值只用于文本字段，且 external_id 不能有默认值",
                )
            if not isinstance(value, str):
                raise self.fail("默认值应为字符串", section="defaults", key=target)
            self.check_allowed(target, value, "defaults", target)
            if target not in fields:
                rules.append(Rule(target, TARGETS[target], (), default=value))
        extra_rules = [self.extra_rule(key, spec, values) for key, spec in extra.items()]
        return Mapping(
            channel=self.channel,
            origin=self.path,
            fields=tuple(rules),
            extra=tuple(extra_rules),
            time=self.time_spec(sections["time"]),
            settings=MappingProxyType(self.settings(sections["settings"])),
        )

    def table(self, data: dict[str, Any], section: str) -> dict[str, Any]:
        value = data.get(section, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{section}] 应为一个表", section=section)
        return value

    def sources(self, spec: Any, section: str, key: str) -> tuple[Source, ...]:
        names = [spec] if isinstance(spec, str) else spec
        if not isinstance(names, list) or not names:
            raise self.fail("应为来源字段名或字段名列表", section=section, key=key)
        out = []
        for name in names:
            if not isinstance(name, str) or not name.strip():
                raise self.fail("来源字段名应为非空字符串", section=section, key=key)
            name = name.strip()
            parts = tuple(name.split(".")) if "." in name else ()
            if any(not p for p in parts):
                raise self.fail(f"路径“{name}”中有空的段", section=section, key=key)
            out.append(Source(name, parts))
        return tuple(out)

    def translation(
        self, target: str, values: dict[str, Any]
    ) -> tuple[dict[str, str] | None, str | None]:
        table = values.get(target)
        if table is None:
            return None, None
        section = f"values.{target}"
        if not isinstance(table, dict):
            raise self.fail("应为一个表（来源词 = 目标值）", section=section)
        out: dict[str, str] = {}
        for word, result in table.items():
            if not isinstance(result, str):
                raise self.fail("目标值应为字符串", section=section, key=word)
            if result:
                self.check_allowed(target, result, section, word)
            out[word] = result
        fallback = out.pop("*", None)
        return out, fallback

    def check_allowed(self, target: str, value: str, section: str, key: str) -> None:
        allowed = _ALLOWED.get(target)
        if allowed is not None and value not in allowed:
            raise self.fail(
                f"“{value}”不是 {target} 的有效值",
                section=section,
                key=key,
                hint="可用的值：" + "、".join(sorted(allowed)),
            )

    def rule(
        self,
        target: str,
        kind: str,
        spec: Any,
        section: str,
        values: dict[str, Any],
        defaults: dict[str, Any],
    ) -> Rule:
        translate, fallback = self.translation(target, values)
        default = defaults.get(target)
        return Rule(
            target=target,
            kind=kind,
            sources=self.sources(spec, section, target),
            translate=translate,
            fallback=fallback,
            default=default if isinstance(default, str) else None,
            allowed=_ALLOWED.get(target),
        )

    def extra_rule(self, key: str, spec: Any, values: dict[str, Any]) -> Rule:
        kind = "value"
        if isinstance(spec, dict):
            unknown = set(spec) - {"from", "type"}
            if unknown or "from" not in spec:
                raise self.fail(
                    "应写成 { from = 来源, type = 类型 }",
                    section="extra",
                    key=key,
                )
            kind = spec.get("type", "value")
            if kind not in EXTRA_TYPES:
                raise self.fail(
                    f"未知的类型“{kind}”",
                    section="extra",
                    key=key,
                    hint="可用的类型：" + "、".join(EXTRA_TYPES),
                )
            spec = spec["from"]
        translate, fallback = self.translation(key, values)
        return Rule(key, kind, self.sources(spec, "extra", key), translate, fallback)

    def time_spec(self, section: dict[str, Any]) -> TimeSpec:
        for key in section:
            if key not in ("timezone", "formats"):
                raise self.fail(f"未知的键“{key}”", section="time", key=key)
        zone_name = section.get("timezone", "Asia/Shanghai")
        try:
            zone = ZoneInfo(zone_name)
        except (KeyError, ValueError, TypeError, OSError) as exc:  # not found is a KeyError
            raise self.fail(f"未知的时区“{zone_name}”", section="time", key="timezone") from exc
        patterns = section.get("formats", list(_DEFAULT_FORMATS))
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise self.fail("formats 应为字符串列表", section="time", key="formats")
        formats = []
        for pattern in patterns:
            if pattern == "epoch":
                continue
            try:
                formats.append(compile_time_format(pattern))
            except ValueError as exc:
                raise self.fail(str(exc), section="time", key="formats") from exc
        return TimeSpec(zone, zone_name, tuple(formats), "epoch" in patterns)

    def settings(self, section: dict[str, Any]) -> dict[str, Any]:
        declared = _declared_settings(self.channel)
        out = dict(declared)
        for key, value in section.items():
            if key not in declared:
                raise self.fail(
                    f"渠道 {self.channel} 没有设置项“{key}”",
                    section="settings",
                    key=key,
                    hint="可用的设置项：" + ("、".join(declared) or "（无）"),
                )
            expected = declared[key]
            ok = isinstance(value, type(expected)) or (
                isinstance(expected, float)
                and isinstance(value, int)
                and not isinstance(value, bool)
            )
            if not ok:
                raise self.fail(
                    f"设置项“{key}”应为 {type(expected).__name__}",
                    section="settings",
                    key=key,
                )
            out[key] = float(value) if isinstance(expected, float) else value
        return out


def _line_of(text: str, section: str, key: str) -> int | None:
    """The line where ``key`` is set in ``[section]`` (or the section header), 1-based.
    A best effort for messages: tomllib reports no positions for keys that parse."""
    current = ""
    header_line = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("[") and not line.startswith("[["):
            current = line.strip("[]").strip()
            if current == section or (not key and current.startswith(section + ".")):
                header_line = header_line or number
                if not key:
                    return number
            continue
        if not key:
            if current == "" and line.split("=")[0].strip().strip("\"'") == section:
                return number
            continue
        if current == section:
            name = line.split("=", 1)[0].strip().strip("\"'")
            if name == key and "=" in line:
                return number
    return header_line
