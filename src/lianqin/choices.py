"""Every enumeration of Lianqin, defined once: code, Chinese label, English label, colour.

Pure (no Django): the workflow table, the deadline rules and the Django models all read
their vocabulary from here, so a label or colour changes in one place only (NetBox's
``choices.py`` pattern). The identifiers follow the glossary of ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Label:
    zh: str
    en: str
    color: str = "#607d8b"


class Level(StrEnum):
    """The four levels of the tree, lowest first; ``unit`` scopes a participating unit."""

    GRID = "grid"
    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"
    UNIT = "unit"


LEVEL_LABELS = {
    Level.GRID: Label("网格", "Grid"),
    Level.COMMUNITY: Label("社区/村", "Community"),
    Level.STREET: Label("街道", "Street"),
    Level.DISTRICT: Label("区", "District"),
    Level.UNIT: Label("参勤单位", "Unit"),
}

#: The escalation ladder (grid → community → street → district).
LADDER: tuple[Level, ...] = (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DISTRICT)


def level_rank(level: Level) -> int:
    """Position on the ladder; a unit has no rank (-1)."""
    return LADDER.index(level) if level in LADDER else -1


def next_level(level: Level) -> Level | None:
    """One level up, or None at the district (nowhere left to escalate)."""
    rank = level_rank(level)
    if rank < 0 or rank + 1 >= len(LADDER):
        return None
    return LADDER[rank + 1]


class CenterKind(StrEnum):
    COMMAND_CENTER = "command_center"
    SUB_CENTER = "sub_center"
    WORKSTATION = "workstation"


CENTER_KIND_LABELS = {
    CenterKind.COMMAND_CENTER: Label("联勤指挥中心", "Command center"),
    CenterKind.SUB_CENTER: Label("联勤指挥分中心", "Sub-center"),
    CenterKind.WORKSTATION: Label("联勤工作站", "Workstation"),
}


class Role(StrEnum):
    DISPATCHER = "dispatcher"
    DUTY_LEADER = "duty_leader"
    GRID_WORKER = "grid_worker"
    UNIT_HANDLER = "unit_handler"
    UNIT_LEADER = "unit_leader"
    INSPECTOR = "inspector"
    CALLBACK_STAFF = "callback_staff"
    LEADER = "leader"
    ADMIN = "admin"
    SYSTEM = "system"


ROLE_LABELS = {
    Role.DISPATCHER: Label("值班员", "Dispatcher"),
    Role.DUTY_LEADER: Label("值班长", "Duty leader"),
    Role.GRID_WORKER: Label("网格员", "Grid worker"),
    Role.UNIT_HANDLER: Label("单位办理员", "Unit handler"),
    Role.UNIT_LEADER: Label("单位负责人", "Unit leader"),
    Role.INSPECTOR: Label("监督员/核查员", "Inspector"),
    Role.CALLBACK_STAFF: Label("回访员", "Callback staff"),
    Role.LEADER: Label("领导（只读）", "Leader (read only)"),
    Role.ADMIN: Label("管理员", "Administrator"),
    Role.SYSTEM: Label("系统", "System"),
}

#: Roles whose scope is a participating unit rather than a node of the tree.
UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_LEADER})


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


PRIORITY_LABELS = {
    Priority.URGENT: Label("紧急", "Urgent", "#d32f2f"),
    Priority.HIGH: Label("较急", "High", "#f57c00"),
    Priority.NORMAL: Label("一般", "Normal", "#1976d2"),
    Priority.LOW: Label("咨询/低", "Low", "#607d8b"),
}


class Warning(StrEnum):
    NORMAL = "normal"
    YELLOW = "yellow"
    RED = "red"
    OVERDUE = "overdue"


WARNING_LABELS = {
    Warning.NORMAL: Label("正常", "Normal", "#2e7d32"),
    Warning.YELLOW: Label("黄牌预警", "Yellow", "#f9a825"),
    Warning.RED: Label("红牌预警", "Red", "#d32f2f"),
    Warning.OVERDUE: Label("已超期", "Overdue", "#6a1b9a"),
}

WARNING_ORDER = (Warning.NORMAL, Warning.YELLOW, Warning.RED, Warning.OVERDUE)


class Stage(StrEnum):
    """The clocked stages of a case; each has its own deadline."""

    ACCEPT = "accept"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    VERIFY = "verify"
    CALLBACK = "callback"


STAGE_LABELS = {
    Stage.ACCEPT: Label("受理", "Accept"),
    Stage.ACKNOWLEDGE: Label("签收", "Acknowledge"),
    Stage.RESOLVE: Label("办结", "Resolve"),
    Stage.VERIFY: Label("核查", "Verify"),
    Stage.CALLBACK: Label("回访", "Callback"),
}


class Channel(StrEnum):
    HOTLINE_12345 = "hotline_12345"
    ALARM_110 = "alarm_110"
    PETITION_ONLINE = "petition_online"
    PORTAL = "portal"
    ZONGZHI = "zongzhi"
    PATROL = "patrol"
    VIDEO = "video"
    OPEN311 = "open311"
    MANUAL = "manual"
    EARLY_WARNING = "early_warning"


CHANNEL_LABELS = {
    Channel.HOTLINE_12345: Label("12345热线", "12345 hotline", "#1565c0"),
    Channel.ALARM_110: Label("110警情", "110 police", "#c62828"),
    Channel.PETITION_ONLINE: Label("网络问政", "Online petition", "#6a1b9a"),
    Channel.PORTAL: Label("政府网站", "Government portal", "#00838f"),
    Channel.ZONGZHI: Label("综治平台", "综治 platform", "#4e342e"),
    Channel.PATROL: Label("网格巡查", "Grid patrol", "#2e7d32"),
    Channel.VIDEO: Label("视频监控", "Video", "#37474f"),
    Channel.OPEN311: Label("Open311", "Open311", "#455a64"),
    Channel.MANUAL: Label("值班录入", "Entered on duty", "#795548"),
    Channel.EARLY_WARNING: Label("预警发现", "Found by early warning", "#ef6c00"),
}


class WorkOrderRole(StrEnum):
    LEAD = "lead"
    ASSIST = "assist"


WORK_ORDER_ROLE_LABELS = {
    WorkOrderRole.LEAD: Label("主办", "Lead"),
    WorkOrderRole.ASSIST: Label("协办", "Assisting"),
}


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"


SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: Label("满意", "Satisfied", "#2e7d32"),
    Satisfaction.BASICALLY: Label("基本满意", "Basically satisfied", "#9e9d24"),
    Satisfaction.UNSATISFIED: Label("不满意", "Unsatisfied", "#c62828"),
    Satisfaction.UNREACHABLE: Label("未接通", "Unreachable", "#757575"),
}


def django_choices(labels: dict) -> list[tuple[str, str]]:
    """``choices=`` for a model field: (code, Chinese label) pairs, in declaration order."""
    return [(str(code), label.zh) for code, label in labels.items()]
