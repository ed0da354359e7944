"""The quarantine: payloads that could not be read, kept whole until a person acts.

Nothing that arrives is lost: a payload that does not parse is stored here verbatim with
the reason (what, where, how to fix). The same bad payload sent again is counted, not
stored twice (``(channel, digest)`` is unique). An operator corrects the raw text and
replays it, or discards it with a reason; a replay goes through the same intake as
everything else, so it can never create a second case.
"""

from __future__ import annotations

import hashlib

from django.db import models

from lianqin.choices import CHANNEL_LABELS, django_choices
from lianqin.pii_fields import EncryptedTextField

QUARANTINE_STATES = [
    ("open", "待处理"),
    ("replayed", "已重放"),
    ("discarded", "已废弃"),
]


class QuarantinedPayload(models.Model):
    channel = models.CharField("渠道", max_length=20, choices=django_choices(CHANNEL_LABELS))
    source = models.CharField("来源", max_length=160, blank=True)
    content_type = models.CharField(max_length=60)
    raw = EncryptedTextField("原始报文")  # carries the reporter's contact: encrypted
    digest = models.CharField(max_length=64)
    code = models.CharField("错误类型", max_length=30)
    reason = models.TextField("原因")
    field = models.CharField("字段", max_length=80, blank=True)
    hint = models.TextField("修正提示", blank=True)
    received_at = models.DateTimeField("首次接收")
    last_seen_at = models.DateTimeField("最近接收")
    times_seen = models.PositiveIntegerField("接收次数", default=1)
    state = models.CharField(
        "状态", max_length=10, choices=QUARANTINE_STATES, default="open", db_index=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=60, blank=True)
    resolution = models.TextField("处理说明", blank=True)
    corrected_raw = EncryptedTextField("修正后报文", blank=True)
    case_number = models.CharField("生成案件", max_length=24, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "隔离区"
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "digest"], name="quarantine_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}: {self.reason[:40]}"

    @staticmethod
    def digest_of(channel: str, content_type: str, raw: str) -> str:
        return hashlib.sha256(f"{channel}\n{content_type}\n{raw}".encode()).hexdigest()
