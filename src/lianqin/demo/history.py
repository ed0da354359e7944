"""A month of synthetic history, played through ``cases.actions`` with a replayed clock.

Each case is created at its moment and then lives its life step by step; steps that
would fall after ``now`` are not taken, so recent cases stay open in every state, as in
a real district. About nine in ten accepted cases are handled on site; the rest are
escalated to the street and dispatched to a lead unit (with assisting units).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources

import shapely
from shapely.geometry import shape

from lianqin.cases import actions
from lianqin.cases.access import SYSTEM, Actor
from lianqin.cases.models import Case
from lianqin.cases.workflow import FINAL
from lianqin.choices import Channel, WorkOrderRole
from lianqin.demo import pictures
from lianqin.demo.people import Staff, person_name
from lianqin.errors import LianqinError
from lianqin.geo.models import RoadSegment
from lianqin.org.models import Category, CategoryUnit, Grid

CHANNEL_WEIGHTS = {
    Channel.PATROL: 52,
    Channel.HOTLINE_12345: 16,
    Channel.VIDEO: 10,
    Channel.PETITION_ONLINE: 5,
    Channel.ZONGZHI: 6,
    Channel.PORTAL: 4,
    Channel.ALARM_110: 4,
    Channel.OPEN311: 2,
    Channel.MANUAL: 1,
}
CITIZEN_CHANNELS = {
    Channel.HOTLINE_12345,
    Channel.PETITION_ONLINE,
    Channel.PORTAL,
    Channel.ALARM_110,
    Channel.OPEN311,
    Channel.MANUAL,
}
M = timedelta(minutes=1)


@dataclass
class Place:
    grid: Grid
    polygon: shapely.Polygon
    roads: list[str]
    compounds: list[str]


class History:
    def __init__(
        self,
        rng: random.Random,
        staff: Staff,
        now: datetime,
        roads: dict[str, list[str]],
        compounds: dict[str, list[str]],
    ):
        self.rng, self.staff, self.now = rng, staff, now
        texts = json.loads(
            resources.files("lianqin.demo")
            .joinpath("data", "case_texts.json")
            .read_text(encoding="utf-8")
        )
        cats = {c.code: c for c in Category.objects.all()}
        self.topics = [(cats[code], t) for code, t in texts.items() if code in cats]
        self.leads: dict[int, list[str]] = {}
        for link in CategoryUnit.objects.select_related("unit").order_by("role", "position"):
            if link.role == WorkOrderRole.LEAD:
                self.leads.setdefault(link.category_id, []).append(link.unit.code)
        grids = list(Grid.objects.select_related("community__street").order_by("code"))
        self.places = [
            Place(g, shape(g.boundary), roads[g.community.street.code], compounds[g.community.code])
            for g in grids
        ]
        self.weights = [p.grid.households for p in self.places]
        self.by_code = {p.grid.code: p for p in self.places}
        self.segments: dict[str, list[RoadSegment]] = {}
        for seg in RoadSegment.objects.all():
            self.segments.setdefault(seg.grid_code, []).append(seg)
        self.recent: dict[str, str] = {}  # community code → its latest accepted case
        self.counts = {"cases": 0, "actions": 0, "errors": 0}
        self.evidence = pictures.evidence(seed=0)  # not from rng: the history stays as it was

    def point_in(self, place: Place) -> tuple[float, float]:
        minx, miny, maxx, maxy = place.polygon.bounds
        for _ in range(50):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if place.polygon.contains(shapely.Point(x, y)):
                return round(x, 6), round(y, 6)
        point = place.polygon.representative_point()
        return point.x, point.y

    def day(self, start: datetime, count: int) -> None:
        moments = sorted(
            start + timedelta(minutes=self.rng.uniform(6 * 60, 23 * 60)) for _ in range(count)
        )
        for moment in moments:
            if moment < self.now:
                self.one(moment)

    def one(self, t: datetime, script: list[tuple[str, str, dict]] | None = None) -> None:
        rng = self.rng
        place = rng.choices(self.places, self.weights)[0]
        topic, templates = rng.choice(self.topics)
        text = rng.choice(templates)
        fill = {
            "road": rng.choice(place.roads),
            "no": str(rng.randint(1, 300)),
            "compound": rng.choice(place.compounds),
            "community": place.grid.community.name,
        }
        channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        lon, lat = self.point_in(place)
        workers = self.staff.grid_workers[place.grid.code]
        worker = rng.choice(workers)
        citizen = channel in CITIZEN_CHANNELS
        by_phone = channel in (Channel.HOTLINE_12345, Channel.PETITION_ONLINE)
        segment = (
            rng.choice(self.segments[place.grid.code]) if place.grid.code in self.segments else None
        )
        if segment is not None:
            numbers = [n for n in range(segment.from_no, segment.to_no + 1)
                       if segment.parity == "all" or n % 2 == (1 if segment.parity == "odd" else 0)]  # fmt: skip
            fill["road"], fill["no"] = segment.road, str(rng.choice(numbers or [segment.from_no]))
        address = f"{place.grid.community.street.name}{fill['road']}{fill['no']}号"
        title, description = text["title"].format(**fill), text["description"].format(**fill)
        report = actions.NewReport(
            channel=channel,
            external_id=f"DEMO-{channel}-{t:%Y%m%d%H%M%S}-{rng.randint(0, 10**6):06d}",
            title=title,
            description=description,
            raw=json.dumps({"title": title, "address": address, "demo": True}, ensure_ascii=False),
            category_code=topic.code,
            lon=None if by_phone else lon,
            lat=None if by_phone else lat,
            # GPS channels are placed by the grid index; 12345 and online petitions bring an
            # address only, which the gazetteer places
            grid_code="" if (not by_phone or segment is not None) else place.grid.code,
            address=("南京市浦口区" if rng.random() < 0.5 else "") + address,
            reporter_name=person_name(rng) if citizen else "",
            reporter_phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"
            if citizen
            else "",
            reported_at=t,
        )
        creator = worker if channel == Channel.PATROL else SYSTEM
        case, _ = actions.create_case(creator, report, now=t)
        self.counts["cases"] += 1
        if case.grid is None:
            return  # waits for a person to locate it, as a real unplaced report would
        if case.grid.code != place.grid.code:
            place = self.by_code[case.grid.code]
            worker = rng.choice(self.staff.grid_workers[place.grid.code])
        life = Life(self, case, place, worker, citizen, t)
        if script is None:
            life.run()
        else:
            life.scripted(script)

    def one_scripted(self, t: datetime, script: list[tuple[str, str, dict]]) -> None:
        self.one(t, script)


class Life:
    """One case's life: each step is (delay, actor, action, params); stops at ``now``."""

    def __init__(
        self, h: History, case: Case, place: Place, worker: Actor, citizen: bool, t: datetime
    ):
        self.h, self.case, self.place, self.worker, self.citizen, self.t = (
            h,
            case,
            place,
            worker,
            citizen,
            t,
        )
        code = place.grid.community.code
        self.community = h.staff.communities[code]
        self.street = h.staff.streets[code[:9]]

    def step(
        self, minutes: tuple[float, float], actor: Actor, action: str, note: str = "", **params
    ) -> bool:
        self.t += self.h.rng.uniform(*minutes) * M
        if self.t >= self.h.now:
            return False
        try:
            self.case = actions.perform(
                actor, self.case.number, action, note=note, now=self.t, **params
            )
        except LianqinError:
            self.h.counts["errors"] += 1
            return False
        self.h.counts["actions"] += 1
        return True

    def scripted(self, script: list[tuple[str, str, dict]]) -> None:
        staff = self.h.staff
        who = {
            "community": self.community,
            "street": self.street,
            "worker": self.worker,
            "inspector": staff.inspector,
            "callback": staff.callback,
            "duty_leader": staff.duty_leader,
        }
        for actor, action, params in script:
            chosen = staff.units[actor[5:]] if actor.startswith("unit:") else who[actor]
            if not self.step((2, 10), chosen, action, **params):
                return

    def run(self) -> None:
        r = self.h.rng.random()
        if r < 0.03:
            self.step(
                (5, 60), self.community, "reject", "重复反映或不属于政府职责范围，已向诉求人解释"
            )
            return
        if r < 0.04:
            self.step((5, 30), self.community, "transfer", "属治安警情，已转110处置")
            return
        if r < 0.08 and self._merge():
            return
        if not self.step((5, 45), self.community, "accept"):
            return
        self.h.recent[self.place.grid.community.code] = self.case.number
        if self.h.rng.random() < 0.9:
            self._on_site()
        else:
            self._dispatched()

    def _merge(self) -> bool:
        target = self.h.recent.get(self.place.grid.community.code)
        if target is None or Case.objects.filter(number=target, status__in=FINAL).exists():
            return False
        return self.step((5, 30), self.community, "merge", into=target)

    def _on_site(self) -> None:
        w = self.worker
        if not (
            self.step((10, 90), w, "handle_on_site")
            and self.step((20, 300), w, "resolve", "已现场处置完毕", evidence=self.h.evidence)
        ):
            return
        rework = self.h.rng.random() < 0.03
        if rework and not (
            self.step((60, 600), self.h.staff.inspector, "rework", "复查发现问题仍存在")
            and self.step((60, 600), w, "resolve", "已返工处置")
        ):
            return
        self._close()

    def _dispatched(self) -> None:
        h, rng = self.h, self.h.rng
        if not (
            self.step((20, 120), self.worker, "escalate", "需职能部门处置")
            and self.step((10, 60), self.community, "escalate", "超出工作站处置能力，提请街道派单")
        ):
            return
        leads = h.leads.get(self.case.category_id or 0) or [rng.choice(list(h.staff.units))]
        lead = leads[0] if leads[0] in h.staff.units else rng.choice(list(h.staff.units))
        assist = [rng.choice(list(h.staff.units))] if rng.random() < 0.3 else []
        if not self.step(
            (10, 120), self.street, "dispatch", lead=lead, assist=[a for a in assist if a != lead]
        ):
            return
        if rng.random() < 0.1:
            if not self.step((30, 240), h.staff.units[lead], "return", "非本单位职责，建议改派"):
                return
            lead = rng.choice([u for u in h.staff.units if u != lead])
            if not self.step((20, 120), self.street, "reassign", lead=lead):
                return
        unit = h.staff.units[lead]
        if not self.step((30, 240), unit, "acknowledge"):
            return
        if rng.random() < 0.05 and not (
            self.step((60, 600), h.staff.duty_leader, "suspend", "等待天气好转后施工")
            and self.step((600, 3000), h.staff.duty_leader, "resume")
        ):
            return
        if rng.random() < 0.15 and not self.step((1440, 4000), h.staff.district, "urge"):
            return
        if not self.step((600, 6000), unit, "resolve", "已联合执法处置完毕，详见附件"):
            return
        self._close()

    def _close(self) -> None:
        h, rng = self.h, self.h.rng
        if not self.step((30, 1200), h.staff.inspector, "verify", "现场核查已解决"):
            return
        if not self.citizen:
            self.step((1440, 4320), h.staff.callback, "archive")
            return
        result = rng.choices(
            ["satisfied", "basically_satisfied", "unsatisfied", "unreachable"], [80, 12, 4, 4]
        )[0]
        if not self.step((600, 2880), h.staff.callback, "callback", satisfaction=result):
            return
        if result == "unsatisfied" and rng.random() < 0.5:
            if self.step((30, 240), h.staff.callback, "reopen", "诉求人反映问题未解决"):
                self.step((10, 60), self.community, "accept")
            return
        self.step((60, 1440), h.staff.callback, "archive")


#: Scripted lives that end in a given state, for the states a month of random history may
#: leave empty at ``now`` (a demo should show every state on the console).
SHOWCASE: dict[str, list[tuple[str, str, dict]]] = {
    "reported": [],
    "accepted": [("community", "accept", {})],
    "on_site": [("community", "accept", {}), ("worker", "handle_on_site", {})],
    "resolved": [
        ("community", "accept", {}),
        ("worker", "handle_on_site", {}),
        ("worker", "resolve", {"note": "已现场处置"}),
    ],
    "dispatched": [("community", "accept", {}), ("street", "dispatch", {"lead": "cg"})],
    "in_progress": [
        ("community", "accept", {}),
        ("street", "dispatch", {"lead": "cg"}),
        ("unit:cg", "acknowledge", {}),
    ],
    "returned": [
        ("community", "accept", {}),
        ("street", "dispatch", {"lead": "cg"}),
        ("unit:cg", "return", {"note": "非本单位职责"}),
    ],
    "suspended": [
        ("community", "accept", {}),
        ("street", "dispatch", {"lead": "cg"}),
        ("unit:cg", "acknowledge", {}),
        ("duty_leader", "suspend", {"note": "等待施工条件"}),
    ],
    "closed": [
        ("community", "accept", {}),
        ("worker", "handle_on_site", {}),
        ("worker", "resolve", {"note": "已现场处置"}),
        ("inspector", "verify", {}),
    ],
    "reopened": [
        ("community", "accept", {}),
        ("worker", "handle_on_site", {}),
        ("worker", "resolve", {"note": "已现场处置"}),
        ("inspector", "verify", {}),
        ("callback", "callback", {"satisfaction": "unsatisfied"}),
        ("callback", "reopen", {"note": "诉求人反映仍未解决"}),
    ],
    "rejected": [("community", "reject", {"note": "重复反映"})],
    "transferred": [("community", "transfer", {"note": "转110处置"})],
}


def showcase(history: History) -> int:
    """Add a few fresh cases in each state that the random history left empty."""
    added = 0
    for state, path in SHOWCASE.items():
        if Case.objects.filter(status=state).exists():
            continue
        for _ in range(10):  # a few cases per state; an unplaceable report does not count
            history.one_scripted(history.now - timedelta(hours=3), path)
            added += 1
            if Case.objects.filter(status=state).count() >= 3:
                break
    return added
