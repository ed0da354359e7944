"""Loading reference data: participating units, the dispatch catalogue, deadline
policies and the centers of the tree. Idempotent: loading twice changes nothing."""

from __future__ import annotations

from importlib import resources

from django.db import transaction

from lianqin.cases.sla import DEFAULT_POLICIES
from lianqin.choices import CENTER_KIND_LABELS, CenterKind, Level, WorkOrderRole
from lianqin.org.catalogue_csv import CategoryRow, UnitRow, parse_catalogue_csv, parse_units_csv
from lianqin.org.models import Category, CategoryUnit, Center, DeadlinePolicy, District, Unit


def packaged(name: str) -> str:
    """A data file shipped in ``lianqin/org/data``."""
    return resources.files("lianqin.org").joinpath("data", name).read_text(encoding="utf-8")


def load_policies() -> int:
    """The built-in deadline policies, unless a deployment already edited them."""
    created = 0
    for code, policy in DEFAULT_POLICIES.items():
        spec = {
            p.value: {s.value: str(d) for s, d in stages.items()}
            for p, stages in policy.stages.items()
        }
        _, new = DeadlinePolicy.objects.get_or_create(
            code=code, defaults={"name": policy.name, "spec": spec}
        )
        created += new
    return created


def load_units(rows: list[UnitRow]) -> int:
    for row in rows:
        Unit.objects.update_or_create(
            code=row.code,
            defaults={"name": row.name, "kind": row.kind, "short_name": row.short_name},
        )
    return len(rows)


@transaction.atomic
def load_catalogue(rows: list[CategoryRow]) -> int:
    """Create or update every node; rows come parents first."""
    policies = {p.code: p for p in DeadlinePolicy.objects.all()}
    units = {u.code: u for u in Unit.objects.all()}
    nodes: dict[str, Category] = {}
    for row in rows:
        parent = nodes.get(row.parent_code) if row.parent_code else None
        if row.parent_code and parent is None:
            parent = Category.objects.get(code=row.parent_code)
        node, _ = Category.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name,
                "parent": parent,
                "depth": row.level,
                "path": "/".join(row.path),
                "priority": row.priority or "normal",
                "deadline_policy": policies.get(row.deadline_policy or ""),
                "keywords": list(row.keywords),
            },
        )
        nodes[row.code] = node
        if row.lead_units or row.assist_units:
            CategoryUnit.objects.filter(category=node).delete()
            links = [(c, WorkOrderRole.LEAD) for c in row.lead_units] + [
                (c, WorkOrderRole.ASSIST) for c in row.assist_units
            ]
            CategoryUnit.objects.bulk_create(
                [
                    CategoryUnit(category=node, unit=units[code], role=role, position=i)
                    for i, (code, role) in enumerate(links)
                    if code in units
                ]
            )
    return len(rows)


def load_defaults() -> dict[str, int]:
    """Policies, units and the default catalogue shipped with Lianqin (one audit line)."""
    from lianqin.audit.signals import batch

    with batch("org.defaults"):
        return _load_defaults()


def _load_defaults() -> dict[str, int]:
    policies = load_policies()
    units = parse_units_csv(packaged("units.csv"))
    load_units(units)
    rows = parse_catalogue_csv(packaged("catalogue.csv"), known_units={u.code for u in units})
    categories = load_catalogue(rows)
    from lianqin.org.routing import load_rules_csv  # it imports the models this module sets up

    routing = load_rules_csv(packaged("routing.csv"), only_new=True)
    return {"policies": policies, "units": len(units), "categories": categories,
            "routing": routing}  # fmt: skip


def ensure_centers(district: District) -> int:
    """A command center for the district, a sub-center per street, a workstation per community."""
    wanted = [(CenterKind.COMMAND_CENTER, Level.DISTRICT, district.code, district.name)]
    for street in district.streets.prefetch_related("communities"):
        wanted.append((CenterKind.SUB_CENTER, Level.STREET, street.code, street.name))
        wanted += [
            (CenterKind.WORKSTATION, Level.COMMUNITY, c.code, c.name)
            for c in street.communities.all()
        ]
    existing = set(Center.objects.values_list("region_code", flat=True))
    new = [
        Center(
            kind=kind, level=level, region_code=code, name=f"{name}{CENTER_KIND_LABELS[kind].zh}"
        )
        for kind, level, code, name in wanted
        if code not in existing
    ]
    Center.objects.bulk_create(new)
    return len(new)
