"""Every URL × every role: who may reach what (issue 8, "Jurisdiction").

What must hold (SECURITY.md, "What each role can see and do"):

* every route of Django's URL resolver — pages, the django-ninja API under ``/api/``,
  Open311 under ``/open311/v2/``, the duty, dashboard, field and public pages and the
  admin — has an entry in :data:`TABLE` (the admin's routes: :func:`admin_probes`);
  a route without one fails :func:`test_the_table_covers_every_route` by name;
* each entry's probes are real requests with real objects from one small world (two
  streets, cases in each, a unit with a work order on one case of street A and none on
  another, …), sent as each of :data:`ROLES`, and each answer is checked against the
  expected outcome of that role:

  ``OK``    the gate lets the role through: not 401/403/404, not a redirect to a login;
  ``SEE``   the role sees the object, the workflow decides the rest: not 401/404/login
            (403 from the workflow's role rules, 400/409 for the minimal body are fine);
  ``DENY``  refused: a redirect to a login page, 401, 403 or 404;
  ``HIDE``  outside the role's jurisdiction: exactly 404, so that existence does not leak;
  ``ANY``   not checked (log-in/out, redirects that lead to a checked page);
  ``SKIP``  not sent: only for a route that asks nobody who they are and takes long to
            answer (the OpenAPI document), tried as a few roles;

* no answer to a role contains what that role may not know (:func:`secrets_for`): street
  A's people never read street B's case numbers or titles, a unit never reads a case it
  has no work order on, the public never reads a reporter's name or phone number; a
  street viewer's dashboard, indicators, appraisal and ledger do not name street B
  (spreadsheets are unzipped and searched too);
* mutating requests (POST, with an empty or minimal body) run in a savepoint that is
  rolled back, so the probes do not change each other's world.

All violations are collected and reported in one assertion message. A violation that is
known and owned by code this test may not change is listed in :data:`KNOWN_HOLES` as
``(role, method, route, probe label)``; a listed entry that no longer fails makes the
test fail too, so the set can only shrink.

Adding an endpoint: add its route string exactly as the failure message prints it (the
same as ``django.urls.resolve(path).route``) to :data:`TABLE`, with the methods it
answers (for the API: exactly the methods its operations declare) and a function that
returns its :class:`Probe` list — the URL filled with objects of :class:`Ctx` and the
outcome per role, usually from :func:`only`, :func:`everyone` or :func:`case_rule`.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.contrib import admin
from django.core.cache import cache
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from lianqin.cases.actions import perform
from lianqin.cases.actions.approvals import request_approval
from lianqin.cases.models import ApprovalRequest, Case, Report, WorkOrder
from lianqin.duty.handover import hand_over
from lianqin.duty.models import DutyShift
from lianqin.evaluation.inspections import draw_inspection
from lianqin.evaluation.models import EarlyWarning
from lianqin.evaluation.sampling import Plan
from lianqin.intake import service as intake_service
from lianqin.intake.accounts import channel_actor, issue_channel_key
from lianqin.intake.contract import Payload
from lianqin.intake.models import QuarantinedPayload
from lianqin.org.models import ApiKey, Category, Center
from tests.factories import World, new_case
from tests.integration.test_public_report import form as public_form
from tests.integration.test_public_report import png, receipt

# ------------------------------------------------------------------ roles

ANON, CITIZEN = "anonymous", "citizen"
GRID_A, DISP_A, LEAD_A = "grid_worker_a", "dispatcher_a", "duty_leader_a"
DISP_D, DUTY = "dispatcher_district", "duty_leader"
UNIT, UNIT_OTHER = "unit", "unit_other"
INSPECTOR, CALLBACK, LEADER, ADMIN = "inspector", "callback", "leader", "admin"
SYSTEM = "system_key"

#: role → the world's person it logs in as (None: no session)
ROLES: dict[str, str | None] = {
    ANON: None,
    CITIZEN: None,  # anonymous, but holds the tracking code of a report
    GRID_A: "grid_worker_a1",  # street A, grid A1-1 only
    DISP_A: "street_a",
    LEAD_A: "street_leader_a",
    DISP_D: "dispatcher",
    DUTY: "duty_leader",
    UNIT: "cg_handler",  # 城管: lead work order on CASE_A_WO
    UNIT_OTHER: "scjg_handler",  # 市场监管: no work order anywhere
    INSPECTOR: "inspector",
    CALLBACK: "callback",
    LEADER: "leader",
    ADMIN: "admin",
    SYSTEM: None,  # X-API-Key of the 12345 hotline's system account
}
PUBLIC = (ANON, CITIZEN)
STREET_A = (GRID_A, DISP_A, LEAD_A)
DISTRICT = (DISP_D, DUTY, INSPECTOR, CALLBACK, LEADER, ADMIN)
STAFF = (*STREET_A, *DISTRICT, UNIT, UNIT_OTHER)  # roles with a session

OK, SEE, DENY, HIDE, ANY, SKIP = "OK", "SEE", "DENY", "HIDE", "ANY", "SKIP"

#: (role, method, route, probe label): holes in code this test may not change (issue 8);
#: each entry must still fail, so the set only shrinks. Remove an entry with its fix.
KNOWN_HOLES: set[tuple[str, str, str, str]] = set()


# ------------------------------------------------------------------ the world


@dataclass
class Ctx:
    world: World
    case_a_wo: str = ""  # street A, grid A1-1, dispatched: 城管 lead
    case_a: str = ""  # street A, grid A1-2, no work order
    case_b: str = ""  # street B, portal channel, dispatched: 环保 lead
    order_a: int = 0
    order_b: int = 0
    approval_a: int = 0
    approval_b: int = 0
    inspection: int = 0
    item: int = 0
    warning_a: int = 0
    warning_b: int = 0
    quarantined: int = 0
    report_a: int = 0
    shift_b: int = 0
    handover: int = 0
    photo: str = ""
    tracked: str = ""
    code: str = ""
    token: str = ""
    open311_case: str = ""
    service: str = ""
    secrets: dict[str, list[str]] = field(default_factory=dict)


SECRET_NAMES = {
    "a_wo": ("钱某甲", "13700001111"),
    "a": ("孙某乙", "13700002222"),
    "b": ("周某丙", "13700003333"),
}
TITLES = {"a_wo": "甲街工单案件标题", "a": "甲街无单案件标题", "b": "乙街专属案件标题"}


def build(world: World, client: Client) -> Ctx:
    ctx = Ctx(world)
    act = perform

    def case(key: str, grid: int, **kw: Any) -> Case:
        name, phone = SECRET_NAMES[key]
        return new_case(
            world,
            grid=grid,
            title=TITLES[key],
            reporter_name=name,
            reporter_phone=phone,
            description=f"{TITLES[key]}：详细描述",
            **kw,
        )

    a_wo = case("a_wo", 0)
    act(world.actor("community_a1"), a_wo.number, "accept")
    act(world.actor("street_a"), a_wo.number, "dispatch", lead="cg")
    a = case("a", 1)
    b = case("b", 4, channel="portal")
    act(world.actor("community_b1"), b.number, "accept")
    act(world.actor("street_b"), b.number, "dispatch", lead="hb")
    ctx.case_a_wo, ctx.case_a, ctx.case_b = a_wo.number, a.number, b.number
    ctx.order_a = WorkOrder.objects.get(case=a_wo).pk
    ctx.order_b = WorkOrder.objects.get(case=b).pk
    for unit, number in (("cg_handler", a_wo.number), ("hb_handler", b.number)):
        act(world.actor(unit), number, "acknowledge")
        request_approval(world.actor(unit), number, "extend", "需要更多时间", by="3wd")
    ctx.approval_a = ApprovalRequest.objects.get(case=a_wo).pk
    ctx.approval_b = ApprovalRequest.objects.get(case=b).pk
    # a closed case of street A for the sample inspection
    done = new_case(world, grid=0, title="已结案件")
    act(world.actor("community_a1"), done.number, "accept")
    act(world.actor("grid_worker_a1"), done.number, "handle_on_site")
    ctx.photo = _photo()
    act(world.actor("grid_worker_a1"), done.number, "resolve", note="已处理", evidence=[ctx.photo])
    act(world.actor("inspector"), done.number, "verify")
    today = timezone.localdate()
    made = draw_inspection(
        world.actor("duty_leader"),
        start=today - timedelta(days=1),
        end=today,
        plan=Plan(strata=("street",), per_stratum=2, seed=1),
    )
    ctx.inspection, ctx.item = made.pk, made.items.get().pk
    now = timezone.now()
    for key, area in (("a", world.grids[0].code), ("b", world.grids[4].code)):
        warning = EarlyWarning.objects.create(
            kind="cluster",
            key=f"role-matrix-{key}",
            title=f"预警{key}",
            area_code=area,
            count=3,
            first_seen=now,
            last_seen=now,
            cases=[],
        )
        setattr(ctx, f"warning_{key}", warning.pk)
    intake_service.receive(
        channel_actor("hotline_12345"), Payload("hotline_12345", '{"工单编号": "Q-1"}')
    )
    ctx.quarantined = QuarantinedPayload.objects.get().pk
    ctx.report_a = a.reports.get().pk
    center_b = Center.objects.get(region_code=world.streets[1].code)
    ctx.shift_b = DutyShift.objects.create(
        center=center_b,
        person=world.people["street_b"],
        post="dispatcher",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=7),
        created_at=now,
    ).pk
    district_center = Center.objects.get(region_code=world.district.code)
    ctx.handover = hand_over(world.actor("duty_leader"), district_center, note="交班").pk
    # a citizen's report through the public page, and its tracking code
    cache.clear()
    ctx.tracked, ctx.code = receipt(client.post("/public/", public_form(world)).content.decode())
    assert ctx.tracked and ctx.code
    # an Open311 request and its token
    key = issue_channel_key("open311")[1]
    ctx.service = (
        Category.objects.filter(active=True, children=None).order_by("code").first().code  # type: ignore[union-attr]
    )
    lon, lat = world.grid_point(0)
    posted = client.post(
        "/open311/v2/requests.json",
        urlencode(
            {
                "api_key": key,
                "service_code": ctx.service,
                "lat": lat,
                "long": lon,
                "description": "小区门口垃圾堆了三天没人清理",
                "first_name": "某丁",
                "last_name": "吴",
                "phone": "13700004444",
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert posted.status_code in (200, 201), posted.content
    made311 = Report.objects.select_related("case").get(channel="open311")
    ctx.token, ctx.open311_case = made311.external_id, made311.case.number  # type: ignore[union-attr]
    ctx.secrets = secrets(ctx)
    return ctx


def _photo() -> str:
    from lianqin import photos

    return photos.save(png("blue"), "after.png")


def secrets(ctx: Ctx) -> dict[str, list[str]]:
    """What each role must never read in any answer."""
    a_wo = [ctx.case_a_wo, TITLES["a_wo"]]
    a = [ctx.case_a, TITLES["a"]]
    b = [ctx.case_b, TITLES["b"]]
    people = [s for pair in SECRET_NAMES.values() for s in pair] + [
        "李秀英",
        "13912345678",
        "某丁",
        "13700004444",
    ]
    phones = [p for _, p in SECRET_NAMES.values()] + ["13912345678", "13700004444"]
    out = {role: list(phones) for role in ROLES}
    out[SYSTEM] = list(phones)  # (the contacts, which reveal probes allow)
    for role in PUBLIC:
        out[role] = list(people)
    for role in STREET_A:
        out[role] += b
    out[GRID_A] += a
    out[SYSTEM] = out[SYSTEM] + b  # a channel's key: its own channel's cases
    out[UNIT] += a + b
    out[UNIT_OTHER] += a_wo + a + b
    return out


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Probe:
    url: str
    expect: Mapping[str, str]
    label: str = ""
    data: Any = None  # a POST body: dict (form), "json:{...}" or a callable of the role
    street_names: bool = False  # also check that street A's viewers never read street B
    methods: tuple[str, ...] | None = None  # some of the entry's methods only
    reveals: bool = False  # the answer is the reporters' contacts, for those allowed them


def everyone(outcome: str = OK, **over: str) -> dict[str, str]:
    return {role: over.get(role, outcome) for role in ROLES}


def only(allowed: tuple[str, ...], outcome: str = OK, **over: str) -> dict[str, str]:
    """``outcome`` for the roles allowed, DENY for the others."""
    return {role: over.get(role, outcome if role in allowed else DENY) for role in ROLES}


API_CALLERS = (*STAFF, SYSTEM)
#: who sees which case (the system key: its own channel, the 12345 hotline)
SEES = {
    "a_wo": {*STREET_A, *DISTRICT, UNIT, SYSTEM},
    "a": {DISP_A, LEAD_A, *DISTRICT, SYSTEM},
    "b": {*DISTRICT},
}


def body(**fields: Any) -> str:
    """A JSON body for the API."""
    return "json:" + json.dumps(fields, ensure_ascii=False)


APPROVERS = (LEAD_A, DUTY, ADMIN)


def refusable(expect: dict[str, str], *roles: str) -> dict[str, str]:
    """These roles are refused before the object is looked up (their role may never do
    it, wherever the object is): 403 for them is no leak."""
    return {r: DENY if r in roles and e == HIDE else e for r, e in expect.items()}


def not_approver(expect: dict[str, str]) -> dict[str, str]:
    return refusable(expect, *(r for r in ROLES if r not in APPROVERS))


#: who may read reporters' contacts in clear (``cases.access.REVEAL_ROLES``)
NO_REVEAL = (GRID_A, INSPECTOR, LEADER, SYSTEM)


def reveal_rule(which: str, *, api: bool) -> dict[str, str]:
    return refusable(case_rule(which, api=api), *NO_REVEAL) | {r: DENY for r in NO_REVEAL}


def case_rule(which: str, *, api: bool, outcome: str = OK) -> dict[str, str]:
    """A case-bound endpoint: those who see the case get ``outcome``, other staff 404."""
    out = {}
    for role in ROLES:
        if role in PUBLIC or (role == SYSTEM and not api):
            out[role] = DENY
        elif role in SEES[which]:
            out[role] = outcome
        else:
            out[role] = HIDE
    return out


def per_case(
    ctx: Ctx, template: str, *, api: bool, outcome: str = OK, data: Any = None
) -> list[Probe]:
    numbers = {"a_wo": ctx.case_a_wo, "a": ctx.case_a, "b": ctx.case_b}
    return [
        Probe(
            template.format(n=numbers[k], c=ctx),
            case_rule(k, api=api, outcome=outcome),
            label=f"case_{k}",
            data=data,
        )
        for k in numbers
    ]


JSON = "json:{}"
NOTE = {"note": "说明"}
ASK = {"kind": "extend", "note": "需要更多时间", "by": "3wd"}
CATEGORY = {"category": "0101"}
FIELD_KEY = {"key": "0b6c3e9e-3f4d-4a56-9f1e-2a7d8c9b0a11", "note": "说明"}
LOGGED_IN = only(STAFF)
CALLERS = only(API_CALLERS)
CALLERS_SEE = only(API_CALLERS, SEE)
BOARD = (LEAD_A, DUTY, LEADER, ADMIN)  # dashboard, indicators, appraisal, ledger
WARNING_VIEW = (DISP_A, LEAD_A, DISP_D, DUTY, LEADER, ADMIN)
DUTY_VIEW = (DISP_A, LEAD_A, DISP_D, DUTY, LEADER, ADMIN)
INTAKE_DESK = (DISP_D, DUTY, ADMIN)


def P(url: str, expect: Mapping[str, str], **kw: Any) -> list[Probe]:
    return [Probe(url, expect, **kw)]


Entry = tuple[tuple[str, ...], Callable[[Ctx], list[Probe]]]

TABLE: dict[str, Entry] = {
    # ---- console
    "": (("GET",), lambda c: P("/", everyone(), street_names=True)),
    "login/": (("GET", "POST"), lambda c: P("/login/", everyone(ANY))),
    "logout/": (("POST",), lambda c: P("/logout/", everyone(ANY))),
    "favicon.ico": (("GET",), lambda c: P("/favicon.ico", everyone())),
    "events/": (("GET",), lambda c: P("/events/", LOGGED_IN)),
    "console/": (("GET",), lambda c: P("/console/?view=all", LOGGED_IN, street_names=True)),
    "console/rows/": (("GET",), lambda c: P("/console/rows/?view=all", LOGGED_IN)),
    "console/map/": (("GET",), lambda c: P("/console/map/", LOGGED_IN)),
    "console/map/grids.geojson": (
        ("GET",),
        lambda c: P("/console/map/grids.geojson", LOGGED_IN, street_names=True),
    ),
    "console/map/cases.json": (("GET",), lambda c: P("/console/map/cases.json", LOGGED_IN)),
    "console/cases/<str:number>/": (
        ("GET",),
        lambda c: per_case(c, "/console/cases/{n}/", api=False),
    ),
    "console/cases/<str:number>/act/<str:action>": (
        ("POST",),
        lambda c: per_case(c, "/console/cases/{n}/act/urge", api=False, outcome=SEE, data=NOTE),
    ),
    "console/cases/<str:number>/category": (
        ("POST",),
        lambda c: per_case(c, "/console/cases/{n}/category", api=False, outcome=SEE, data=CATEGORY),
    ),
    "console/cases/<str:number>/ask": (
        ("POST",),
        lambda c: per_case(c, "/console/cases/{n}/ask", api=False, outcome=SEE, data=ASK),
    ),
    "console/cases/<str:number>/approvals/<int:request_id>/<str:decision>": (
        ("POST",),
        lambda c: [
            Probe(
                f"/console/cases/{c.case_a_wo}/approvals/{c.approval_a}/refuse",
                not_approver(case_rule("a_wo", api=False, outcome=SEE)),
                "approval_a",
                data=NOTE,
            ),
            # the number of a case one sees, the id of an approval on a case one does not
            Probe(
                f"/console/cases/{c.case_a_wo}/approvals/{c.approval_b}/refuse",
                not_approver(case_rule("b", api=False, outcome=SEE)),
                "approval_b",
                data=NOTE,
            ),
        ],
    ),
    "console/cases/<str:number>/work-orders/<int:order_id>/<str:event>": (
        ("POST",),
        lambda c: [
            Probe(
                f"/console/cases/{c.case_a_wo}/work-orders/{c.order_a}/reply",
                case_rule("a_wo", api=False, outcome=SEE),
                "order_a",
                data=NOTE,
            ),
            Probe(
                f"/console/cases/{c.case_b}/work-orders/{c.order_b}/reply",
                case_rule("b", api=False, outcome=SEE),
                "order_b",
                data=NOTE,
            ),
        ],
    ),
    "console/cases/<str:number>/not-duplicate/<str:other>": (
        ("POST",),
        lambda c: [
            Probe(
                f"/console/cases/{c.case_a}/not-duplicate/{c.case_a_wo}",
                case_rule("a", api=False, outcome=SEE),
                "a_vs_a_wo",
            ),
            Probe(
                f"/console/cases/{c.case_a}/not-duplicate/{c.case_b}",
                case_rule("a", api=False, outcome=SEE),
                "a_vs_b",
            ),
        ],
    ),
    "console/cases/<str:number>/reveal": (
        ("POST",),
        lambda c: [
            Probe(
                f"/console/cases/{n}/reveal", reveal_rule(k, api=False), f"case_{k}", reveals=True
            )
            for k, n in (("a_wo", c.case_a_wo), ("a", c.case_a), ("b", c.case_b))
        ],
    ),
    "unit/": (("GET",), lambda c: P("/unit/", only((UNIT, UNIT_OTHER)))),
    # ---- one's own account
    "account/": (("GET", "POST"), lambda c: P("/account/", only(STAFF, SEE))),
    "account/password/": (("GET", "POST"), lambda c: P("/account/password/", only(STAFF, SEE))),
    "console/intake/": (("GET",), lambda c: P("/console/intake/", only(INTAKE_DESK))),
    "console/intake/held/<int:report_id>/<str:decision>": (
        ("POST",),
        lambda c: P(
            f"/console/intake/held/{c.report_a}/dismiss", only(INTAKE_DESK, SEE), data=NOTE
        ),
    ),
    "console/intake/quarantine/<int:qid>/<str:decision>": (
        ("POST",),
        lambda c: P(
            f"/console/intake/quarantine/{c.quarantined}/discard", only(INTAKE_DESK, SEE), data=NOTE
        ),
    ),
    # the photo's unguessable name is the capability (DEVELOPERS.md, "Photos")
    "media/photos/<path:name>": (("GET",), lambda c: P(c.photo, everyone())),
    "routing/": (
        ("GET",),
        lambda c: [
            Probe("/routing/", LOGGED_IN, "empty"),
            Probe(f"/routing/?case={c.case_b}", LOGGED_IN, "case_b"),
        ],
    ),
    # ---- dashboard
    "dashboard/": (("GET",), lambda c: P("/dashboard/", only(BOARD))),
    "dashboard/data.json": (
        ("GET",),
        lambda c: P("/dashboard/data.json", only(BOARD), street_names=True),
    ),
    "dashboard/indicators/": (
        ("GET",),
        lambda c: P("/dashboard/indicators/?dim=street", only(BOARD), street_names=True),
    ),
    "dashboard/indicators.json": (
        ("GET",),
        lambda c: P("/dashboard/indicators.json?dim=street", only(BOARD), street_names=True),
    ),
    "dashboard/appraisal/": (
        ("GET",),
        lambda c: P("/dashboard/appraisal/", only(BOARD), street_names=True),
    ),
    "dashboard/ledger/": (("GET",), lambda c: P("/dashboard/ledger/", only(BOARD))),
    "dashboard/ledger.<str:fmt>": (("GET",), lambda c: P("/dashboard/ledger.xlsx", only(BOARD))),
    "dashboard/warnings/": (
        ("GET",),
        lambda c: P("/dashboard/warnings/", only(WARNING_VIEW), street_names=True),
    ),
    "dashboard/warnings/<int:pk>/<str:what>": (
        ("POST",),
        lambda c: [
            Probe(
                f"/dashboard/warnings/{c.warning_a}/dismiss", only(WARNING_VIEW, SEE), "warning_a"
            ),
            Probe(
                f"/dashboard/warnings/{c.warning_b}/dismiss",
                only(WARNING_VIEW, SEE, **{DISP_A: HIDE, LEAD_A: HIDE}),
                "warning_b",
            ),
        ],
    ),
    "dashboard/appraisal.<str:fmt>": (
        ("GET",),
        lambda c: P("/dashboard/appraisal.xlsx", only(BOARD), street_names=True),
    ),
    # ---- duty
    "duty/": (("GET",), lambda c: P("/duty/", only(DUTY_VIEW))),
    "duty/shifts/": (("POST",), lambda c: P("/duty/shifts/", only(DUTY_VIEW, SEE))),
    "duty/shifts/<int:shift_id>/delete": (
        ("POST",),
        lambda c: P(
            f"/duty/shifts/{c.shift_b}/delete", only(DUTY_VIEW, SEE, **{DISP_A: HIDE, LEAD_A: HIDE})
        ),
    ),
    "duty/handover/": (("GET", "POST"), lambda c: P("/duty/handover/", only(DUTY_VIEW, SEE))),
    "duty/handover/<int:pk>/": (
        ("GET",),
        lambda c: P(
            f"/duty/handover/{c.handover}/", only(DUTY_VIEW, **{DISP_A: HIDE, LEAD_A: HIDE})
        ),
    ),
    # ---- field (grid workers' phones)
    "field/": (("GET",), lambda c: P("/field/", only((GRID_A,)))),
    "field/sw.js": (("GET",), lambda c: P("/field/sw.js", everyone())),
    "field/api/reports": (("POST",), lambda c: P("/field/api/reports", only((GRID_A,), SEE))),
    "field/api/checkins": (("POST",), lambda c: P("/field/api/checkins", only((GRID_A,), SEE))),
    "field/api/cases/<str:number>/<str:action>": (
        ("POST",),
        lambda c: [
            Probe(
                f"/field/api/cases/{c.case_a_wo}/handle_on_site",
                only((GRID_A,), SEE),
                "a_wo",
                data=FIELD_KEY,
            ),
            Probe(
                f"/field/api/cases/{c.case_a}/handle_on_site",
                only((), **{GRID_A: HIDE}),
                "a",
                data=FIELD_KEY,
            ),
            Probe(
                f"/field/api/cases/{c.case_b}/handle_on_site",
                only((), **{GRID_A: HIDE}),
                "b",
                data=FIELD_KEY,
            ),
        ],
    ),
    # ---- public (citizens, no login)
    "public/": (("GET", "POST"), lambda c: P("/public/", everyone())),
    "public/track/": (
        ("GET", "POST"),
        lambda c: [
            Probe("/public/track/", everyone(), "page", methods=("GET",)),
            Probe(
                "/public/track/",
                only((CITIZEN,)),
                "code",
                methods=("POST",),
                data=lambda role: {
                    "number": c.tracked,
                    "code": c.code if role == CITIZEN else "ABCD-EFGH",
                },
            ),
        ],
    ),
    "public/track/rate/": (
        ("POST",),
        lambda c: P(
            "/public/track/rate/",
            only((CITIZEN,)),
            data=lambda role: {
                "number": c.tracked,
                "code": c.code if role == CITIZEN else "ABCD-EFGH",
                "satisfaction": "satisfied",
                "solved": "yes",
            },
        ),
    ),
    "public/areas.geojson": (("GET",), lambda c: P("/public/areas.geojson", everyone())),
    "i18n/setlang/": (("POST",), lambda c: P("/i18n/setlang/", everyone(ANY))),
    # ---- Open311 GeoReport v2 (public by design; posting needs an open311 key)
    r"open311/v2/discovery\.(?P<fmt>json|xml)$": (
        ("GET",),
        lambda c: P("/open311/v2/discovery.json", everyone()),
    ),
    r"open311/v2/services\.(?P<fmt>json|xml)$": (
        ("GET",),
        lambda c: P("/open311/v2/services.json", everyone()),
    ),
    r"open311/v2/services/(?P<code>[^/]+?)\.(?P<fmt>json|xml)$": (
        ("GET",),
        lambda c: P(f"/open311/v2/services/{c.service}.json", everyone()),
    ),
    r"open311/v2/requests\.(?P<fmt>json|xml)$": (
        ("GET", "POST"),
        lambda c: [
            Probe("/open311/v2/requests.json", everyone(), "list", methods=("GET",)),
            Probe("/open311/v2/requests.json", everyone(DENY), "no_key", methods=("POST",)),
        ],
    ),
    r"open311/v2/requests?/(?P<request_id>[^/]+?)\.(?P<fmt>json|xml)$": (
        ("GET",),
        lambda c: [
            Probe(f"/open311/v2/requests/{c.open311_case}.json", everyone(), "open311_case"),
            Probe(f"/open311/v2/request/{c.case_b}.json", everyone(ANY), "case_b"),
        ],
    ),
    r"open311/v2/tokens/(?P<token>[^/]+?)\.(?P<fmt>json|xml)$": (
        ("GET",),
        lambda c: P(f"/open311/v2/tokens/{c.token}.json", everyone()),
    ),
    r"open311/v2/servicerequestupdates\.(?P<fmt>json|xml)$": (
        ("GET", "POST"),
        lambda c: P("/open311/v2/servicerequestupdates.json", everyone(SEE)),
    ),
    r"open311/v2/(?P<path>.+?)\.(?P<fmt>json|xml)$": (
        ("GET",),
        lambda c: P("/open311/v2/nothing.json", everyone(ANY)),
    ),
    # ---- API (django-ninja): sessions or X-API-Key
    "api/": (("GET",), lambda c: P("/api/", everyone(ANY))),
    "api/openapi.json": (
        ("GET",),
        lambda c: P("/api/openapi.json", everyone(SKIP, **{ANON: OK, DISP_A: OK, SYSTEM: OK})),
    ),
    "api/docs": (("GET",), lambda c: P("/api/docs", everyone())),
    "api/v1/cases": (
        ("GET", "POST"),
        lambda c: P("/api/v1/cases?page_size=200", CALLERS_SEE, data=JSON),
    ),
    "api/v1/cases/<number>": (("GET",), lambda c: per_case(c, "/api/v1/cases/{n}", api=True)),
    "api/v1/cases/<number>/actions/<action>": (
        ("POST",),
        lambda c: per_case(
            c, "/api/v1/cases/{n}/actions/urge", api=True, outcome=SEE, data=body(**NOTE)
        ),
    ),
    "api/v1/cases/<number>/work-orders/<order_id>/<event>": (
        ("POST",),
        lambda c: [
            Probe(
                f"/api/v1/cases/{c.case_a_wo}/work-orders/{c.order_a}/reply",
                case_rule("a_wo", api=True, outcome=SEE),
                "order_a",
                data=body(**NOTE),
            ),
            Probe(
                f"/api/v1/cases/{c.case_b}/work-orders/{c.order_b}/reply",
                case_rule("b", api=True, outcome=SEE),
                "order_b",
                data=body(**NOTE),
            ),
        ],
    ),
    "api/v1/cases/<number>/contacts": (
        ("POST",),
        lambda c: [
            Probe(
                f"/api/v1/cases/{n}/contacts", reveal_rule(k, api=True), f"case_{k}", reveals=True
            )
            for k, n in (("a_wo", c.case_a_wo), ("a", c.case_a), ("b", c.case_b))
        ],
    ),
    "api/v1/cases/<number>/history": (
        ("GET",),
        lambda c: per_case(c, "/api/v1/cases/{n}/history", api=True),
    ),
    "api/v1/me": (("GET",), lambda c: P("/api/v1/me", CALLERS)),
    "api/v1/workflow": (("GET",), lambda c: P("/api/v1/workflow", CALLERS)),
    "api/v1/categories": (("GET",), lambda c: P("/api/v1/categories", CALLERS)),
    "api/v1/units": (("GET",), lambda c: P("/api/v1/units", CALLERS)),
    "api/v1/geo/grids": (("GET",), lambda c: P("/api/v1/geo/grids", CALLERS)),
    "api/v1/geo/communities": (("GET",), lambda c: P("/api/v1/geo/communities", CALLERS)),
    "api/v1/geo/streets": (("GET",), lambda c: P("/api/v1/geo/streets", CALLERS)),
    "api/v1/geo/locate": (
        ("GET",),
        lambda c: P("/api/v1/geo/locate?lon={}&lat={}".format(*c.world.grid_point(0)), CALLERS),
    ),
    "api/v1/geo/locate/batch": (
        ("POST",),
        lambda c: P("/api/v1/geo/locate/batch", CALLERS_SEE, data=JSON),
    ),
    "api/v1/geo/address": (
        ("GET",),
        lambda c: P("/api/v1/geo/address?q=x", only(API_CALLERS, ANY)),
    ),
    "api/v1/geo/grid-plan": (("GET",), lambda c: P("/api/v1/geo/grid-plan", CALLERS)),
    "api/v1/routing/rules": (("GET",), lambda c: P("/api/v1/routing/rules", CALLERS)),
    "api/v1/routing/test": (
        ("POST",),
        lambda c: [
            Probe("/api/v1/routing/test", CALLERS_SEE, "empty", data=JSON),
            Probe(
                "/api/v1/routing/test",
                case_rule("b", api=True, outcome=SEE),
                "case_b",
                data=body(case=c.case_b),
            ),
        ],
    ),
    "api/v1/me/tasks": (("GET",), lambda c: P("/api/v1/me/tasks", CALLERS)),
    "api/v1/me/notices": (("GET",), lambda c: P("/api/v1/me/notices", CALLERS)),
    "api/v1/inspections": (("POST",), lambda c: P("/api/v1/inspections", CALLERS_SEE, data=JSON)),
    "api/v1/inspections/<inspection_id>": (
        ("GET",),
        lambda c: P(
            f"/api/v1/inspections/{c.inspection}",
            only((*DISTRICT,), **{s: HIDE for s in STAFF if s not in DISTRICT}),
        ),
    ),
    "api/v1/inspections/items/<item_id>": (
        ("POST",),
        lambda c: P(f"/api/v1/inspections/items/{c.item}", CALLERS_SEE, data=JSON),
    ),
    "api/v1/cases/<number>/requests": (
        ("POST",),
        lambda c: per_case(
            c, "/api/v1/cases/{n}/requests", api=True, outcome=SEE, data=body(**ASK)
        ),
    ),
    "api/v1/approvals": (("GET",), lambda c: P("/api/v1/approvals", CALLERS)),
    "api/v1/approvals/<request_id>/<decision>": (
        ("POST",),
        lambda c: [
            Probe(
                f"/api/v1/approvals/{c.approval_a}/refuse",
                not_approver(case_rule("a_wo", api=True, outcome=SEE)),
                "approval_a",
                data=body(**NOTE),
            ),
            Probe(
                f"/api/v1/approvals/{c.approval_b}/refuse",
                not_approver(case_rule("b", api=True, outcome=SEE)),
                "approval_b",
                data=body(**NOTE),
            ),
        ],
    ),
    "api/v1/cases/<number>/category": (
        ("POST",),
        lambda c: per_case(
            c, "/api/v1/cases/{n}/category", api=True, outcome=SEE, data=body(**CATEGORY)
        ),
    ),
    "api/v1/quarantine": (("GET",), lambda c: P("/api/v1/quarantine", only(INTAKE_DESK))),
    "api/v1/quarantine/<qid>": (
        ("GET",),
        lambda c: P(f"/api/v1/quarantine/{c.quarantined}", only(INTAKE_DESK)),
    ),
    "api/v1/quarantine/<qid>/replay": (
        ("POST",),
        lambda c: P(
            f"/api/v1/quarantine/{c.quarantined}/replay",
            only(INTAKE_DESK, SEE),
            data=body(raw="{}"),
        ),
    ),
    "api/v1/quarantine/<qid>/discard": (
        ("POST",),
        lambda c: P(
            f"/api/v1/quarantine/{c.quarantined}/discard", only(INTAKE_DESK, SEE), data=body(**NOTE)
        ),
    ),
    "api/v1/reports/awaiting": (
        ("GET",),
        lambda c: P("/api/v1/reports/awaiting", only(INTAKE_DESK)),
    ),
    "api/v1/reports/<report_id>/confirm": (
        ("POST",),
        lambda c: P(
            f"/api/v1/reports/{c.report_a}/confirm", only(INTAKE_DESK, ANY), data=body(**NOTE)
        ),
    ),
    "api/v1/reports/<report_id>/dismiss": (
        ("POST",),
        lambda c: P(
            f"/api/v1/reports/{c.report_a}/dismiss", only(INTAKE_DESK, ANY), data=body(**NOTE)
        ),
    ),
    "api/v1/cases/<number>/reports": (
        ("GET",),
        lambda c: per_case(c, "/api/v1/cases/{n}/reports", api=True),
    ),
    "api/v1/cases/<number>/candidates": (
        ("GET",),
        lambda c: per_case(c, "/api/v1/cases/{n}/candidates", api=True),
    ),
    "api/v1/cases/<number>/candidates/<other>/dismiss": (
        ("POST",),
        lambda c: [
            Probe(
                f"/api/v1/cases/{c.case_a}/candidates/{c.case_a_wo}/dismiss",
                case_rule("a", api=True, outcome=SEE),
                "a_vs_a_wo",
                data=JSON,
            ),
            Probe(
                f"/api/v1/cases/{c.case_a}/candidates/{c.case_b}/dismiss",
                case_rule("a", api=True, outcome=SEE),
                "a_vs_b",
                data=JSON,
            ),
        ],
    ),
    "api/v1/cases/<number>/outbox": (
        ("GET",),
        lambda c: per_case(c, "/api/v1/cases/{n}/outbox", api=True),
    ),
    "api/v1/indicators": (
        ("GET",),
        lambda c: P("/api/v1/indicators", only(BOARD), street_names=True),
    ),
    "api/v1/dashboard": (
        ("GET",),
        lambda c: P("/api/v1/dashboard", only(BOARD), street_names=True),
    ),
    "api/v1/appraisal": (
        ("GET",),
        lambda c: P("/api/v1/appraisal", only(BOARD), street_names=True),
    ),
    "api/v1/warnings": (("GET",), lambda c: P("/api/v1/warnings", only(WARNING_VIEW))),
    "api/v1/warnings/<warning_id>/case": (
        ("POST",),
        lambda c: [
            Probe(
                f"/api/v1/warnings/{c.warning_a}/case",
                only(WARNING_VIEW, SEE),
                "warning_a",
                data=JSON,
            ),
            Probe(
                f"/api/v1/warnings/{c.warning_b}/case",
                only(WARNING_VIEW, SEE, **{DISP_A: HIDE, LEAD_A: HIDE}),
                "warning_b",
                data=JSON,
            ),
        ],
    ),
    "api/v1/ledger": (("GET",), lambda c: P("/api/v1/ledger", only(BOARD))),
    "api/intake/<channel>/replies": (
        ("GET",),
        lambda c: [
            Probe("/api/intake/hotline_12345/replies", only((SYSTEM,)), "own_channel"),
            Probe("/api/intake/portal/replies", only(()), "other_channel"),
        ],
    ),
    "api/intake/<channel>": (
        ("POST",),
        lambda c: [
            Probe("/api/intake/hotline_12345", only((SYSTEM,), SEE), "own_channel", data=JSON),
            Probe("/api/intake/portal", only(()), "other_channel", data=JSON),
        ],
    ),
}


#: the admin site's door (``AdminSite.admin_view``) is one check for all its ~200 routes:
#: its index is tried as every role, each other route as these (the administrator, no
#: session, an API key, district staff without is_staff, a unit) to keep the walk fast
ADMIN_SAMPLE = (ADMIN, ANON, SYSTEM, DISP_D, LEADER, UNIT)


def admin_probes(route: str, name: str | None, ctx: Ctx) -> list[Probe]:
    """The admin site: staff only (the generic rule for every route under ``admin/``)."""
    probes = _admin_probes(route, name, ctx)
    if route == "admin/":
        return probes
    return [
        Probe(p.url, {r: e for r, e in p.expect.items() if r in ADMIN_SAMPLE}, p.label)
        for p in probes
    ]


def _admin_probes(route: str, name: str | None, ctx: Ctx) -> list[Probe]:
    if route in ("admin/login/", "admin/logout/"):
        return P("/" + route, everyone(ANY))
    # the administrator may still be refused by a model's own rules (history is never
    # added or deleted by hand); everyone else must be turned away at the door
    staff_only = only((ADMIN,), OK if route == "admin/" else SEE)
    if route.startswith("admin/r/") or route.startswith("admin/(?P<url>"):
        staff_only = only((ADMIN,), ANY)  # a case has no page of its own; an unknown page
    if route.startswith("admin/r/"):
        from django.contrib.contenttypes.models import ContentType

        kind = ContentType.objects.get_for_model(Case).pk
        pk = Case.objects.get(number=ctx.case_b).pk
        return P(f"/admin/r/{kind}/{pk}/", staff_only)
    url = "/" + route
    if "<path:object_id>" in route:
        app, model = route.split("/")[1:3]
        found = next(
            m
            for m in admin.site._registry
            if m._meta.app_label == app and m._meta.model_name == model
        )
        first = found._default_manager.order_by("pk").first()
        url = url.replace("<path:object_id>", str(first.pk if first else 1))
        if name is None:  # the bare object URL redirects to its change page (checked)
            return P(url, everyone(ANY))
    if "<id>" in route:
        url = url.replace("<id>", str(ctx.world.people["leader"].pk))
    if "(?P<app_label>" in route:
        url = "/admin/org/"
    elif route.startswith("admin/(?P<url>"):
        url = "/admin/nothing-here/"
    return P(url, staff_only)


# ------------------------------------------------------------------ walking the resolver


def routes(patterns: Any = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every route as ``ResolverMatch.route`` spells it, with its pattern."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        part = str(p.pattern)
        if prefix and part.startswith("^"):
            part = part[1:]
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + part)
        else:
            yield prefix + part, p


def ninja_methods(pattern: URLPattern) -> set[str] | None:
    """The methods a django-ninja path answers (None for other views)."""
    for cell in getattr(pattern.callback, "__closure__", None) or ():
        view = cell.cell_contents
        if type(view).__name__ == "PathView":
            return {m for op in view.operations for m in op.methods}
    return None


def test_the_table_covers_every_route():
    missing, wrong = [], []
    for route, pattern in routes():
        if route.startswith("admin/"):
            continue
        if route not in TABLE:
            missing.append(route)
            continue
        declared = ninja_methods(pattern)
        if declared is not None and declared != set(TABLE[route][0]):
            wrong.append(f"{route}: table says {TABLE[route][0]}, the API answers {declared}")
    known = {r for r, _ in routes()}
    stale = [r for r in TABLE if r not in known]
    assert not missing and not wrong and not stale, (
        "routes without an entry in TABLE (add one, see the module's docstring):\n  "
        + "\n  ".join(missing)
        + "\nmethods differ:\n  "
        + "\n  ".join(wrong)
        + "\nentries for routes that no longer exist:\n  "
        + "\n  ".join(stale)
    )


# ------------------------------------------------------------------ sending the probes


def refused(status: int, location: str) -> bool:
    to_login = status in (301, 302) and (
        location.startswith("/login/") or location.startswith("/admin/login/")
    )
    return to_login or status in (401, 403, 404)


def judge(expect: str, status: int, location: str) -> bool:
    if expect == ANY:
        return True
    if expect == OK:
        return not refused(status, location)
    if expect == SEE:
        return status == 403 or not refused(status, location)
    if expect == DENY:
        return refused(status, location)
    if expect == HIDE:
        return status == 404
    raise AssertionError(expect)


def text_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    body = response.content
    if body[:2] == b"PK":  # a spreadsheet: its XML parts
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            )
    text = body.decode("utf-8", "replace")
    # JSON escapes non-ASCII: read it back
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def stream_status(person: Any) -> int:
    """``/events/`` streams for ever: call the view and look at the answer, unread."""
    from lianqin.console.stream_views import events

    request = RequestFactory().get("/events/")

    async def auser() -> Any:
        return person

    request.auser = auser  # type: ignore[attr-defined]
    response = async_to_sync(events)(request)
    assert response["Content-Type"] == "text/event-stream"
    return response.status_code


@pytest.fixture
def clients(world):
    key = ApiKey.issue("12345 对接", world.people["system"], channel="hotline_12345")[1]
    out = {}
    for role, username in ROLES.items():
        c = Client(HTTP_X_API_KEY=key) if role == SYSTEM else Client()
        if username:
            c.force_login(world.people[username])
        out[role] = c
    return out


def test_every_route_as_every_role(world, clients):
    ctx = build(world, Client())
    cache.clear()
    street_b_names = [world.streets[1].name, world.communities[2].name, world.communities[3].name]
    violations: list[str] = []
    failing: set[tuple[str, str, str, str]] = set()

    def record(key: tuple[str, str, str, str], message: str) -> None:
        failing.add(key)
        if key not in KNOWN_HOLES:
            violations.append(message)

    probes: list[tuple[str, str, Probe]] = []
    seen: set[str] = set()
    for route, pattern in routes():
        if route in seen:  # the API declares some paths in two routers
            continue
        seen.add(route)
        if route.startswith("admin/"):
            methods: tuple[str, ...] = ("GET",)
            found = admin_probes(route, pattern.name, ctx)
        elif route in TABLE:
            methods, build_probes = TABLE[route]
            found = build_probes(ctx)
        else:
            continue  # test_the_table_covers_every_route names it
        for probe in found:
            matched = resolve(probe.url.split("?")[0]).route
            assert matched == route, f"probe {probe.url} reaches {matched}, not {route}"
            expected_roles = (
                ADMIN_SAMPLE if route.startswith("admin/") and route != "admin/" else ROLES
            )
            assert set(probe.expect) == set(expected_roles), f"{route}: roles missing"
            probes.extend((route, m, probe) for m in probe.methods or methods)
    # reading first, then changing (each change rolled back)
    probes.sort(key=lambda x: x[1] != "GET")
    quiet = logging.getLogger("django.request")
    level, quiet.level = quiet.level, logging.ERROR  # thousands of expected 4xx warnings
    try:
        count = walk(ctx, clients, probes, world, street_b_names, record)
    finally:
        quiet.setLevel(level)
    stale = sorted(KNOWN_HOLES - failing)
    assert not violations and not stale, (
        f"{len(violations)} violations in {count} requests:\n  "
        + "\n  ".join(violations)
        + "\nKNOWN_HOLES entries that are refused now (remove them):\n  "
        + "\n  ".join(map(str, stale))
    )


def walk(
    ctx: Ctx,
    clients: dict[str, Client],
    probes: list[tuple[str, str, Probe]],
    world: World,
    street_b_names: list[str],
    record: Callable[[tuple[str, str, str, str], str], None],
) -> int:
    """Send every probe as every role it names; returns the number of requests."""
    count = 0
    for route, method, probe in probes:
        for role, expect in probe.expect.items():
            if expect == SKIP:
                continue
            count += 1
            client = clients[role]
            key = (role, method, route, probe.label)
            where = f"{role} {method} {probe.url} [{probe.label or route}]"
            try:
                if route == "events/" and ROLES[role]:
                    status, location, text = stream_status(world.people[ROLES[role]]), "", ""
                else:
                    response = send(client, method, probe, role)
                    status, location = response.status_code, response.get("Location", "")
                    text = text_of(response)
            except Exception as exc:  # a crash is a finding too
                record(key, f"{where}: raised {type(exc).__name__}: {exc}")
                continue
            if not judge(expect, status, location):
                record(key, f"{where}: expected {expect}, got {status} {location}".rstrip())
            asked = probe.url + json.dumps(
                probe.data(role) if callable(probe.data) else probe.data, ensure_ascii=False
            )  # what the caller sent: no leak
            secret = ctx.secrets[role]
            if probe.reveals and expect != DENY:
                secret = [s for s in secret if s not in ctx.secrets[SYSTEM]]
            leaks = [s for s in secret if s in text and s not in asked]
            if probe.street_names and role in STREET_A:
                leaks += [s for s in street_b_names if s in text]
            if leaks and not refused(status, location):
                record(key, f"{where}: answer ({status}) contains {leaks}")
            if method != "GET" and ROLES[role] and route == "logout/":
                client.force_login(world.people[ROLES[role]])
    return count


def send(client: Client, method: str, probe: Probe, role: str) -> Any:
    if method == "GET":
        return client.get(probe.url)
    data = probe.data(role) if callable(probe.data) else probe.data
    with transaction.atomic():
        if isinstance(data, str) and data.startswith("json:"):
            response = client.generic(method, probe.url, data[5:], "application/json")
        else:
            response = client.post(probe.url, data or {})
        transaction.set_rollback(True)
    return response


def test_a_street_viewer_s_figures_are_the_street_s(world, client):
    """The dashboard of street A's duty leader counts street A's cases only."""
    build(world, Client())
    client.force_login(world.people["street_leader_a"])
    data = client.get("/dashboard/data.json?days=7").json()
    in_a = Case.objects.filter(area_code__startswith=world.streets[0].code).count()
    assert Case.objects.count() > in_a  # street B has cases too
    assert data["period"]["new"] == in_a
    assert sum(data["trend"]["new"]) == in_a
    names = {s.get("name") for s in data["streets"]} if data["streets"] else set()
    assert world.streets[1].name not in names
    board = client.get("/api/v1/dashboard?days=7").json()
    assert board["period"]["new"] == in_a
    assert re.search(world.streets[1].name, json.dumps(board, ensure_ascii=False)) is None
