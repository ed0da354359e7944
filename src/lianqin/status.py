"""``lianqin status``: what a duty officer or an operator checks first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from lianqin.cases.deadlines import calendar
from lianqin.cases.models import Case, Report
from lianqin.cases.workflow import OPEN, STATE_LABELS, State
from lianqin.choices import WARNING_LABELS, Warning
from lianqin.intake.models import QuarantinedPayload
from lianqin.jobs.models import Heartbeat, OutboxMessage
from lianqin.org.models import Center, Community, District, Grid, Person, Street, Unit

STALE_SECONDS = 60
CALENDAR_HORIZON_DAYS = 90


def _uncovered_days(now: datetime) -> list[str]:
    """Days in the next 90 whose working status is a Monday–Friday guess: neither the
    holiday package nor the editable table knows them (e.g. next year before the State
    Council publishes its schedule)."""
    cal = calendar()
    today = timezone.localdate(now)
    days = (today + timedelta(days=i) for i in range(CALENDAR_HORIZON_DAYS))
    return [d.isoformat() for d in days if not cal.covered(d)]


def collect(database: str) -> dict[str, Any]:
    now = timezone.now()
    by_state = dict(Case.objects.values_list("status").annotate(n=Count("id")))
    open_q = Case.objects.filter(status__in=list(OPEN))
    warnings = dict(open_q.values_list("warning").annotate(n=Count("id")))
    beats = [
        {
            "name": b.name,
            "beat_at": b.beat_at,
            "age_seconds": int((now - b.beat_at).total_seconds()),
            "alive": (now - b.beat_at).total_seconds() < STALE_SECONDS,
            **b.info,
        }
        for b in Heartbeat.objects.order_by("-beat_at")[:10]
    ]
    return {
        "database": database,
        "district": [d.name for d in District.objects.all()],
        "counts": {
            "streets": Street.objects.count(),
            "communities": Community.objects.count(),
            "rural_communities": Community.objects.filter(rural=True).count(),
            "grids": Grid.objects.count(),
            "centers": Center.objects.count(),
            "units": Unit.objects.count(),
            "grid_workers": Person.objects.filter(role="grid_worker").count(),
            "people": Person.objects.count(),
            "cases": Case.objects.count(),
        },
        "open_by_state": {s.value: by_state.get(s.value, 0) for s in State if s in OPEN},
        "all_by_state": {s.value: by_state.get(s.value, 0) for s in State},
        "warnings": {w.value: warnings.get(w.value, 0) for w in Warning},
        "outbox_pending": OutboxMessage.objects.filter(delivered_at=None).count(),
        "intake": {
            "quarantined": QuarantinedPayload.objects.filter(state="open").count(),
            "awaiting_confirmation": Report.objects.filter(state="awaiting").count(),
            "reports": Report.objects.count(),
            "merged_reports": Report.objects.filter(joined="merged").count(),
        },
        "calendar_uncovered": _uncovered_days(now),
        "background_loops": beats,
    }


def render(data: dict[str, Any], console: Console) -> None:
    console.print(
        f"[bold]数据库[/bold] {data['database']}    区：{'、'.join(data['district']) or '（未建立）'}"
    )
    c = data["counts"]
    console.print(
        f"街道 {c['streets']}  社区/村 {c['communities']}（村 {c['rural_communities']}）  "
        f"网格 {c['grids']}  指挥中心/分中心/工作站 {c['centers']}  参勤单位 {c['units']}  "
        f"网格员 {c['grid_workers']}  人员 {c['people']}  案件 {c['cases']}"
    )
    table = Table(title="案件状态")
    table.add_column("状态")
    table.add_column("数量", justify="right")
    for code, n in data["all_by_state"].items():
        table.add_row(STATE_LABELS[State(code)].zh, str(n))
    console.print(table)
    console.print(
        "在办预警："
        + "  ".join(f"{WARNING_LABELS[Warning(k)].zh} {v}" for k, v in data["warnings"].items())
    )
    console.print(f"发件箱待投递 {data['outbox_pending']}")
    i = data["intake"]
    console.print(
        f"报件 {i['reports']}（并单 {i['merged_reports']}）  隔离区待处理 {i['quarantined']}  "
        f"待人工确认 {i['awaiting_confirmation']}"
        + ("  [yellow]→ lianqin quarantine list[/yellow]" if i["quarantined"] else "")
    )
    gap = data["calendar_uncovered"]
    if gap:
        console.print(
            f"[yellow]工作日历[/yellow] 未来90天中有 {len(gap)} 天（自 {gap[0]} 起）节假日安排未知，"
            "暂按周一至周五计算；请在管理后台「工作日历调整」中录入"
        )
    if not data["background_loops"]:
        console.print("[yellow]后台循环：从未运行[/yellow]（lianqin serve 或 lianqin worker）")
    for b in data["background_loops"]:
        mark = "[green]运行中[/green]" if b["alive"] else "[red]已停止[/red]"
        console.print(f"后台循环 {b['name']} {mark}，上次心跳 {b['age_seconds']} 秒前")
