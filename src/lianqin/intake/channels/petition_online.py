"""网络问政: messages citizens leave on the provincial online-petition platform.

Pure: no Django. What arrives: rows of the platform's CSV/XLSX export and the objects of
its polled API, with the same keys (the TipDM format): 留言编号, 留言用户, 留言主题,
留言时间 (``2019/2/28 11:25:05``, local time), 留言详情, 反对数, 点赞数; see
``mappings/petition_online.toml``.

What must hold: 留言编号 is the external id, so the same message exported twice parses
to the same id; the platform's whitespace (tabs, line breaks, non-breaking and
ideographic spaces, zero-width spaces) is collapsed in the title and kept readable in
the description; 留言用户 is a pseudonymous account (``extra["account"]``), never a
reporter name; 点赞数/反对数 are ``extra["likes"]``/``extra["dislikes"]`` as integers.
"""

from __future__ import annotations

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.intake.channels.base import Channel
from lianqin.intake.channels.decode import JSON

CHANNEL = Channel(
    name=ChannelCode.PETITION_ONLINE.value,
    label=CHANNEL_LABELS[ChannelCode.PETITION_ONLINE].zh,
    content_types=(JSON,),
    files=True,
)
