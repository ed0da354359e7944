from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "lianqin.field"
    label = "field"
