from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "lianqin.geo"
    label = "geo"
    verbose_name = "地理与地名"
