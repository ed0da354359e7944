"""The citizen's ticket: which report a query code opens, and the citizen's rating.

Only a keyed hash of the query code is stored (``codes.code_hash``): the code itself is
shown once, on the page that confirms the report. The reporter's name and phone are not
here: they stay with the report (``cases.ReporterContact``), never shown to the public.
"""

from __future__ import annotations

from django.db import models

from lianqin.cases.models import Case, Report
from lianqin.choices import SATISFACTION_LABELS, django_choices


class PublicTicket(models.Model):
    report = models.OneToOneField(
        Report, models.PROTECT, related_name="public_ticket", verbose_name="报件"
    )
    case = models.ForeignKey(
        Case, models.PROTECT, related_name="public_tickets", verbose_name="案件"
    )
    code_hash = models.CharField("查询码摘要", max_length=64)
    created_at = models.DateTimeField("提交时间")
    satisfaction = models.CharField(
        "满意度", max_length=20, blank=True, choices=django_choices(SATISFACTION_LABELS)
    )
    solved = models.BooleanField("是否解决", null=True, blank=True)
    rating_comment = models.TextField("评价意见", blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公众查询凭据"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case.number} ({self.report_id})"


class RateCounter(models.Model):
    """One client's requests in one fixed window of one rate limit (``throttle.py``).

    Shared by every server process: the count is raised by one atomic upsert, so two
    processes never both see the same number. A row outlives its window by a little and
    is then pruned. ``client`` is a hash of the address, never the address itself.
    """

    scope = models.CharField("限流范围", max_length=20)
    client = models.CharField("客户端摘要", max_length=24)
    period = models.PositiveIntegerField("时间段（秒）")
    window_index = models.BigIntegerField("窗口序号")
    hits = models.PositiveIntegerField("次数", default=0)
    expires = models.BigIntegerField("过期时刻（Unix 秒）", db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "限流计数"
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "client", "period", "window_index"],
                name="public_ratecounter_one_per_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.client} #{self.window_index}: {self.hits}"
