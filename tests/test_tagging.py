"""The rule tagger against GUIDELINES.md: spans, values, exclusions and units fixed by headers.

PROJECT rules are in test_projects.py; the titles tables give their cells in test_tables.py."""
from __future__ import annotations

import pytest

from pipeline.normalising import normalise
from pipeline.tables import read_tables
from pipeline.tagging import RuleTagger


@pytest.fixture(scope="module")
def tagger():
    return RuleTagger()


def tag(tagger, text):
    nt = normalise(text)
    ents = tagger(nt, read_tables(nt))
    for e in ents:
        assert text[e.start:e.end] == e.text
    return ents


def spans(tagger, text):
    return [(e.text, e.label) for e in tag(tagger, text)]


def one(tagger, text, span):
    found = [e for e in tag(tagger, text) if e.text == span]
    assert len(found) == 1, (span, [e.text for e in tag(tagger, text)])
    return found[0]


# -- numbers with their own unit ------------------------------------------------------------
def test_money_and_percent(tagger):
    text = "基本支出284.32万元，占比57.23%。"
    assert spans(tagger, text) == [("284.32万元", "MONEY"), ("57.23%", "PERCENT")]
    money = one(tagger, text, "284.32万元")
    assert (money.value, money.unit) == (2843200.0, "元")


@pytest.mark.parametrize("text, span, label, value, unit", [
    ("项目资金13003.0764万元", "13003.0764万元", "MONEY", 130030764.0, "元"),
    ("总投资5.85亿元", "5.85亿元", "MONEY", 585000000.0, "元"),
    ("支出0元", "0元", "MONEY", 0.0, "元"),
    ("征收1831户", "1831户", "QUANTITY", 1831.0, "户"),
    ("征地面积11690亩", "11690亩", "QUANTITY", 11690.0, "亩"),
    ("面积9052㎡", "9052㎡", "QUANTITY", 9052.0, "平方米"),
    ("面积61534.77平方米", "61534.77平方米", "QUANTITY", 61534.77, "平方米"),
    ("拆除房屋164栋", "164栋", "QUANTITY", 164.0, "栋"),
    ("迁坟54棺", "54棺", "QUANTITY", 54.0, "棺"),
    ("补偿资料共15个批次", "15个批次", "QUANTITY", 15.0, "批次"),
    ("内设两个副主任室", "两个", "QUANTITY", 2.0, "个"),
    ("增设发酵池十二个", "十二个", "QUANTITY", 12.0, "个"),
    ("满意度百分之九十", "百分之九十", "PERCENT", 90.0, "%"),
    ("比重下降3.91个百分点", "3.91个百分点", "PERCENT", 3.91, "%"),
    ("棚户区住房1800万套", "1800万套", "QUANTITY", 18000000.0, "套"),
    ("设计速度80公里/小时", "80公里/小时", "QUANTITY", 80.0, "公里/小时"),
])
def test_values_and_units(tagger, text, span, label, value, unit):
    e = one(tagger, text, span)
    assert (e.label, e.unit) == (label, unit)
    assert e.value == pytest.approx(value)


@pytest.mark.parametrize("text, span, value, unit", [
    ("迁坟96穴。", "96穴", 96.0, "穴"),                      # measure words of the grammar, not of one report
    ("新建蓄水池2口，", "2口", 2.0, "口"),
    ("检测样株30株。", "30株", 30.0, "株"),
    ("购生产母牛3895头，", "3895头", 3895.0, "头"),
    ("累计巡查1256点次。", "1256点次", 1256.0, "点次"),
    ("地上27层，", "27层", 27.0, "层"),
    ("建成12256.5M2。", "12256.5M2", 12256.5, "平方米"),      # upper-case latin units
    ("新增30 511户，", "30 511户", 30511.0, "户"),           # a thousands space inside one number
    ("处理规模8245吨/日，", "8245吨/日", 8245.0, "吨/日"),     # a rate per time keeps its compound unit
])
def test_quantities_of_the_long_tail(tagger, text, span, value, unit):
    e = one(tagger, text, span)
    assert (e.label, e.value, e.unit) == ("QUANTITY", value, unit)


@pytest.mark.parametrize("text", ["学习二十届三中全会精神", "三门县住房和城乡建设局", "二十里铺大桥", "四组广场"])
def test_counters_inside_names_are_not_counts(tagger, text):
    assert spans(tagger, text) == []


def test_a_fall_keeps_its_minus_sign_and_a_range_does_not(tagger):
    assert [(e.text, e.value) for e in tag(tagger, "分别增长2.3%、-0.3%和5.7%")] == [
        ("2.3%", 2.3), ("-0.3%", -0.3), ("5.7%", 5.7)]
    assert [(e.text, e.value) for e in tag(tagger, "补助标准为20-50万元")][-1] == ("50万元", 500000.0)


def test_wan_and_yi_are_money_where_money_is_talked_about(tagger):
    assert (one(tagger, "财政总收入35.27亿，", "35.27亿").value, one(tagger, "已安排51.6万城维资金", "51.6万").unit) \
        == (3527000000.0, "元")
    assert spans(tagger, "受益人口3.3万。") == []


def test_a_rate_stops_at_its_first_unit(tagger):
    assert spans(tagger, "补偿标准1600元/亩") == [("1600元", "MONEY")]


def test_span_boundaries_and_qualifiers(tagger):
    e = one(tagger, "组织培训200余人次", "200余人次")
    assert e.qualifier == "gt"
    e = one(tagger, "约50余次", "50余次")             # GUIDELINES.md section 5
    assert e.qualifier == "gt"
    e = one(tagger, "满意度99%以上", "99%")
    assert e.qualifier == "gte"
    e = one(tagger, "以上3个街道", "3个")              # "the above": no qualifier
    assert e.qualifier is None
    e = one(tagger, "未签约27户", "27户")               # 签约 is not 约
    assert e.qualifier is None


def test_final_qualifier_of_a_list_applies_to_each_item(tagger):
    ents = tag(tagger, "死亡率分别控制在4%、3%、2%以下")
    assert [(e.text, e.qualifier) for e in ents] == [("4%", "lte"), ("3%", "lte"), ("2%", "lte")]


# -- what is not an entity ------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "2024年", "12月31日", "6月2日", "工期2年左右", "在30个工作日内办结",
    "怀政发[2014]2号", "103号令", "第10号", "第一条",
    "党的二十届三中全会", "配套三号地块", "“三会一课”", "做到“两个维护”", "一户一方案", "全县一盘棋", "12345热线",
    "一、基本情况", "（二）项目支出", "1、主要职能", "⑴ 经费", "指标1：居民健康档案",
    "十一部门联合", "四大片区", "形成一套行之有效的工作办法", "是一个群众愿望强烈的工程",
    "资助款将一次性发放", "嘉顺苑二期、燕子山农民保障房", "新增千亿斤粮食产能",
])
def test_not_entities(tagger, text):
    assert spans(tagger, text) == []


def test_a_count_needs_a_measure_word(tagger):
    assert spans(tagger, "涉及11个部门") == [("11个", "QUANTITY")]


def test_one_counts_in_an_inventory(tagger):
    e = one(tagger, "购买变压器一套18.8万元", "一套")
    assert (e.value, e.unit) == (1.0, "套")


# -- units fixed by headers -----------------------------------------------------------------
def test_whole_table_unit(tagger):
    text = "金额单位：万元\n\t项目名称\t预算金额\t支出金额\n\t征收工作经费\t38\t27.75\n"
    ents = tag(tagger, text)
    assert [(e.text, e.label, e.value) for e in ents] == [("38", "MONEY", 380000.0), ("27.75", "MONEY", 277500.0)]


def test_bare_total_without_a_header_stays_unlabelled(tagger):
    assert spans(tagger, "\t合计\t38\t27.75\n") == []


def test_funding_table_columns(tagger):
    text = ("\t项目资金\n（万元）\n\t年初预算数\n\t全年预算数\n\t全年执行数\n\t分值\n\t执行率\n\t得分\n\n"
            "\t年度资金总额\n\t38\n\t38\n\t27.75\n\t10\n\t73.03%\n\t7.3\n\n\t年度总体目标\n")
    ents = tag(tagger, text)
    assert [(e.text, e.label, e.value) for e in ents] == [("38", "MONEY", 380000.0), ("38", "MONEY", 380000.0),
                                                          ("27.75", "MONEY", 277500.0), ("73.03%", "PERCENT", 73.03)]


def test_row_header_unit_fills_value_columns_only(tagger):
    text = ("\t一级指标\n\t二级指标\n\t三级指标\n\t年度指标值\n\t实际完成值\n\t分值\n\t得分\n\n"
            "\t成本指标\n\t征收工作经费（万元）\n\t38\n\t27.75\n\t5\n\t5\n\n")
    ents = tag(tagger, text)
    assert [(e.text, e.value) for e in ents] == [("38", 380000.0), ("27.75", 277500.0)]


def test_row_header_glued_to_its_value(tagger):
    e = one(tagger, "县动物卫生监督所资金总额(万元)50\n重大动物防控", "50")
    assert (e.label, e.value) == ("MONEY", 500000.0)


def test_slashed_header_gives_each_number_its_unit(tagger):
    text = "\t组织征收工作人员业务培训（场次/人数）\n\t1/160\n"
    ents = tag(tagger, text)
    assert [(e.text, e.label, e.unit, e.value) for e in ents] == [("1", "QUANTITY", "场次", 1.0),
                                                                  ("160", "QUANTITY", "人", 160.0)]


def test_glued_budget_cells_split_by_their_rate(tagger):
    text = "项目资金\n(万元)\n全年预算数(A)全年执行数(B)预算执行率(B/A)\n年度资金总额:40004000100%\n"
    ents = tag(tagger, text)
    assert [(e.text, e.label) for e in ents] == [("4000", "MONEY"), ("4000", "MONEY"), ("100%", "PERCENT")]


# -- units shared by neighbours -------------------------------------------------------------
def test_enumeration_shares_the_unit(tagger):
    e = one(tagger, "水费0.26万元、物业管理费0.05、差旅费0.68万元", "0.05")
    assert (e.label, e.value, e.unit) == ("MONEY", 500.0, "元")


def test_list_numbering_does_not_take_a_unit(tagger):
    assert [e.text for e in tag(tagger, "具体项目:1、运河南苑500套; 2、漕运人家280套")] == ["500套", "280套"]


def test_arithmetic_terms_take_the_unit_of_the_total(tagger):
    ents = tag(tagger, "实际未安置人员共15652人（5032+11361-741=15652）")
    assert [(e.text, e.unit) for e in ents] == [("15652人", "人"), ("5032", "人"), ("11361", "人"),
                                                ("741", "人"), ("15652", "人")]


def test_offsets_survive_full_width_digits(tagger):
    text = "基本支出２８４．３２万元，面积９０５２㎡"
    assert [(e.text, e.value) for e in tag(tagger, text)] == [("２８４．３２万元", 2843200.0), ("９０５２㎡", 9052.0)]
