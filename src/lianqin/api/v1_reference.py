"""API v1: reference data — the workflow table, the catalogue, the units, who I am."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from lianqin.api.auth import request_actor
from lianqin.cases.workflow import ACTION_LABELS, STATE_LABELS, TRANSITIONS
from lianqin.org.models import Category, Unit

router = Router()


@router.get("/me", summary="当前身份与辖区")
def me(request: HttpRequest) -> dict[str, Any]:
    actor = request_actor(request)
    return {
        "name": actor.name,
        "role": actor.role,
        "level": actor.level,
        "scope_code": actor.scope_code,
        "unit_id": actor.unit_id,
    }


@router.get("/workflow", summary="案件流转表")
def workflow(request: HttpRequest) -> dict[str, Any]:
    return {
        "states": [
            {"code": s.value, "label": lab.zh, "label_en": lab.en, "color": lab.color}
            for s, lab in STATE_LABELS.items()
        ],
        "transitions": [
            {
                "action": t.action.value,
                "label": ACTION_LABELS[t.action].zh,
                "from": sorted(s.value for s in t.sources),
                "to": t.target,
                "roles": sorted(r.value for r in t.roles),
                "levels": sorted(v.value for v in t.levels),
                "needs_note": t.needs_note,
                "mode": t.mode.value if t.mode else None,
                "reason": t.reason,
            }
            for t in TRANSITIONS
        ],
    }


@router.get("/categories", summary="派单目录")
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    rows = Category.objects.filter(active=True).select_related("parent", "deadline_policy")
    return [
        {
            "code": c.code,
            "name": c.name,
            "path": c.path,
            "depth": c.depth,
            "parent": c.parent.code if c.parent else None,
            "priority": c.priority,
            "deadline_policy": c.deadline_policy.code if c.deadline_policy else None,
        }
        for c in rows.order_by("code")
    ]


@router.get("/units", summary="参勤单位")
def units(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"code": u.code, "name": u.name, "kind": u.kind}
        for u in Unit.objects.filter(active=True).order_by("code")
    ]
