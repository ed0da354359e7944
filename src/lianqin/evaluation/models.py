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


class Total(models.Sum):
    """``SUM(column)`` as a bigint: PostgreSQL's SUM of a bigint is numeric, which Django
    would turn into a Decimal per cell (30,000 of them for a year of grids). An aggregate
    (a subclass of ``Sum``), so it never joins the GROUP BY."""

    template = "CAST(%(function)s(%(distinct)s%(expressions)s) AS BIGINT)"
    output_field = models.BigIntegerField()


def _measure_fields() -> dict[str, models.BigIntegerField]:
    from lianqin.evaluation.indicators import MEASURES

    return {name: models.BigIntegerField(default=0) for name in MEASURES}


class Tally(models.Model):
    """The rollup (汇总): the indicators' counters summed per local day (grain ``d``) and per
    month (grain ``m``, period = the month's first day), along one dimension at a time.

    ``dim`` is ``area`` (``key`` = the grid's code, or the district's for a case without a
    grid; ``area`` the same code, so any level is a prefix), ``channel``, ``category``
    (the catalogue code cut to its first two levels), ``unit`` (the lead unit's code) or
    ``worker`` (the assignee's id); for those ``area`` is the street's code, so a street's
    leader is scoped by prefix. Kept current in the transaction that changes a case
    (``evaluation.rollup.track``); rebuilt from the cases by ``lianqin rollup rebuild``.
    """

    grain = models.CharField(max_length=1)
    period = models.DateField()
    dim = models.CharField(max_length=10)
    area = models.CharField(max_length=15)
    key = models.CharField(max_length=40)
    locals().update(_measure_fields())

    class Meta:
        verbose_name = verbose_name_plural = "指标汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "dim", "period", "area", "key"], name="tally_unique"
            )
        ]


class EventTally(models.Model):
    """History lines counted per local day and month, street, person and action (with the
    warning level for ``warning`` lines): who accepted, dispatched, verified, approved
    how much — the role appraisal — and the cases that turned overdue each day. History is
    append-only, so this rollup only ever adds."""

    grain = models.CharField(max_length=1)
    period = models.DateField()
    area = models.CharField(max_length=15)
    person = models.IntegerField(default=0)  # 0: the system or a channel
    role = models.CharField(max_length=20)
    action = models.CharField(max_length=40)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "操作汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "action", "period", "area", "person", "role"],
                name="event_tally_unique",
            )
        ]


class AppraisalScheme(models.Model):
    """A deployment's own weights for one kind of target (overrides the defaults in
    ``evaluation.appraisal.DEFAULT_SCHEMES``): ``{"satisfaction": 30, "n:accept": 50, …}``."""

    target = models.CharField("考核对象", max_length=20, unique=True)
    title = models.CharField("名称", max_length=60)
    weights = models.JSONField("权重", default=dict)
    grades = models.JSONField("等级线", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核方案"

    def __str__(self) -> str:
        return self.title


class EarlyWarning(models.Model):
    """A signal of ``evaluation.early_warning``, kept under its stable key: found again, it
    is updated, never doubled. ``case`` is the proactive case opened from it (one click)."""

    kind = models.CharField("类型", max_length=20)
    key = models.CharField(max_length=80, unique=True)
    title = models.CharField("预警", max_length=200)
    detail = models.TextField("说明", blank=True)
    area_code = models.CharField("辖区编码", max_length=15, blank=True, db_index=True)
    category_code = models.CharField("类别", max_length=20, blank=True)
    count = models.PositiveIntegerField("件数", default=0)
    score = models.FloatField("强度", default=0.0)
    cases = models.JSONField("相关案件", default=list, blank=True)
    state = models.CharField("状态", max_length=12, default="open", db_index=True)
    first_seen = models.DateTimeField("首次发现")
    last_seen = models.DateTimeField("最近发现")
    case = models.ForeignKey(
        Case, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="主动立案"
    )
    acted_by = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+")
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "预警"
        ordering = ["-score", "key"]

    def __str__(self) -> str:
        return self.title


class CostRate(models.Model):
    """The unit cost (元) of one task type of the ledger (``evaluation.cost.TASKS``); a task
    without a row costs its default (``evaluation.cost.Rates``)."""

    task = models.CharField("任务类型", max_length=20, unique=True)
    yuan = models.DecimalField("单价（元）", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "费随事转单价"

    def __str__(self) -> str:
        return f"{self.task} {self.yuan}"
