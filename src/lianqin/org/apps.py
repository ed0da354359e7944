from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "lianqin.org"
    label = "org"
    verbose_name = "组织与目录"
