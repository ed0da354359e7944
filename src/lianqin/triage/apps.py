from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "lianqin.triage"
    verbose_name = "研判"
