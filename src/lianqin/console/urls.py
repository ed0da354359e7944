from django.urls import path

from lianqin.console import views

urlpatterns = [path("", views.home, name="home")]
