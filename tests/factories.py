"""Test data from factories: a small district with two streets, people of every role.

Geometry: each grid is a 0.01° square, laid out in a row per community, so a point's
grid is obvious from its coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

from lianqin.cases.access import Actor, actor_for
from lianqin.cases.actions import NewReport, create_case
from lianqin.cases.models import Case
from lianqin.org.models import Community, District, Grid, Person, Street, Unit
from lianqin.org.people import create_person
from lianqin.org.reference import ensure_centers, load_defaults

LON0, LAT0 = 118.60, 32.05


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


@dataclass
class World:
    district: District
    streets: list[Street]
    communities: list[Community]
    grids: list[Grid]
    people: dict[str, Person]

    def actor(self, name: str) -> Actor:
        return actor_for(self.people[name])

    def grid_point(self, index: int) -> tuple[float, float]:
        g = self.grids[index]
        return g.centroid_lon or 0.0, g.centroid_lat or 0.0


def make_world() -> World:
    """Two streets × two communities × two grids, the default catalogue and units, and one
    person per role (street A unless the name says B)."""
    load_defaults()
    district = District.objects.create(code="320111", name="测试区")
    streets, communities, grids = [], [], []
    for s in range(2):
        street = Street.objects.create(
            district=district, code=f"320111{s + 1:03d}", name=f"街道{'AB'[s]}"
        )
        streets.append(street)
        for c in range(2):
            community = Community.objects.create(
                street=street,
                code=f"{street.code}{c + 1:03d}",
                name=f"社区{'AB'[s]}{c + 1}",
                rural=c == 1,
            )
            communities.append(community)
            for g in range(2):
                lon = LON0 + (s * 4 + c * 2 + g) * 0.01
                grids.append(
                    Grid.objects.create(
                        community=community,
                        code=f"{community.code}{g + 1:03d}",
                        name=f"网格{g + 1}",
                        households=500,
                        boundary=square(lon, LAT0),
                        centroid_lon=lon + 0.005,
                        centroid_lat=LAT0 + 0.005,
                    )
                )
    ensure_centers(district)
    a, b = streets
    pw = "Test-passw0rd!"
    specs = {
        "admin": ("admin", ""),
        "dispatcher": ("dispatcher", district.code),
        "duty_leader": ("duty_leader", district.code),
        "leader": ("leader", district.code),
        "inspector": ("inspector", district.code),
        "callback": ("callback_staff", district.code),
        "street_a": ("dispatcher", a.code),
        "street_b": ("dispatcher", b.code),
        "community_a1": ("dispatcher", communities[0].code),
        "community_b1": ("dispatcher", communities[2].code),
        "grid_worker_a1": ("grid_worker", grids[0].code),
        "grid_worker_b1": ("grid_worker", grids[4].code),
        "street_leader_a": ("duty_leader", a.code),
        "system": ("system", ""),
    }
    people = {}
    for name, (role, scope) in specs.items():
        people[name] = create_person(name, pw, role=role, scope=scope, validate=False)[0]
    for name, unit in [
        ("cg_handler", "cg"),
        ("cg_leader", "cg"),
        ("scjg_handler", "scjg"),
        ("hb_handler", "hb"),
    ]:
        role = "unit_leader" if name.endswith("leader") else "unit_handler"
        people[name] = create_person(name, pw, role=role, unit=unit, validate=False)[0]
    assert Unit.objects.filter(code__in=["cg", "scjg", "hb"]).count() == 3
    return World(district, streets, communities, grids, people)


def report(world: World, grid: int = 0, **overrides) -> NewReport:
    lon, lat = world.grid_point(grid)
    fields = {
        "channel": "hotline_12345",
        "title": "路边占道经营",
        "description": "文德路12号门口有人占道经营",
        "lon": lon,
        "lat": lat,
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
    }
    fields.update(overrides)
    return NewReport(**fields)


def new_case(world: World, grid: int = 0, actor: str = "system", **overrides) -> Case:
    case, created = create_case(world.actor(actor), report(world, grid, **overrides))
    assert created
    return case
