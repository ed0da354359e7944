from lianqin.triage.keywords import KeywordRules, Node

RULES = KeywordRules(
    [
        Node("01", "市容环境", "", ()),
        Node("0101", "暴露垃圾", "01", ("垃圾", "垃圾堆")),
        Node("010102", "垃圾桶满溢", "0101", ("满溢", "垃圾箱")),
        Node("02", "街面秩序", "", ("占道",)),
        Node("0201", "占道经营", "02", ("摆摊", "流动摊贩")),
    ]
)


def test_the_specific_leaf_beats_its_branch():
    top = RULES.suggest("小区门口垃圾箱满溢好几天了，垃圾堆在路边")
    assert [s.code for s in top][:2] == ["010102", "0101"]
    assert abs(sum(s.score for s in RULES.suggest("垃圾箱满溢 占道摆摊"))) <= 1.0 + 1e-9


def test_no_keyword_no_guess():
    assert RULES.suggest("请问社保卡在哪里办理") == []
    assert RULES.suggest("") == []


def test_names_count_as_keywords_and_results_are_deterministic():
    first = RULES.suggest("有人占道经营，流动摊贩很多")
    assert first[0].code == "0201"
    assert first == RULES.suggest("有人占道经营，流动摊贩很多")
    assert "流动摊贩" in first[0].matched
