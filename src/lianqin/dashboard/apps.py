from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "lianqin.dashboard"
    label = "dashboard"
