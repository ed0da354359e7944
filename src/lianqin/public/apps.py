from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "lianqin.public"
    label = "public"
