"""Structural project cues (pipeline/cues.py): where the genre's layout or wording puts a name."""
from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.cues import CueFinder


@pytest.fixture(scope="module")
def finder():
    return CueFinder(load_config("cues"))


def cues(finder, text, kind, numbers=()):
    return [text[a:b] for a, b, k in finder(text, numbers) if k == kind]


def test_the_cell_of_a_name_field(finder):
    text = "项目名称 | 全市文物保护专项经费 | 预算金额 | 36万元 |"
    assert cues(finder, text, "field") == ["全市文物保护专项经费"]
    assert cues(finder, "项目名称：临时救助\n主管部门：民政局", "field") == ["临时救助"]


def test_the_name_column_of_a_flattened_table(finder):
    one_a_line = "序号 | 项目名称 | 建设地点 | 投资规模 |\n1 | 周家营村人行道硬化项目 | 周家营村 | 20 |\n" \
                 "2 | 后林都道路建设项目 | 柏庄镇 | 35 |\n"
    assert cues(finder, one_a_line, "field") == ["周家营村人行道硬化项目", "后林都道路建设项目"]
    cell_a_line = "序号 |\n乡镇名称 |\n项 目 名 称 |\n金额 |\n1 |\n西坪镇 |\n尧山村排洪排水工程建设 |\n20 |\n" \
                  "2 |\n桃舟乡 |\n吾培村水圳修复 |\n15 |\n"
    assert cues(finder, cell_a_line, "field") == ["尧山村排洪排水工程建设", "吾培村水圳修复"]


def test_words_in_prose_are_not_a_field(finder):
    assert cues(finder, "不允许随意变更项目名称、内容等要素", "field") == []


def test_titles_and_what_was_audited(finder):
    text = "关于下达2021年农村道路硬化项目资金的通知\n县审计局对城西安置房项目竣工决算进行了审计。"
    assert "下达2021年农村道路硬化项目资金" in cues(finder, text, "title")
    assert cues(finder, text, "about") == ["下达2021年农村道路硬化项目资金", "城西安置房项目竣工决算"]


def test_items_of_a_list_with_amounts(finder):
    text = "其中委员活动经费36.3万元，扫黑除恶工作经费1万元。"
    numbers = [(text.index("36.3万元"), text.index("36.3万元") + 6), (text.index("1万元"), text.index("1万元") + 3)]
    assert cues(finder, text, "listed", numbers) == ["其中委员活动经费", "扫黑除恶工作经费"]
    assert cues(finder, "基本支出329.02万元。", "listed", [(4, 13)]) == []     # not in a list


def test_project_words(finder):
    assert cues(finder, "八都大桥及防洪堤一标段", "word") == ["大桥", "防洪堤", "标段"]
