"""12345 政务服务便民热线: one work order (工单) per payload. Pure: no Django.

What arrives: the hotline platform pushes each work order it assigns to the street as a
JSON webhook (Chinese keys as in its export, or the English-keyed API variant:
``orderNo``, ``caller.phone``…), and operators upload the daily CSV/XLSX export, one
order per row (工单编号, 来电时间, 来电人, 联系电话, 诉求类型, 诉求标题, 诉求内容, 事发地址,
办理时限). Both go through ``mappings/hotline_12345.toml``.

What must hold: 工单编号 is the external id; the title is 诉求标题, or the first sentence
of 诉求内容 (at most ``title_length`` characters) when the order has none; 诉求类型 is a
hint for the classifier, not a catalogue code; 办理时限 is the deadline the hotline set
(a bare date runs to the end of that day; a duration such as "5个工作日" is kept as
``extra["due_in"]`` for the deadline rules to count in working days).
"""

from __future__ import annotations

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.intake.channels.base import Channel
from lianqin.intake.channels.decode import JSON

CHANNEL = Channel(
    name=ChannelCode.HOTLINE_12345.value,
    label=CHANNEL_LABELS[ChannelCode.HOTLINE_12345].zh,
    content_types=(JSON,),
    files=True,
)
