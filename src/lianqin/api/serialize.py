"""Cases as the API shows them: labels resolved, the reporter masked."""

from __future__ import annotations

from typing import Any

from lianqin.cases.access import Actor
from lianqin.cases.models import Case
from lianqin.cases.workflow import STATE_LABELS, State, allowed_actions


def case_out(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_label": STATE_LABELS[State(case.status)].zh,
        "category": case.category.code if case.category else None,
        "category_label": case.category.path if case.category else None,
        "priority": case.priority,
        "channel": case.channel,
        "level": case.level,
        "area_code": case.area_code,
        "grid": case.grid.code if case.grid else None,
        "community": case.community.name if case.community else None,
        "street": case.street.name if case.street else None,
        "lon": case.lon,
        "lat": case.lat,
        "address": case.address,
        "needs_location": case.needs_location,
        "location_source": case.location_source,
        "location_confidence": case.location_confidence,
        "warning": case.warning,
        "stage": case.stage,
        "stage_due": case.stage_due,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "version": case.version,
        "report_count": case.report_count,
        "rework_count": case.rework_count,
        "urge_count": case.urge_count,
        "supervise_count": case.supervise_count,
        "escalation_count": case.escalation_count,
    }


def case_detail(case: Case, actor: Actor) -> dict[str, Any]:
    out = case_out(case)
    out.update(
        {
            "description": case.description,
            "holder": case.holder.name if case.holder else None,
            "accept_due": case.accept_due,
            "acknowledge_due": case.acknowledge_due,
            "resolve_due": case.resolve_due,
            "verify_due": case.verify_due,
            "callback_due": case.callback_due,
            "satisfaction": case.satisfaction,
            "merged_into": case.merged_into.number if case.merged_into else None,
            "allowed_actions": sorted(
                a.value for a in allowed_actions(State(case.status), actor.role, actor.level)
            ),
            "work_orders": [
                {
                    "id": o.pk,
                    "unit": o.unit.code,
                    "unit_name": o.unit.name,
                    "role": o.role,
                    "state": o.state,
                    "dispatched_at": o.dispatched_at,
                    "acknowledge_due": o.acknowledge_due,
                    "due_at": o.due_at,
                    "reply": o.reply,
                    "return_reason": o.return_reason,
                }
                for o in case.work_orders.select_related("unit")
            ],
            "reports": [
                {
                    "channel": r.channel,
                    "external_id": r.external_id,
                    "received_at": r.received_at,
                    "title": r.title,
                    "reporter_name": r.reporter.masked_name if r.reporter else "",
                    "reporter_phone": r.reporter.masked_phone if r.reporter else "",
                }
                for r in case.reports.select_related("reporter").order_by("id")
            ],
        }
    )
    return out
