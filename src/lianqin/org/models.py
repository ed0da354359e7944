"""The organisation: the four-level tree, the centers that hold cases, the participating
units, the people and their roles, the dispatch catalogue and the working calendar.

Region codes are hierarchical (district adcode 6 + street 3 + community 3 + grid 3
digits), so "inside my jurisdiction" is a prefix test on an indexed column.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

from lianqin.choices import (
    CENTER_KIND_LABELS,
    LEVEL_LABELS,
    PRIORITY_LABELS,
    ROLE_LABELS,
    WORK_ORDER_ROLE_LABELS,
    Level,
    Role,
    django_choices,
)
from lianqin.pii_fields import EncryptedTextField


def _code(digits: int) -> RegexValidator:
    return RegexValidator(rf"^\d{{{digits}}}$", f"必须是 {digits} 位数字")


class District(models.Model):
    code = models.CharField("行政区划代码", max_length=6, unique=True, validators=[_code(6)])
    name = models.CharField("名称", max_length=50)
    boundary = models.JSONField("边界 GeoJSON", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "区"

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    district = models.ForeignKey(District, models.PROTECT, related_name="streets")
    code = models.CharField("编码", max_length=9, unique=True, validators=[_code(9)])
    name = models.CharField("名称", max_length=50)
    boundary = models.JSONField("边界 GeoJSON", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "街道"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    street = models.ForeignKey(Street, models.PROTECT, related_name="communities")
    code = models.CharField("编码", max_length=12, unique=True, validators=[_code(12)])
    name = models.CharField("名称", max_length=50)
    rural = models.BooleanField("村（农村）", default=False)
    households = models.PositiveIntegerField("户数", default=0)
    population = models.PositiveIntegerField("人口", default=0)
    boundary = models.JSONField("边界 GeoJSON", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "社区/村"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(Community, models.PROTECT, related_name="grids")
    code = models.CharField("网格编码", max_length=15, unique=True, validators=[_code(15)])
    name = models.CharField("名称", max_length=60)
    households = models.PositiveIntegerField("户数", default=0)
    boundary = models.JSONField("边界 GeoJSON", null=True, blank=True)
    centroid_lon = models.FloatField("中心经度", null=True, blank=True)
    centroid_lat = models.FloatField("中心纬度", null=True, blank=True)
    workers: models.ManyToManyField[Person, Any] = models.ManyToManyField(
        "Person", related_name="grids", blank=True, verbose_name="网格员"
    )

    class Meta:
        verbose_name = verbose_name_plural = "网格"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Center(models.Model):
    """The unit that holds a case at one level: command center, sub-center, workstation."""

    kind = models.CharField("类型", max_length=20, choices=django_choices(CENTER_KIND_LABELS))
    name = models.CharField("名称", max_length=80)
    level = models.CharField("层级", max_length=10, choices=django_choices(LEVEL_LABELS))
    region_code = models.CharField("辖区编码", max_length=15, unique=True)
    phone = models.CharField("值班电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "指挥中心/分中心/工作站"
        ordering = ["region_code"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A participating unit (参勤单位): a department that takes dispatched work."""

    code = models.SlugField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=80)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("类别", max_length=20, default="department")
    active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "参勤单位"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Person(AbstractUser):
    """A user with one role, scoped to one node of the tree (by region code) or one unit."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField(
        "角色", max_length=20, choices=django_choices(ROLE_LABELS), default=Role.LEADER
    )
    scope_level = models.CharField(
        "辖区层级", max_length=10, choices=django_choices(LEVEL_LABELS), default=Level.DISTRICT
    )
    scope_code = models.CharField("辖区编码", max_length=15, blank=True, db_index=True)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="people", verbose_name="所属单位"
    )
    work_phone = models.CharField("工作电话", max_length=30, blank=True)
    # accounts (lianqin.accounts): lockout after repeated failures, a second factor, and a
    # password an administrator set that must be changed at the next login
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    totp_secret = EncryptedTextField("动态口令密钥", blank=True)
    totp_step = models.PositiveBigIntegerField("最近使用的口令时段", default=0)  # no replays
    must_change_password = models.BooleanField("下次登录须改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "人员"

    def __str__(self) -> str:
        return self.display_name or self.username


class DeadlinePolicy(models.Model):
    """A named set of stage durations per priority (see ``cases/sla.py`` for the syntax)."""

    code = models.SlugField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=60)
    spec = models.JSONField(
        "时限设置", help_text='如 {"normal": {"accept": "30m", "resolve": "5wd"}}'
    )

    class Meta:
        verbose_name = verbose_name_plural = "时限策略"

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the dispatch catalogue (派单目录); leaves are what cases are filed under."""

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=80)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children"
    )
    depth = models.PositiveSmallIntegerField("层级", default=1)
    path = models.CharField("全路径", max_length=255)
    priority = models.CharField(
        "默认优先级", max_length=10, choices=django_choices(PRIORITY_LABELS), default="normal"
    )
    deadline_policy = models.ForeignKey(
        DeadlinePolicy, models.PROTECT, null=True, blank=True, verbose_name="时限策略"
    )
    keywords = models.JSONField("关键词", default=list, blank=True)
    # extra questions a reporter answers for this category (Open311 service attributes):
    # [{"code", "datatype", "required", "description", "order", "values": [{"key", "name"}]}]
    attributes = models.JSONField("补充问题", default=list, blank=True)
    active = models.BooleanField("在用", default=True)
    units = models.ManyToManyField(Unit, through="CategoryUnit", related_name="categories")

    class Meta:
        verbose_name = verbose_name_plural = "派单目录"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.path


class CategoryUnit(models.Model):
    """Which unit takes a category, as lead (主办) or assisting (协办)."""

    category = models.ForeignKey(Category, models.CASCADE)
    unit = models.ForeignKey(Unit, models.CASCADE)
    role = models.CharField(
        "承办方式", max_length=10, choices=django_choices(WORK_ORDER_ROLE_LABELS)
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "目录承办单位"
        unique_together = [("category", "unit")]
        ordering = ["category", "role", "position"]


class CalendarDay(models.Model):
    """The editable working calendar: a row overrides the holiday package for that date."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日")
    note = models.CharField("说明", max_length=60, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工作日历调整"
        ordering = ["date"]


class ApiKey(models.Model):
    """A system's key: only a SHA-256 of it is stored; it acts as ``person``."""

    name = models.CharField("名称", max_length=60)
    prefix = models.CharField("前缀", max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    person = models.ForeignKey(Person, models.CASCADE, related_name="api_keys")
    channel = models.CharField("渠道", max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "API 密钥"

    @staticmethod
    def digest(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, person: Person, channel: str = "") -> tuple[ApiKey, str]:
        """Create a key; the raw value is returned once and never stored."""
        prefix = secrets.token_hex(4)
        raw = f"lq_{prefix}_{secrets.token_urlsafe(32)}"
        key = cls.objects.create(
            name=name, prefix=prefix, key_hash=cls.digest(raw), person=person, channel=channel
        )
        return key, raw


class RoutingRule(models.Model):
    """One line of the responsibility list (责任清单): conditions → lead and assisting units.

    Tried in ``position`` order before the catalogue's own units; the first whose every
    stated condition holds decides (``triage/routing.py``)."""

    name = models.CharField("名称", max_length=80)
    position = models.PositiveIntegerField("顺序", default=100, db_index=True)
    enabled = models.BooleanField("启用", default=True)
    categories = models.JSONField("类别编码前缀", default=list, blank=True)
    areas = models.JSONField("辖区编码前缀", default=list, blank=True)
    keywords = models.JSONField("关键词（任一）", default=list, blank=True)
    channels = models.JSONField("渠道", default=list, blank=True)
    start = models.TimeField("时段开始", null=True, blank=True)
    end = models.TimeField("时段结束", null=True, blank=True)
    weekdays = models.JSONField("星期（1–7）", default=list, blank=True)
    lead = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name="主办单位")
    assist = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name="协办单位")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "责任清单规则"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position} {self.name}"
