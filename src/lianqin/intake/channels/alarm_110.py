"""110 警情: non-emergency incidents the police dispatch hands over to joint duty.

Pure: no Django. What arrives: a JSON webhook per transferred incident (警情编号,
报警时间, 报警人, 报警电话, 事发地址, 经度, 纬度, 警情类型, 简要警情, 移交时间, 移交说明);
see ``mappings/alarm_110.toml``.

What must hold: 警情编号 is the external id; 警情类型 is the category hint; the title is
the first sentence of 简要警情; the position is WGS-84 unless the payload's 坐标系 or the
mapping says otherwise (police GIS often sends CGCS2000, which the mapping reads as
``wgs84``: the two differ by centimetres); 移交时间 and 移交说明 go to ``extra``
(``transferred_at``, ``transfer_note``) so the dispatcher sees why it was handed over.
"""

from __future__ import annotations

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.intake.channels.base import Channel
from lianqin.intake.channels.decode import JSON

CHANNEL = Channel(
    name=ChannelCode.ALARM_110.value,
    label=CHANNEL_LABELS[ChannelCode.ALARM_110].zh,
    content_types=(JSON,),
    files=False,
)
