from django.urls import path
from django.views.generic import RedirectView

from lianqin.console import (
    case_actions,
    case_views,
    intake_views,
    map_views,
    media_views,
    queue_views,
    reveal_views,
    routing_views,
    stream_views,
    unit_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    # login/, logout/, account/ live in lianqin.accounts
    path("favicon.ico", RedirectView.as_view(url="/static/console/favicon.svg", permanent=True)),
    path("events/", stream_views.events, name="events"),
    path("console/", queue_views.queue, name="queue"),
    path("console/rows/", queue_views.queue_rows, name="queue-rows"),
    path("console/map/", map_views.map_page, name="map"),
    path("console/map/grids.geojson", map_views.grids_geojson, name="map-grids"),
    path("console/map/cases.json", map_views.cases_json, name="map-cases"),
    path("console/cases/<str:number>/", case_views.case_page, name="case"),
    path("console/cases/<str:number>/reveal", reveal_views.reveal, name="case-reveal"),
    path("console/cases/<str:number>/act/<str:action>", case_actions.act, name="case-act"),
    path("console/cases/<str:number>/category", case_actions.categorize, name="case-category"),
    path("console/cases/<str:number>/ask", case_actions.ask, name="case-ask"),
    path(
        "console/cases/<str:number>/approvals/<int:request_id>/<str:decision>",
        case_actions.approval,
        name="case-approval",
    ),
    path(
        "console/cases/<str:number>/work-orders/<int:order_id>/<str:event>",
        case_actions.work_order,
        name="case-work-order",
    ),
    path(
        "console/cases/<str:number>/not-duplicate/<str:other>",
        case_actions.not_duplicate,
        name="case-not-duplicate",
    ),
    path("unit/", unit_views.unit_page, name="unit"),
    path("console/intake/", intake_views.intake_desk, name="intake-desk"),
    path(
        "console/intake/held/<int:report_id>/<str:decision>",
        intake_views.held_report,
        name="intake-held",
    ),
    path(
        "console/intake/quarantine/<int:qid>/<str:decision>",
        intake_views.quarantined,
        name="intake-quarantine",
    ),
    path("media/photos/<path:name>", media_views.photo, name="photo"),
    path("routing/", routing_views.routing_tester, name="routing-tester"),
]
