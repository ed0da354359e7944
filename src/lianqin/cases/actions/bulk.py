"""Filing a batch of reports in one transaction: the bulk import's write path.

Each item either opens a case or joins one — an open case already in the database, or a
case opened earlier in the same batch — exactly as :func:`create_case` and
:func:`join_case` would, but with one INSERT per table instead of one per row, so that a
file of thousands of reports is taken in at database speed.

What must hold (the same as one at a time): every report keeps its raw payload; a case's
``version`` equals the ``seq`` of its last history line; every history line has its outbox
message; ``(channel, external_id)`` stays unique — the caller removes replays first, and
if another process files one of them meanwhile the whole batch rolls back and the caller
retries it, so nothing is doubled; an acknowledged (committed) batch is complete.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from lianqin.audit.chain import event_fields, link
from lianqin.audit.keys import chain_key
from lianqin.cases.access import Actor, check_may_create
from lianqin.cases.actions.create import (
    NewReport,
    _next_numbers,
    build_case,
    contact_for,
    report_fields,
    the_district,
)
from lianqin.cases.actions.inserts import insert_rows
from lianqin.cases.models import Case, CaseEvent, MergeCandidate, Report, ReporterContact
from lianqin.cases.workflow import FINAL, State
from lianqin.evaluation import rollup
from lianqin.geo.service import Location
from lianqin.jobs.models import OutboxMessage
from lianqin.org.models import Category, Center, Grid

#: a case opened earlier in the same batch is referred to as ("new", its index)
Ref = tuple[str, int]


@dataclass
class Item:
    report: NewReport
    where: Location
    triage: dict[str, Any] = field(default_factory=dict)
    # join this case: ("db", case id) or ("new", index of an earlier item of the batch)
    join: Ref | None = None
    score: float | None = None
    candidates: list[tuple[Ref, float, dict[str, float]]] = field(default_factory=list)


@dataclass
class Filed:
    """Per item: the case it opened or joined (its number) and whether it joined."""

    numbers: list[str]
    joined: list[bool]
    case_ids: list[int]


def file_batch(
    actor: Actor, items: list[Item], now: datetime, cache: dict[Any, Any] | None = None
) -> Filed:
    check_may_create(actor)
    for channel in {item.report.channel for item in items}:
        check_may_create(actor, channel)
    cache = cache if cache is not None else {}
    _prefill(cache)
    with transaction.atomic():
        district = the_district()
        opening = [i for i, item in enumerate(items) if item.join is None]
        numbers = iter(_next_numbers(district.code, now, len(opening)))
        cases: dict[int, Case] = {}
        for i in opening:
            item = items[i]
            category = _category(item.report.category_code, cache)
            cases[i] = build_case(
                item.report, item.where, district, category, item.triage, now, next(numbers), cache
            )
        joined_db = _lock_open(
            {item.join[1] for item in items if item.join and item.join[0] == "db"}
        )
        target: list[Case] = []
        for i, item in enumerate(items):
            if item.join is None:
                target.append(cases[i])
            elif item.join[0] == "new":
                target.append(cases[item.join[1]])
            else:
                found = joined_db.get(item.join[1])
                if found is None:  # closed meanwhile: the report opens its own case
                    category = _category(item.report.category_code, cache)
                    cases[i] = build_case(
                        item.report,
                        item.where,
                        district,
                        category,
                        item.triage,
                        now,
                        _next_numbers(district.code, now, 1)[0],
                        cache,
                    )
                    item.join = None
                    found = cases[i]
                target.append(found)
        events: list[tuple[Case, str, dict[str, Any]]] = []
        for i, item in enumerate(items):
            case = target[i]
            if item.join is None:
                events.append((case, "create", {"channel": item.report.channel}))
            else:
                case.report_count += 1
                case.version += 1
                case.updated_at = now
                events.append(
                    (
                        case,
                        "report_joined",
                        {
                            "channel": item.report.channel,
                            "external_id": item.report.external_id,
                            "score": round(item.score or 0.0, 3),
                        },
                    )
                )
                # a case opened in this batch records its joins after its creation
        _insert_cases([cases[i] for i in sorted(cases)])
        _update_joined(list(joined_db.values()))
        _write_reports(actor, items, target, now)
        _write_history(actor, events, now)
        rollup.track_many(target)
        _write_candidates(items, cases, target, now)
    return Filed(
        numbers=[c.number for c in target],
        joined=[item.join is not None for item in items],
        case_ids=[c.pk for c in target],
    )


def _prefill(cache: dict[Any, Any]) -> None:
    """Every grid's first worker and every center, in two queries, for ``place``."""
    if cache.get("prefilled"):
        return
    for grid_id, person_id in Grid.workers.through.objects.order_by("-person_id").values_list(
        "grid_id", "person_id"
    ):
        cache[("worker", grid_id)] = person_id  # the lowest id wins, as in effects.place
    for code, center_id in Center.objects.order_by("-id").values_list("region_code", "id"):
        cache[("center", code)] = center_id
    cache["prefilled"] = True


def _insert_cases(cases: list[Case]) -> None:
    """New cases in one statement; their ids read back by their (unique) numbers."""
    insert_rows(cases)
    ids = dict(
        Case.objects.filter(number__in=[c.number for c in cases]).values_list("number", "id")
    )
    for case in cases:
        case.pk = ids[case.number]
        case._state.adding = False


def _update_joined(cases: list[Case]) -> None:
    """Counters of the open cases that reports joined (one statement, many rows:
    Django's ``bulk_update`` builds a CASE per column, far slower at this size)."""
    if not cases:
        return
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET report_count = %s, version = %s, updated_at = %s WHERE id = %s",  # noqa: S608
            [
                (
                    c.report_count,
                    c.version,
                    connection.ops.adapt_datetimefield_value(c.updated_at),
                    c.pk,
                )
                for c in cases
            ],
        )


def _lock_open(ids: set[int]) -> dict[int, Case]:
    if not ids:
        return {}
    rows = Case.objects.select_for_update().filter(pk__in=ids)
    return {c.pk: c for c in rows if c.status not in FINAL and c.status != State.CLOSED}


def _category(code: str, cache: dict[Any, Any]) -> Category | None:
    if not code:
        return None
    key = ("category", code)
    if key not in cache:
        cache[key] = Category.objects.filter(code=code).select_related("deadline_policy").first()
    return cache[key]


def _write_reports(actor: Actor, items: list[Item], target: list[Case], now: datetime) -> None:
    contacts = [contact_for(item.report) for item in items]
    ReporterContact.objects.bulk_create([c for c in contacts if c is not None])
    insert_rows(
        [
            Report(
                case=target[i],
                reporter=contacts[i],
                submitted_by_id=actor.person_id,
                joined="merged" if item.join else "opened",
                merge_score=round(item.score, 4) if item.join and item.score else None,
                **report_fields(item.report, now),
            )
            for i, item in enumerate(items)
        ]
    )


def _last_chains(case_ids: list[int]) -> dict[int, str]:
    """The chain of each existing case's latest history line, in one query."""
    chains: dict[int, str] = {}
    found = CaseEvent.objects.filter(case_id__in=case_ids).order_by("case_id", "seq")
    for case_id, chain in found.values_list("case_id", "chain"):
        chains[case_id] = chain
    return chains


def _write_history(
    actor: Actor, events: list[tuple[Case, str, dict[str, Any]]], now: datetime
) -> None:
    """History lines and their outbox messages, ``seq`` counting up per case."""
    joins: Counter[int] = Counter(c.pk for c, a, _ in events if a != "create")
    created = {c.pk for c, a, _ in events if a == "create"}
    # a case's lines continue from the version it had before this batch
    seq = {
        pk: 0 if pk in created else case.version - joins[pk]
        for pk, case in {c.pk: c for c, _, _ in events}.items()
    }
    rows, messages = [], []
    chains = _last_chains([pk for pk in seq if pk not in created])
    key = chain_key()
    for case, action, data in events:
        seq[case.pk] += 1
        before = "" if action == "create" else case.status
        rows.append(
            CaseEvent(
                case=case,
                seq=seq[case.pk],
                action=action,
                from_state=before,
                to_state=case.status,
                at=now,
                actor_id=actor.person_id,
                actor_name=actor.name,
                actor_role=actor.role,
                actor_level=actor.level,
                data=data,
            )
        )
        rows[-1].chain = chains[case.pk] = link(
            key, chains.get(case.pk, ""), event_fields(rows[-1])
        )
        messages.append(
            OutboxMessage(
                topic=f"case.{action}",
                case=case,
                created_at=now,
                available_at=now,
                payload={
                    "number": case.number,
                    "action": action,
                    "from": before,
                    "to": case.status,
                    "level": case.level,
                    "warning": case.warning,
                    "version": seq[case.pk],
                },
            )
        )
    insert_rows(rows)
    insert_rows(messages)
    rollup.track_events((e, e.case.area_code) for e in rows)


def _write_candidates(
    items: list[Item], cases: dict[int, Case], target: list[Case], now: datetime
) -> None:
    rows = []
    for i, item in enumerate(items):
        if item.join is not None:
            continue
        for (kind, ref), score, parts in item.candidates:
            other_id = cases[ref].pk if kind == "new" else ref
            if other_id != target[i].pk:
                rows.append(
                    MergeCandidate(
                        case=target[i],
                        candidate_id=other_id,
                        score=score,
                        parts=parts,
                        created_at=now,
                    )
                )
    MergeCandidate.objects.bulk_create(rows, ignore_conflicts=True)
