"""The demo's roster: seven days (three back, today, three ahead) at the district command
center and every street sub-center, three 8-hour dispatcher shifts and two 12-hour duty
leader shifts a day (four dispatchers and three duty leaders per center rotate through
them), and one past handover at the district center.

Reuses the demo's duty staff (the ``dispatcher`` and ``duty_leader`` logins, the
``st<code>`` street dispatchers) and adds what a 24-hour rotation needs, with unusable
passwords. The named logins hold the running shift at the district center, so a demo
user sees themselves on duty; the last sub-center is left without anybody now (a leave
not yet covered), so the page shows how an uncovered center is flagged. Calling it
twice adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from lianqin.cases.access import actor_for
from lianqin.choices import Level, Role
from lianqin.duty.handover import summary
from lianqin.duty.models import DutyShift, Handover
from lianqin.duty.schedule import Planned, expand, parse_slots
from lianqin.org.models import Center, Person

DISPATCH_SLOTS = "08:00-16:00,16:00-24:00,00:00-08:00"
LEADER_SLOTS = "08:00-20:00,20:00-08:00"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宁浩"


def _staff(center: Center, role: Role, wanted: int, rng: random.Random) -> list[Person]:
    have = list(
        Person.objects.filter(role=role, scope_code=center.region_code, is_active=True).order_by(
            "pk"
        )
    )
    level = Level.DISTRICT if center.level == Level.DISTRICT else Level(center.level)
    unusable = make_password(None)
    for i in range(len(have), wanted):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
        have.append(
            Person.objects.create(
                username=f"duty_{role.value}_{center.region_code}_{i}",
                role=role,
                scope_level=level,
                scope_code=center.region_code,
                display_name=name,
                password=unusable,
            )
        )
    return have


def _rotate_to(people: list[Person], plan_index: int, first: Person | None) -> list[Person]:
    """Reorder the rotation so that the shift at ``plan_index`` goes to ``first``."""
    if first is None or first not in people:
        return people
    n = len(people)
    shift = (people.index(first) - plan_index) % n
    return people[shift:] + people[:shift]


def _roster(
    center: Center,
    people: list[Person],
    slots: str,
    post: str,
    now: datetime,
    named: Person | None,
    leave_gap: bool,
) -> list[DutyShift]:
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    first, last = today - timedelta(days=3), today + timedelta(days=3)
    probe = expand(first, last, parse_slots(slots), list(range(len(people))), tz)
    running = next(i for i, p in enumerate(probe) if p.starts_at <= now < p.ends_at)
    rotation = _rotate_to(people, running, named)
    planned: list[Planned[Person]] = expand(first, last, parse_slots(slots), rotation, tz)
    return [
        DutyShift(
            center=center,
            person=p.person,
            post=post,
            starts_at=p.starts_at,
            ends_at=p.ends_at,
            note="",
            created_at=now - timedelta(days=7),
        )
        for i, p in enumerate(planned)
        if not (leave_gap and i == running)
    ]


def make_demo_roster(now: datetime, seed: int = 7) -> dict[str, int]:
    """Build the roster and one past handover; returns what was made."""
    centers = list(Center.objects.filter(level__in=[Level.DISTRICT, Level.STREET]))
    if not centers or DutyShift.objects.filter(center__in=centers).exists():
        return {"shifts": 0, "handovers": 0}
    rng = random.Random(seed)  # noqa: S311 (demo names, not secrets)
    shifts: list[DutyShift] = []
    subs = [c for c in centers if c.level == Level.STREET]
    with transaction.atomic():
        for center in centers:
            dispatchers = _staff(center, Role.DISPATCHER, 4, rng)
            leaders = _staff(center, Role.DUTY_LEADER, 3, rng)
            gap = bool(subs) and center == subs[-1]
            named_d = Person.objects.filter(username="dispatcher", scope_code=center.region_code)
            named_l = Person.objects.filter(username="duty_leader", scope_code=center.region_code)
            shifts += _roster(
                center, dispatchers, DISPATCH_SLOTS, "dispatcher", now, named_d.first(), gap
            )
            shifts += _roster(
                center, leaders, LEADER_SLOTS, "duty_leader", now, named_l.first(), gap
            )
        DutyShift.objects.bulk_create(shifts)
        handovers = _past_handover(centers, now)
    return {"shifts": len(shifts), "handovers": handovers}


def _past_handover(centers: list[Center], now: datetime) -> int:
    """The district's dispatcher who went off duty at the running shift's start handed
    over to the one now on duty."""
    district = next((c for c in centers if c.level == Level.DISTRICT), None)
    if district is None:
        return 0
    mine = DutyShift.objects.filter(center=district, post="dispatcher")
    current = mine.filter(starts_at__lte=now, ends_at__gt=now).first()
    if current is None:
        return 0
    before = mine.filter(ends_at=current.starts_at).select_related("person").first()
    if before is None:
        return 0
    at = current.starts_at
    data = summary(actor_for(before.person), before.starts_at, at) | {"center": district.name}
    Handover.objects.create(
        center=district,
        shift=before,
        created_by=before.person,
        handed_to=current.person,
        created_at=at,
        since=before.starts_at,
        summary=data,
        note="夜间无重大警情；超期案件已逐件电话催办，请白班继续跟进红牌案件。",
    )
    return 1
