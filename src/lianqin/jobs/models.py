"""The outbox and the background loop's heartbeat.

Side effects of a case change (replies to the source platform, notifications, live
events) are written here in the same transaction as the change, and delivered after
commit by the sweeper, which leases rows so that several workers never deliver one twice.
"""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    topic = models.CharField("主题", max_length=40, db_index=True)
    case = models.ForeignKey(
        "cases.Case", models.PROTECT, null=True, blank=True, related_name="outbox"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    available_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    leased_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=80, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    # set when a message must exist at most once (a reply to a source system is derived
    # from a case event; deriving it again after a crash must not send it twice)
    key = models.CharField(max_length=160, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "发件箱"
        ordering = ["id"]


class Heartbeat(models.Model):
    """The last beat of each background loop (``serve`` embedded or a ``worker``)."""

    name = models.CharField(max_length=80, primary_key=True)
    beat_at = models.DateTimeField()
    started_at = models.DateTimeField()
    info = models.JSONField(default=dict)

    class Meta:
        verbose_name = verbose_name_plural = "后台心跳"
