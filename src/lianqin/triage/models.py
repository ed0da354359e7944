"""Trained classifiers: the file in the data directory and what it was trained on."""

from __future__ import annotations

from django.db import models


class ClassifierModel(models.Model):
    """One trained model. The active one suggests categories; a new training replaces it
    only when it is at least as good on held-out data (``scores``)."""

    path = models.CharField("模型文件", max_length=500)
    sha256 = models.CharField(max_length=64)
    trained_at = models.DateTimeField("训练时间", db_index=True)
    n_train = models.PositiveIntegerField("训练样本数")
    labels = models.JSONField("类别", default=list)
    level = models.PositiveSmallIntegerField("类别层级（编码位数）", default=4)
    threshold = models.FloatField("自动分类置信度阈值")
    scores = models.JSONField("评估", default=dict)
    active = models.BooleanField("在用", default=False, db_index=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "分类模型"
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M} ({self.n_train})"
