from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from lianqin.errors import InvalidInput
from lianqin.triage.routing import Facts, Rule, catalogue_rules, in_window, route

CN = ZoneInfo("Asia/Shanghai")
NIGHT = Rule("夜间噪音", "ga", ("cg",), categories=("0208", "0301"), keywords=("噪音", "扰民"),
             start=time(22), end=time(6))  # fmt: skip
SCHOOL = Rule("校门口违停", "jj", ("cg", "jy"), categories=("0206",), keywords=("学校",),
              start=time(7), end=time(9), weekdays=(1, 2, 3, 4, 5))  # fmt: skip
OLD_TOWN = Rule("老城区占道", "cg", ("scjg",), categories=("0201",), areas=("320111001",))
FROM_110 = Rule("110纠纷", "sf", ("ga",), categories=("0501",), channels=("alarm_110",))
CATALOGUE = catalogue_rules(
    [("02", "cg", "lead", 0), ("0206", "jj", "lead", 0), ("0206", "cg", "assist", 0),
     ("0208", "cg", "lead", 0), ("0208", "hb", "assist", 0), ("05", "sf", "lead", 0)]
)  # fmt: skip
RULES = [NIGHT, SCHOOL, OLD_TOWN, FROM_110, *CATALOGUE]


def at(hour: int, minute: int = 0, day: int = 30) -> datetime:  # 2026-11-30 is a Monday
    return datetime(2026, 11, day, hour, minute, tzinfo=CN)


@pytest.mark.parametrize(
    ("facts", "rule", "lead", "assist"),
    [
        (Facts("020801", "320111002001001", "广场舞噪音扰民", "hotline_12345", at(23)), "夜间噪音", "ga", ("cg",)),
        (Facts("020801", "320111002001001", "广场舞噪音扰民", "hotline_12345", at(20)), "派单目录 0208", "cg", ("hb",)),
        (Facts("0206", "320111002001001", "学校门口违停", "portal", at(7, 30)), "校门口违停", "jj", ("cg", "jy")),
        (Facts("0206", "320111002001001", "学校门口违停", "portal", at(7, 30, day=29)), "派单目录 0206", "jj", ("cg",)),
        (Facts("020101", "320111001002003", "摆摊", "patrol", at(10)), "老城区占道", "cg", ("scjg",)),
        (Facts("020101", "320111004002003", "摆摊", "patrol", at(10)), "派单目录 02", "cg", ()),
        (Facts("0501", "320111004", "邻居吵架", "alarm_110", at(10)), "110纠纷", "sf", ("ga",)),
        (Facts("0501", "320111004", "邻居吵架", "hotline_12345", at(10)), "派单目录 05", "sf", ()),
    ],
)  # fmt: skip
def test_first_matching_rule_decides(facts, rule, lead, assist):
    decision = route(RULES, facts)
    assert decision.rule is not None and decision.rule.name == rule
    assert (decision.lead, decision.assist) == (lead, assist)
    assert decision.trace[-1].matched and not any(t.matched for t in decision.trace[:-1])


def test_nothing_matches_without_a_category_and_the_trace_says_why():
    decision = route(RULES, Facts(text="不知道是什么问题", at=at(12)))
    assert decision.rule is None and decision.lead == ""
    lines = decision.explain()
    assert len(lines) == len(RULES) and all("未命中" in line for line in lines)
    assert "类别 未定" in lines[0]


def test_the_trace_names_the_failing_condition():
    decision = route([NIGHT], Facts("0208", "", "噪音很大", "", at(14)))
    (tried,) = decision.trace
    failed = [c for c in tried.checks if not c.ok]
    assert [c.condition for c in failed] == ["hours"]
    assert "14:00" in failed[0].detail and "22:00–06:00" in failed[0].detail


@pytest.mark.parametrize(
    ("moment", "start", "end", "inside"),
    [(time(23), time(22), time(6), True), (time(5, 59), time(22), time(6), True),
     (time(6), time(22), time(6), False), (time(12), time(22), time(6), False),
     (time(8), time(7), time(9), True), (time(9), time(7), time(9), False)],
)  # fmt: skip
def test_time_windows_may_wrap_midnight(moment, start, end, inside):
    assert in_window(moment, start, end) is inside


def test_catalogue_rules_put_the_specific_category_first_and_keep_positions():
    names = [r.name for r in CATALOGUE]
    assert names.index("派单目录 0206") < names.index("派单目录 02")
    assert next(r for r in CATALOGUE if r.name == "派单目录 0208").assist == ("hb",)


def test_rules_refuse_half_windows_and_bad_weekdays():
    with pytest.raises(InvalidInput, match="时段"):
        Rule("x", "cg", start=time(1))
    with pytest.raises(InvalidInput, match="星期"):
        Rule("x", "cg", weekdays=(0,))
    with pytest.raises(InvalidInput, match="主办"):
        Rule("x", "")
