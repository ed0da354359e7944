"""URLs of the grid worker's phone page (included at /field/)."""

from django.urls import path

from lianqin.field import views

urlpatterns = [
    path("", views.page, name="field"),
    path("sw.js", views.service_worker, name="field-sw"),
    path("api/reports", views.api_report, name="field-report"),
    path("api/checkins", views.api_checkin, name="field-checkin"),
    path("api/cases/<str:number>/<str:action>", views.api_case, name="field-case"),
]
