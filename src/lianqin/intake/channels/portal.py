"""政府网站: letters from the government website's "给书记/区长写信" form.

Pure: no Django. What arrives: the form itself, posted as
``application/x-www-form-urlencoded`` (信件编号, 信件类型, 标题, 内容, 姓名, 电话, 身份证号,
地址, 提交时间, 是否公开; older sites percent-encode in GBK, which the decoder reads), and
the same letters from the site's JSON API (``letterId``, ``writer.name``…); see
``mappings/portal.toml``.

What must hold: 信件编号 is the external id; 信件类型 (咨询/投诉/建议/求助) is the category
hint; 是否公开 becomes ``extra["public"]`` (a bool), because a letter the writer did not
want published must not appear on the public page.
"""

from __future__ import annotations

from lianqin.choices import CHANNEL_LABELS
from lianqin.choices import Channel as ChannelCode
from lianqin.intake.channels.base import Channel
from lianqin.intake.channels.decode import FORM, JSON

CHANNEL = Channel(
    name=ChannelCode.PORTAL.value,
    label=CHANNEL_LABELS[ChannelCode.PORTAL].zh,
    content_types=(FORM, JSON),
    files=False,
)
