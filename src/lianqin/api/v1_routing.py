"""API v1: the responsibility list — the rules in force and a tester that shows which
rule a case (real or imagined) would be routed by, and why."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from lianqin.api.auth import request_actor
from lianqin.api.schemas import Error
from lianqin.cases.access import access_case
from lianqin.cases.actions.effects import routing_facts
from lianqin.org.routing import rules
from lianqin.triage.routing import Decision, Facts, Rule, route

router = Router(tags=["routing"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error}


class RoutingTestIn(Schema):
    case: str = Field("", description="案件编号：按该案件的类别、地点、内容、渠道测试")
    category: str = Field("", description="派单目录编码（不填 case 时）")
    area: str = Field("", description="辖区编码：街道9位/社区12位/网格15位")
    text: str = ""
    channel: str = ""
    at: datetime | None = Field(None, description="时间（默认现在）")


def _rule(rule: Rule) -> dict[str, object]:
    return {"name": rule.name, "key": rule.key, "lead": rule.lead, "assist": list(rule.assist),
            "categories": list(rule.categories), "areas": list(rule.areas),
            "keywords": list(rule.keywords), "channels": list(rule.channels),
            "start": rule.start.strftime("%H:%M") if rule.start else None,
            "end": rule.end.strftime("%H:%M") if rule.end else None,
            "weekdays": list(rule.weekdays)}  # fmt: skip


def _decision(decision: Decision) -> dict[str, object]:
    return {
        "matched": _rule(decision.rule) if decision.rule else None,
        "lead": decision.lead,
        "assist": list(decision.assist),
        "explain": decision.explain(),
        "trace": [
            {
                "rule": t.rule.name,
                "matched": t.matched,
                "checks": [
                    {"condition": c.condition, "ok": c.ok, "detail": c.detail} for c in t.checks
                ],
            }
            for t in decision.trace
        ],
    }


@router.get("/routing/rules", response={200: list[dict], **ERRORS}, summary="责任清单（生效顺序）")
def list_rules(request: HttpRequest):
    request_actor(request)
    return [_rule(r) for r in rules()]


@router.post(
    "/routing/test", response={200: dict, **ERRORS}, summary="派单规则测试：命中哪条、为什么"
)
def test_rules(request: HttpRequest, body: RoutingTestIn):
    actor = request_actor(request)
    now = body.at or timezone.now()
    if body.case:
        facts = routing_facts(access_case(actor, body.case), now)
    else:
        facts = Facts(category=body.category, area=body.area, text=body.text,
                      channel=body.channel, at=now)  # fmt: skip
    return _decision(route(rules(), facts))
