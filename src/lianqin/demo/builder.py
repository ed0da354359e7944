"""``lianqin demo``: build the synthetic district, deterministically from a seed.

Geography from ``org/demo_geometry.py``, reference data from the packaged catalogue,
people in bulk, then a month of history through ``cases.actions``; finally the sweeper
brings every warning up to date. One transaction: a failed build leaves nothing behind.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lianqin.audit.service import verify as verify_audit
from lianqin.cases.models import (
    ApprovalRequest,
    Case,
    CaseCounter,
    CaseEvent,
    MergeCandidate,
    Report,
    ReporterContact,
    WorkOrder,
)
from lianqin.demo import intake as demo_intake
from lianqin.demo.history import History, showcase
from lianqin.demo.people import LOGINS, create_people
from lianqin.duty.demo import make_demo_roster
from lianqin.duty.models import DutyShift, Handover
from lianqin.errors import InvalidInput
from lianqin.evaluation.early_warning import KINDS
from lianqin.evaluation.early_warning_service import scan as scan_early_warnings
from lianqin.evaluation.models import Inspection, InspectionItem
from lianqin.geo import service
from lianqin.geo.demo_gazetteer import build_demo_gazetteer
from lianqin.geo.gazetteer_store import load_gazetteer
from lianqin.geo.models import Place, RoadSegment
from lianqin.intake.models import QuarantinedPayload
from lianqin.jobs.models import Heartbeat, OutboxMessage
from lianqin.jobs.sweeper import sweep_once
from lianqin.org.demo_geometry import build_district, compound_names, road_names, to_geojson
from lianqin.org.models import ApiKey, Center, Community, District, Grid, Person, Street
from lianqin.org.reference import ensure_centers, load_defaults
from lianqin.triage.classify_service import train_from_db
from lianqin.triage.models import ClassifierModel

DEMO_PASSWORD = "Lianqin@2026"
DEMO_CODE = "320111"


def demo_exists() -> bool:
    return District.objects.filter(code=DEMO_CODE).exists() and Case.objects.exists()


def occupied() -> bool:
    """Whether the database already holds a district or people the demo would collide with."""
    return District.objects.exists() or Person.objects.exists()


def wipe() -> None:
    """Remove cases, people and geography (reference catalogue and units stay). Case
    history is append-only in the database: the wipe lifts that protection for its own
    transaction only, and says so in the audit log."""
    from lianqin.audit import protect
    from lianqin.audit.service import append

    with protect.unlocked():
        _wipe()
        append("maintenance", None, "demo", {"action": "wipe"})


def _wipe() -> None:
    Case.objects.update(merged_into=None)
    for model in (
        OutboxMessage,
        QuarantinedPayload,
        MergeCandidate,
        InspectionItem,
        Inspection,
        ApprovalRequest,
        CaseEvent,
        WorkOrder,
        Report,
        ReporterContact,
        Case,
        CaseCounter,
        Heartbeat,
        ApiKey,
        ClassifierModel,
        Handover,
        DutyShift,
    ):
        model.objects.all().delete()
    Grid.workers.through.objects.all().delete()
    Person.objects.all().delete()
    for region in (Place, RoadSegment, Grid, Center, Community, Street, District):
        region.objects.all().delete()


def build_geography(seed: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    plan = build_district(seed)
    district = District.objects.create(
        code=plan.code, name=plan.name, boundary=to_geojson(plan.polygon)
    )
    streets = Street.objects.bulk_create(
        [
            Street(district=district, code=s.code, name=s.name, boundary=to_geojson(s.polygon))
            for s in plan.streets
        ]
    )
    street_ids = {s.code: s.pk for s in streets}
    communities = Community.objects.bulk_create(
        [
            Community(
                street_id=street_ids[s.code],
                code=c.code,
                name=c.name,
                rural=c.rural,
                households=c.households,
                population=c.population,
                boundary=to_geojson(c.polygon),
            )
            for s in plan.streets
            for c in s.communities
        ]
    )
    community_ids = {c.code: c.pk for c in communities}
    grids = []
    for c in plan.communities:
        for g in c.grids:
            point = g.polygon.representative_point()
            grids.append(
                Grid(
                    community_id=community_ids[c.code],
                    code=g.code,
                    name=g.name,
                    households=g.households,
                    boundary=to_geojson(g.polygon),
                    centroid_lon=round(point.x, 6),
                    centroid_lat=round(point.y, 6),
                )
            )
    Grid.objects.bulk_create(grids, batch_size=500)
    service.bump("grids")  # bulk writes send no signals: every process must rebuild
    ensure_centers(district)
    roads, compounds = road_names(plan, seed), compound_names(plan, seed)
    places, segments = build_demo_gazetteer(plan, roads, compounds, seed)
    load_gazetteer(places, segments, replace=True)
    return roads, compounds


INTAKE_LABELS = {
    "new": "新立案",
    "merged": "并单",
    "suggested": "疑似重复",
    "awaiting": "待确认",
    "quarantined": "隔离",
    "replay": "重放",
    "inspection_items": "抽查案件",
    "approvals": "待批延期",
}


def build_demo(
    *, seed: int, days: int, per_day: int, console: Console, wipe_first: bool = False
) -> dict[str, float]:
    """Build the district and its history; returns the timings of each phase."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    now = timezone.now()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress, transaction.atomic():
        mark = time.perf_counter()
        if wipe_first:
            wipe()
        task = progress.add_task("区划与网格", total=3)
        load_defaults()
        progress.advance(task)
        roads, compounds = build_geography(seed)
        progress.advance(task)
        staff = create_people(rng, DEMO_PASSWORD)
        progress.advance(task)
        timings["geography_people"] = time.perf_counter() - mark
        mark = time.perf_counter()
        history = History(rng, staff, now, roads, compounds)
        task = progress.add_task(f"{days} 天历史案件", total=days + 1)
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        for d in range(days, -1, -1):
            history.day(
                start - timedelta(days=d), rng.randint(int(per_day * 0.8), int(per_day * 1.2))
            )
            progress.advance(task)
        timings["history"] = time.perf_counter() - mark
        mark = time.perf_counter()
        task = progress.add_task("训练分类模型（已结案件）", total=1)
        model = train_demo_classifier(now)
        progress.advance(task)
        timings["classifier"] = time.perf_counter() - mark
        mark = time.perf_counter()
        showcase(history)
        intake_counts = demo_intake.run(rng, now)
        intake_counts.update(demo_intake.loop_examples(now))
        timings["intake"] = time.perf_counter() - mark
        mark = time.perf_counter()
        OutboxMessage.objects.update(delivered_at=now)
        while sweep_once(now).warnings_checked:
            pass
        early_warnings = scan_early_warnings(now)
        timings["warnings"] = time.perf_counter() - mark
        make_demo_roster(now)
    console.print(
        f"生成案件 {history.counts['cases']} 件，流转动作 {history.counts['actions']} 次"
        f"（被规则拒绝的模拟动作 {history.counts['errors']} 次）"
    )
    if model is not None:
        console.print(
            f"分类模型：{model.n_train} 件已结案件、{len(model.labels)} 个类别，"
            f"交叉验证 macro-F1 {model.scores['scores']['macro_f1']:.3f}"
        )
    console.print(
        "预警：" + ("，".join(f"{KINDS[k]} {n}" for k, n in early_warnings.items()) or "无")
    )
    console.print(
        "渠道接入示例："
        + "，".join(f"{INTAKE_LABELS.get(k, k)} {v}" for k, v in intake_counts.items())
    )
    mark = time.perf_counter()
    audit = verify_audit()
    timings["audit"] = time.perf_counter() - mark
    console.print(
        f"审计：日志 {audit.log_lines} 条，案件历史 {audit.history_lines} 条，"
        + (
            "哈希链完好，防改删触发器在位"
            if audit.ok
            else f"[red]发现 {len(audit.breaks)} 处断链[/red]"
        )
    )
    return timings | {"cases": history.counts["cases"], "actions": history.counts["actions"]}


def train_demo_classifier(now: datetime) -> ClassifierModel | None:
    """The district's first model, from the history's closed cases, so that arriving
    reports get the classifier's suggestions from the start (a real district runs
    ``lianqin retrain`` once it has closed cases)."""
    try:
        return train_from_db(level=4, now=now, note="示范区历史案件")
    except InvalidInput:  # too few closed cases for two categories (a tiny demo)
        return None


def print_logins(console: Console, password: str) -> None:
    table = Table(title=f"示范账号（密码均为 {password}）")
    table.add_column("用户名")
    table.add_column("角色")
    table.add_column("辖区/单位")
    for username, _role, _kind, _name in LOGINS:
        p = Person.objects.filter(username=username).select_related("unit").first()
        if p is not None:
            table.add_row(username, p.get_role_display(), str(p.unit or p.scope_code or "全区"))
    console.print(table)
