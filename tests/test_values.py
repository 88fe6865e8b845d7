"""Numbers, canonical units and qualifiers as GUIDELINES.md sections 3 and 5 define them."""
from __future__ import annotations

import pytest

from pipeline.values import parse_number, qualifier_of, read_span, unit_lexicon


@pytest.mark.parametrize("numeral, value", [
    ("两", 2.0), ("十二", 12.0), ("一百零五", 105.0), ("九十", 90.0), ("十", 10.0), ("二十", 20.0),
    ("一千二百三十四万五千", 12345000.0), ("三亿零五百三十万", 305300000.0), ("九十八点五", 98.5),
    ("1,234.5", 1234.5), ("13003.0764", 13003.0764), ("0.05", 0.05), ("1.2万", 12000.0), ("5.85亿", 585000000.0),
])
def test_numerals(numeral, value):
    assert parse_number(numeral) == pytest.approx(value)


def test_not_a_number():
    assert parse_number("") is None
    assert parse_number("项目") is None


def _read(text, span, label=None, header_unit=None):
    a = text.index(span)
    return read_span(text, (a, a + len(span)), label, header_unit)


@pytest.mark.parametrize("numeral, unit, value, canonical", [
    ("13003.0764", "万元", 130030764.0, "元"),   # GUIDELINES.md section 3
    ("5.85", "亿元", 585000000.0, "元"),
    ("0", "元", 0.0, "元"),
    ("61534.77", "平方米", 61534.77, "平方米"),
    ("9052", "㎡", 9052.0, "平方米"),
    ("3", "km²", 3.0, "平方公里"),
    ("2", "hm²", 2.0, "公顷"),
    ("800", "方", 800.0, "立方米"),
    ("12", "km", 12.0, "公里"),
    ("30", "kg", 30.0, "公斤"),
    ("1831", "户", 1831.0, "户"),
    ("200", "人次", 200.0, "人次"),
    ("15", "批次", 15.0, "批次"),
    ("3.91", "个百分点", 3.91, "%"),
    ("1800", "万套", 18000000.0, "套"),
    ("1000", "亿斤", 100000000000.0, "斤"),
    ("5", "‰", 0.5, "%"),
])
def test_canonical_units(numeral, unit, value, canonical):
    r = _read(numeral + unit, numeral + unit)
    assert r.value == pytest.approx(value, rel=1e-9)
    assert r.unit == canonical


@pytest.mark.parametrize("text, span, label, header, value, unit, qualifier", [
    ("共走访200余人次。", "200余人次", "QUANTITY", None, 200.0, "人次", "gt"),
    ("满意度达到百分之九十以上", "百分之九十", "PERCENT", None, 90.0, "%", "gte"),
    ("征收约61534.77平方米", "61534.77平方米", "QUANTITY", None, 61534.77, "平方米", "approx"),
    ("分别增长2.3%、-0.3%", "-0.3%", "PERCENT", None, -0.3, "%", None),          # a fall keeps its sign
    ("基本支出２８４．３２万元", "２８４．３２万元", "MONEY", None, 2843200.0, "元", None),   # full-width, unnormalised
    ("新增30 511户", "30 511户", "QUANTITY", None, 30511.0, "户", None),          # a thousands space
    ("收入35.27万 元", "35.27万 元", "MONEY", None, 352700.0, "元", None),        # a layout space in the unit
    ("提高3.9个个百分点", "3.9个个百分点", "PERCENT", None, 3.9, "%", None),      # a doubled first character
    ("处理规模8245吨/日", "8245吨/日", "QUANTITY", None, 8245.0, "吨/日", None),   # a rate keeps its time unit
    ("设计速度80km/小时", "80km/小时", "QUANTITY", None, 80.0, "公里/小时", None),
    ("增设发酵池十二个", "十二个", "QUANTITY", None, 12.0, "个", None),
    ("\t征收工作经费\t38\n", "38", "MONEY", "万元", 380000.0, "元", None),        # a header fixes the unit
    ("\t培训\t160\n", "160", "QUANTITY", "人", 160.0, "人", None),
    ("拆迁补偿\t27.75\n", "27.75", "MONEY", None, 27.75, "元", None),           # bare money is in 元
])
def test_read_span(text, span, label, header, value, unit, qualifier):
    r = _read(text, span, label, header)
    assert (r.value, r.unit, r.qualifier, r.label) == (pytest.approx(value), unit, qualifier, label)


@pytest.mark.parametrize("text, span, label", [
    ("完成拆迁工作", "拆迁", "QUANTITY"),        # not a number
    ("征收1831户", "1831户", "MONEY"),           # the unit says another label
    ("\t合计\t38\n", "38", "QUANTITY"),        # a bare count whose unit nothing fixes
    ("共计2024年", "2024", None),
])
def test_spans_that_do_not_read_as_their_label(text, span, label):
    assert _read(text, span, label) is None


def test_durations_are_marked():
    for surface in ("年", "个月", "天", "日", "小时", "个工作日"):
        assert unit_lexicon()[surface].duration, surface


@pytest.mark.parametrize("before, inside, after, qualifier", [
    ("", "余", "", "gt"),          # 200余人次
    ("", "多", "", "gt"),
    ("超过", "", "", "gt"),
    ("逾", "", "", "gt"),
    ("", "", "以上", "gte"),
    ("", "", "及以上", "gte"),
    ("不少于", "", "", "gte"),
    ("≥", "", "", "gte"),
    ("约", "", "", "approx"),
    ("", "", "左右", "approx"),
    ("近", "", "", "approx"),
    ("大约", "", "", "approx"),
    ("", "", "以下", "lte"),
    ("", "", "以内", "lte"),
    ("不超过", "", "", "lte"),
    ("≤", "", "", "lte"),
    ("不到", "", "", "lt"),
    ("未满", "", "", "lt"),
    ("", "", "", None),
])
def test_qualifiers(before, inside, after, qualifier):
    assert qualifier_of(before, inside, after) == qualifier


def test_inside_wins_over_before():
    # 约50余次: 余 inside the span makes it gt (GUIDELINES.md section 5)
    assert qualifier_of("约", "余", "") == "gt"


def test_above_before_the_number_is_no_qualifier():
    # 以上3个街道: "the above three streets"
    assert qualifier_of("以上", "", "个街道") is None


def test_words_that_only_end_like_a_qualifier():
    assert qualifier_of("未签约", "", "") is None   # 签约 is not 约
    assert qualifier_of("最近", "", "") is None      # 最近 is not 近


def test_case14_a_last_digit_after_a_unit_counts_in_the_next_unit_down():
    """两万三人次 is 23000 (两万三千), 三千二栋 is 3200; 零 keeps the digit as written (一万零三)."""
    from pipeline import extract
    assert [parse_number(s) for s in ("两万三", "三千二", "一百五", "三亿五", "一万零三", "二十三")] == [
        23000.0, 3200.0, 150.0, 350000000.0, 10003.0, 23.0]
    doc = extract("全年组织培训两万三人次，拆除房屋三千二栋。")
    assert [(e.text, e.value, e.unit) for e in doc.entities] == [("两万三人次", 23000.0, "人次"),
                                                                 ("三千二栋", 3200.0, "栋")]
