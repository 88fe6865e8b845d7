"""Two public extractors mapped onto our labels, scored next to jixiao by ``jixiao evaluate --peers``.

- Microsoft Recognizers-Text (``recognizers-text-suite``, Culture.Chinese): currency → MONEY,
  dimension (area, length, volume, weight) → QUANTITY, percentage → PERCENT;
- jionlp: ``jio.ner.extract_money`` → MONEY.

Both come from the optional extra ``peers``.  Their spans are offsets into the original text;
the mapping is fair to them: a span is cut to its number and unit where the peer's convention
differs from GUIDELINES.md (jionlp keeps 约, 左右 and neighbouring punctuation inside), their
values are put in our canonical units, and their own vagueness marks become our qualifiers.
"""
from __future__ import annotations

import contextlib
import io
import re
from functools import lru_cache
from typing import Callable, Optional

from .doc import Document, Entity

# Recognizers-Text dimension units → GUIDELINES.md canonical units (and the factor to it).
_DIMENSION_UNITS = {
    "Square meter": ("平方米", 1.0), "Square kilometer": ("平方公里", 1.0), "Hectare": ("公顷", 1.0),
    "Mu": ("亩", 1.0), "Cubic meter": ("立方米", 1.0), "Meter": ("米", 1.0), "Kilometer": ("公里", 1.0),
    "Centimeter": ("米", 0.01), "Millimeter": ("米", 0.001), "Kilogram": ("公斤", 1.0), "Gram": ("公斤", 0.001),
    "Ton": ("吨", 1.0), "Jin": ("斤", 1.0), "Liter": ("升", 1.0),
}
_CN_NUM = "零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟"
_MONEY_CORE = re.compile(rf"(?:\d[\d.,]*|[{_CN_NUM}]+)(?:[\d.,{_CN_NUM}]*)(?:多|余)?(?:元|块钱|块|美元|欧元|英镑|日元|港元)")
_JIONLP_QUALIFIER = {"blur": "approx", "blur+": "gt", "blur-": "lt", "accurate": None}


def _span_entity(doc_id: str, text: str, start: int, end: int, label: str, value: Optional[float], unit: str,
                 qualifier: Optional[str], source: str) -> Optional[Entity]:
    if not 0 <= start < end <= len(text):
        return None
    return Entity(start=start, end=end, label=label, text=text[start:end], value=value, unit=unit,
                  qualifier=qualifier, source=source)


def _float(s: str) -> Optional[float]:
    try:
        return float(str(s).replace(",", "").rstrip("%"))
    except ValueError:
        return None


# -- Recognizers-Text ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _recognizers():
    from recognizers_number import NumberRecognizer
    from recognizers_number_with_unit import NumberWithUnitRecognizer
    from recognizers_text import Culture
    units = NumberWithUnitRecognizer(Culture.Chinese)
    numbers = NumberRecognizer(Culture.Chinese)
    return units.get_currency_model(), units.get_dimension_model(), numbers.get_percentage_model()


def recognizers_text(doc_id: str, text: str) -> Document:
    """MONEY, QUANTITY and PERCENT from Microsoft Recognizers-Text (zh-cn)."""
    currency, dimension, percentage = _recognizers()
    entities: list[Entity] = []
    for r in currency.parse(text):
        res = r.resolution or {}
        unit = "元" if res.get("isoCurrency") == "CNY" or res.get("unit") == "Chinese yuan" else str(res.get("unit"))
        e = _span_entity(doc_id, text, r.start, r.end + 1, "MONEY", _float(res.get("value", "")), unit, None,
                         "recognizers-text")
        entities.append(e)
    for r in dimension.parse(text):
        res = r.resolution or {}
        unit, factor = _DIMENSION_UNITS.get(res.get("unit"), (str(res.get("unit")), 1.0))
        value = _float(res.get("value", ""))
        e = _span_entity(doc_id, text, r.start, r.end + 1, "QUANTITY", None if value is None else value * factor,
                         unit, None, "recognizers-text")
        entities.append(e)
    for r in percentage.parse(text):
        res = r.resolution or {}
        e = _span_entity(doc_id, text, r.start, r.end + 1, "PERCENT", _float(res.get("value", "")), "%", None,
                         "recognizers-text")
        entities.append(e)
    return _document(doc_id, text, entities)


# -- jionlp ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _jionlp():
    """jionlp prints a banner on import; keep it off our output."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import jionlp
    return jionlp


def jionlp_money(doc_id: str, text: str) -> Document:
    """MONEY from ``jio.ner.extract_money``, cut to number and currency unit."""
    jio = _jionlp()
    entities: list[Entity] = []
    with contextlib.redirect_stdout(io.StringIO()):
        found = jio.ner.extract_money(text, with_parsing=True)
    for r in found:
        a, b = r["offset"]
        core = _MONEY_CORE.search(text, a, b)
        if core:
            a, b = core.span()
        detail = r.get("detail") or {}
        case = detail.get("case") or "元"
        e = _span_entity(doc_id, text, a, b, "MONEY", _float(detail.get("num", "")), "元" if case == "元" else case,
                         _JIONLP_QUALIFIER.get(detail.get("definition")), "jionlp")
        entities.append(e)
    return _document(doc_id, text, entities)


def _document(doc_id: str, text: str, entities: list[Optional[Entity]]) -> Document:
    kept: list[Entity] = []
    for e in sorted((e for e in entities if e is not None), key=lambda e: (e.start, -(e.end - e.start))):
        if kept and e.start < kept[-1].end:
            continue  # a peer may report one stretch twice (as currency and as dimension)
        kept.append(e)
    for i, e in enumerate(kept, 1):
        e.id = f"e{i}"
    return Document(id=doc_id, text=text, entities=kept)


PEERS: dict[str, Callable[[str, str], Document]] = {
    "recognizers-text": recognizers_text,
    "jionlp": jionlp_money,
}
