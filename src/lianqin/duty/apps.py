from django.apps import AppConfig


class DutyConfig(AppConfig):
    name = "lianqin.duty"
    label = "duty"
