"""Creating people: a role, and a scope that fits it (a node of the tree or a unit)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from lianqin.choices import ROLE_LABELS, UNIT_ROLES, Level, Role
from lianqin.errors import InvalidInput
from lianqin.org.models import ApiKey, Community, District, Grid, Person, Street, Unit

LEVEL_BY_LENGTH = {6: Level.DISTRICT, 9: Level.STREET, 12: Level.COMMUNITY, 15: Level.GRID}


def scope_level(code: str) -> Level:
    """The level a region code names, checking that the region exists."""
    level = LEVEL_BY_LENGTH.get(len(code)) if code.isdigit() else None
    regions: dict[Level, QuerySet[Any]] = {
        Level.DISTRICT: District.objects.all(),
        Level.STREET: Street.objects.all(),
        Level.COMMUNITY: Community.objects.all(),
        Level.GRID: Grid.objects.all(),
    }
    if level is None:
        raise InvalidInput(
            f"辖区编码 {code!r} 无效", field="scope", hint="区6位、街道9位、社区12位、网格15位数字"
        )
    if not regions[level].filter(code=code).exists():
        raise InvalidInput(f"辖区 {code} 不存在", field="scope", hint="先导入网格或运行 demo")
    return level


def _grids(scope: str) -> list[Grid]:
    """A grid worker patrols one or more grids: comma-separated 15-digit grid codes."""
    codes = [c.strip() for c in scope.split(",") if c.strip()]
    if not codes or any(len(c) != 15 or not c.isdigit() for c in codes):
        raise InvalidInput(
            f"网格员的辖区须为网格编码（15位），收到 {scope!r}",
            field="scope",
            hint="--scope 320111001001001，多个网格用逗号分隔",
        )
    grids = list(Grid.objects.select_related("community").filter(code__in=codes))
    missing = sorted(set(codes) - {g.code for g in grids})
    if missing:
        raise InvalidInput(f"网格不存在：{', '.join(missing)}", field="scope", hint="先导入网格")
    return sorted(grids, key=lambda g: codes.index(g.code))


def create_person(
    username: str,
    password: str | None,
    *,
    role: str,
    scope: str = "",
    unit: str = "",
    name: str = "",
    staff: bool = False,
    issue_key: bool = False,
    validate: bool = True,
) -> tuple[Person, str]:
    """Create a person; returns it and, when ``issue_key``, the raw API key (shown once)."""
    if role not in ROLE_LABELS:
        raise InvalidInput(f"未知角色 {role!r}", field="role", hint="可用：" + ", ".join(Role))
    if Person.objects.filter(username=username).exists():
        raise InvalidInput(f"用户名 {username} 已存在", field="username", hint="换一个用户名")
    person = Person(
        username=username,
        display_name=name,
        role=role,
        is_staff=staff or role == "admin",
        is_superuser=role == "admin",
    )
    if Role(role) in UNIT_ROLES:
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise InvalidInput(
                f"单位 {unit!r} 不存在", field="unit", hint="单位角色须用 --unit 指定单位编码"
            )
        person.unit, person.scope_level = found, Level.UNIT
    elif role in ("admin", "system") and not scope:
        district = District.objects.first()
        person.scope_level, person.scope_code = Level.DISTRICT, district.code if district else ""
    elif role == Role.GRID_WORKER:
        grids = _grids(scope)
        person.scope_level, person.scope_code = Level.GRID, grids[0].community.code
    else:
        if not scope:
            raise InvalidInput("须指定辖区编码", field="scope", hint="--scope 320111001 等")
        person.scope_level, person.scope_code = scope_level(scope), scope
    if password:
        if validate:
            try:
                validate_password(password, person)
            except ValidationError as exc:
                raise InvalidInput(
                    "密码不符合要求：" + "；".join(exc.messages),
                    field="password",
                    hint="至少8位，不要全是数字或常见密码",
                ) from None
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    if role == Role.GRID_WORKER:
        for grid in _grids(scope):
            grid.workers.add(person)
    raw = ApiKey.issue(f"{username} 的密钥", person)[1] if issue_key else ""
    return person, raw
