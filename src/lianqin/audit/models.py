"""The audit log and the head of its chain.

``AuditEntry`` rows are only ever inserted (by :func:`lianqin.audit.service.append`); the
database refuses UPDATE and DELETE on them (``protect.py`` installs the triggers after every
``migrate``). Nothing here is a foreign key: removing a person or a case must not touch the
log, and the log must not stop anyone being removed.
"""

from __future__ import annotations

from django.db import models

AUDIT_KINDS = [
    ("login", "登录"),
    ("login_failed", "登录失败"),
    ("lockout", "账号锁定"),
    ("logout", "退出"),
    ("password_change", "修改密码"),
    ("password_reset", "管理员重置密码"),
    ("unlock", "解除锁定"),
    ("totp_enable", "启用动态口令"),
    ("totp_disable", "停用动态口令"),
    ("reveal", "查看个人信息"),
    ("create", "新增"),
    ("change", "修改"),
    ("delete", "删除"),
    ("export", "导出"),
    ("prune", "清理过期审计记录"),
    ("maintenance", "维护操作"),
]


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    kind = models.CharField("类型", max_length=20, choices=AUDIT_KINDS, db_index=True)
    actor_id = models.BigIntegerField("操作人编号", null=True, blank=True, db_index=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    actor_role = models.CharField("角色", max_length=20, blank=True)
    target = models.CharField("对象", max_length=160, blank=True, db_index=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    # a keyed hash of the client's address: the same client is recognisable, its address
    # is not stored
    client = models.CharField("来源", max_length=24, blank=True)
    prev = models.CharField(max_length=64, blank=True)
    chain = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display()} {self.target}"


class ChainHead(models.Model):
    """One row: the last sequence number and chain handed out. Its UPDATE is what
    serialises writers of the log (a row lock on PostgreSQL, the write lock on SQLite)."""

    seq = models.PositiveBigIntegerField(default=0)
    chain = models.CharField(max_length=64, blank=True)
    # the chain of the last line removed by retention: where verification starts
    pruned_through = models.PositiveBigIntegerField(default=0)
    pruned_chain = models.CharField(max_length=64, blank=True)
