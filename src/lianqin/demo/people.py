"""The demo's people: named logins for every role, 3,038 grid workers, and the duty
staff of every center and unit that the history needs as actors."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from lianqin.cases.access import Actor
from lianqin.choices import Level, Role
from lianqin.org.models import Community, District, Grid, Person, Street, Unit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宁浩凯旭东梅琳雪峰波亮"
)

#: Named demo logins: (username, role, scope kind, display name).
LOGINS = [
    ("admin", Role.ADMIN, "district", "系统管理员"),
    ("dispatcher", Role.DISPATCHER, "district", "区中心值班员"),
    ("duty_leader", Role.DUTY_LEADER, "district", "区中心值班长"),
    ("leader", Role.LEADER, "district", "区领导（只读）"),
    ("inspector", Role.INSPECTOR, "district", "区核查员"),
    ("callback", Role.CALLBACK_STAFF, "district", "区回访员"),
    ("street_dispatcher", Role.DISPATCHER, "street", "江浦街道分中心值班员"),
    ("community_dispatcher", Role.DISPATCHER, "community", "社区工作站值班员"),
    ("grid_worker", Role.GRID_WORKER, "grid", "网格员"),
    ("unit_handler", Role.UNIT_HANDLER, "unit", "区城管局办理员"),
    ("unit_leader", Role.UNIT_LEADER, "unit", "区城管局负责人"),
]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@dataclass
class Staff:
    """The actors the history uses, built in memory (no query per action)."""

    district: Actor
    inspector: Actor
    callback: Actor
    duty_leader: Actor
    streets: dict[str, Actor]
    communities: dict[str, Actor]
    units: dict[str, Actor]
    grid_workers: dict[str, list[Actor]]


def _actor(p: Person, level: Level, grids: frozenset[str] = frozenset()) -> Actor:
    return Actor(
        p.pk, p.display_name or p.username, Role(p.role), level, p.scope_code, p.unit_id, grids
    )


def create_people(rng: random.Random, password: str, workers_total: int = 3038) -> Staff:
    hashed = make_password(password)
    district = District.objects.get()
    streets = list(Street.objects.order_by("code"))
    communities = list(Community.objects.order_by("code"))
    grids = list(Grid.objects.order_by("code"))
    units = list(Unit.objects.order_by("code"))
    people: list[Person] = []

    def add(
        username: str,
        role: Role,
        level: Level,
        code: str = "",
        unit: Unit | None = None,
        name: str = "",
        usable: bool = True,
    ) -> Person:
        p = Person(
            username=username,
            role=role,
            scope_level=level,
            scope_code=code,
            unit=unit,
            display_name=name or person_name(rng),
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
            password=hashed if usable else make_password(None),
        )
        people.append(p)
        return p

    named = _named_logins(add, district, streets[0], communities[0], grids[0], units)
    for s in streets:
        add(f"st{s.code}", Role.DISPATCHER, Level.STREET, s.code, name=f"{s.name}值班员")
    for c in communities:
        add(f"ws{c.code}", Role.DISPATCHER, Level.COMMUNITY, c.code, name=f"{c.name}值班员")
    for u in units:
        add(
            f"u_{u.code}",
            Role.UNIT_HANDLER,
            Level.UNIT,
            unit=u,
            name=f"{u.short_name or u.name}办理员",
        )
    per_grid = _worker_counts(len(grids), workers_total - 1)
    workers: list[tuple[Person, Grid]] = [(named["grid_worker"], grids[0])]
    for grid, n in zip(grids, per_grid, strict=True):
        for i in range(n):
            p = add(
                f"gw{grid.code}{i}", Role.GRID_WORKER, Level.GRID, grid.community.code, usable=False
            )
            workers.append((p, grid))
    Person.objects.bulk_create(people, batch_size=1000)
    saved = {p.username: p for p in Person.objects.all()}
    through = Grid.workers.through
    through.objects.bulk_create(
        [through(grid_id=g.pk, person_id=saved[p.username].pk) for p, g in workers], batch_size=2000
    )
    return _staff(saved, streets, communities, units, workers)


def _named_logins(add, district, street, community, grid, units):
    cg = next((u for u in units if u.code == "cg"), units[0])
    scope = {
        "district": district.code,
        "street": street.code,
        "community": community.code,
        "grid": community.code,
    }
    level = {
        "district": Level.DISTRICT,
        "street": Level.STREET,
        "community": Level.COMMUNITY,
        "grid": Level.GRID,
        "unit": Level.UNIT,
    }
    out = {}
    for username, role, kind, name in LOGINS:
        if kind == "street":
            name = f"{street.name}分中心值班员"
        if kind == "community":
            name = f"{community.name}工作站值班员"
        out[username] = add(
            username, role, level[kind], scope.get(kind, ""), cg if kind == "unit" else None, name
        )
    return out


def _worker_counts(grids: int, total: int) -> list[int]:
    """Spread ``total`` workers over the grids: every grid gets its share, the rest one more."""
    base, extra = divmod(total, grids)
    return [base + (1 if i < extra else 0) for i in range(grids)]


def _staff(saved, streets, communities, units, workers) -> Staff:
    by_grid: dict[str, list[Actor]] = {}
    for p, g in workers:
        by_grid.setdefault(g.code, []).append(
            _actor(saved[p.username], Level.GRID, frozenset({g.code}))
        )
    return Staff(
        district=_actor(saved["dispatcher"], Level.DISTRICT),
        inspector=_actor(saved["inspector"], Level.DISTRICT),
        callback=_actor(saved["callback"], Level.DISTRICT),
        duty_leader=_actor(saved["duty_leader"], Level.DISTRICT),
        streets={s.code: _actor(saved[f"st{s.code}"], Level.STREET) for s in streets},
        communities={c.code: _actor(saved[f"ws{c.code}"], Level.COMMUNITY) for c in communities},
        units={u.code: _actor(saved[f"u_{u.code}"], Level.UNIT) for u in units},
        grid_workers=by_grid,
    )
