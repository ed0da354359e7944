from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "lianqin.cases"
    label = "cases"
    verbose_name = "案件"
