"""URLs of lianqin.public (included by lianqin/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
