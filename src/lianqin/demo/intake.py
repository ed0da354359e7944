"""The demo's intake: real channel payloads through the one intake, so that a new user
sees what the channels do — the same problem reported by 12345, 110 and a grid worker
filed as one case, camera alarms waiting for confirmation, a petition placed by its
address, and a few malformed payloads in the quarantine."""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from lianqin.geo.coords import wgs84_to_gcj02
from lianqin.intake import service
from lianqin.intake.accounts import channel_actor
from lianqin.intake.contract import Payload
from lianqin.org.models import Grid

#: (what the caller says, what the police summary says, what the grid worker writes)
SAME_PROBLEM = [
    ("小区门口的垃圾桶满溢好几天没人清运，臭味很大，苍蝇很多。",
     "群众反映小区门口垃圾桶满溢多日未清运，气味难闻。",
     "小区门口垃圾桶满溢，垃圾多日未清运，已拍照。"),
    ("路口的井盖丢了，晚上很黑，已经有电动车差点掉进去。",
     "报警人称路口井盖缺失，夜间有安全隐患，请相关部门处置。",
     "路口井盖缺失，已设置临时警示，需尽快补装井盖。"),
    ("菜场门口有人占道摆摊，把人行道全堵住了，行人只能走机动车道。",
     "群众反映菜场门口占道经营堵塞人行道。",
     "菜场门口流动摊贩占道经营，人行道被堵。"),
    ("楼下的路灯坏了一个多星期，晚上出门很不安全。",
     "报警人反映楼下路灯损坏多日，夜间照明不足。",
     "楼下路灯不亮，已上报，需维修。"),
]  # fmt: skip


def run(rng: random.Random, now: datetime) -> dict[str, int]:
    """File the demo payloads; returns how many of each outcome."""
    grids = list(Grid.objects.exclude(centroid_lon=None).order_by("code"))
    counts: dict[str, int] = {}

    def take(
        channel: str, raw: str, content_type: str = "application/json", *, at: datetime
    ) -> None:
        outcome = service.receive(
            channel_actor(channel), Payload(channel, raw, content_type), now=at
        )
        counts[outcome.status] = counts.get(outcome.status, 0) + 1

    for n, (call, alarm, patrol) in enumerate(SAME_PROBLEM):
        grid = rng.choice(grids)
        lon, lat = grid.centroid_lon or 0.0, grid.centroid_lat or 0.0
        at = now - timedelta(hours=6 - n)
        take("hotline_12345", _json({"工单编号": f"DEMO12345{n:04d}", "来电时间": _t(at),
             "来电人": "市民", "联系电话": f"1391234{n:04d}", "诉求类型": "城市管理",
             "诉求内容": call, "事发地址": grid.name, "经度": lon, "纬度": lat}), at=at)  # fmt: skip
        at += timedelta(minutes=20)
        take("alarm_110", _json({"警情编号": f"DEMO110{n:06d}", "报警时间": _t(at),
             "报警人": "群众", "报警电话": f"1380000{n:04d}", "事发地址": grid.name,
             "经度": str(lon + 0.0003), "纬度": str(lat), "警情类型": "市政设施",
             "简要警情": alarm}), at=at)  # fmt: skip
        at += timedelta(minutes=25)
        glon, glat = wgs84_to_gcj02(lon - 0.0002, lat + 0.0002)
        take("patrol", _json({"client_id": str(uuid.UUID(int=rng.getrandbits(128))),
             "worker": "demo", "title": patrol[:12], "text": patrol,
             "location": {"lon": glon, "lat": glat, "accuracy": 10},
             "photos": [f"demo-photo-{n}"], "reported_at": at.isoformat()}), at=at)  # fmt: skip
    for n, confidence in enumerate((0.55, 0.62, 0.91, 0.95)):
        grid = rng.choice(grids)
        at = now - timedelta(minutes=40 * (n + 1))
        take("video", _json({"alarmId": f"DEMO-VA-{n:04d}", "cameraId": f"3201110000{n:04d}",
             "cameraName": f"{grid.name}路口", "eventType": "ROAD_OCCUPATION",
             "confidence": confidence,
             "position": {"lon": grid.centroid_lon, "lat": grid.centroid_lat},
             "snapshotUrl": f"/media/demo/snap-{n}.jpg", "alarmTime": at.isoformat()}), at=at)  # fmt: skip
    take("hotline_12345", _json({"工单编号": "DEMO-BAD-1", "来电时间": "2026-02-30 10:00:00",
                                 "诉求内容": "来电时间写错的工单"}), at=now)  # fmt: skip
    take(
        "zongzhi",
        "<?xml version='1.0'?><事件><事件编号>ZZ-DEMO-1</事件编号><事件描述>未闭合",
        "application/xml",
        at=now,
    )
    take("petition_online", _json({"留言编号": "", "留言主题": "没有编号的留言",
                                   "留言时间": "2026/11/27 9:00:00", "留言详情": "…"}), at=now)  # fmt: skip
    return counts


def _json(body: dict[str, object]) -> str:
    return json.dumps(body, ensure_ascii=False)


def _t(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


def _unit_case(handler: Any, dispatcher: Any, now: datetime) -> Any:
    """A case the demo's unit holds as lead. The history may have none open at this hour
    (early in the morning today's cases have not happened yet): then the district's
    dispatcher accepts and dispatches an open case to the unit, which acknowledges it."""
    from lianqin.cases import actions
    from lianqin.cases.access import actor_for
    from lianqin.cases.models import Case
    from lianqin.errors import LianqinError

    held = Case.objects.filter(status__in=["dispatched", "in_progress"],
                               work_orders__unit=handler.unit, work_orders__role="lead",
                               work_orders__state__in=["pending", "acknowledged"])  # fmt: skip
    if held.exists():
        return held.order_by("created_at").first()
    for case in Case.objects.filter(status__in=["reported", "accepted"]).order_by("-created_at")[
        :20
    ]:
        try:
            if case.status == "reported":
                actions.perform(actor_for(dispatcher), case.number, "accept", now=now)
            actions.perform(actor_for(dispatcher), case.number, "dispatch", lead=handler.unit.code,
                            now=now)  # fmt: skip
            return actions.perform(actor_for(handler), case.number, "acknowledge", now=now)
        except LianqinError:
            continue
    return None


def loop_examples(now: datetime) -> dict[str, int]:
    """A sample inspection of last week's closed cases and an extension request waiting
    for the duty leader, so that every path of the loop has something to open."""
    from lianqin.cases.access import actor_for
    from lianqin.cases.actions.approvals import request_approval
    from lianqin.errors import LianqinError
    from lianqin.evaluation.inspections import draw_inspection
    from lianqin.evaluation.sampling import Plan
    from lianqin.org.models import Person

    done: dict[str, int] = {}
    leader = Person.objects.filter(username="duty_leader").first()
    if leader is not None:
        today = timezone.localdate(now)
        made = draw_inspection(actor_for(leader), start=today - timedelta(days=7), end=today,
                               plan=Plan(strata=("unit", "street"), per_stratum=1, seed=2026),
                               name="示范：近一周结案抽查", now=now)  # fmt: skip
        done["inspection_items"] = made.items.count()
    handler = Person.objects.filter(username="unit_handler").select_related("unit").first()
    dispatcher = Person.objects.filter(username="dispatcher").first()
    if handler is not None and dispatcher is not None:
        case = _unit_case(handler, dispatcher, now)
        if case is not None:
            try:
                request_approval(actor_for(handler), case.number, "extend",
                                 "需协调供电部门停电后施工", by="3wd", now=now)  # fmt: skip
                done["approvals"] = 1
            except LianqinError:
                pass
    return done
