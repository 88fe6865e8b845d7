"""How model and rule entities combine (configs/model.yaml policies), checked against GUIDELINES.md."""
from __future__ import annotations

import pytest

from pipeline.doc import Entity
from pipeline.config import load_config
from pipeline.model.combine import Policy, combine, propagate, tidy_name, with_value


def policy(name: str, **overrides) -> Policy:
    """configs/model.yaml's policy with ``name`` and ``overrides``."""
    return Policy(**{**load_config("model")["policy"], "name": name, **overrides})


def _ent(text: str, part: str, label: str, confidence: float = 0.99, source: str = "model", nth: int = 0) -> Entity:
    at = -1
    for _ in range(nth + 1):
        at = text.index(part, at + 1)
    return Entity(start=at, end=at + len(part), label=label, text=part, confidence=confidence, source=source)


@pytest.mark.parametrize("sentence, span, label, value, unit, qualifier", [
    ("共走访200余人次。", "200余人次", "QUANTITY", 200.0, "人次", "gt"),
    ("满意度达到百分之九十以上", "百分之九十", "PERCENT", 90.0, "%", "gte"),
    ("预算13003.0764万元", "13003.0764万元", "MONEY", 130030764.0, "元", None),
    ("征收约61534.77平方米", "61534.77平方米", "QUANTITY", 61534.77, "平方米", "approx"),
    ("金额单位：万元\n项目\t金额\n拆迁补偿\t27.75\n", "27.75", "MONEY", 277500.0, "元", None),
])
def test_model_numbers_get_values_from_the_value_parser(sentence, span, label, value, unit, qualifier):
    e = with_value(_ent(sentence, span, label), sentence)
    assert e is not None
    assert e.value == pytest.approx(value) and e.unit == unit and e.qualifier == qualifier


def test_a_model_number_whose_value_cannot_be_read_is_dropped():
    text = "完成拆迁工作"
    assert with_value(_ent(text, "拆迁", "QUANTITY"), text) is None


def test_merged_keeps_rule_numbers_and_takes_model_projects():
    text = "完成迎丰组团10#安置区二期征地拆迁工作，拆除房屋164栋，另有8户待签约。"
    rules = [_ent(text, "164栋", "QUANTITY", 1.0, "rules"), _ent(text, "迎丰组团10#", "PROJECT", 0.7, "rules")]
    rules[0].value, rules[0].unit = 164.0, "栋"
    model = [_ent(text, "迎丰组团10#安置区二期", "PROJECT"), _ent(text, "164", "QUANTITY"),
             _ent(text, "8户", "QUANTITY", 0.95), _ent(text, "签约", "PROJECT", 0.3)]
    out = combine(text, rules, model, policy("merged", min_confidence=0.5))
    got = {(e.text, e.label, e.source) for e in out}
    assert got == {("迎丰组团10#安置区二期", "PROJECT", "model"), ("164栋", "QUANTITY", "rules"),
                   ("8户", "QUANTITY", "model")}
    assert next(e for e in out if e.text == "8户").value == 8.0
    for a, b in zip(out, out[1:]):
        assert a.end <= b.start


def test_a_number_inside_a_model_project_name_is_not_an_entity():
    text = "配套三号地块拆迁3户"
    rules = [_ent(text, "三号", "QUANTITY", 1.0, "rules")]
    out = combine(text, rules, [_ent(text, "配套三号地块", "PROJECT")], policy("merged"))
    assert [(e.text, e.label) for e in out] == [("配套三号地块", "PROJECT")]


def test_rules_policy_ignores_the_model_and_model_policy_ignores_the_rules():
    text = "支付补偿资金496.77万元"
    rules = [_ent(text, "496.77万元", "MONEY", 1.0, "rules")]
    model = [_ent(text, "96.77万元", "MONEY")]
    assert combine(text, rules, model, policy("rules")) == rules
    only = combine(text, rules, model, policy("model"))
    assert [(e.text, e.value) for e in only] == [("96.77万元", 967700.0)]


def test_propagation_tags_every_occurrence_of_a_found_name():
    text = "藕塘安置小区建设顺利。藕塘安置小区已交付。"
    out = propagate(text, [_ent(text, "藕塘安置小区", "PROJECT")], min_chars=4)
    assert sorted((e.start, e.end) for e in out) == [(0, 6), (11, 17)]
    assert all(text[e.start:e.end] == e.text for e in out)


@pytest.mark.parametrize("name", ["model", "merged"])
def test_a_one_character_model_project_is_not_a_name(name):
    # GUIDELINES: a PROJECT is the proper name of a project or site; 太 alone (of 太平洋) is none
    text = "积极参与亚太经合组织会议，虹其采砂场已关闭。"
    model = [_ent(text, "太", "PROJECT"), _ent(text, "虹其", "PROJECT")]
    out = combine(text, [], model, policy(name, min_confidence=0.5))
    assert [e.text for e in out] == ["虹其"]


def test_a_rule_name_kept_beside_the_model_stays_a_rule_name():
    # rule_min_confidence 0: every rule PROJECT stays; the model only adds names where none is
    text = "大米厂、北京公馆等棚户区改造项目"
    rules = [_ent(text, "大米厂", "PROJECT", 0.6, "rules")]
    model = [_ent(text, "大米厂", "PROJECT"), _ent(text, "北京公馆", "PROJECT")]
    out = combine(text, rules, model, policy("merged", rule_min_confidence=0.0))
    assert [(e.text, e.source, e.confidence) for e in out] == [("大米厂", "rules", 0.6), ("北京公馆", "model", 0.99)]


@pytest.mark.parametrize("found, name", [
    ("岳华新苑二期、", "岳华新苑二期"),             # punctuation is never part of a name
    ("湘江科创基地三期（", "湘江科创基地三期"),       # nor a bracket it does not close
    ("“万家灯火”工程", "“万家灯火”工程"),           # quotes that close inside the name stay
    ("“老旧小区改造项目”", "老旧小区改造项目"),        # quotes around the whole name are outside it
    ("城西(李家台片区)棚户区改造项目", "城西(李家台片区)棚户区改造项目"),
])
def test_model_names_are_tidied_at_their_edges(found, name):
    text = f"完成{found}建设"
    e = tidy_name(_ent(text, found, "PROJECT"))
    assert e.text == name and text[e.start:e.end] == name
