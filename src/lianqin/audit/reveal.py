"""Reading a reporter's contact in clear: through the gate, and into the audit log.

Why one function: the numbers are stored encrypted and shown masked everywhere; the only
path to the clear values for a person is :func:`reveal_contacts`, which checks the case is
in the actor's jurisdiction and their role needs it, and appends a ``reveal`` line (who,
which case, which fields — never the values) in the same transaction that reads them.

What must hold: a refused reveal writes nothing and returns nothing; an allowed one
writes exactly one line, even for a case with several reporters.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lianqin.audit.service import append
from lianqin.cases.access import Actor, access_case, check_may_reveal
from lianqin.cases.models import ReporterContact


def reveal_contacts(actor: Actor, number: str, *, client: str = "") -> list[dict[str, Any]]:
    """The clear name, phone and ID number of every reporter of the case, by report."""
    check_may_reveal(actor)
    with transaction.atomic():
        case = access_case(actor, number)
        contacts = (
            ReporterContact.objects.filter(report__case=case)
            .order_by("report__received_at", "report__pk")
            .values("report__pk", "report__channel", "name", "phone", "id_number")
        )
        rows = [
            {"report": c["report__pk"], "channel": c["report__channel"], "name": c["name"],
             "phone": c["phone"], "id_number": c["id_number"]}
            for c in contacts
        ]  # fmt: skip
        fields = sorted({k for r in rows for k in ("name", "phone", "id_number") if r[k]})
        append("reveal", actor, f"cases.Case:{case.number}",
               {"reports": len(rows), "fields": fields}, client=client)  # fmt: skip
    return rows
