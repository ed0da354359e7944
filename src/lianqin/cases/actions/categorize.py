"""Setting a case's category: by a dispatcher (whose choice becomes training data for the
classifier) or automatically by the classifier above its confidence threshold.

What must hold: the history keeps what was suggested and what was chosen (``from``,
``to``, ``suggested``, ``confidence``, ``source``), so that the classifier can be judged
and retrained on people's decisions.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from lianqin.cases.access import Actor, access_case, check_may_act
from lianqin.cases.actions.record import record
from lianqin.cases.models import Case
from lianqin.cases.workflow import FINAL
from lianqin.errors import InvalidInput, InvalidTransition
from lianqin.org.models import Category


def set_category(
    actor: Actor, number: str, code: str, *, source: str = "dispatcher",
    now: datetime | None = None,
) -> Case:  # fmt: skip
    now = now or timezone.now()
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise InvalidInput(f"未知类别编码 {code!r}", field="category",
                           hint="见 GET /api/v1/categories 或管理后台「派单目录」")  # fmt: skip
    with transaction.atomic():
        case = access_case(actor, number, for_update=True)
        check_may_act(actor, case)
        if case.status in FINAL:
            raise InvalidTransition(f"案件已{case.get_status_display()}，不能再改类别")
        before = case.category.code if case.category else ""
        top = (case.triage or {}).get("category") or [{}]
        case.category = category
        case.version += 1
        case.updated_at = now
        case.save(update_fields=["category", "version", "updated_at"])
        data = {"from": before, "to": code, "suggested": top[0].get("code", ""),
                "confidence": top[0].get("score"), "source": source}  # fmt: skip
        record(case, actor, "categorize", case.status, case.status, now, "", data)
    return case
