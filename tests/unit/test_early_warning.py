"""The early-warning rules on small worked examples."""

from __future__ import annotations

from lianqin.evaluation import early_warning as ew

CFG = ew.Config(place_min=3, rise_min=5, rise_ratio=2.0, rise_sigmas=2.0, caller_min=3)


def test_recurring_at_one_place_needs_the_threshold_and_a_grid():
    rows = [("320111001001001", "0101", 3, ["A", "B", "C"]),
            ("320111001001002", "0101", 2, ["D", "E"]),
            ("", "0101", 9, ["F"])]  # fmt: skip
    found = ew.recurring(rows, CFG)
    assert [s.key for s in found] == ["recurring:320111001001001:0101"]
    assert found[0].cases == ("A", "B", "C") and found[0].count == 3


def test_a_rising_category_must_beat_ratio_sigmas_and_the_floor():
    rows = [
        ("c1", "0101", 15, [4, 5, 3]),  # mean 4: bar = max(5, 8, 4 + 2·2) = 8 → alarm
        ("c2", "0101", 3, [1, 1, 1]),  # below the floor of 5
        ("c3", "0102", 9, [6, 5, 7]),  # mean 6: bar = max(5, 12, 10.9) → no
        ("c4", "0103", 6, []),  # nothing before: bar 5 → a new problem
    ]
    found = {s.area_code: s for s in ew.rising(rows, CFG)}
    assert set(found) == {"c1", "c4"}
    assert found["c1"].score == round(15 / 8, 3)
    assert [s.area_code for s in ew.rising(rows, CFG)] == ["c1", "c4"]  # strongest first


def test_repeated_callers_are_named_by_their_hash_only():
    found = ew.repeat_callers([("a1b2c3d4e5f6a7b8c9", "320111001", 4, ["X", "Y"])], CFG)
    assert found[0].key == "repeat_caller:a1b2c3d4e5f6a7b8"
    assert "138" not in found[0].detail and "a1b2c3d4" in found[0].detail


def test_reopened_twice_and_stable_keys():
    rows = [("N1", "320111", "0101", 2), ("N2", "320111", "0101", 1)]
    assert [s.key for s in ew.reopened(rows, CFG)] == ["reopened:N1"]
    assert ew.reopened(rows, CFG) == ew.reopened(list(reversed(rows)), CFG)
