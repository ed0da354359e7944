"""The one permission gate: who is acting, what they may see, what they may touch.

Every view, API handler and CLI command that reads or changes a case goes through
:func:`scope_cases` or :func:`access_case` (Zulip's ``access_stream_by_id``). A case
outside the actor's jurisdiction is reported as *not found*, never as forbidden, so its
existence does not leak. Jurisdiction is a prefix test on the hierarchical region code;
a unit sees only the cases it holds a work order for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from lianqin.cases.models import Case, Report
from lianqin.cases.workflow import WorkOrderState
from lianqin.choices import CHANNEL_LABELS, UNIT_ROLES, Level, Role, level_rank
from lianqin.errors import Forbidden, NotFound
from lianqin.org.models import Grid, Person

#: the username prefix of a channel's system account (``intake/accounts.py``)
CHANNEL_ACCOUNT = "channel-"
ACTIVE_WORK_ORDER = (WorkOrderState.PENDING, WorkOrderState.ACKNOWLEDGED, WorkOrderState.REPLIED)


@dataclass(frozen=True)
class Actor:
    """Who acts, as the workflow sees them: a role at a level within a scope."""

    person_id: int | None
    name: str
    role: Role
    level: Level
    scope_code: str
    unit_id: int | None = None
    grid_codes: frozenset[str] = field(default_factory=frozenset)
    #: a channel's system account (an API key's) sees only the cases its channel reported
    channel: str = ""

    @property
    def is_unit(self) -> bool:
        return self.role in UNIT_ROLES

    @property
    def unit(self) -> int:
        """The unit's id for unit roles (-1 for anyone else: matches no work order)."""
        return self.unit_id if self.unit_id is not None else -1


SYSTEM = Actor(None, "系统", Role.SYSTEM, Level.DISTRICT, "")


def actor_for(person: Person) -> Actor:
    """The actor a logged-in person or an API key's account acts as."""
    if not person.is_active:
        raise Forbidden("账号已停用", hint="请联系管理员")
    role = Role(person.role)
    if role in UNIT_ROLES:
        if person.unit_id is None:
            raise Forbidden(
                f"账号 {person.username} 的角色属于参勤单位，但未指定单位",
                hint="管理员在「人员」中为其设置所属单位",
            )
        return Actor(person.pk, str(person), role, Level.UNIT, "", person.unit_id)
    if role == Role.SYSTEM and person.username.startswith(CHANNEL_ACCOUNT):
        channel = person.username.removeprefix(CHANNEL_ACCOUNT)
        return Actor(person.pk, str(person), role, Level.DISTRICT, "", channel=channel)
    level = Level.DISTRICT if role in (Role.ADMIN, Role.SYSTEM) else Level(person.scope_level)
    scope = "" if role in (Role.ADMIN, Role.SYSTEM) else person.scope_code
    grids: frozenset[str] = frozenset()
    if role == Role.GRID_WORKER:
        grids = frozenset(Grid.objects.filter(workers=person).values_list("code", flat=True))
        level = Level.GRID
    return Actor(person.pk, str(person), role, level, scope, None, grids)


def scope_cases(actor: Actor, qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases this actor may see."""
    qs = Case.objects.all() if qs is None else qs
    if actor.channel:
        return qs.filter(pk__in=Report.objects.filter(channel=actor.channel).values("case_id"))
    if actor.is_unit:
        return qs.filter(
            work_orders__unit_id=actor.unit,
        ).distinct()
    if actor.role == Role.GRID_WORKER:
        return qs.filter(area_code__in=actor.grid_codes) if actor.grid_codes else qs.none()
    if actor.scope_code:
        return qs.filter(area_code__startswith=actor.scope_code)
    return qs


def access_case(actor: Actor, number: str, *, for_update: bool = False) -> Case:
    """The case with this number if the actor may see it; locked when ``for_update``."""
    qs = Case.objects.select_for_update() if for_update else Case.objects.all()
    try:
        case = qs.get(number=number)
    except Case.DoesNotExist:
        raise NotFound(
            f"案件 {number} 不存在",
            hint="检查案件编号，例如 320111-20261128-000123",
            field="number",
        ) from None
    if not can_see(actor, case):
        raise NotFound(f"案件 {number} 不存在", hint="检查案件编号", field="number")
    return case


def can_see(actor: Actor, case: Case) -> bool:
    if actor.channel:
        return case.reports.filter(channel=actor.channel).exists()
    if actor.is_unit:
        return case.work_orders.filter(unit_id=actor.unit).exists()
    return sees(actor, case.area_code, frozenset())


def sees(actor: Actor, area_code: str, unit_ids: frozenset[int]) -> bool:
    """The gate's rule on facts already at hand (a case's area and the units that have a
    work order on it): what :func:`scope_cases` selects, for a stream of events."""
    if actor.channel:
        return False  # a channel reads its cases through the API, not the live stream
    if actor.is_unit:
        return actor.unit in unit_ids
    if actor.role == Role.GRID_WORKER:
        return area_code in actor.grid_codes
    return area_code.startswith(actor.scope_code)


def check_may_act(actor: Actor, case: Case) -> None:
    """Beyond seeing a case, acting on it needs the case to be at or below one's level;
    a unit acts on the case only through an active lead work order; a channel's system
    account reports and reads, it does not handle cases."""
    if actor.channel:
        raise Forbidden(
            f"接入渠道 {actor.channel} 只能报送和查询本渠道的案件，不能办理",
            hint="办理由值班员、网格员和承办单位在平台上进行",
        )
    if actor.is_unit:
        if not case.work_orders.filter(
            unit_id=actor.unit, role="lead", state__in=ACTIVE_WORK_ORDER
        ).exists():
            raise Forbidden(
                f"本单位不是案件 {case.number} 的主办单位",
                hint="协办单位请在自己的工单上签收和答复",
            )
        return
    if level_rank(actor.level) < level_rank(Level(case.level)):
        raise Forbidden(
            f"案件 {case.number} 已升级到{case.get_level_display()}，本级（{actor.level.value}）不能再处置",
            hint="由上级指挥中心处置，或查看只读信息",
        )


def check_may_create(actor: Actor, channel: str | None = None) -> None:
    """Who may register a case: duty staff, grid workers, administrators and systems; a
    channel's system account only on its own channel (else it could take another source's
    ``(channel, external_id)`` first, and the real report would become a "replay")."""
    allowed = {Role.DISPATCHER, Role.DUTY_LEADER, Role.GRID_WORKER, Role.ADMIN, Role.SYSTEM}
    if actor.role not in allowed:
        raise Forbidden(f"角色 {actor.role.value} 不能登记案件", hint="由值班员或网格员登记")
    # an unknown channel is the input's fault, refused by the validation with its own message
    if actor.channel and channel in CHANNEL_LABELS and channel != actor.channel:
        raise Forbidden(
            f"接入渠道 {actor.channel} 的密钥不能以渠道 {channel} 的名义报送",
            hint=f"channel 应为 {actor.channel}；每个渠道用自己的密钥",
        )


def check_intake_operator(actor: Actor) -> None:
    """Who handles what the intake could not file by itself (quarantine, held reports):
    district-level duty staff and administrators — these rows have no place yet, so
    nobody below the district may see them."""
    allowed = {Role.DISPATCHER, Role.DUTY_LEADER, Role.ADMIN, Role.SYSTEM}
    # the platform itself (the CLI, the sweeper: no person) may; a system account — what
    # a channel's API key acts as — may not read or replay other channels' payloads
    account = actor.role == Role.SYSTEM and actor.person_id is not None
    if actor.role not in allowed or account or actor.level != Level.DISTRICT:
        raise Forbidden(
            "只有区级值班员、值班长和管理员处理隔离区和待确认报件", hint="请区指挥中心处理"
        )


#: who may read a reporter's contact in clear (each time written to the audit log): the
#: duty staff who call the reporter about the case, callback staff, the handling unit
#: (through its work order) and administrators
REVEAL_ROLES = frozenset(
    {Role.DISPATCHER, Role.DUTY_LEADER, Role.CALLBACK_STAFF, Role.UNIT_HANDLER,
     Role.UNIT_LEADER, Role.ADMIN}
)  # fmt: skip


def check_may_reveal(actor: Actor) -> None:
    if actor.role not in REVEAL_ROLES:
        raise Forbidden(
            f"角色 {actor.role.value} 不能查看诉求人的完整联系方式",
            hint="联系方式只向值班员、值班长、回访员、承办单位显示；需要时请他们联系",
        )
