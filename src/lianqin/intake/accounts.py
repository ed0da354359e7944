"""Each channel acts as its own system account (``channel-<name>``), so that the history
says which platform registered a case, and each channel's API keys open its door only."""

from __future__ import annotations

from lianqin.cases.access import Actor, actor_for
from lianqin.choices import CHANNEL_LABELS, Channel
from lianqin.errors import InvalidInput
from lianqin.org.models import ApiKey, Person
from lianqin.org.people import create_person


def channel_account(channel: str) -> Person:
    if channel not in CHANNEL_LABELS:
        raise InvalidInput(
            f"未知渠道 {channel!r}", field="channel", hint="可用：" + ", ".join(CHANNEL_LABELS)
        )
    username = f"channel-{channel}"
    found = Person.objects.filter(username=username).first()
    if found is not None:
        return found
    person, _ = create_person(
        username, None, role="system", name=CHANNEL_LABELS[Channel(channel)].zh
    )
    return person


def channel_actor(channel: str) -> Actor:
    return actor_for(channel_account(channel))


def issue_channel_key(channel: str, name: str = "") -> tuple[ApiKey, str]:
    """A new key for one channel; the raw value is returned once and never stored."""
    person = channel_account(channel)
    return ApiKey.issue(name or f"{channel} 接入密钥", person, channel=channel)
