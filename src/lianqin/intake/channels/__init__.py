"""The seven intake channels and the one entry point the intake service calls.

Pure: no Django. ``parse(payload)`` picks the channel by ``payload.channel``, reads the
payload with the channel's mapping (the packaged default unless the caller passes one,
e.g. ``load_mapping(name, override_dir)``), and returns a :class:`ParsedReport` or
raises :class:`ParseError` (what, ``field`` where, ``hint`` how to fix): the intake
service stores the raw payload with the report, or quarantines it with that error.

What must hold: a parser is a pure function of (payload, mapping): no clock, no
database, no network, so a replay parses to the same report; any input whatsoever
gives a report or a ParseError, nothing else (``tests/unit/test_channels.py`` checks
this with arbitrary text and JSON). Open311 lives elsewhere (``intake/open311``).
"""

from __future__ import annotations

from functools import cache

from lianqin.intake.channels import (
    alarm_110,
    hotline_12345,
    patrol,
    petition_online,
    portal,
    video,
    zongzhi,
)
from lianqin.intake.channels.base import Channel
from lianqin.intake.contract import ParsedReport, ParseError, Payload
from lianqin.intake.mapping import Mapping, load_mapping

__all__ = ["CHANNELS", "Channel", "default_mapping", "get", "parse"]

CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        hotline_12345.CHANNEL,
        alarm_110.CHANNEL,
        petition_online.CHANNEL,
        portal.CHANNEL,
        zongzhi.CHANNEL,
        patrol.CHANNEL,
        video.CHANNEL,
    )
}


def get(name: str) -> Channel:
    """The channel called ``name``; ParseError (an InvalidInput) listing them otherwise."""
    channel = CHANNELS.get(name)
    if channel is None:
        raise ParseError(
            f"未知的渠道“{name}”",
            field="channel",
            hint="可用的渠道：" + "、".join(CHANNELS),
        )
    return channel


@cache
def default_mapping(name: str) -> Mapping:
    """The packaged default mapping of a channel, read once per process."""
    return load_mapping(name)


def parse(payload: Payload, mapping: Mapping | None = None) -> ParsedReport:
    """The report in ``payload`` (its channel's default mapping unless one is given)."""
    channel = get(payload.channel)
    return channel.parse(payload, mapping if mapping is not None else default_mapping(channel.name))
