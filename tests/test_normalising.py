"""The normalised view (pipeline/normalising.py): what it repairs, and the exact way back."""
from __future__ import annotations

import pytest

from pipeline.normalising import normalise


@pytest.mark.parametrize("text, view", [
    ("２８４．３２万元", "284.32万元"),          # full-width digits and point
    ("面积9052㎡", "面积9052平方米"),            # a unit symbol widened
    ("新增30 511户", "新增30511户"),             # a thousands space inside one number
    ("\t10 100%\n", "\t10 100%\n"),              # two cells, not 10100%
    ("完成42:77%", "完成42.77%"),                 # an OCR decimal mark
])
def test_the_view(text, view):
    assert normalise(text).text == view


def test_every_view_span_maps_back_exactly():
    text = "基本支出２８４．３２万元，面积9052㎡，新增30 511户"
    nt = normalise(text)
    for a in range(len(nt.text)):
        for b in range(a + 1, len(nt.text) + 1):
            s = nt.to_original(a, b)
            assert text[s.start:s.end] == s.text
    assert nt.to_original(nt.text.index("30511"), nt.text.index("30511") + 6).text == "30 511户"
