from django.contrib import admin

from lianqin.geo import models


@admin.register(models.Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "street_code", "community_code", "grid_code", "lon", "lat")
    list_filter = ("kind",)
    search_fields = ("name", "grid_code")


@admin.register(models.RoadSegment)
class RoadSegmentAdmin(admin.ModelAdmin):
    list_display = ("road", "from_no", "to_no", "parity", "street_code", "grid_code")
    search_fields = ("road", "grid_code")
