"""The channel contract: what every channel's parser takes and gives. Pure: no Django.

A channel turns one :class:`Payload` (the bytes or text exactly as they arrived, plus
where they came from) into one :class:`ParsedReport`, or raises :class:`ParseError`
saying what was wrong, where, and how to fix it. The intake service (``intake/service.py``)
then stores the raw payload verbatim next to the parsed report, or puts it in quarantine
with the error, so that nothing is ever lost.

What must hold for every parser:

* it is a pure function of the payload and the channel's field mapping (no clock, no
  database, no network), so a replay of the same payload parses to the same report;
* ``external_id`` is the source system's own identifier, never invented, so that
  ``(channel, external_id)`` recognises a replay; a payload without one is refused;
* times are timezone-aware (a naive source time is read in the mapping's time zone);
* coordinates are returned as sent, with their ``crs`` (``wgs84``, ``gcj02`` or
  ``bd09``); converting and locating them is the geo layer's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lianqin.errors import InvalidInput

# The content type under which one row of a CSV/XLSX export is kept: a JSON object of
# column name -> cell text, in the file's column order (see intake/tabular.py).
ROW_CONTENT_TYPE = "application/vnd.lianqin.row+json"


@dataclass(frozen=True)
class Payload:
    """One input exactly as it arrived: the raw text, its content type and its origin."""

    channel: str
    raw: str
    content_type: str = "application/json"
    # where it came from, for people reading the quarantine: "webhook", "poll",
    # "file:export.xlsx#row 17"
    source: str = "webhook"


@dataclass
class ParsedReport:
    """The normalised form of one payload: what the intake service needs to file it."""

    channel: str
    external_id: str
    title: str
    description: str = ""
    reported_at: datetime | None = None
    # the source's own category words (诉求类型, 事件类型…): a hint for the classifier
    category_hint: str = ""
    # a catalogue code when the source sends one that the mapping translates
    category_code: str = ""
    priority: str = ""
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    address: str = ""
    grid_code: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_id_number: str = ""
    # the deadline the source set (办理时限), when it sets one
    due_at: datetime | None = None
    # references to pictures (URLs or ids in the source system)
    photos: list[str] = field(default_factory=list)
    # a video alarm below the confidence threshold waits for a person to confirm it
    needs_confirmation: bool = False
    # whatever else the source sent that people may want to see (likes, camera id…)
    extra: dict[str, Any] = field(default_factory=dict)


class ParseError(InvalidInput):
    """A payload that cannot be read as a report: it goes to quarantine with this reason."""

    code = "unparseable"
