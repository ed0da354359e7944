"""URLs of lianqin.dashboard (included by lianqin/urls.py at /dashboard/)."""

from django.urls import path

from lianqin.dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data.json", views.data, name="dashboard-data"),
]
