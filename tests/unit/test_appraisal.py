"""Appraisal scores on a worked example: each part, the weighted mean over what has data,
grades, ranking, and refused schemes."""

from __future__ import annotations

import pytest

from lianqin.evaluation.appraisal import Scheme, appraise, grade, part

SCHEME = Scheme(
    "region", "测试", {"satisfaction": 50, "rework_rate": 25, "on_site": 25}, min_cases=0
)


def test_parts_follow_the_definitions():
    assert part("satisfaction", 0.9, 0) == 90.0  # higher is better: 100 × rate
    assert part("rework_rate", 0.1, 0) == 90.0  # lower is better: 100 × (1 − rate)
    assert part("on_site", 30, 40) == 75.0  # a workload against the largest among peers
    assert part("n:accept", 5, 0) is None and part("satisfaction", None, 0) is None


def test_weighted_mean_grades_and_ranks():
    rows = [
        ("a", "甲街道", {"satisfaction": 0.96, "rework_rate": 0.0, "on_site": 40}),
        ("b", "乙街道", {"satisfaction": 0.70, "rework_rate": 0.2, "on_site": 20}),
        # no callback yet: satisfaction drops out, the other weights are rescaled
        ("c", "丙街道", {"satisfaction": None, "rework_rate": 0.0, "on_site": 40}),
        ("d", "丁街道", {"satisfaction": None, "rework_rate": None, "on_site": None}),
    ]
    out = {s.key: s for s in appraise(SCHEME, rows)}
    assert out["a"].score == round((50 * 96 + 25 * 100 + 25 * 100) / 100, 1) == 98.0
    assert out["b"].score == round((50 * 70 + 25 * 80 + 25 * 50) / 100, 1) == 67.5
    assert out["c"].score == 100.0
    assert (out["a"].grade, out["b"].grade, out["c"].grade) == ("A", "D", "A")
    assert out["d"].score is None and out["d"].grade == "" and out["d"].rank == 0
    assert [s.key for s in appraise(SCHEME, rows)] == ["c", "a", "b", "d"]


def test_grade_lines():
    assert [grade(x) for x in (95, 90, 89.9, 80, 70, 60, 59.9)] == list("AABBCDE")
    assert grade(None) == ""


@pytest.mark.parametrize("weights", [{"happiness": 10}, {"satisfaction": -1}, {"satisfaction": 0}])
def test_a_bad_scheme_is_refused_with_its_name(weights):
    with pytest.raises(ValueError, match="坏方案"):
        appraise(Scheme("region", "坏方案", weights), [])


def test_too_few_cases_are_not_graded():
    scheme = Scheme("region", "测试", {"satisfaction": 100}, min_cases=5)
    rows = [("a", "甲", {"registered": 4, "satisfaction": 0.2}),
            ("b", "乙", {"registered": 5, "satisfaction": 0.9})]  # fmt: skip
    out = {s.key: s for s in appraise(scheme, rows)}
    assert out["a"].score is None and out["a"].rank == 0
    assert out["b"].score == 90.0 and out["b"].rank == 1
