"""Read the values a mapping finds into report values: text, times, coordinates, lists.

Pure: no Django. Every channel goes through :func:`extract`, so a value is judged the
same way whatever sent it. What must hold:

* a bad value raises :class:`ParseError` whose ``field`` is the source name it was found
  under (``来电时间``, ``location.lon``), so the person fixing it knows where to look;
* text is cleaned of the sender's whitespace (tabs, non-breaking and ideographic spaces,
  zero-width characters, control characters): one-line fields collapse it to single
  spaces, the description keeps its line breaks;
* coordinates are finite numbers within [-180, 180] / [-90, 90] (anything else is
  refused, never clamped); whether they lie in China is the geo layer's call;
* nothing here compiles a pattern or reads a file: this runs once per row of a bulk
  import and must stay in the microseconds.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from lianqin.intake.contract import ParseError
from lianqin.intake.mapping import Mapping, Rule, TimeSpec

__all__ = ["derive_title", "extract", "one_line", "readable", "shown"]

# C0 controls (but tab, newline, carriage return), DEL and zero-width characters go
# (a regex: ``str.translate`` with a dict is several times slower on long texts).
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"\s+")
_INLINE_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# a space the sender left beside full-width punctuation (often a stray &nbsp;) goes
_SPACE_BY_PUNCTUATION = re.compile(
    r" (?=[，。！？；：、（）“”《》【】])|(?<=[，。！？；：、（）“”《》【】]) "
)
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_LIST_SEPARATORS = re.compile(r"[\s,，;；|]+")
_DURATION = re.compile(r"\d+(?:\.\d+)?\s*个?(?:工作日|自然日|天|日|小时|工作时|个小时)")
_TRUE = frozenset({"true", "1", "是", "yes", "y", "公开", "同意"})
_FALSE = frozenset({"false", "0", "否", "no", "n", "不公开", "不同意"})
#: Case.title holds 200 characters.
TITLE_LIMIT = 200


def one_line(text: str) -> str:
    """Text on one line: every run of whitespace (of any script) becomes one space."""
    if text.isprintable() and " " not in text:
        return text.strip()
    text = _SPACES.sub(" ", _DROP.sub("", text))
    return _SPACE_BY_PUNCTUATION.sub("", text).strip()


def readable(text: str) -> str:
    """Multi-line text kept readable: line breaks stay (at most one blank line), other
    whitespace runs become one space, trailing and leading spaces of lines go."""
    if text.isprintable() and " " not in text:
        return text.strip()
    text = _DROP.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INLINE_SPACES.sub(" ", text).replace(" \n", "\n").replace("\n ", "\n")
    text = _SPACE_BY_PUNCTUATION.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def derive_title(description: str, limit: int) -> str:
    """A title from a text: its first sentence when that fits in ``limit`` characters;
    else the sentence cut at its last comma within the limit (when that keeps at least
    half of it), else its first ``limit - 1`` characters and an ellipsis."""
    stripped = description.strip()
    end = _SENTENCE_END.search(stripped)
    first = one_line(stripped[: end.start()] if end else stripped) or one_line(stripped)
    if len(first) <= limit:
        return first
    head = first[:limit]
    comma = max(head.rfind("，"), head.rfind(","), head.rfind("、"))
    return head[:comma] if comma >= limit // 2 else first[: limit - 1] + "…"


def shown(value: Any, limit: int = 40) -> str:
    """A value quoted in a message, cut short."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ParseError(f"{name} 应为文本，收到的是布尔值 {value}", field=name)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(f"{name} 应为文本，收到的是 {value}", field=name)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dict) and isinstance(value.get("#text"), str):
        return value["#text"]  # an XML element with attributes: its text
    raise ParseError(
        f"{name} 应为文本，收到的是{'对象' if isinstance(value, dict) else '列表'}",
        field=name,
        hint="检查映射 [fields] 中的路径是否指到了一个值而不是一组值",
    )


def _translate(rule: Rule, text: str) -> str:
    if rule.translate is not None:
        found = rule.translate.get(text)
        if found is not None:
            return found
        if rule.fallback is not None:
            return rule.fallback
    return text


def _line(rule: Rule, value: Any, name: str) -> str:
    text = _translate(rule, one_line(_text(value, name)))
    if rule.allowed is not None and text and text not in rule.allowed:
        lowered = text.lower()
        if lowered in rule.allowed:
            return lowered
        raise ParseError(
            f"{name}“{shown(text)}”不是可识别的 {rule.target}",
            field=name,
            hint=f"在映射 [values.{rule.target}] 中把这个词译成 " + "、".join(sorted(rule.allowed)),
        )
    return text


def _time(spec: TimeSpec, value: Any, name: str, *, end_of_day: bool = False) -> datetime:
    try:
        return spec.parse(value, end_of_day=end_of_day)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ParseError(
            f"{name}“{shown(value)}”不是可识别的时间",
            field=name,
            hint=f"可用的格式：{spec.examples()}；其它格式请加到映射 [time] formats 中",
        ) from exc


def _number(value: Any, name: str) -> float:
    if isinstance(value, dict) and "#text" in value:
        value = value["#text"]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ParseError(f"{name} 应为数字，收到的是 {shown(value)}", field=name)
    try:
        return float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError) as exc:
        raise ParseError(
            f"{name}“{shown(value)}”不是数字",
            field=name,
            hint="应为阿拉伯数字，如 12 或 113.9345，不带单位和文字",
        ) from exc


def _coordinate(value: Any, name: str, limit: float) -> float:
    number = _number(value, name)
    if not math.isfinite(number) or not -limit <= number <= limit:
        axis = "经度" if limit == 180.0 else "纬度"
        raise ParseError(
            f"{name}“{shown(value)}”不是有效的{axis}（应在 -{limit:g} 到 {limit:g} 之间）",
            field=name,
            hint="坐标用十进制度数，如 113.9345；检查经纬度是否写反、是否多了符号",
        )
    return number


def _photos(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        return [p for p in _LIST_SEPARATORS.split(value) if p]
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("url") or item.get("id") or item.get("#text")
            if item is None:
                continue
        text = one_line(_text(item, name))
        if text:
            out.append(text)
    return out


def _int(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.removeprefix("-").isdigit():
            try:
                return int(digits)  # the common case: exact, without a float round trip
            except ValueError as exc:  # more digits than Python converts
                raise ParseError(f"{name}“{shown(value)}”不是合理的整数", field=name) from exc
    number = _number(value, name)
    if not math.isfinite(number) or not number.is_integer():
        raise ParseError(f"{name}“{shown(value)}”不是整数", field=name)
    return int(number)


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    word = one_line(_text(value, name)).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ParseError(f"{name}“{shown(value)}”不是“是/否”", field=name)


def _plain(value: Any) -> Any:
    """A value for ``extra`` as sent: strings trimmed, an XML text element as its text."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict) and set(value) == {"#text"}:
        return value["#text"]
    return value


def _convert_extra(rule: Rule, value: Any, name: str, spec: TimeSpec) -> Any:
    kind = rule.kind
    if kind == "int":
        return _int(value, name)
    if kind == "float":
        number = _number(value, name)
        if not math.isfinite(number):
            raise ParseError(f"{name}“{shown(value)}”不是有限的数", field=name)
        return number
    if kind == "bool":
        return _bool(value, name)
    if kind == "time":
        return _time(spec, value, name).isoformat()
    if kind == "text":
        return _translate(rule, one_line(_text(value, name)))
    value = _plain(value)
    return _translate(rule, value) if isinstance(value, str) else value


def extract(
    record: dict[str, Any], mapping: Mapping
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """(report values, source name of each, extra) read from one decoded payload.

    Only fields that were found (or have a default) appear in the values; a due-date
    that is a duration ("5个工作日") is kept as ``extra["due_in"]`` for the deadline rules.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    extra: dict[str, Any] = {}
    spec = mapping.time
    for rule in mapping.fields:
        found = rule.find(record) if rule.sources else None
        if found is None:
            if rule.default is not None:
                values[rule.target] = rule.default
            continue
        name, raw = found
        kind = rule.kind
        value: Any
        if kind == "line":
            value = _line(rule, raw, name)
        elif kind == "text":
            value = readable(_text(raw, name))
        elif kind == "time":
            due = rule.target == "due_at"
            if due and isinstance(raw, str) and _DURATION.fullmatch(raw.strip()):
                extra["due_in"] = raw.strip()
                sources["due_in"] = name
                continue
            value = _time(spec, raw, name, end_of_day=due)
        elif kind == "lon":
            value = _coordinate(raw, name, 180.0)
        elif kind == "lat":
            value = _coordinate(raw, name, 90.0)
        else:
            value = _photos(raw, name)
        if value == "" or value == []:
            if rule.default is not None:
                values[rule.target] = rule.default
            continue
        values[rule.target] = value
        sources[rule.target] = name
    for rule in mapping.extra:
        found = rule.find(record)
        if found is not None:
            name, raw = found
            value = _convert_extra(rule, raw, name, spec)
            if value != "":
                extra[rule.target] = value
                sources[rule.target] = name
    return values, sources, extra
