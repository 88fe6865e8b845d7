"""Indicator tables of seeds 002 and 004 rebuilt row by row.

Expectations were written by reading the seed text (samples/reports) and GUIDELINES.md section 3
(values in canonical units, qualifiers from 以上/及以上), not from the program's output.
"""
from __future__ import annotations

import pytest

from pipeline.normalising import normalise
from pipeline.tables import read_tables
from pipeline.tables.cells import read_grid


def tables(text):
    return read_tables(normalise(text))


def _text(root, name):
    return next((root / "samples" / "reports").glob(f"{name}_*.txt")).read_text(encoding="utf-8")


# (indicator starts with, target text, target (value, unit, qualifier) or None, actual text starts with,
#  actual (value, unit, qualifier) or None, weight, score, level1 starts with, level2)
SEED_002 = [
    ("指标1：结合党组中心组学习", "20次以上", (20, "次", "gte"), "全年开展研讨活动20次", None, 10, 10, "产出指标", "数量指标"),
    ("指标2：庆建党百年征文上稿篇数", "20篇以上", (20, "篇", "gte"), "在区级以上网站", (21, "篇", None), 10, 10, "产出指标", "数量指标"),
    ("指标3：走访慰问、扶助困难群众户数", "300户及以上", (300, "户", "gte"), "走访慰问网格困难群众13户", None, 10, 10, "产出指标", "数量指标"),
    ("指标1：扫尾项目成效", "针对未签约、未拆除户", None, "全年扫尾任务创", None, 5, 5, "产出指标", "质量指标"),
    ("指标2：新拆项目签约率", "99%以上", (99, "%", "gte"), "100%", (100, "%", None), 5, 5, "产出指标", "质量指标"),
    ("指标1：年度拆迁项目任务完成情况", "各项工作任务年底前基本完成", None, "拆迁项目基本按工作进度", None, 10, 9, "产出指标", "时效指标"),
    ("指标1：精简机关运行经费", "用预算控制支出", None, "用预算控制支出，2021年", None, 5, 5, "产出指标", "成本指标"),
    ("指标2：有效合理使用各类专项资金", "100%", (100, "%", None), "100%", (100, "%", None), 5, 5, "产出指标", "成本指标"),
    ("指标1：保障社保资金足额到位", "保障社保资金足额到位，发挥社保资金保障作用", None, "已收缴社保资金5.85亿元", None, 10, 10, "效益指标", "经济效益\n指标"),
    ("指标1：落实安置社保政策", "以“拆安同步”为目标，加强机制保障，实现最优安置", None, "全年审批货币补贴安置指标", None, 10, 8, "效益指标", "社会效益\n指标"),
    ("指标1：改善全区各街道（镇）拆迁群众生活质量", "推动项目拆迁工作开展，改善全区居民生活环境", None, "为建设岳麓区宜居环境", None, 10, 9, "效益指标", "可持续影响指标"),
    ("指标1：群众对征地拆迁安置等相关工作满意程度", "满意", None, "认真办理“12345”政务热线工单", None, 10, 10, "满意度\n指标", "服务对象满意度指标"),
]

SEED_004 = [
    ("项目前期私房摸底调查数量（户）", "1434", (1434, "户", None), "1434", (1434, "户", None), 5, 5, "产出指标", "数量指标"),
    ("项目前期单位产摸底调查数量（个）", "15", (15, "个", None), "15", (15, "个", None), 5, 5, "产出指标", "数量指标"),
    ("组织征收工作人员业务培训（场次/人数）", "1/160", None, "1/178", None, 5, 5, "产出指标", "数量指标"),
    ("提供法律意见/相关文书及合同审查修改/诉讼案件办理（次/次/件）", "无", None, "80/92/8", None, 5, 5, "产出指标", "数量指标"),
    ("征收项目前期调查摸底工作完成合格率", "95%", (95, "%", None), "100%", (100, "%", None), 5, 5, "产出指标", "质量指标"),
    ("征收业务培训考核合格率", "95%", (95, "%", None), "100%", (100, "%", None), 5, 5, "产出指标", "质量指标"),
    ("法顾顾问工作完成合格率", "95%", (95, "%", None), "100%", (100, "%", None), 5, 5, "产出指标", "质量指标"),
    ("征收项目前期调查摸底工作完成及时率", "95%", (95, "%", None), "100%", (100, "%", None), 5, 5, "产出指标", "时效指标"),
    ("征收业务培训完成及时率", "95%", (95, "%", None), "100%", (100, "%", None), 3, 3, "产出指标", "时效指标"),
    ("法律顾问工作完成及时率", "95%", (95, "%", None), "100%", (100, "%", None), 2, 2, "产出指标", "时效指标"),
    ("征收工作经费（万元）", "38", (380000, "元", None), "27.75", (277500, "元", None), 5, 5, "产出指标", "成本指标"),
    ("确保征收项目稳步推进，征收工作正常开展", "有效保障", None, "有效保障", None, 30, 30, "效益指标", "社会效\n\n益指标"),
    ("被摸底调查对象满意度", "90%", (90, "%", None), "95%", (95, "%", None), 10, 10, "满意度", "服务对象满意度指标"),
]


@pytest.mark.parametrize("seed,expected", [("002", SEED_002), ("004", SEED_004)])
def test_every_indicator_row_rebuilt(root, seed, expected):
    text = _text(root, seed)
    rows = tables(text).indicators
    assert len(rows) == len(expected)
    for row, (ind, target, tval, actual, aval, weight, score, level1, level2) in zip(rows, expected):
        assert row.indicator.text.startswith(ind)
        assert row.target.span.text == target
        assert row.actual.span.text.startswith(actual)
        assert (row.weight, row.score) == (weight, score), ind
        assert row.level1.text.startswith(level1) and row.level2.text == level2, ind
        for cell, want in ((row.target, tval), (row.actual, aval)):
            if want is not None:
                assert (cell.value, cell.unit, cell.qualifier) == (pytest.approx(want[0]), want[1], want[2]), ind
        for span in (row.indicator, row.target.span, row.actual.span, row.weight_span, row.score_span):
            assert text[span.start:span.end] == span.text


def test_slashed_cells_take_one_value_per_slash(root):
    rows = tables(_text(root, "004")).indicators
    training = rows[2]
    assert training.target.values == (1, 160) and training.actual.values == (1, 178)
    assert rows[3].actual.values == (80, 92, 8)


def test_deviation_reasons_and_totals(root):
    t002 = tables(_text(root, "002"))
    reasons = [r.deviation.text[:6] if r.deviation else None for r in t002.indicators]
    assert reasons == [None] * 5 + ["通过强督促、"] + [None] * 3 + ["已提前完成审"] + ["请求区政府进"] + [None]
    table = next(t for t in t002.forms if t.kind == "indicator")
    assert (table.total.weight.value, table.total.score.value) == (100, 96)
    t004 = tables(_text(root, "004"))
    assert t004.indicators[10].deviation.text == "另有10万元2022年年末已申请支付但未支付"
    ind = next(t for t in t004.forms if t.kind == "indicator")
    assert (ind.total.weight.value, ind.total.score.value) == (100, 100)


def test_budget_table_of_seed_004(root):
    """项目资金（万元）: 年初预算数 38, 全年执行数 27.75, 分值 10, 执行率 73.03%, 得分 7.3."""
    text = _text(root, "004")
    line = next(b for b in tables(text).budget_lines if b.item.text == "年度资金总额")
    cells = {k: (v.span.text, v.value) for k, v in line.cells.items()}
    assert cells["年初预算数"] == ("38", 380000.0)
    assert cells["全年执行数"] == ("27.75", 277500.0)
    assert cells["执行率"] == ("73.03%", 73.03)
    assert cells["分值"] == ("10", 10.0) and cells["得分"] == ("7.3", 7.3)
    assert "全年预算数" not in cells  # the cell is blank in the report


def test_row_cut_by_blank_line_inside_a_cell_is_joined():
    text = ("\t一级指标\n\t二级指标\n\t三级指标\n\t年度指标值\n\t实际完成值\n\t分值\n\t得分\n\n"
            "\t效益指标\n\t社会效益指标\n\t确保项目推进\n\n\t有效保障\n\t有效保障\n\t30\n\t29\n\n")
    rows = tables(text).indicators
    assert len(rows) == 1
    assert (rows[0].indicator.text, rows[0].target.span.text, rows[0].weight, rows[0].score) == ("确保项目推进", "有效保障", 30, 29)
    assert len(read_grid(normalise(text), 100)) == 1


# -- what a header decides (pipeline/tables/header.py) -----------------------------------------
def test_unit_headers_name_the_units_of_bare_cells():
    from pipeline.tables.header import unit_headers
    text = "金额单位：万元\n征收工作经费（万元）\t38\n培训（场次/人数）\t1/160\n（2023年）（备注）"
    found = [(text[h.a:h.b], [e.surface for e in h.entries], h.whole_table, h.money) for h in unit_headers(text)]
    assert found == [("金额单位：万元", ["万元"], True, "万元"), ("（万元）", ["万元"], False, "万元"),
                     ("（场次/人数）", ["场次", "人"], False, None)]


def test_a_bare_money_number_takes_the_last_header_unit_within_reach():
    from pipeline.tables.header import money_unit_before
    text = "金额单位：元\n项目\t金额\n拆迁补偿\t27.75\n" + "说明" * 2000 + "\n合计\t38"
    assert money_unit_before(text, text.index("27.75")) == "元"
    assert money_unit_before(text, text.index("38")) is None  # 金额单位 is more than 3000 characters away


def test_cells_split_keeps_empty_cells_and_strips_blanks():
    import re
    from pipeline.tables.cells import split
    text = "序号 | 项目名称 |  | 金额 |"
    assert [text[a:b] for a, b in split(text, 0, len(text), re.compile(r"\|"))] == ["序号", "项目名称", "", "金额", ""]


# -- numbers under a unit header and the titles tables give (pipeline/tables/numbers.py) ---------
def test_funding_table_values_and_titles():
    text = ("\t项目资金\n（万元）\n\t年初预算数\n\t全年预算数\n\t全年执行数\n\t分值\n\t执行率\n\t得分\n\n"
            "\t年度资金总额\n\t38\n\t38\n\t27.75\n\t10\n\t73.03%\n\t7.3\n\n\t年度总体目标\n")
    t = tables(text)
    assert [(text[n.a:n.b], n.label, n.value, n.unit) for n in t.numbers] == [
        ("38", "MONEY", 380000.0, "元"), ("38", "MONEY", 380000.0, "元"), ("27.75", "MONEY", 277500.0, "元")]
    titles = {text[k:k + 6].split("\n")[0]: v.text for k, v in t.titles.items()}
    assert titles == {"38": "年度资金总额", "27.75": "年度资金总额", "73.03%": "执行率"}  # the rate is about its column


def test_row_header_gives_its_name_and_unit_to_value_columns_only():
    text = ("\t一级指标\n\t二级指标\n\t三级指标\n\t年度指标值\n\t实际完成值\n\t分值\n\t得分\n\n"
            "\t成本指标\n\t征收工作经费（万元）\n\t38\n\t27.75\n\t5\n\t5\n\n")
    t = tables(text)
    assert [(text[n.a:n.b], n.value) for n in t.numbers] == [("38", 380000.0), ("27.75", 277500.0)]
    assert {v.text for v in t.titles.values()} == {"征收工作经费"}


def test_cells_map_back_to_the_original_text():
    """Full-width digits and ideographic spaces are read in the view; every span points into the original."""
    text = ("\t一级指标\n\t二级指标\n\t三级指标\n\t年度指标值\n\t实际完成值\n\t分值\n\t得分\n\n"
            "\t产出指标\n\t数量指标\n\t入户调查\u3000（户）\n\t１４３４\n\t１４３４\n\t５\n\t５\n\n")
    (row,) = tables(text).indicators
    assert (row.target.value, row.target.unit, row.weight) == (1434.0, "户", 5.0)
    for span in (row.indicator, row.target.span, row.actual.span, row.weight_span):
        assert text[span.start:span.end] == span.text
    assert row.target.span.text == "１４３４"


def test_the_tables_component_reads_once_into_the_document():
    from pipeline.language import Pipeline
    text = "金额单位：万元\n\t项目名称\t预算金额\t支出金额\n\t征收工作经费\t38\t27.75\n"
    doc = Pipeline.from_config("pipeline-rules").__call__(__import__("pipeline").Document(id="t", text=text))
    assert doc.tables is not None and [n.value for n in doc.tables.numbers] == [380000.0, 277500.0]
    assert [(e.text, e.value, e.subject.text) for e in doc.entities if e.label == "MONEY"] == [
        ("38", 380000.0, "征收工作经费"), ("27.75", 277500.0, "征收工作经费")]
