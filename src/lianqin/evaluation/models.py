"""Sample inspections (抽查): a drawn sample of closed cases, each assigned to an inspector
who records a finding. Findings count in appraisal (issue 7)."""

from __future__ import annotations

from django.db import models

from lianqin.cases.models import Case
from lianqin.org.models import Person


class Inspection(models.Model):
    name = models.CharField("名称", max_length=80)
    period_start = models.DateField("结案起")
    period_end = models.DateField("结案止")
    scope_code = models.CharField("范围（辖区编码前缀）", max_length=15, blank=True)
    strata = models.JSONField("分层", default=list)
    per_stratum = models.PositiveIntegerField("每层件数", null=True, blank=True)
    fraction = models.FloatField("每层比例", null=True, blank=True)
    seed = models.BigIntegerField("随机种子")
    population = models.PositiveIntegerField("总体件数", default=0)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(Person, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "抽查批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class InspectionItem(models.Model):
    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, models.PROTECT, related_name="inspections")
    stratum = models.CharField("分层", max_length=200)
    inspector = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="inspection_items"
    )
    passed = models.BooleanField("合格", null=True, blank=True)
    finding = models.TextField("抽查意见", blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查案件"
        ordering = ["inspection", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "case"], name="inspection_case_unique")
        ]
