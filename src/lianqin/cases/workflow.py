"""The case workflow: one pure transition table, each edge with its reason and its actors.

Everything that changes a case's state is an edge of ``TRANSITIONS``: ``actions.py`` asks
:func:`plan` what an action does to a case before it writes anything, and the tests walk
the table exhaustively without a database. What must hold (checked in
``tests/unit/test_workflow.py``):

* one initial state (``reported``); every state is reachable from it;
* from every state a final state can be reached;
* nothing leaves a final state (``rejected``, ``transferred``, ``merged``, ``archived``);
* every edge names the roles, and the levels of their scope, that may fire it.

Three kinds of target are not a fixed state: ``SAME`` (the state does not change:
escalate, urge, supervise, extend, callback), ``PREVIOUS`` (resume after a suspension
returns to the state held before it) and rework, whose target depends on how the case
was handled (on site → ``on_site``; dispatched → ``in_progress``), expressed as two
edges guarded by ``mode``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from lianqin.choices import Label, Level, Role


class State(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    ON_SITE = "on_site"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    TRANSFERRED = "transferred"
    MERGED = "merged"
    ARCHIVED = "archived"


STATE_LABELS = {
    State.REPORTED: Label("待受理", "Reported", "#0288d1"),
    State.ACCEPTED: Label("已受理", "Accepted", "#00897b"),
    State.ON_SITE: Label("现场处置中", "Handling on site", "#43a047"),
    State.DISPATCHED: Label("已派单", "Dispatched", "#fb8c00"),
    State.IN_PROGRESS: Label("办理中", "In progress", "#f4511e"),
    State.RETURNED: Label("已退单", "Returned", "#e53935"),
    State.RESOLVED: Label("已办结待核查", "Resolved", "#7cb342"),
    State.CLOSED: Label("已结案", "Closed", "#2e7d32"),
    State.REOPENED: Label("已重启", "Reopened", "#c2185b"),
    State.SUSPENDED: Label("已挂起", "Suspended", "#757575"),
    State.REJECTED: Label("不予受理", "Rejected", "#9e9e9e"),
    State.TRANSFERRED: Label("已转办", "Transferred", "#9e9e9e"),
    State.MERGED: Label("已并单", "Merged", "#9e9e9e"),
    State.ARCHIVED: Label("已归档", "Archived", "#616161"),
}

INITIAL = State.REPORTED
FINAL = frozenset({State.REJECTED, State.TRANSFERRED, State.MERGED, State.ARCHIVED})
#: States in which somebody still owes work and a clock runs.
OPEN = frozenset(
    {
        State.REPORTED,
        State.ACCEPTED,
        State.ON_SITE,
        State.DISPATCHED,
        State.IN_PROGRESS,
        State.RETURNED,
        State.RESOLVED,
        State.REOPENED,
    }
)
#: States from which a case may be suspended, escalated, urged or supervised.
WORKING = frozenset(
    {State.ACCEPTED, State.ON_SITE, State.DISPATCHED, State.IN_PROGRESS, State.RETURNED}
)


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    TRANSFER = "transfer"
    MERGE = "merge"
    HANDLE_ON_SITE = "handle_on_site"
    DISPATCH = "dispatch"
    ACKNOWLEDGE = "acknowledge"
    RETURN = "return"
    REASSIGN = "reassign"
    RESOLVE = "resolve"
    VERIFY = "verify"
    REWORK = "rework"
    CALLBACK = "callback"
    REOPEN = "reopen"
    ARCHIVE = "archive"
    SUSPEND = "suspend"
    RESUME = "resume"
    ESCALATE = "escalate"
    URGE = "urge"
    SUPERVISE = "supervise"
    EXTEND = "extend"


ACTION_LABELS = {
    Action.ACCEPT: Label("受理", "Accept"),
    Action.REJECT: Label("不予受理", "Reject"),
    Action.TRANSFER: Label("转办", "Transfer"),
    Action.MERGE: Label("并单", "Merge"),
    Action.HANDLE_ON_SITE: Label("现场处置", "Handle on site"),
    Action.DISPATCH: Label("派单", "Dispatch"),
    Action.ACKNOWLEDGE: Label("签收", "Acknowledge"),
    Action.RETURN: Label("退单", "Return"),
    Action.REASSIGN: Label("改派", "Reassign"),
    Action.RESOLVE: Label("办结", "Resolve"),
    Action.VERIFY: Label("核查通过", "Verify"),
    Action.REWORK: Label("核查不通过返工", "Rework"),
    Action.CALLBACK: Label("回访", "Callback"),
    Action.REOPEN: Label("重启", "Reopen"),
    Action.ARCHIVE: Label("归档", "Archive"),
    Action.SUSPEND: Label("挂起", "Suspend"),
    Action.RESUME: Label("恢复", "Resume"),
    Action.ESCALATE: Label("升级", "Escalate"),
    Action.URGE: Label("催办", "Urge"),
    Action.SUPERVISE: Label("督办", "Supervise"),
    Action.EXTEND: Label("延期", "Extend"),
}


class Mode(StrEnum):
    """How a case is being handled; chosen by ``handle_on_site`` or ``dispatch``."""

    NONE = "none"
    ON_SITE = "on_site"
    DISPATCHED = "dispatched"


SAME = "same"
PREVIOUS = "previous"

R = Role
L = Level
TREE = frozenset({L.GRID, L.COMMUNITY, L.STREET, L.DISTRICT})
CENTERS = frozenset({L.COMMUNITY, L.STREET, L.DISTRICT})
UPPER = frozenset({L.STREET, L.DISTRICT})
UNITS = frozenset({L.UNIT})
DUTY = frozenset({R.DISPATCHER, R.DUTY_LEADER, R.ADMIN})


@dataclass(frozen=True)
class Transition:
    """One edge. ``target`` is a State, ``SAME`` or ``PREVIOUS``; ``mode`` guards it."""

    action: Action
    sources: frozenset[State]
    target: str
    roles: frozenset[Role]
    levels: frozenset[Level]
    reason: str
    needs_note: bool = False
    mode: Mode | None = None


def _t(
    action: Action,
    sources: Iterable[State],
    target: str,
    roles: Iterable[Role],
    levels: Iterable[Level],
    reason: str,
    *,
    needs_note: bool = False,
    mode: Mode | None = None,
) -> Transition:
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(roles),
        frozenset(levels),
        reason,
        needs_note,
        mode,
    )


S = State
TRANSITIONS: tuple[Transition, ...] = (
    _t(
        Action.ACCEPT,
        [S.REPORTED, S.REOPENED],
        S.ACCEPTED,
        DUTY,
        CENTERS,
        "受理：信息完整、属于本辖区职责范围，登记立案",
    ),
    _t(
        Action.REJECT,
        [S.REPORTED],
        S.REJECTED,
        DUTY,
        CENTERS,
        "不予受理：无效、重复、恶意或不属于政府职责，须说明理由",
        needs_note=True,
    ),
    _t(
        Action.TRANSFER,
        [S.REPORTED, S.ACCEPTED],
        S.TRANSFERRED,
        DUTY,
        CENTERS,
        "转办：属其他辖区或应由110/119/120处置",
        needs_note=True,
    ),
    _t(
        Action.MERGE,
        [S.REPORTED, S.ACCEPTED],
        S.MERGED,
        DUTY,
        CENTERS,
        "并单：与已有案件为同一问题，报件并入主案件",
    ),
    _t(
        Action.HANDLE_ON_SITE,
        [S.ACCEPTED],
        S.ON_SITE,
        {R.GRID_WORKER, *DUTY},
        {L.GRID, L.COMMUNITY, L.STREET},
        "现场处置：网格员或工作站就地解决（约九成问题）",
    ),
    _t(
        Action.DISPATCH,
        [S.ACCEPTED],
        S.DISPATCHED,
        DUTY,
        UPPER,
        "派单：指挥中心/分中心派给主办单位和协办单位联合处置",
    ),
    _t(
        Action.ACKNOWLEDGE,
        [S.DISPATCHED],
        S.IN_PROGRESS,
        {R.UNIT_HANDLER, R.UNIT_LEADER},
        UNITS,
        "签收：主办单位确认接单，开始办理",
    ),
    _t(
        Action.RETURN,
        [S.DISPATCHED],
        S.RETURNED,
        {R.UNIT_HANDLER, R.UNIT_LEADER},
        UNITS,
        "退单：非本单位职责或信息不足，须说明理由",
        needs_note=True,
    ),
    _t(
        Action.REASSIGN,
        [S.RETURNED],
        S.DISPATCHED,
        DUTY,
        UPPER,
        "改派：退单后由指挥中心重新指定主办单位",
    ),
    _t(
        Action.RESOLVE,
        [S.ON_SITE],
        S.RESOLVED,
        {R.GRID_WORKER, *DUTY},
        {L.GRID, L.COMMUNITY, L.STREET},
        "办结：现场处置完毕，附处置结果和照片",
    ),
    _t(
        Action.RESOLVE,
        [S.IN_PROGRESS],
        S.RESOLVED,
        {R.UNIT_HANDLER, R.UNIT_LEADER},
        UNITS,
        "办结：主办单位汇总协办意见后答复办理结果",
    ),
    _t(
        Action.VERIFY,
        [S.RESOLVED],
        S.CLOSED,
        {R.INSPECTOR, R.GRID_WORKER, *DUTY},
        TREE,
        "核查通过：处置人以外的网格员或监督员现场核实问题已解决，结案",
    ),
    _t(
        Action.REWORK,
        [S.RESOLVED],
        S.ON_SITE,
        {R.INSPECTOR, R.GRID_WORKER, *DUTY},
        TREE,
        "核查不通过：问题未解决，退回现场返工",
        needs_note=True,
        mode=Mode.ON_SITE,
    ),
    _t(
        Action.REWORK,
        [S.RESOLVED],
        S.IN_PROGRESS,
        {R.INSPECTOR, R.GRID_WORKER, *DUTY},
        TREE,
        "核查不通过：问题未解决，退回主办单位返工",
        needs_note=True,
        mode=Mode.DISPATCHED,
    ),
    _t(
        Action.CALLBACK,
        [S.CLOSED],
        SAME,
        {R.CALLBACK_STAFF, *DUTY},
        CENTERS,
        "回访：结案后征询诉求人满意度与是否解决；未接通计次，满N次记为未接通",
    ),
    _t(
        Action.REOPEN,
        [S.CLOSED],
        S.REOPENED,
        {R.CALLBACK_STAFF, *DUTY},
        CENTERS,
        "重启：回访不满意且问题确未解决，重新办理",
        needs_note=True,
    ),
    _t(
        Action.ARCHIVE,
        [S.CLOSED],
        S.ARCHIVED,
        {R.CALLBACK_STAFF, R.SYSTEM, *DUTY},
        CENTERS,
        "归档：回访完成或回访期满，案卷归档",
    ),
    _t(
        Action.SUSPEND,
        WORKING,
        S.SUSPENDED,
        {R.DUTY_LEADER, R.ADMIN},
        CENTERS,
        "挂起（经批准）：因客观原因暂停计时",
        needs_note=True,
    ),
    _t(
        Action.RESUME,
        [S.SUSPENDED],
        PREVIOUS,
        {R.DUTY_LEADER, R.DISPATCHER, R.ADMIN},
        CENTERS,
        "恢复：挂起原因消除，回到挂起前状态继续计时",
    ),
    _t(
        Action.ESCALATE,
        WORKING | {S.REPORTED},
        SAME,
        {R.GRID_WORKER, R.SYSTEM, *DUTY},
        TREE,
        "升级：本级无法处置或超期，上移一级（网格→社区→街道→区）",
    ),
    _t(
        Action.URGE,
        WORKING | {S.RESOLVED},
        SAME,
        {R.LEADER, R.SYSTEM, *DUTY},
        CENTERS,
        "催办：提醒责任方在时限内办理（超期时由系统自动催办）",
    ),
    _t(
        Action.SUPERVISE,
        WORKING | {S.RESOLVED},
        SAME,
        {R.LEADER, R.DUTY_LEADER, R.ADMIN},
        UPPER,
        "督办：领导或值班长挂牌督办，计入考核",
    ),
    _t(
        Action.EXTEND,
        WORKING,
        SAME,
        {R.DUTY_LEADER, R.ADMIN},
        CENTERS,
        "延期（经批准）：办理时限顺延",
        needs_note=True,
    ),
)


class WorkflowError(Exception):
    """The action is not an edge from the case's state, or not for this role/level."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def edges(action: Action, state: State) -> list[Transition]:
    """The edges an action could take from a state (several only for guarded ones)."""
    return [t for t in TRANSITIONS if t.action == action and state in t.sources]


def plan(
    action: Action,
    state: State,
    *,
    role: Role,
    level: Level,
    mode: Mode = Mode.NONE,
    previous: State | None = None,
) -> tuple[Transition, State]:
    """What ``action`` does to a case in ``state`` when fired by ``role`` at ``level``.

    Returns the edge taken and the resulting state; raises :class:`WorkflowError` with
    code ``invalid_transition`` (no such edge from this state) or ``forbidden_role``.
    """
    candidates = edges(action, state)
    if not candidates:
        allowed = ", ".join(sorted(a.value for a in allowed_actions(state))) or "无"
        raise WorkflowError(
            "invalid_transition",
            f"案件当前状态为「{STATE_LABELS[state].zh}」，不能执行「{ACTION_LABELS[action].zh}」"
            f"（{state.value} → {action.value}）；此状态可执行：{allowed}",
        )
    guarded = [t for t in candidates if t.mode is None or t.mode == mode]
    if not guarded:
        raise WorkflowError(
            "invalid_transition", f"处置方式为 {mode.value} 的案件不能执行 {action.value}"
        )
    edge = guarded[0]
    if role not in edge.roles or level not in edge.levels:
        raise WorkflowError(
            "forbidden_role",
            f"角色 {role.value}（{level.value} 级）无权执行「{ACTION_LABELS[action].zh}」；"
            f"可执行的角色：{', '.join(sorted(r.value for r in edge.roles))}",
        )
    return edge, resolve_target(edge, state, previous)


def resolve_target(edge: Transition, state: State, previous: State | None) -> State:
    """Turn ``SAME``/``PREVIOUS`` into a concrete state."""
    if edge.target == SAME:
        return state
    if edge.target == PREVIOUS:
        if previous is None or previous not in WORKING:
            raise WorkflowError("invalid_transition", "挂起前状态未知，无法恢复")
        return previous
    return State(edge.target)


def allowed_actions(
    state: State, role: Role | None = None, level: Level | None = None
) -> set[Action]:
    """Actions possible from a state, optionally only those this role/level may fire."""
    return {
        t.action
        for t in TRANSITIONS
        if state in t.sources
        and (role is None or role in t.roles)
        and (level is None or level in t.levels)
    }


def targets(state: State) -> set[State]:
    """Every concrete state reachable in one step (PREVIOUS → any WORKING state)."""
    out: set[State] = set()
    for t in TRANSITIONS:
        if state not in t.sources:
            continue
        if t.target == SAME:
            out.add(state)
        elif t.target == PREVIOUS:
            out |= WORKING
        else:
            out.add(State(t.target))
    return out


class WorkOrderState(StrEnum):
    """A work order's own small life: sent to a unit, acknowledged, answered or returned."""

    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    REPLIED = "replied"
    RETURNED = "returned"
    CANCELLED = "cancelled"


WORK_ORDER_STATE_LABELS = {
    WorkOrderState.PENDING: Label("待签收", "Pending", "#fb8c00"),
    WorkOrderState.ACKNOWLEDGED: Label("办理中", "Acknowledged", "#f4511e"),
    WorkOrderState.REPLIED: Label("已答复", "Replied", "#2e7d32"),
    WorkOrderState.RETURNED: Label("已退回", "Returned", "#e53935"),
    WorkOrderState.CANCELLED: Label("已撤销", "Cancelled", "#9e9e9e"),
}

WORK_ORDER_EDGES: dict[tuple[WorkOrderState, str], WorkOrderState] = {
    (WorkOrderState.PENDING, "acknowledge"): WorkOrderState.ACKNOWLEDGED,
    (WorkOrderState.PENDING, "return"): WorkOrderState.RETURNED,
    (WorkOrderState.ACKNOWLEDGED, "reply"): WorkOrderState.REPLIED,
    (WorkOrderState.REPLIED, "rework"): WorkOrderState.ACKNOWLEDGED,
    (WorkOrderState.PENDING, "cancel"): WorkOrderState.CANCELLED,
    (WorkOrderState.ACKNOWLEDGED, "cancel"): WorkOrderState.CANCELLED,
}


def work_order_next(state: WorkOrderState, event: str) -> WorkOrderState:
    """The work order's next state, or WorkflowError if the event does not apply."""
    try:
        return WORK_ORDER_EDGES[(state, event)]
    except KeyError:
        raise WorkflowError(
            "invalid_transition",
            f"工单状态为「{WORK_ORDER_STATE_LABELS[state].zh}」，不能执行 {event}",
        ) from None
