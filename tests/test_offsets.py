"""Offsets are sacred: every span the tool emits satisfies text[start:end] == span.text,
whatever the width of the digits, the spaces inserted, or the encoding of the file."""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline import extract
from pipeline.normalising import normalise
from pipeline.reading import read_document

FRAGMENTS = [
    "基本支出284.32万元，占比57.23%，预算执行率100%。",
    "全年共实施项目55个（含扫尾12个），征地面积11690亩，涉及1831户，签约率100%。",
    "怀南水产品市场项目全年共拆除房屋164栋，面积61534.77平方米，迁坟54棺。",
    "完成迎丰组团10#安置区二期征地拆迁工作，组织培训200余人次，满意度99%以上。",
    "总建筑面积约1000㎡，建筑层高约4.3m，项目资金13003.0764万元。",
    "物业管理费0.05、差旅费0.68万元；百分之九十的被征收户完成签约。",
    "金额单位：万元\n项目\t年初预算数\t全年预算数\n征收工作经费\t38\t27.75\n",
    "2024年12月31日，怀政发[2014]2号文件第一条。",
]


def _widen(ch: str) -> str:
    o = ord(ch)
    return chr(o + 0xFEE0) if 0x21 <= o <= 0x7E else ("\u3000" if ch == " " else ch)


@st.composite
def report_texts(draw) -> str:
    parts = draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5))
    text = "".join(parts)
    chars = []
    for ch in text:
        if draw(st.integers(0, 9)) == 0:
            ch = _widen(ch)
        chars.append(ch)
        if draw(st.integers(0, 14)) == 0:
            chars.append(draw(st.sampled_from([" ", "\u3000", "\u00a0", "\t", "\n", "  "])))
    return "".join(chars)


def _assert_spans_exact(doc) -> None:
    text = doc.text
    for e in doc.entities:
        assert text[e.start:e.end] == e.text, e
        for s in (e.subject, e.project):
            if s is not None:
                assert text[s.start:s.end] == s.text, (e, s)
    for f in doc.facts:
        for s in (f.number, f.subject, f.project):
            if s is not None:
                assert text[s.start:s.end] == s.text, (f, s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_texts())
def test_every_span_points_into_the_original_text(text):
    doc = extract(text)
    _assert_spans_exact(doc)


@settings(max_examples=80, deadline=None)
@given(report_texts(), st.integers(0, 10_000), st.integers(0, 10_000))
def test_normalised_spans_map_back_within_the_original(text, i, j):
    view = normalise(text)
    n = len(view.text)
    a, b = sorted((i % (n + 1), j % (n + 1)))
    span = view.to_original(a, b)
    assert text[span.start:span.end] == span.text
    assert 0 <= span.start <= span.end <= len(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_texts(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"]))
def test_files_in_any_common_encoding_read_back_to_the_same_text(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # GBK lacks a few characters; that file could not exist
        return
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "report.txt"
        path.write_bytes(data)
        doc = read_document(path)
    assert doc.text == text
    extract(doc.text)
    _assert_spans_exact(extract(doc.text))


def test_full_width_figures_keep_original_spans_and_values():
    text = "基本支出２８４．３２万元，占比５７．２３％，面积９０５２㎡。"
    doc = extract(text)
    got = {(e.text, e.label, e.value, e.unit) for e in doc.entities}
    assert ("２８４．３２万元", "MONEY", 2843200.0, "元") in got
    assert ("５７．２３％", "PERCENT", 57.23, "%") in got
    assert ("９０５２㎡", "QUANTITY", 9052.0, "平方米") in got


def test_layout_spaces_join_digit_groups_but_not_table_cells():
    assert normalise("合计1 234.5万元").text == "合计1234.5万元"
    assert normalise("完成\t10 100%").text == "完成\t10 100%"
