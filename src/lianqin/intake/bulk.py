"""Bulk intake: a whole export (thousands of rows) through the same steps as one webhook
delivery, in batches written with one INSERT per table.

What must hold, besides the single intake's rules: a malformed row is quarantined and the
rest goes on; a batch is acknowledged (counted in the summary and the progress bar) only
after it committed, so a ``kill -9`` loses nothing acknowledged; run again, the same file
adds nothing (replays are recognised by ``(channel, external_id)``, in the database and
within the file). Duplicates are found with an in-memory index of the open cases of the
time window, kept up to date as the batch opens cases, so a report can join a case that
an earlier row of the same file opened.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from lianqin.cases.access import Actor
from lianqin.cases.actions.bulk import Item as BatchItem
from lianqin.cases.actions.bulk import Ref, file_batch
from lianqin.cases.actions.reports import hold_report
from lianqin.cases.masking import phone_key
from lianqin.cases.models import Case, Report
from lianqin.cases.workflow import OPEN
from lianqin.errors import InvalidInput
from lianqin.intake import service
from lianqin.intake.contract import Payload
from lianqin.org.models import Category
from lianqin.triage import service as triage
from lianqin.triage.duplicates import DEFAULT, Config, DuplicateIndex, Item, decide

BATCH = 1000
Progress = Callable[[int], None]


@dataclass
class Summary:
    """What a bulk import did; ``lianqin ingest`` prints it (``--json`` as is)."""

    rows: int = 0
    new: int = 0
    merged: int = 0
    suggested: int = 0
    replays: int = 0
    quarantined: int = 0
    awaiting: int = 0
    seconds: float = 0.0
    quarantine_ids: list[int] = field(default_factory=list)

    def add(self, status: str) -> None:
        attr = {"replay": "replays"}.get(status, status)
        setattr(self, attr, getattr(self, attr) + 1)

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["seconds"] = round(self.seconds, 2)
        body["per_second"] = round(self.rows / self.seconds, 1) if self.seconds else None
        return body


class BulkIntake:
    """One import run: the duplicate index and the caches live as long as the run."""

    def __init__(self, actor: Actor, *, now: datetime | None = None, cfg: Config = DEFAULT):
        self.actor, self.cfg = actor, cfg
        self.now = now or timezone.now()
        self.index = DuplicateIndex()
        self.cache: dict[Any, Any] = {}
        self.known_categories = set(Category.objects.values_list("code", flat=True))
        self._warm()

    def _warm(self) -> None:
        """Load the open cases of the window into the duplicate index."""
        since = self.now - self.cfg.window
        rows = Case.objects.filter(created_at__gte=since, status__in=list(OPEN)).values_list(
            "id",
            "title",
            "description",
            "created_at",
            "lon",
            "lat",
            "category__code",
            "area_code",
        )
        for pk, title, desc, at, lon, lat, cat, area in rows.iterator(chunk_size=2000):
            self.index.add(
                Item(
                    key=f"db:{pk}",
                    text=f"{title} {desc}",
                    at=at,
                    lon=lon,
                    lat=lat,
                    category=cat or "",
                    area=area,
                )
            )

    def run(self, payloads: Iterable[Payload], progress: Progress | None = None) -> Summary:
        summary = Summary()
        started = time.perf_counter()
        for chunk in _chunks(payloads, BATCH):
            self._chunk(chunk, summary)
            summary.rows += len(chunk)
            if progress is not None:
                progress(len(chunk))
        summary.seconds = time.perf_counter() - started
        return summary

    def _chunk(self, chunk: list[Payload], summary: Summary) -> None:
        for attempt in range(3):
            try:
                self._file(chunk, summary)
                return
            except IntegrityError:
                # another process filed one of these rows meanwhile: the batch rolled
                # back; the next attempt sees those rows as replays
                if attempt == 2:
                    raise

    def _file(self, chunk: list[Payload], summary: Summary) -> None:
        parsed = []
        for payload in chunk:
            try:
                parsed.append((payload, service.parse(payload)))
            except InvalidInput as exc:
                out = service.quarantine(payload, exc, self.now)
                summary.add("quarantined")
                if out.quarantine_id is not None:
                    summary.quarantine_ids.append(out.quarantine_id)
        seen = _existing(parsed)
        items: list[BatchItem] = []
        pending: list[Item] = []
        counted: list[str] = []
        for payload, p in parsed:
            key = (p.channel, p.external_id)
            if key in seen:
                summary.add("replay")
                continue
            seen.add(key)
            report = service.to_new_report(p, payload)
            if p.needs_confirmation:
                hold_report(self.actor, report, now=self.now)
                summary.add("awaiting")
                continue
            outcome = service.Outcome("new", p.channel, p.external_id)
            where = service.safe_location(report, outcome)
            if report.category_code and report.category_code not in self.known_categories:
                report.extra["unknown_category"] = report.category_code
                report.category_code = ""
            text = f"{report.title} {report.description}"
            item = BatchItem(report, where)
            if not report.category_code:
                item.triage = {"category": triage.suggest_category(text)}
            area = where.grid.code if where.grid is not None else ""
            probe = Item(
                key=f"new:{len(items)}",
                text=text,
                at=report.reported_at or self.now,
                lon=where.lon,
                lat=where.lat,
                category=report.category_code,
                phone_key=phone_key(report.reporter_phone, settings.SECRET_KEY),
                area=area,
            )
            matches = self.index.candidates(probe, self.cfg)
            status = "new"
            if matches and decide(matches[0][1], self.cfg) == "merge":
                ref = _ref(matches[0][0])
                item.join, item.score, status = ref, matches[0][1].total, "merged"
            else:
                item.candidates = [
                    (_ref(k), round(s.total, 4), {n: round(v, 3) for n, v in s.parts.items()})
                    for k, s in matches
                    if decide(s, self.cfg) == "suggest"
                ]
                status = "suggested" if item.candidates else "new"
                # later rows of this batch may join it: it is in the index at once
                self.index.add(probe)
                pending.append(probe)
            items.append(item)
            counted.append(status)
        if not items:
            return
        try:
            filed = file_batch(self.actor, items, self.now, self.cache)
        finally:
            for probe in pending:
                self.index.remove(probe.key)
        for probe in pending:
            index = _ref(probe.key)[1]
            self.index.add(
                Item(
                    key=f"db:{filed.case_ids[index]}",
                    text=probe.text,
                    at=probe.at,
                    lon=probe.lon,
                    lat=probe.lat,
                    category=probe.category,
                    phone_key=probe.phone_key,
                    area=probe.area,
                )
            )
        for status in counted:
            summary.add(status)


def _ref(key: int | str) -> Ref:
    """An index key (``db:<case id>`` or ``new:<row of this batch>``) as a batch ref."""
    kind, _, number = str(key).partition(":")
    return kind, int(number)


def _existing(parsed: list[tuple[Payload, Any]]) -> set[tuple[str, str]]:
    by_channel: dict[str, list[str]] = {}
    for _, p in parsed:
        by_channel.setdefault(p.channel, []).append(p.external_id)
    found: set[tuple[str, str]] = set()
    for channel, ids in by_channel.items():
        found.update(
            (channel, e)
            for e in Report.objects.filter(channel=channel, external_id__in=ids).values_list(
                "external_id", flat=True
            )
        )
    return found


def _chunks(items: Iterable[Payload], size: int) -> Iterator[list[Payload]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
