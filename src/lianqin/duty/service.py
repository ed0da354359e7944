"""Who may see and change which roster, and the one path that writes shifts.

What must hold:

* the duty pages are for duty staff and leaders (admin, dispatcher, duty_leader, leader);
  anybody else is refused with a reason;
* a person's own center is the center of their scope (an administrator's: the district's);
  they see it and the centers one level below it (district → sub-centers, street →
  workstations);
* shifts are created and deleted only by an administrator or by a duty leader of that
  center or of a center above it;
* only the center's own duty staff (dispatcher or duty leader scoped to exactly that
  center) are rostered there, and the 值班长 post needs a duty leader;
* one person never holds two overlapping shifts, anywhere: the check runs with the
  people's rows locked, so two duty leaders rostering the same person at once cannot
  both succeed; a refused pattern creates nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lianqin.audit.service import append
from lianqin.cases.access import Actor
from lianqin.choices import Level, Role
from lianqin.duty.models import DutyShift
from lianqin.duty.schedule import POST_LABELS, Planned, conflicts
from lianqin.errors import Forbidden, InvalidInput, NotFound
from lianqin.org.models import Center, Person

VIEW_ROLES = {Role.ADMIN, Role.DISPATCHER, Role.DUTY_LEADER, Role.LEADER}
DUTY_ROLES = (Role.DISPATCHER, Role.DUTY_LEADER)
#: the length of a region code one level below a code of this length
CHILD_LENGTH = {6: 9, 9: 12}


def check_may_view(actor: Actor) -> None:
    if actor.role not in VIEW_ROLES:
        raise Forbidden(
            "值班页面供指挥中心、分中心和工作站的值班人员及领导使用",
            hint="网格员请用 /field/，参勤单位请用 /unit/",
        )


def home_center(actor: Actor) -> Center:
    """The center of the actor's scope (an administrator's: the district command center)."""
    if actor.role == Role.ADMIN or not actor.scope_code:
        center = Center.objects.filter(level=Level.DISTRICT).first()
    else:
        center = Center.objects.filter(region_code=actor.scope_code).first()
    if center is None:
        raise NotFound(
            f"辖区 {actor.scope_code or '（全区）'} 没有指挥中心或工作站",
            hint="管理员运行 lianqin init 或在管理后台添加中心",
        )
    return center


def visible_centers(actor: Actor) -> list[Center]:
    """The actor's own center first, then the centers one level below it."""
    home = home_center(actor)
    child = CHILD_LENGTH.get(len(home.region_code))
    below: list[Center] = []
    if child is not None:
        below = [
            c
            for c in Center.objects.filter(region_code__startswith=home.region_code)
            if len(c.region_code) == child
        ]
    return [home, *below]


def center_for(actor: Actor, center_id: int | str | None) -> Center:
    """The center asked for, if the actor may see it; the home center when none is asked."""
    centers = visible_centers(actor)
    if center_id in (None, ""):
        return centers[0]
    for c in centers:
        if str(c.pk) == str(center_id):
            return c
    raise NotFound(
        f"中心 {center_id} 不存在或不在您的辖区内", field="center", hint="从列表中选择中心"
    )


def may_manage(actor: Actor, center: Center) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.DUTY_LEADER and center.region_code.startswith(actor.scope_code)


def check_may_manage(actor: Actor, center: Center) -> None:
    if not may_manage(actor, center):
        raise Forbidden(
            f"只有{center.name}（或上级中心）的值班长和管理员可以排班",
            hint="请联系本中心值班长",
        )


def eligible(center: Center) -> QuerySet[Person]:
    """The duty staff of a center: dispatchers and duty leaders scoped to it."""
    return Person.objects.filter(
        is_active=True, role__in=DUTY_ROLES, scope_code=center.region_code
    ).order_by("role", "display_name", "username")


def on_duty(centers: Sequence[Center], now: datetime) -> dict[int, list[DutyShift]]:
    """The shifts running at ``now``, per center id (every center has a list)."""
    found: dict[int, list[DutyShift]] = {c.pk: [] for c in centers}
    for s in (
        DutyShift.objects.filter(center__in=centers, starts_at__lte=now, ends_at__gt=now)
        .select_related("person")
        .order_by("-post", "starts_at")
    ):
        found[s.center_id].append(s)
    return found


def _text(p: Planned[int], names: dict[int, str]) -> str:
    start, end = timezone.localtime(p.starts_at), timezone.localtime(p.ends_at)
    return f"{names.get(p.person, p.person)} {start:%m-%d %H:%M}–{end:%m-%d %H:%M}"


def create_shifts(
    actor: Actor,
    center: Center,
    planned: Sequence[Planned[int]],
    *,
    post: str,
    note: str = "",
    now: datetime | None = None,
) -> list[DutyShift]:
    """Store the planned shifts (person ids) at ``center``, all or none."""
    now = now or timezone.now()
    check_may_manage(actor, center)
    if post not in POST_LABELS:
        raise InvalidInput(f"未知岗位 {post!r}", field="post", hint="值班长或值班员")
    if not planned:
        raise InvalidInput("没有要排的班次", field="slots", hint="填写班次和日期")
    ids = sorted({p.person for p in planned})
    with transaction.atomic():
        people = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=ids)}
        staff = set(eligible(center).filter(pk__in=ids).values_list("pk", flat=True))
        names = {pk: str(p) for pk, p in people.items()}
        for pk in ids:
            if pk not in staff:
                raise InvalidInput(
                    f"{names.get(pk, pk)} 不是{center.name}的值班人员",
                    field="people",
                    hint="只能排本中心的值班员和值班长；人员在管理后台「人员」中维护",
                )
            if post == "duty_leader" and people[pk].role != Role.DUTY_LEADER:
                raise InvalidInput(
                    f"{names[pk]} 不是值班长，不能排在值班长岗位",
                    field="people",
                    hint="岗位选「值班员」，或选择值班长",
                )
        first = min(p.starts_at for p in planned)
        last = max(p.ends_at for p in planned)
        stored = DutyShift.objects.filter(
            person_id__in=ids, starts_at__lt=last, ends_at__gt=first
        ).select_related("center")
        clashes = conflicts(
            planned, [(Planned(s.person_id, s.starts_at, s.ends_at), s) for s in stored]
        )
        if clashes:
            lines = [
                f"{_text(c.planned, names)} 与"
                + (f"{c.existing.center.name}已有班次" if c.existing else "本次另一班次")
                + f" {_text(c.other, names)} 重叠"
                for c in clashes[:3]
            ]
            more = f"等 {len(clashes)} 处" if len(clashes) > 3 else ""
            raise InvalidInput(
                "同一人的班次不能重叠：" + "；".join(lines) + more,
                field="people",
                hint="调整日期、班次或人员；同一时间一人只能值一个班",
            )
        made = DutyShift.objects.bulk_create(
            [
                DutyShift(
                    center=center,
                    person_id=p.person,
                    post=post,
                    starts_at=p.starts_at,
                    ends_at=p.ends_at,
                    note=note[:200],
                    created_by_id=actor.person_id,
                    created_at=now,
                )
                for p in planned
            ]
        )
        # bulk_create sends no signal: the roster change is one audit line for the batch
        append("create", actor, f"duty.DutyShift:{center.region_code}",
               {"center": center.name, "post": post, "shifts": len(made),
                "people": sorted({p.person for p in planned})})  # fmt: skip
        return made


def delete_shift(actor: Actor, shift_id: int) -> DutyShift:
    shift = DutyShift.objects.select_related("center").filter(pk=shift_id).first()
    if shift is None or shift.center not in visible_centers(actor):
        raise NotFound(f"班次 {shift_id} 不存在", hint="刷新值班表后再试")
    check_may_manage(actor, shift.center)
    shift.delete()
    return shift
