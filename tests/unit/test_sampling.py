import random

import pytest

from lianqin.errors import InvalidInput
from lianqin.evaluation.sampling import Closed, Plan, assign, draw


def population(n: int = 60) -> list[Closed]:
    units = ["cg", "ga", "on_site"]
    return [Closed(key=k, unit=units[k % 3], street=f"32011100{k % 2 + 1}",
                   handlers=frozenset({100 + k % 4})) for k in range(1, n + 1)]  # fmt: skip


def test_every_stratum_gets_its_share_and_the_same_seed_gives_the_same_sample():
    plan = Plan(strata=("unit", "street"), per_stratum=2, seed=7)
    cases = population()
    first = draw(cases, plan)
    assert len(first) == 6 * 2  # 3 units × 2 streets
    strata = [s for _, s in first]
    assert all(strata.count(s) == 2 for s in set(strata))
    shuffled = cases[:]
    random.Random(1).shuffle(shuffled)
    assert draw(shuffled, plan) == first
    assert draw(cases, Plan(strata=("unit", "street"), per_stratum=2, seed=8)) != first


def test_a_fraction_keeps_a_minimum_per_stratum_and_small_strata_give_all():
    cases = population(12)
    sample = draw(cases, Plan(strata=("unit",), per_stratum=None, fraction=0.1, minimum=1, seed=1))
    assert len(sample) == 3
    few = draw(cases[:2], Plan(strata=("unit",), per_stratum=5, seed=1))
    assert len(few) == 2


def test_nobody_inspects_their_own_case_and_work_is_spread():
    sample = draw(population(), Plan(strata=("unit",), per_stratum=10, seed=3))
    who = assign(sample, [100, 101, 102, 103])
    for (case, _), person in zip(sample, who, strict=True):
        assert person is not None and person not in case.handlers
    counts = {p: who.count(p) for p in set(who)}
    assert max(counts.values()) - min(counts.values()) <= 3
    lone = [(Closed(key=1, handlers=frozenset({9})), "x")]
    assert assign(lone, [9]) == [None]


def test_bad_plans_are_refused():
    with pytest.raises(InvalidInput, match="分层"):
        Plan(strata=("colour",))
    with pytest.raises(InvalidInput, match="只须给一个"):
        Plan(per_stratum=2, fraction=0.1)
    with pytest.raises(InvalidInput, match="0 与 1"):
        Plan(per_stratum=None, fraction=1.5)
    with pytest.raises(InvalidInput, match="核查员"):
        assign([], [])
