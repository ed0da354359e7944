"""Request and response shapes of API v1. Reporter contact only ever appears masked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class ReporterIn(Schema):
    name: str = ""
    phone: str = ""
    id_number: str = ""


class CaseIn(Schema):
    channel: str = Field(
        "manual",
        description="渠道：hotline_12345, alarm_110, petition_online, portal, zongzhi, patrol, video, open311, manual",
    )
    external_id: str = Field("", description="来源系统编号；同一渠道同一编号重放不会重复立案")
    title: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    category: str = Field("", description="派单目录编码")
    priority: str = Field("", description="urgent / high / normal / low；空则取类别默认")
    lon: float | None = Field(None, ge=-180, le=180, description="WGS-84 经度")
    lat: float | None = Field(None, ge=-90, le=90, description="WGS-84 纬度")
    crs: str = Field(
        "wgs84", description="坐标系：wgs84（CGCS2000）、gcj02（高德/腾讯）、bd09（百度）"
    )
    address: str = Field("", description="事发地址；无坐标时按本区地名库匹配网格")
    grid: str = Field("", description="网格编码（15位）；不填则按坐标或地址定位")
    reported_at: datetime | None = None
    reporter: ReporterIn | None = None


class ActionIn(Schema):
    note: str = Field("", description="意见/理由；不予受理、转办、退单、返工、挂起、重启、延期必填")
    expected_version: int | None = Field(None, description="客户端看到的版本号；不一致则 409")
    into: str = Field("", description="并单：主案件编号")
    lead: str = Field("", description="派单/改派：主办单位编码")
    assist: list[str] = Field(default_factory=list, description="派单/改派：协办单位编码")
    satisfaction: str = Field(
        "", description="回访：satisfied / basically_satisfied / unsatisfied / unreachable"
    )
    solved: bool | None = Field(None, description="回访：诉求人称问题是否已解决")
    reached: bool | None = Field(None, description="回访：是否接通；false 记一次未接通")
    by: str = Field("", description="延期：如 3wd、48h")
    evidence: list[str] = Field(default_factory=list, description="办结：处置照片等证据的地址")

    def params(self) -> dict[str, Any]:
        flags = ("solved", "reached")
        return {
            k: v
            for k, v in self.dict().items()
            if k not in ("note", "expected_version") and (v or (k in flags and v is not None))
        }


class WorkOrderEventIn(Schema):
    note: str = ""


class CaseOut(Schema):
    number: str
    title: str
    status: str
    status_label: str
    category: str | None
    category_label: str | None
    priority: str
    channel: str
    level: str
    area_code: str
    grid: str | None
    community: str | None
    street: str | None
    lon: float | None
    lat: float | None
    address: str
    needs_location: bool
    location_source: str
    location_confidence: float
    warning: str
    stage: str
    stage_due: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    report_count: int
    rework_count: int
    urge_count: int
    supervise_count: int
    escalation_count: int


class WorkOrderOut(Schema):
    id: int
    unit: str
    unit_name: str
    role: str
    state: str
    dispatched_at: datetime
    acknowledge_due: datetime | None
    due_at: datetime | None
    reply: str
    return_reason: str


class ReportOut(Schema):
    channel: str
    external_id: str
    received_at: datetime
    title: str
    reporter_name: str
    reporter_phone: str


class CaseDetail(CaseOut):
    description: str
    holder: str | None
    accept_due: datetime | None
    acknowledge_due: datetime | None
    resolve_due: datetime | None
    verify_due: datetime | None
    callback_due: datetime | None
    satisfaction: str
    merged_into: str | None
    allowed_actions: list[str]
    work_orders: list[WorkOrderOut]
    reports: list[ReportOut]


class EventOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    at: datetime
    actor: str
    actor_role: str
    actor_level: str
    note: str
    data: dict[str, Any]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class Error(Schema):
    code: str
    message: str
    hint: str = ""
    field: str | None = None
