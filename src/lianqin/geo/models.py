"""The district's own gazetteer: named places and road segments with house-number ranges,
each pointing at a grid. Imported from CSV (``lianqin import-gazetteer``) or built by the
demo; read into an in-process index by ``geo/service.py``."""

from __future__ import annotations

from django.db import models

PLACE_KINDS = [
    ("street", "街道"),
    ("community", "社区/村"),
    ("road", "道路"),
    ("compound", "小区/自然村"),
    ("landmark", "地标"),
]
PARITY = [("all", "单双号"), ("odd", "单号"), ("even", "双号")]


class Place(models.Model):
    kind = models.CharField("类型", max_length=12, choices=PLACE_KINDS)
    name = models.CharField("名称", max_length=80, db_index=True)
    aliases = models.JSONField("别名", default=list, blank=True)
    street_code = models.CharField("街道编码", max_length=9, blank=True)
    community_code = models.CharField("社区编码", max_length=12, blank=True)
    grid_code = models.CharField("网格编码", max_length=15, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "地名"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class RoadSegment(models.Model):
    road = models.CharField("道路", max_length=80, db_index=True)
    street_code = models.CharField("街道编码", max_length=9, blank=True)
    from_no = models.PositiveIntegerField("起始门牌")
    to_no = models.PositiveIntegerField("终止门牌")
    parity = models.CharField("单双号", max_length=4, choices=PARITY, default="all")
    grid_code = models.CharField("网格编码", max_length=15)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")

    class Meta:
        verbose_name = verbose_name_plural = "道路门牌段"
        ordering = ["road", "from_no"]

    def __str__(self) -> str:
        return f"{self.road}{self.from_no}-{self.to_no}号"


class Revision(models.Model):
    """A counter per cached layer ("grids", "gazetteer"), raised by every import, so that
    each process (web workers, sweepers) sees a change and rebuilds its index."""

    name = models.CharField(max_length=20, primary_key=True)
    number = models.PositiveBigIntegerField(default=0)
