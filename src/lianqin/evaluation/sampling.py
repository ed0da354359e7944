"""Sample inspection (抽查): a random, stratified, reproducible sample of closed cases, and
its assignment to inspectors. Pure: no Django.

What must hold: the same cases, strata, size and seed always give the same sample (the
order the cases arrive in does not matter); every stratum with cases gets at least
``minimum`` of them (or all it has); an inspector is never given a case they handled
themselves; assignments are spread evenly (round robin over the inspectors, in a fixed
order, skipping those who may not take a case).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lianqin.errors import InvalidInput

STRATA = ("unit", "street", "community", "channel", "category")


@dataclass(frozen=True)
class Closed:
    """A closed case as the sampler sees it."""

    key: int
    unit: str = ""  # lead unit code, or "on_site" when handled on site
    street: str = ""
    community: str = ""
    channel: str = ""
    category: str = ""  # first-level category code
    handlers: frozenset[int] = field(default_factory=frozenset)  # people who handled it


@dataclass(frozen=True)
class Plan:
    strata: tuple[str, ...] = ("unit", "street")
    per_stratum: int | None = 2
    fraction: float | None = None  # share of each stratum instead of a fixed number
    minimum: int = 1
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [s for s in self.strata if s not in STRATA]
        if unknown:
            raise InvalidInput(
                f"未知分层 {unknown}", field="strata", hint="可用：" + ", ".join(STRATA)
            )
        if (self.per_stratum is None) == (self.fraction is None):
            raise InvalidInput("每层抽取数量与比例须且只须给一个", field="per_stratum",
                               hint="如 per_stratum=2，或 fraction=0.05")  # fmt: skip
        if self.per_stratum is not None and self.per_stratum < 1:
            raise InvalidInput("每层至少抽 1 件", field="per_stratum")
        if self.fraction is not None and not 0 < self.fraction <= 1:
            raise InvalidInput("比例须在 0 与 1 之间", field="fraction")


def stratum_of(case: Closed, strata: Sequence[str]) -> str:
    return " / ".join(f"{s}={getattr(case, s) or '-'}" for s in strata)


def draw(cases: Iterable[Closed], plan: Plan) -> list[tuple[Closed, str]]:
    """The sample, with each case's stratum, in a stable order."""
    groups: dict[str, list[Closed]] = {}
    for case in sorted(cases, key=lambda c: c.key):
        groups.setdefault(stratum_of(case, plan.strata), []).append(case)
    chosen: list[tuple[Closed, str]] = []
    for name in sorted(groups):
        members = groups[name]
        if plan.per_stratum is not None:
            size = plan.per_stratum
        else:
            size = max(plan.minimum, math.ceil(len(members) * (plan.fraction or 0)))
        rng = random.Random(f"{plan.seed}:{name}")  # noqa: S311 - a sample, not a secret
        picked = rng.sample(members, min(size, len(members)))
        chosen += [(c, name) for c in sorted(picked, key=lambda c: c.key)]
    return chosen


def assign(sample: Sequence[tuple[Closed, str]], inspectors: Sequence[int]) -> list[int | None]:
    """An inspector per sampled case (None when every inspector handled it)."""
    order = sorted(set(inspectors))
    if not order:
        raise InvalidInput("没有可分派的核查员/监督员", field="inspectors",
                           hint="先创建角色为 inspector 的人员")  # fmt: skip
    out: list[int | None] = []
    turn = 0
    for case, _ in sample:
        for step in range(len(order)):
            candidate = order[(turn + step) % len(order)]
            if candidate not in case.handlers:
                out.append(candidate)
                turn = (turn + step + 1) % len(order)
                break
        else:
            out.append(None)
    return out
