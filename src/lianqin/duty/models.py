"""The roster and the handovers of every center.

A :class:`DutyShift` puts one person on one post at one center for a time span; the same
person never holds two overlapping shifts (checked by ``duty/service.py`` under a lock on
the person's row, since neither SQLite nor a plain index can refuse overlapping ranges).
A :class:`Handover` keeps what the outgoing shift handed over as a JSON snapshot: the
figures as they were, not as they are when somebody reads it later.
"""

from __future__ import annotations

from django.db import models

from lianqin.choices import django_choices
from lianqin.duty.schedule import POST_LABELS
from lianqin.org.models import Center, Person


class DutyShift(models.Model):
    center = models.ForeignKey(
        Center, models.PROTECT, related_name="duty_shifts", verbose_name="中心"
    )
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="duty_shifts", verbose_name="值班人员"
    )
    post = models.CharField("岗位", max_length=20, choices=django_choices(POST_LABELS))
    starts_at = models.DateTimeField("开始", db_index=True)
    ends_at = models.DateTimeField("结束", db_index=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("排班时间")

    class Meta:
        verbose_name = verbose_name_plural = "值班班次"
        ordering = ["starts_at", "post", "id"]
        indexes = [models.Index(fields=["center", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.center} {self.person} {self.starts_at:%Y-%m-%d %H:%M}"


class Handover(models.Model):
    center = models.ForeignKey(
        Center, models.PROTECT, related_name="handovers", verbose_name="中心"
    )
    shift = models.ForeignKey(
        DutyShift,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="handovers",
        verbose_name="交班班次",
    )
    created_by = models.ForeignKey(
        Person, models.PROTECT, related_name="handovers_given", verbose_name="交班人"
    )
    handed_to = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="handovers_taken",
        verbose_name="接班人",
    )
    created_at = models.DateTimeField("交班时间", db_index=True)
    since = models.DateTimeField("统计起点")
    summary = models.JSONField("交班摘要", default=dict)
    note = models.TextField("交班说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "交接班记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.center} {self.created_at:%Y-%m-%d %H:%M}"
