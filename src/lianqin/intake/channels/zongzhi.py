"""综治平台: events from the social-governance (综治) information system.

Pure: no Django. What arrives: one event per webhook, as JSON or as XML (the older
provincial interfaces), with the GB/T 31000 "9+X" event types (矛盾纠纷, 治安隐患, 特殊人群,
安全生产, 消防隐患…): 事件编号, 事件类型, 事件标题, 发生时间, 发生地点, 经度/纬度 (or a
位置 element holding them), 网格编码, 上报人, 联系电话, 事件描述, 涉及人数; see
``mappings/zongzhi.toml``.

What must hold: XML is read only through defusedxml with DTDs forbidden (an entity or
DTD attack is a ParseError, never expanded); 事件类型 is the category hint and, through
``[values.category_code]``, the catalogue code; 网格编码 is the grid code as the 综治
system knows it; 涉及人数 is ``extra["people_involved"]``, an integer.
"""

from __future__ import annotations

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.intake.channels.base import Channel
from lianqin.intake.channels.decode import JSON, XML_TYPES

CHANNEL = Channel(
    name=ChannelCode.ZONGZHI.value,
    label=CHANNEL_LABELS[ChannelCode.ZONGZHI].zh,
    content_types=(JSON, *XML_TYPES),
    files=False,
)
