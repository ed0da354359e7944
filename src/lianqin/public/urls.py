"""URLs of lianqin.public (included by lianqin/urls.py at ``/public/``)."""

from django.urls import path

from lianqin.public import views

app_name = "public"
urlpatterns = [
    path("", views.report, name="report"),
    path("track/", views.track, name="track"),
    path("track/rate/", views.rate, name="rate"),
    path("areas.geojson", views.areas, name="areas"),
]
