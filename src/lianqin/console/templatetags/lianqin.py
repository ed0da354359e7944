"""Labels for codes in templates, in the page's language: ``{{ case.status|state }}``,
``{{ case.warning|warning }}``, ``{{ case.channel|channel }}``, ``{{ e.action|action }}``,
``{{ case.level|level }}``, ``{{ case.status|state_color }}``. One place turns codes into
words, so a page never shows a raw code (and English comes with the language switch)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from lianqin.cases.workflow import ACTION_LABELS, STATE_LABELS
from lianqin.choices import (
    CHANNEL_LABELS,
    LEVEL_LABELS,
    PRIORITY_LABELS,
    SATISFACTION_LABELS,
    STAGE_LABELS,
    WARNING_LABELS,
)

register = template.Library()

EVENT_LABELS = {
    "create": ("立案", "Created"),
    "warning": ("预警", "Warning"),
    "categorize": ("定类", "Category set"),
    "report_joined": ("并入报件", "Report joined"),
    "report_confirmed": ("确认报件", "Report confirmed"),
    "comment": ("补充说明", "Comment"),
    "inspection": ("抽查", "Inspection"),
    "work_order": ("工单", "Work order"),
    "citizen_rating": ("群众评价", "Citizen rating"),
}


def _word(table: dict[Any, Any], code: str) -> str:
    for key, label in table.items():
        if key == code:
            return label.en if (get_language() or "").startswith("en") else label.zh
    return code


def _filter(table: dict[Any, Any]) -> Any:
    return lambda code: _word(table, code) if code else ""


TABLES: dict[str, dict[Any, Any]] = {
    "state": STATE_LABELS, "warning": WARNING_LABELS, "channel": CHANNEL_LABELS,
    "level": LEVEL_LABELS, "priority": PRIORITY_LABELS, "stage": STAGE_LABELS,
    "satisfaction": SATISFACTION_LABELS,
}  # fmt: skip
for _name, _table in TABLES.items():
    register.filter(_name, _filter(_table))


@register.filter
def state_color(code: str) -> str:
    label = next((v for k, v in STATE_LABELS.items() if k == code), None)
    return label.color if label is not None and label.color else "#607d8b"


@register.filter
def action(code: str) -> str:
    if code in EVENT_LABELS:
        zh, en = EVENT_LABELS[code]
        return en if (get_language() or "").startswith("en") else zh
    return _word(ACTION_LABELS, code)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")


@register.filter
def figure(value: Any, kind: str) -> str:
    """An indicator for a table cell: counts with separators, rates as per cent, hours
    with one decimal, changes of a rate in percentage points; nothing is "—"."""
    if value is None or isinstance(value, str):
        return value or "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:.1f} h"
    if kind == "delta":
        return f"{value * 100:+.1f} pt"
    if kind == "score":
        return f"{value:.1f}"
    return f"{int(value):,}"
