"""Attributes derived for a span an annotator drew (pipeline/annotate/attributes.py), read as the
rule tagger reads them (GUIDELINES.md section 3)."""
from __future__ import annotations

import pytest

from pipeline.annotate.attributes import Attributes, derive


def _derive(text, span, label):
    a = text.index(span)
    return derive(text, a, a + len(span), label)


@pytest.mark.parametrize("text, span, label, want", [
    ("满意度98%以上", "98%", "PERCENT", Attributes(98.0, "%", "gte")),
    ("组织培训200余人次", "200余人次", "QUANTITY", Attributes(200.0, "人次", "gt")),
    ("项目资金13003.0764万元", "13003.0764万元", "MONEY", Attributes(130030764.0, "元", None)),
    ("金额单位：万元\n拆迁补偿\t27.75\n", "27.75", "MONEY", Attributes(277500.0, "元", None)),  # the header's unit
    ("拆迁补偿\t27.75\n", "27.75", "MONEY", Attributes(27.75, "元", None)),                    # no header: 元
    ("约百分之九十", "百分之九十", "PERCENT", Attributes(90.0, "%", "approx")),
])
def test_attributes_from_the_span_and_its_context(text, span, label, want):
    assert _derive(text, span, label) == want


def test_a_span_that_is_no_number_keeps_money_unit_and_qualifier():
    assert _derive("约完成拆迁工作", "完成拆迁", "MONEY") == Attributes(None, "元", "approx")
    assert _derive("完成拆迁工作", "拆迁", "QUANTITY") == Attributes(None, None, None)
    assert _derive("完成拆迁工作", "拆迁", "PROJECT") == Attributes(None, None, None)
