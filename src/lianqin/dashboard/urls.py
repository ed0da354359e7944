"""URLs of lianqin.dashboard (included by lianqin/urls.py at /dashboard/)."""

from django.urls import path

from lianqin.dashboard import (
    appraisal_views,
    indicator_views,
    ledger_views,
    views,
    warning_views,
)

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data.json", views.data, name="dashboard-data"),
    path("indicators/", indicator_views.page, name="dashboard-indicators"),
    path("indicators.json", indicator_views.data, name="dashboard-indicators-data"),
    path("appraisal/", appraisal_views.page, name="dashboard-appraisal"),
    path("ledger/", ledger_views.page, name="dashboard-ledger"),
    path("ledger.<str:fmt>", ledger_views.download, name="dashboard-ledger-export"),
    path("warnings/", warning_views.page, name="dashboard-warnings"),
    path("warnings/<int:pk>/<str:what>", warning_views.act, name="dashboard-warning-act"),
    path("appraisal.<str:fmt>", appraisal_views.download, name="dashboard-appraisal-export"),
]
