"""Cases, the reports that describe them, the work orders that dispatch them, and their
immutable history.

Only ``cases/actions.py`` writes these rows (the import contract and review keep it so).
A report keeps its raw payload verbatim; ``(channel, external_id)`` is unique so that a
replayed report finds the case it already made. The reporter's contact lives in its own
table and is shown masked.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Self

from django.db import models

from lianqin.cases.masking import mask_id_number, mask_name, mask_phone
from lianqin.cases.workflow import (
    STATE_LABELS,
    WORK_ORDER_STATE_LABELS,
    Mode,
    State,
    WorkOrderState,
)
from lianqin.choices import (
    CHANNEL_LABELS,
    LEVEL_LABELS,
    PRIORITY_LABELS,
    ROLE_LABELS,
    SATISFACTION_LABELS,
    STAGE_LABELS,
    WARNING_LABELS,
    WORK_ORDER_ROLE_LABELS,
    Level,
    Priority,
    Warning,
    django_choices,
)
from lianqin.org.models import Category, Center, Community, Grid, Person, Street, Unit
from lianqin.pii_fields import EncryptedTextField

LOCATION_SOURCES = [
    ("grid", "指定网格"),
    ("gps", "坐标"),
    ("address", "地址匹配"),
    ("manual", "人工定位"),
    ("none", "未定位"),
]


class ReporterContact(models.Model):
    """Who reported: kept apart from the case, never shown in clear to the public."""

    # encrypted at rest (SM4-GCM, lianqin.pii); read in clear only through
    # lianqin.audit.reveal, which writes an audit line
    name = EncryptedTextField("姓名", blank=True)
    phone = EncryptedTextField("电话", blank=True)
    id_number = EncryptedTextField("证件号", blank=True)
    # keyed hashes of the normalised phone and ID numbers: find the same caller across
    # channels (duplicate check, repeated callers, a dispatcher's search) without
    # reading the numbers themselves
    phone_key = models.CharField(max_length=32, blank=True, db_index=True)
    id_key = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "诉求人联系方式"

    def __str__(self) -> str:
        return f"{self.masked_name} {self.masked_phone}".strip()

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


#: what a case loaded without all of TALLY_FIELDS remembers (evaluation.rollup refuses it)
PARTIALLY_LOADED = "partially loaded"
#: the columns the indicators and their dimensions read (evaluation.rollup)
TALLY_FIELDS = (
    "status", "mode", "created_at", "accepted_at", "resolved_at", "closed_at", "report_count",
    "return_count", "rework_count", "extension_count", "reopen_count", "warning",
    "overdue_mask", "satisfaction", "solved", "area_code", "channel", "category_id",
    "lead_unit_id", "assignee_id",
)  # fmt: skip


class Case(models.Model):
    number = models.CharField("案件编号", max_length=24, unique=True)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("描述", blank=True)
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, verbose_name="类别"
    )
    priority = models.CharField(
        "优先级", max_length=10, choices=django_choices(PRIORITY_LABELS), default=Priority.NORMAL
    )
    channel = models.CharField("首报渠道", max_length=20, choices=django_choices(CHANNEL_LABELS))
    lon = models.FloatField("经度(WGS-84)", null=True, blank=True)
    lat = models.FloatField("纬度(WGS-84)", null=True, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    needs_location = models.BooleanField("待人工定位", default=False)
    location_source = models.CharField(
        "定位来源", max_length=10, default="none", choices=LOCATION_SOURCES
    )
    location_confidence = models.FloatField("定位置信度", default=0.0)
    location_match = models.CharField("地址匹配部分", max_length=120, blank=True)
    street = models.ForeignKey(Street, models.PROTECT, null=True, blank=True)
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True)
    grid = models.ForeignKey(Grid, models.PROTECT, null=True, blank=True)
    area_code = models.CharField("辖区编码", max_length=15, db_index=True)
    level = models.CharField(
        "当前层级", max_length=10, choices=django_choices(LEVEL_LABELS), default=Level.COMMUNITY
    )
    holder = models.ForeignKey(
        Center, models.PROTECT, null=True, blank=True, verbose_name="承办中心"
    )
    assignee = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name="责任网格员",
    )
    status = models.CharField(
        "状态",
        max_length=20,
        choices=django_choices(STATE_LABELS),
        default=State.REPORTED,
        db_index=True,
    )
    mode = models.CharField(
        "处置方式", max_length=12, default=Mode.NONE, choices=[(m.value, m.value) for m in Mode]
    )
    suspended_from = models.CharField(max_length=20, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )
    created_at = models.DateTimeField("创建时间", db_index=True)
    updated_at = models.DateTimeField("更新时间")
    accepted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(
        "计时环节", max_length=12, blank=True, choices=django_choices(STAGE_LABELS)
    )
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_due = models.DateTimeField("当前环节时限", null=True, blank=True, db_index=True)
    accept_due = models.DateTimeField(null=True, blank=True)
    acknowledge_due = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField(null=True, blank=True)
    verify_due = models.DateTimeField(null=True, blank=True)
    callback_due = models.DateTimeField(null=True, blank=True)
    warning = models.CharField(
        "预警",
        max_length=10,
        choices=django_choices(WARNING_LABELS),
        default=Warning.NORMAL,
        db_index=True,
    )
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    report_count = models.PositiveIntegerField("报件数", default=1)
    rework_count = models.PositiveIntegerField("返工次数", default=0)
    urge_count = models.PositiveIntegerField("催办次数", default=0)
    supervise_count = models.PositiveIntegerField("督办次数", default=0)
    extension_count = models.PositiveIntegerField("延期次数", default=0)
    escalation_count = models.PositiveIntegerField("升级次数", default=0)
    return_count = models.PositiveIntegerField("退单次数", default=0)
    reopen_count = models.PositiveIntegerField("重启次数", default=0)
    # the stages whose deadline ever passed (evaluation.indicators.Late): "on time" figures
    overdue_mask = models.PositiveSmallIntegerField("曾超期环节", default=0)
    lead_unit = models.ForeignKey(
        Unit, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="主办单位"
    )
    satisfaction = models.CharField(
        "满意度", max_length=20, blank=True, choices=django_choices(SATISFACTION_LABELS)
    )
    solved = models.BooleanField("回访称已解决", null=True, blank=True)
    callback_attempts = models.PositiveIntegerField("回访拨打次数", default=0)
    version = models.PositiveIntegerField("版本", default=1)
    # what triage suggested on arrival: {"category": [{"code", "name", "score", "source"}]}
    triage = models.JSONField("研判建议", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "warning"]),
            models.Index(fields=["area_code", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def from_db(  # type: ignore[override]  # django-stubs has Django 6's fetch_mode
        cls, db: str | None, field_names: Collection[str], values: Collection[Any]
    ) -> Self:
        """Remember what the indicators read as loaded, so that the transaction that
        changes the case moves its counts in the rollup (``evaluation.rollup.track``)."""
        case = super().from_db(db, field_names, values)
        seen = case.__dict__
        if all(f in seen for f in TALLY_FIELDS):
            case._tally_before = tuple(seen[f] for f in TALLY_FIELDS)  # type: ignore[attr-defined]
        else:  # loaded in part (.only/.defer): its counts cannot be moved if it changes
            case._tally_before = PARTIALLY_LOADED  # type: ignore[attr-defined]
        return case


REPORT_STATES = [
    ("filed", "已归案"),
    ("awaiting", "待人工确认"),
    ("dismissed", "已排除"),
]


class Report(models.Model):
    """One input from one channel, kept verbatim; many reports may describe one case.

    A report is ``filed`` under a case, or ``awaiting`` a person's confirmation (a camera
    alarm below the confidence threshold: no case yet), or ``dismissed`` by that person.
    """

    channel = models.CharField("渠道", max_length=20, choices=django_choices(CHANNEL_LABELS))
    external_id = models.CharField("来源编号", max_length=100)
    case = models.ForeignKey(Case, models.PROTECT, null=True, blank=True, related_name="reports")
    received_at = models.DateTimeField("接收时间")
    reported_at = models.DateTimeField("上报时间", null=True, blank=True)
    content_type = models.CharField(max_length=60, default="application/json")
    raw = EncryptedTextField("原始报文")  # carries the reporter's contact: encrypted
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=255, blank=True)
    reporter = models.ForeignKey(ReporterContact, models.PROTECT, null=True, blank=True)
    submitted_by = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        "状态", max_length=10, choices=REPORT_STATES, default="filed", db_index=True
    )
    source = models.CharField("来源", max_length=120, blank=True)
    category_hint = models.CharField("来源分类", max_length=120, blank=True)
    due_at = models.DateTimeField("来源时限", null=True, blank=True)
    photos = models.JSONField("图片", default=list, blank=True)
    extra = models.JSONField("其他字段", default=dict, blank=True)
    # how the report joined its case: "opened" it, or was merged with this score
    joined = models.CharField("归案方式", max_length=10, default="opened")
    merge_score = models.FloatField("并单得分", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "报件"
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="report_channel_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class MergeCandidate(models.Model):
    """A possible duplicate in the grey zone: a dispatcher merges it or sets it aside."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="merge_candidates")
    candidate = models.ForeignKey(Case, models.CASCADE, related_name="+")
    score = models.FloatField("相似度")
    parts = models.JSONField("得分构成", default=dict)
    created_at = models.DateTimeField()
    state = models.CharField(
        max_length=10,
        default="open",
        choices=[("open", "待研判"), ("merged", "已并单"), ("dismissed", "非重复")],
    )

    class Meta:
        verbose_name = verbose_name_plural = "疑似重复"
        ordering = ["case", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["case", "candidate"], name="merge_candidate_unique")
        ]


class WorkOrder(models.Model):
    """One dispatch of a case to one unit, as lead (主办) or assisting (协办)."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="work_orders")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="work_orders")
    role = models.CharField(
        "承办方式", max_length=10, choices=django_choices(WORK_ORDER_ROLE_LABELS)
    )
    state = models.CharField(
        "状态",
        max_length=15,
        choices=django_choices(WORK_ORDER_STATE_LABELS),
        default=WorkOrderState.PENDING,
        db_index=True,
    )
    dispatched_at = models.DateTimeField("派单时间")
    acknowledge_due = models.DateTimeField("签收时限", null=True, blank=True)
    due_at = models.DateTimeField("办理时限", null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField("答复", blank=True)
    return_reason = models.TextField("退单理由", blank=True)
    dispatched_by = models.ForeignKey(Person, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "工单"
        ordering = ["case", "role", "id"]


class CaseEvent(models.Model):
    """One line of a case's history: appended, never edited or deleted (the database refuses
    UPDATE and DELETE: lianqin.audit.protect)."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField("动作", max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField("时间")
    # PROTECT: history is never edited, so a person who acted is deactivated, not deleted
    actor = models.ForeignKey(Person, models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=60, blank=True)
    actor_role = models.CharField(max_length=20, choices=django_choices(ROLE_LABELS))
    actor_level = models.CharField(max_length=10, choices=django_choices(LEVEL_LABELS))
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # HMAC of the previous line's chain and this line (lianqin.audit.chain): an edited,
    # removed or inserted line breaks the case's chain (``lianqin audit verify``)
    chain = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件历史"
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique")
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("case history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("case history is append-only")


class CaseCounter(models.Model):
    """The last sequence number issued per district and day (for ``320111-20261128-000123``)."""

    prefix = models.CharField(max_length=16, primary_key=True)
    last = models.PositiveIntegerField(default=0)


class ApprovalRequest(models.Model):
    """A request to extend a deadline or suspend a case, waiting for a duty leader: the
    action fires (as the approver) only when approved."""

    KINDS = [("extend", "延期"), ("suspend", "挂起")]
    STATES = [("pending", "待审批"), ("approved", "已批准"), ("refused", "已驳回")]

    case = models.ForeignKey(Case, models.CASCADE, related_name="approval_requests")
    kind = models.CharField("类型", max_length=10, choices=KINDS)
    params = models.JSONField("参数", default=dict, blank=True)
    reason = models.TextField("理由")
    requested_by = models.ForeignKey(Person, models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField()
    state = models.CharField(
        "状态", max_length=10, choices=STATES, default="pending", db_index=True
    )
    decided_by = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期/挂起申请"
        ordering = ["-requested_at"]
