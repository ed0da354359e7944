"""What a citizen is told about a case: its state and its main steps, in public terms.

Pure: no Django. The input is the case's history as plain values (action, states, time,
note, data); the output names no person. What must hold:

* only the main steps are shown — received, accepted, handled on site / dispatched to a
  department (by the department's name), resolved (with the reply and the photos of the
  handling), closed, and the few outcomes a citizen must know (rejected or transferred
  with the reason, merged, reopened, re-worked); internal steps (urging, warnings,
  escalation, categorisation, approvals, inspections, comments) are left out;
* no actor's name is ever copied: a step says *which kind* of office acted, never who;
* text written by staff (a reply, a reason) has phone numbers and ID numbers masked
  before it is shown (:func:`scrub`), in case a reply names a contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lianqin.cases.masking import mask_in_text

__all__ = ["PUBLIC_STATE", "RATEABLE", "Step", "public_state", "scrub", "steps"]

#: the state as a citizen reads it (and whether it is finished)
PUBLIC_STATE: dict[str, str] = {
    "reported": "已收到，等待受理",
    "accepted": "已受理，正在安排处置",
    "on_site": "网格员现场处置中",
    "dispatched": "已转交职能部门办理",
    "in_progress": "职能部门办理中",
    "returned": "正在重新指定办理部门",
    "resolved": "已办结，等待核查",
    "closed": "已办结",
    "reopened": "重新办理中",
    "suspended": "暂缓办理",
    "rejected": "不予受理",
    "transferred": "已转交其他部门或地区",
    "merged": "已与同一问题合并办理",
    "archived": "已办结",
}
#: states in which the citizen may rate the result
RATEABLE = frozenset({"resolved", "closed", "archived"})

_LABELS: dict[str, str] = {
    "create": "已收到您的反映",
    "accept": "已受理",
    "reject": "不予受理",
    "transfer": "已转办",
    "merge": "与同一问题合并办理",
    "handle_on_site": "网格员现场处置",
    "dispatch": "转交职能部门办理",
    "reassign": "改由其他部门办理",
    "acknowledge": "职能部门已接单",
    "resolve": "已办结",
    "rework": "核查未通过，重新处置",
    "verify": "核查通过，已结案",
    "reopen": "重新办理",
    "suspend": "暂缓办理",
    "resume": "恢复办理",
    "archive": "已归档",
}
#: steps whose note is shown (a reason or a reply the citizen is owed)
_NOTE_SHOWN = frozenset({"reject", "transfer", "resolve"})


@dataclass
class Step:
    """One line of the public timeline."""

    action: str
    label: str
    at: datetime
    detail: str = ""
    photos: list[str] = field(default_factory=list)


def public_state(state: str) -> str:
    return PUBLIC_STATE.get(state, "办理中")


def scrub(text: str) -> str:
    """Staff text made fit for the public: mobile numbers, landlines and ID numbers are
    masked (``138****5678``)."""
    return mask_in_text(text)


def steps(
    events: Iterable[Mapping[str, Any]], unit_names: Mapping[str, str], *, photo_prefix: str
) -> list[Step]:
    """The public timeline of a case from its history (oldest first).

    ``unit_names`` maps a unit code to the name shown; ``photo_prefix`` is where stored
    photos live (``/media/photos/``): an evidence reference elsewhere is not shown.
    """
    out: list[Step] = []
    for event in events:
        action = str(event.get("action", ""))
        label = _LABELS.get(action)
        if label is None:
            continue
        data = event.get("data") or {}
        step = Step(action, label, event["at"])
        if action in {"dispatch", "reassign"} and data.get("lead"):
            step.detail = "承办部门：" + unit_names.get(str(data["lead"]), "职能部门")
            assist = [unit_names.get(str(c), "") for c in data.get("assist") or []]
            if any(assist):
                step.detail += "；协办：" + "、".join(a for a in assist if a)
        elif action in _NOTE_SHOWN and str(event.get("note") or "").strip():
            prefix = "答复：" if action == "resolve" else "理由："
            step.detail = prefix + scrub(str(event["note"]).strip())
        if action == "resolve":
            step.photos = [p for p in data.get("evidence") or [] if str(p).startswith(photo_prefix)]
        out.append(step)
    return out
