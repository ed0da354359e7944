"""What a channel is, and the one path every payload takes to become a report.

Pure: no Django. :meth:`Channel.parse` decodes the raw payload by its media type,
reads it through the mapping (``convert.extract``), lets the channel adjust what it
must (``prepare``: the video channel's confidence, the patrol channel's UUID…), then
checks what every report needs. What must hold for every channel:

* ``external_id`` comes from the payload (a report without one is refused, never given
  a made-up id) and some text to show a person: a title or a description; a missing
  title is the description's first sentence (at most ``title_length`` characters);
* longitude and latitude come as a pair or not at all;
* every failure is a :class:`ParseError`; for a spreadsheet row its message starts with
  the file name and row number, so a quarantine list reads like an error report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lianqin.errors import InvalidInput
from lianqin.intake.channels.convert import TITLE_LIMIT, derive_title, extract
from lianqin.intake.channels.decode import DECODERS, media_type
from lianqin.intake.contract import ROW_CONTENT_TYPE, ParsedReport, ParseError, Payload
from lianqin.intake.mapping import Mapping

__all__ = ["Channel", "Prepare"]

#: A channel's own step between reading the mapping and building the report: it may
#: change ``values`` (report fields) and ``extra`` in place, or raise ParseError naming
#: ``sources[key]``.
Prepare = Callable[[dict[str, Any], dict[str, str], dict[str, Any], Mapping], None]

_ROW_SOURCE = re.compile(r"file:(?P<file>.*)#row (?P<row>\d+)")


@dataclass(frozen=True)
class Channel:
    """One intake channel: its name, its Chinese label, what its webhook accepts."""

    name: str
    label: str
    #: media types its webhook/API accepts (a CSV/XLSX row is accepted when ``files``)
    content_types: tuple[str, ...]
    #: whether it accepts CSV/XLSX exports (``intake/tabular.py``)
    files: bool
    prepare: Prepare | None = field(default=None, repr=False, compare=False)

    def accepts(self, content_type: str) -> bool:
        kind = media_type(content_type)
        return kind in self.content_types or (self.files and kind == ROW_CONTENT_TYPE)

    def parse(self, payload: Payload, mapping: Mapping) -> ParsedReport:
        """The report in ``payload``, read with ``mapping``; ParseError when it has none."""
        if mapping.channel != self.name:
            raise InvalidInput(
                f"渠道 {self.name} 的载荷不能用 {mapping.channel} 的映射解析",
                field="mapping",
                hint=f"用 load_mapping({self.name!r}) 载入映射",
            )
        kind = media_type(payload.content_type)
        try:
            if not self.accepts(kind):
                accepted = [*self.content_types, *([ROW_CONTENT_TYPE] if self.files else [])]
                raise ParseError(
                    f"{self.label}渠道不接受内容类型“{kind}”",
                    field="Content-Type",
                    hint="可用的内容类型：" + "、".join(accepted),
                )
            return self._build(DECODERS[kind](payload.raw), mapping)
        except ParseError as exc:
            if kind == ROW_CONTENT_TYPE:
                raise _located(exc, payload.source) from exc
            raise

    def _build(self, record: dict[str, Any], mapping: Mapping) -> ParsedReport:
        values, sources, extra = extract(record, mapping)
        if self.prepare is not None:
            self.prepare(values, sources, extra, mapping)
        if not values.get("external_id"):
            name = _first(mapping, "external_id")
            raise ParseError(
                f"缺少来源编号“{name}”",
                field=name,
                hint="每条记录都要带来源系统自己的编号，重放时靠它识别；请来源系统补上，"
                "或在映射 [fields] external_id 中写上它实际使用的字段名",
            )
        title = values.get("title", "")
        if not title:
            description = values.get("description", "")
            if not description:
                name = _first(mapping, "description") or _first(mapping, "title")
                raise ParseError(
                    f"既没有标题也没有内容（“{name}”为空）",
                    field=name,
                    hint="一条诉求至少要有标题或内容；检查导出是否漏了列，或映射的字段名",
                )
            values["title"] = derive_title(description, mapping.settings.get("title_length", 40))
        elif len(title) > TITLE_LIMIT:
            values["title"] = title[: TITLE_LIMIT - 1] + "…"
        if ("lon" in values) != ("lat" in values):
            missing = "lat" if "lon" in values else "lon"
            name = _first(mapping, missing)
            raise ParseError(
                f"坐标不完整：缺少{'纬度' if missing == 'lat' else '经度'}“{name}”",
                field=name,
                hint="经度和纬度要成对发送；没有定位就两个都不发，只发地址",
            )
        return ParsedReport(channel=self.name, extra=extra, **values)


def _first(mapping: Mapping, target: str) -> str:
    names = mapping.source_names(target)
    return names[0] if names else target


def _located(exc: ParseError, source: str) -> ParseError:
    """The same error, its message prefixed with the file and row it came from."""
    match = _ROW_SOURCE.fullmatch(source)
    where = f"{match['file']} 第 {match['row']} 行" if match else source
    return ParseError(f"{where}：{exc.message}", field=exc.field, hint=exc.hint, **exc.extra)
