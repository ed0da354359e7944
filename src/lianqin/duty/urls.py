"""URLs of lianqin.duty (included by lianqin/urls.py at /duty/)."""

from django.urls import path

from lianqin.duty import views

urlpatterns = [
    path("", views.roster, name="duty"),
    path("shifts/", views.create, name="duty-create"),
    path("shifts/<int:shift_id>/delete", views.remove, name="duty-delete"),
    path("handover/", views.handover, name="duty-handover"),
    path("handover/<int:pk>/", views.handover_detail, name="duty-handover-detail"),
]
