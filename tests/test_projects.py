"""PROJECT by rules (pipeline/projects/) against GUIDELINES.md sections 2 and 5: names found by
position and wording, their edges, listed items and later mentions, and what is not a name."""
from __future__ import annotations

import pytest

from pipeline.normalising import normalise
from pipeline.projects.lists import occurrences


@pytest.fixture(scope="module")
def projects():
    from pipeline.projects import ProjectTagger
    return ProjectTagger()


def names(projects, text):
    ents = projects(normalise(text))
    for e in ents:
        assert text[e.start:e.end] == e.text and e.label == "PROJECT"
        assert e.value is None and e.unit is None and e.subject is None   # GUIDELINES.md section 5
    return [e.text for e in ents]


def test_project_span_excludes_leading_verb(projects):
    # GUIDELINES.md section 2: 完成迎丰组团10#安置区二期征地拆迁工作 -> 迎丰组团10#安置区二期
    assert names(projects, "4、完成迎丰组团10#安置区二期征地拆迁工作。") == ["迎丰组团10#安置区二期"]


@pytest.mark.parametrize("text, expected", [
    ("3、怀南水产品市场项目全年共拆除房屋164栋。", ["怀南水产品市场项目"]),
    ("2、正清路延长线项目全年共参与征收房屋266户。", ["正清路延长线项目"]),
    ("国有项目1个（火车站提质改造项目）、面积7500㎡。", ["火车站提质改造项目"]),
    ("我区还有藕塘安置小区、莲花安置小区等6个在建安置小区。", ["藕塘安置小区", "莲花安置小区"]),
    ("具体项目:1、运河南苑500套; 2、雪枫家园三期(北郊庄园)360套;", ["运河南苑", "雪枫家园三期", "北郊庄园"]),
])
def test_named_projects_in_prose_and_lists(projects, text, expected):
    assert names(projects, text) == expected


def test_form_field_and_title(projects):
    text = "(临时救助)绩效目标自评表\n项目名称 |\n临时救助 |\n主管部门 |\n濉溪县民政局 |\n"
    assert names(projects, text) == ["临时救助", "临时救助"]
    text = "汤阴县长虹路北棚户区改造张庄安置房项目专项债券绩效自评报告(2023年度)\n一、概述\n"
    assert names(projects, text) == ["长虹路北棚户区改造张庄安置房项目"]   # the county is not part of the name


def test_budget_lines_listed_as_projects(projects):
    # GUIDELINES.md section 5: a budget line listed as one of the unit's 项目支出 lines is a PROJECT
    text = "项目支出包括律师代理及诉讼费经费，主要用于年度律师代理费；合同制聘用人员经费，主要用于聘用人员工资。"
    assert names(projects, text) == ["律师代理及诉讼费经费", "合同制聘用人员经费"]


def test_every_mention_of_a_found_name(projects):
    text = "项目名称：征收工作经费\n主管部门：开福区\n成本指标\t征收工作经费（万元）\t38\n"
    assert names(projects, text) == ["征收工作经费", "征收工作经费"]


@pytest.mark.parametrize("text", [
    "征收项目进展顺利，该项目已完成。", "全面完成扫尾项目和新拆项目，建设安置房。",
    "加快改造城镇老旧小区，改善居民居住条件。", "30万元用于基建工程项目预算编制。",
    "共有47个经开区项目、2个水利项目。", "为农民建设美好家园。",
])
def test_generic_mentions_are_not_projects(projects, text):
    assert names(projects, text) == []


@pytest.mark.parametrize("text, expected", [
    # items listed before 等 and a project word are names of one kind (seed 000, GUIDELINES.md section 1)
    ("加快完成机械化、大米厂等棚户区改造民生项目扫尾和遗留问题化解。", ["机械化", "大米厂"]),
    # places before each item are cut off, a remark in brackets is not part of the name (seed 002)
    ("特别是望岳街道谷山片区、坪塘街道融城小镇、西湖街道双塘路、岳麓街道湘江科创基地三期（1078亩二期）等省、市重点项目均在短时间内完成",
     ["谷山片区", "融城小镇", "双塘路", "湘江科创基地三期"]),
    # items listed beside a listed site share its kind
    ("已完成项目4个（配套一号地块、枫四路、市政花园、华锐科创园）", ["配套一号地块", "枫四路", "市政花园", "华锐科创园"]),
])
def test_items_listed_with_names_are_names(projects, text, expected):
    assert names(projects, text) == expected


@pytest.mark.parametrize("text", [
    "推进工业强基、智能制造、绿色制造等重大工程。",          # programmes, not sites
    "尤其是建设办、建宁办、枫溪办等项目任务重的单位。",        # offices
])
def test_lists_of_programmes_or_offices_are_not_projects(projects, text):
    assert names(projects, text) == []


def test_a_numbered_item_is_not_listed_with_the_word_before_its_marker(projects):
    assert names(projects, "共有5个项目1、烈士纪念设施维修项目：预算100万元") == ["烈士纪念设施维修项目"]


def test_occurrences_allow_a_layout_space_and_a_trailing_project_word():
    text = "长虹路北棚户区改造。长虹路 北棚户区改造项目已开工；长虹路北棚户区改造长虹路北棚户区改造"
    assert [text[a:b] for a, b in occurrences(text, ["长虹路北棚户区改造"])] == [
        "长虹路北棚户区改造", "长虹路 北棚户区改造项目", "长虹路北棚户区改造", "长虹路北棚户区改造"]


def test_occurrences_of_several_names_in_one_pass():
    text = "藕塘安置小区和莲花安置小区；莲花安置小区二期"
    found = sorted(text[a:b] for a, b in occurrences(text, ["藕塘安置小区", "莲花安置小区", "莲花安置小区二期"]))
    assert found == ["莲花安置小区", "莲花安置小区", "莲花安置小区二期", "藕塘安置小区"]


def test_a_name_found_once_is_tagged_at_every_mention_of_a_long_report(projects):
    """Mentions are found by one pass over the text (a trie of the names), not one scan per name."""
    units = [f"{i}、第{i}批安置区{i}号地块项目：完成拆迁。" for i in range(1, 301)]
    text = "".join(units) + "".join(f"第{i}批安置区{i}号地块项目已交付。" for i in range(1, 301))
    found = names(projects, text)
    assert len(found) == 600 and found[:300] == found[300:]
