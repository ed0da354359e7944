"""The cost ledger's arithmetic on a worked example."""

from __future__ import annotations

import pytest

from lianqin.evaluation.cost import Line, Rates, price


def test_amounts_are_count_times_rate_and_lines_sort_by_total():
    rates = Rates(led=200, taken_over=100, assisted=80, hours=50, on_site=60)
    lines = price([
        Line("1", "城管局", "unit", {"led": 10, "taken_over": 2, "hours": 31.5}),
        Line("2", "环保局", "unit", {"assisted": 3}),
        Line("c", "某社区", "workstation", {"on_site": 90}),
    ], rates)  # fmt: skip
    by = {x.key: x for x in lines}
    assert by["1"].amounts == {"led": 2000.0, "taken_over": 200.0, "hours": 1575.0}
    assert by["1"].total == 3775.0
    assert by["2"].total == 240.0 and by["c"].total == 5400.0
    assert [x.key for x in lines] == ["c", "1", "2"]


def test_rates_are_checked():
    assert Rates.of({"led": 300}).led == 300.0 and Rates.of({}).on_site == 60.0
    with pytest.raises(ValueError, match="未知任务类型"):
        Rates.of({"lunch": 5})
    with pytest.raises(ValueError, match="负"):
        Rates.of({"led": -1})
