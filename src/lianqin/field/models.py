"""What the grid worker's phone sends besides reports and case actions: patrol check-ins,
and the record that makes every phone submission idempotent."""

from __future__ import annotations

from django.db import models

from lianqin.org.models import Grid, Person


class PatrolCheckin(models.Model):
    """One patrol check-in: where the worker was (WGS-84), how precise the fix was, and
    the grid the point falls in (null when outside every grid)."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name="网格员")
    grid = models.ForeignKey(Grid, models.SET_NULL, null=True, blank=True, verbose_name="网格")
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    at = models.DateTimeField("打卡时间（手机）")
    received_at = models.DateTimeField("接收时间")
    client_key = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "巡查打卡"
        ordering = ["-at"]


class FieldSubmission(models.Model):
    """One phone submission, by its idempotency key: a re-sent key gets the stored answer
    and acts never twice (the unique key decides between two concurrent sends)."""

    key = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    status = models.PositiveSmallIntegerField(default=200)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "手机端提交"
