"""The pages each role works in, for the header of every page (a context processor).
Showing a link is a convenience; each page still asks the gate."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: (url, label, roles)
PAGES = [
    ("/console/", _("案件队列"), {"admin", "dispatcher", "duty_leader", "leader", "inspector",
                                  "callback_staff"}),
    ("/console/map/", _("地图"), {"admin", "dispatcher", "duty_leader", "leader"}),
    ("/console/intake/", _("接入待处理"), {"admin", "dispatcher", "duty_leader"}),
    ("/duty/", _("值班"), {"admin", "dispatcher", "duty_leader"}),
    ("/unit/", _("本单位工单"), {"unit_handler", "unit_leader"}),
    ("/field/", _("网格员"), {"grid_worker"}),
    ("/dashboard/", _("领导看板"), {"admin", "duty_leader", "leader"}),
    ("/dashboard/indicators/", _("指标"), {"admin", "duty_leader", "leader"}),
    ("/dashboard/appraisal/", _("考核"), {"admin", "duty_leader", "leader"}),
    ("/dashboard/warnings/", pgettext_lazy("early warning", "预警"), {"admin", "dispatcher", "duty_leader", "leader"}),
    ("/dashboard/ledger/", _("费随事转"), {"admin", "duty_leader", "leader"}),
    ("/routing/", _("派单规则"), {"admin", "dispatcher", "duty_leader"}),
    ("/admin/", _("管理后台"), {"admin"}),
]  # fmt: skip


#: pages for the district's command center only (the gate refuses the others anyway)
DISTRICT_ONLY = {"/console/intake/"}


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    district = role == "admin" or getattr(user, "scope_level", "") == "district"
    return {
        "nav_pages": [
            (url, label)
            for url, label, roles in PAGES
            if role in roles and (url not in DISTRICT_ONLY or district)
        ]
    }
