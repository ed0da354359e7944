"""The only code that changes a case (ARCHITECTURE.md, principle 4).

Everything that writes ``Case``, ``Report``, ``WorkOrder`` or ``CaseEvent`` rows lives in
this package: :func:`create_case` registers a report and its case, :func:`perform` fires
a workflow action, :func:`work_order_event` moves an assisting unit's work order, and
:func:`refresh_warning` is the sweeper's visit.
"""

from lianqin.cases.actions.create import NewReport, create_case
from lianqin.cases.actions.transition import perform, refresh_warning
from lianqin.cases.actions.work_orders import work_order_event

__all__ = ["NewReport", "create_case", "perform", "refresh_warning", "work_order_event"]
