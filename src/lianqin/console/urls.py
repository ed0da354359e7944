from django.urls import path

from lianqin.console import routing_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("routing/", routing_views.routing_tester, name="routing-tester"),
]
