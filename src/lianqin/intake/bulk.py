"""Filing payloads in batches: the bulk import (``lianqin ingest``) and the webhook's
group commit (``intake/batcher.py``) take the same steps as one delivery
(``intake/service.py``), for many payloads at once, written with one INSERT per table.

What must hold, besides the single intake's rules: a malformed payload is quarantined
and the rest of its batch goes on; a batch is acknowledged (counted, answered) only after
it committed, so a ``kill -9`` loses nothing acknowledged; the same payloads again add
nothing (replays are recognised by ``(channel, external_id)``, in the database and within
the batch). Duplicates are found with an in-memory index of the open cases of the window,
kept current as batches open cases, so a report can join a case an earlier row of the
same batch opened.
"""

from __future__ import annotations

import dataclasses
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
from lianqin.cases.actions import NewReport
from lianqin.cases.actions.bulk import Item as BatchItem
from lianqin.cases.actions.bulk import Ref, file_batch
from lianqin.cases.actions.reports import hold_report
from lianqin.cases.masking import phone_key
from lianqin.cases.models import Report
from lianqin.errors import InvalidInput
from lianqin.intake import service
from lianqin.intake.contract import ParsedReport, Payload
from lianqin.intake.service import Outcome
from lianqin.org.models import Category
from lianqin.triage import classify_service
from lianqin.triage import service as triage
from lianqin.triage.duplicates import DEFAULT, Config, Item, decide

BATCH = 1000
CACHE_SECONDS = 60.0
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

    def add(self, outcome: Outcome) -> None:
        attr = {"replay": "replays"}.get(outcome.status, outcome.status)
        setattr(self, attr, getattr(self, attr) + 1)
        if outcome.quarantine_id is not None:
            self.quarantine_ids.append(outcome.quarantine_id)

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["seconds"] = round(self.seconds, 2)
        body["per_second"] = round(self.rows / self.seconds, 1) if self.seconds else None
        return body


class Filer:
    """Files batches of payloads. A bulk import makes one for its run (its own index of
    the window's open cases); the webhook keeps one per process on the live index, which
    reads what other processes filed before each batch."""

    def __init__(self, *, cfg: Config = DEFAULT, live: bool = False) -> None:
        self.cfg = cfg
        self.live = triage.LiveIndex(cfg) if live else None
        self.index = self.live.index if self.live else triage.warm_index(timezone.now(), cfg)
        self._fresh_caches()

    def _fresh_caches(self) -> None:
        self.cache: dict[Any, Any] = {}
        self.known_categories = set(Category.objects.values_list("code", flat=True))
        self.cached_at = time.monotonic()

    def file(
        self, actor: Actor, chunk: list[Payload], now: datetime | None = None
    ) -> list[Outcome]:
        """One outcome per payload, in order; retried when another process filed one of
        these payloads meanwhile (the batch rolled back; the retry sees replays)."""
        now = now or timezone.now()
        if self.live is not None:
            if time.monotonic() - self.cached_at > CACHE_SECONDS:
                self._fresh_caches()
            self.live.refresh(now)
        for attempt in range(3):
            try:
                return self._file(actor, chunk, now)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _file(self, actor: Actor, chunk: list[Payload], now: datetime) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(chunk)
        parsed: list[tuple[int, Payload, ParsedReport]] = []
        for n, payload in enumerate(chunk):
            try:
                parsed.append((n, payload, service.parse(payload)))
            except InvalidInput as exc:
                outcomes[n] = service.quarantine(payload, exc, now)
        seen = _existing(p for _, _, p in parsed)
        items: list[BatchItem] = []
        slots: list[tuple[int, str]] = []  # (payload position, status) per batch item
        first_of: dict[tuple[str, str], int] = {}  # batch item of a key seen in this batch
        later: list[tuple[int, int]] = []  # (payload position, batch item) of in-batch replays
        pending: list[Item] = []
        fresh: list[tuple[int, ParsedReport, NewReport]] = []
        for n, payload, p in parsed:
            key = (p.channel, p.external_id)
            if key in seen:
                _state, number = seen[key]
                outcomes[n] = Outcome("replay", p.channel, p.external_id, case_number=number)
                continue
            if key in first_of:
                later.append((n, first_of[key]))
                continue
            report = service.to_new_report(p, payload)
            if p.needs_confirmation:
                hold_report(actor, report, now=now)
                seen[key] = ("awaiting", "")
                outcomes[n] = Outcome("awaiting", p.channel, p.external_id)
                continue
            first_of[key] = len(fresh)  # every fresh report becomes the batch item of that index
            fresh.append((n, p, report))
        # one call for the chunk: the model predicts a matrix much faster than row by row
        unsure = [r for _, _, r in fresh if r.category_code not in self.known_categories]
        suggested = iter(
            classify_service.suggest_many([f"{r.title} {r.description}" for r in unsure])
        )
        for n, p, report in fresh:
            outcome = Outcome("new", p.channel, p.external_id)
            where = service.safe_location(report, outcome)
            if report.category_code and report.category_code not in self.known_categories:
                outcome.warnings.append(f"未知类别编码 {report.category_code}，已改为待分类")
                report.extra["unknown_category"] = report.category_code
                report.category_code = ""
            text = f"{report.title} {report.description}"
            item = BatchItem(report, where)
            if not report.category_code:
                found, auto = next(suggested)
                item.triage = {"category": found}
                if auto and auto in self.known_categories:
                    report.category_code, item.triage["auto"] = auto, auto
            probe = Item(
                key=f"new:{len(items)}",
                text=text,
                at=report.reported_at or now,
                lon=where.lon,
                lat=where.lat,
                category=report.category_code,
                phone_key=phone_key(report.reporter_phone, settings.SECRET_KEY),
                area=where.grid.code if where.grid is not None else "",
            )
            matches = self.index.candidates(probe, self.cfg)
            if matches and decide(matches[0][1], self.cfg) == "merge":
                item.join, item.score = _ref(matches[0][0]), matches[0][1].total
                outcome.status, outcome.score = "merged", round(item.score, 3)
            else:
                item.candidates = [
                    (_ref(k), round(s.total, 4), {n: round(v, 3) for n, v in s.parts.items()})
                    for k, s in matches
                    if decide(s, self.cfg) == "suggest"
                ]
                outcome.status = "suggested" if item.candidates else "new"
                # later rows of this batch may join it: it is in the index at once
                self.index.add(probe)
                pending.append(probe)
            items.append(item)
            slots.append((n, ""))
            outcomes[n] = outcome
        if items:
            try:
                filed = file_batch(actor, items, now, self.cache)
            finally:
                for probe in pending:
                    self.index.remove(probe.key)
            for probe in pending:
                i = _ref(probe.key)[1]
                self.index.add(_rekey(probe, f"db:{filed.case_ids[i]}"))
            for i, (n, _) in enumerate(slots):
                done = _filled(outcomes, n)
                done.case_number = filed.numbers[i]
                if done.status == "merged" and not filed.joined[i]:
                    done.status = "new"  # the case closed meanwhile: it opened its own
            for n, i in later:
                first = _filled(outcomes, slots[i][0])
                outcomes[n] = Outcome(
                    "replay", first.channel, first.external_id, case_number=first.case_number
                )
        return [o for o in outcomes if o is not None]


class BulkIntake:
    """One import run over a file's payloads, with progress and a summary."""

    def __init__(self, actor: Actor, *, cfg: Config = DEFAULT) -> None:
        self.actor = actor
        self.filer = Filer(cfg=cfg)

    def run(self, payloads: Iterable[Payload], progress: Progress | None = None) -> Summary:
        summary = Summary()
        started = time.perf_counter()
        for chunk in _chunks(payloads, BATCH):
            for outcome in self.filer.file(self.actor, chunk):
                summary.add(outcome)
            summary.rows += len(chunk)
            if progress is not None:
                progress(len(chunk))
        summary.seconds = time.perf_counter() - started
        return summary


def _filled(outcomes: list[Outcome | None], n: int) -> Outcome:
    found = outcomes[n]
    if found is None:
        raise RuntimeError(f"payload {n} of the batch has no outcome")
    return found


def _ref(key: int | str) -> Ref:
    """An index key (``db:<case id>`` or ``new:<item of this batch>``) as a batch ref."""
    kind, _, number = str(key).partition(":")
    return kind, int(number)


def _rekey(item: Item, key: str) -> Item:
    return dataclasses.replace(item, key=key)


def _existing(parsed: Iterable[ParsedReport]) -> dict[tuple[str, str], tuple[str, str]]:
    """Which of these keys the database already has: key -> (report state, case number)."""
    by_channel: dict[str, list[str]] = {}
    for p in parsed:
        by_channel.setdefault(p.channel, []).append(p.external_id)
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for channel, ids in by_channel.items():
        rows = Report.objects.filter(channel=channel, external_id__in=ids).values_list(
            "external_id", "state", "case__number"
        )
        found.update(((channel, e), (state, number or "")) for e, state, number in rows)
    return found


def _chunks(items: Iterable[Payload], size: int) -> Iterator[list[Payload]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
