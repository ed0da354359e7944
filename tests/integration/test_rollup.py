"""The rollup kept in each transaction equals a rebuild from the cases, after the demo's
whole history (every path of the loop: on site, dispatch, return, rework, extension,
merge, callback, reopen, warnings and escalation by the sweeper) and after bulk intake."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from rich.console import Console

from lianqin.cases.models import Case, Report
from lianqin.demo.builder import build_demo
from lianqin.evaluation import rollup
from lianqin.evaluation.indicators import MEASURES
from lianqin.evaluation.models import EventTally, Tally
from lianqin.intake.accounts import channel_actor
from lianqin.intake.bulk import BulkIntake
from lianqin.intake.tabular import iter_payloads
from lianqin.jobs.sweeper import sweep_once

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"


def _tally() -> dict[tuple[Any, ...], tuple[int, ...]]:
    rows = Tally.objects.values_list("grain", "period", "dim", "area", "key", *MEASURES)
    return {r[:5]: tuple(r[5:]) for r in rows if any(r[5:])}


def _events() -> dict[tuple[Any, ...], int]:
    rows = EventTally.objects.values_list(
        "grain", "period", "area", "person", "role", "action", "n"
    )
    return {r[:6]: r[6] for r in rows if r[6]}


def test_the_kept_rollup_equals_a_rebuild_after_the_demo_and_the_sweeper(db):
    build_demo(seed=3, days=4, per_day=25, console=Console(file=io.StringIO()))
    later = timezone.now() + timedelta(days=6)
    while sweep_once(later).warnings_checked:
        pass
    kept, kept_events = _tally(), _events()
    assert kept and kept_events
    assert sum(v[MEASURES.index("cases")] for k, v in kept.items() if k[0] == "m" and k[2] == "area") == (
        Case.objects.exclude(status="merged").count()
    )  # fmt: skip
    assert any(v[MEASURES.index("overdue")] for v in kept.values())
    assert any(v[MEASURES.index("dispatched")] for v in kept.values())
    rollup.rebuild()
    assert _tally() == kept
    assert _events() == kept_events


def test_bulk_intake_keeps_the_rollup_as_a_rebuild_would(world):
    data = (FIXTURES / "hotline_12345" / "export.xlsx").read_bytes()
    payloads = list(iter_payloads("hotline_12345", data, "export.xlsx"))
    summary = BulkIntake(channel_actor("hotline_12345")).run(payloads)
    assert summary.new >= 1
    kept = _tally()
    reports = sum(
        v[MEASURES.index("reports")] for k, v in kept.items() if k[0] == "m" and k[2] == "channel"
    )
    assert reports == Report.objects.filter(case__isnull=False).count()
    rollup.rebuild()
    assert _tally() == kept


def test_a_partly_loaded_case_cannot_move_its_counts(world):
    """Its "before" is unknown: moving counts from nothing would count it twice."""
    import pytest

    from tests.factories import new_case

    made = new_case(world)
    partial = Case.objects.only("pk", "number").get(pk=made.pk)
    partial.status = "closed"
    with pytest.raises(RuntimeError, match="load it whole"):
        rollup.track(partial)
    whole = Case.objects.get(pk=made.pk)
    rollup.track(whole)  # unchanged: nothing to move, no error
