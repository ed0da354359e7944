"""URLs of lianqin.dashboard (included by lianqin/urls.py at /dashboard/)."""

from django.urls import path

from lianqin.dashboard import appraisal_views, indicator_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data.json", views.data, name="dashboard-data"),
    path("indicators/", indicator_views.page, name="dashboard-indicators"),
    path("indicators.json", indicator_views.data, name="dashboard-indicators-data"),
    path("appraisal/", appraisal_views.page, name="dashboard-appraisal"),
    path("appraisal.<str:fmt>", appraisal_views.download, name="dashboard-appraisal-export"),
]
