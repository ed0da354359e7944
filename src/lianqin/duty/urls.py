"""URLs of lianqin.duty (included by lianqin/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
