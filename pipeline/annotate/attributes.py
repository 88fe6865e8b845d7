"""Attributes (value, unit, qualifier) for a span an annotator drew without typing them.

Annotators mark spans quickly; the normalised value follows from the span and its context the
same way the rule tagger computes it (GUIDELINES.md section 3), so it is derived rather than
left empty, and the import report says which ones were derived.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..values import parse_number, qualifier_of, unit_lexicon

_NUMERAL = re.compile(r"^([0-9０-９][0-9０-９,，.．]*|[零〇○一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿億点]+)(余|多)?\s?(.*)$")
_HEADER_UNIT = re.compile(r"(?:单位|（|\()\s*[:：]?\s*(万元|亿元|元|千元)\s*(?:）|\))?")


@dataclass(frozen=True)
class Attributes:
    value: Optional[float]
    unit: Optional[str]
    qualifier: Optional[str]


def derive(text: str, start: int, end: int, label: str) -> Attributes:
    """Value, canonical unit and qualifier of ``text[start:end]`` labelled ``label``."""
    if label == "PROJECT":
        return Attributes(None, None, None)
    span = re.sub(r"\s+", "", text[start:end])
    before, after = text[max(0, start - 6):start], text[end:end + 4]
    if label == "PERCENT":
        body = span[3:] if span.startswith("百分之") else re.sub(r"(个百分点|百分点|%|％|‰)$", "", span)
        value = parse_number(body)
        if span.endswith("‰") and value is not None:
            value = value / 10
        return Attributes(value, "%", qualifier_of(before, "", after))
    m = _NUMERAL.match(span)
    if not m:
        return Attributes(None, "元" if label == "MONEY" else None, qualifier_of(before, "", after))
    numeral, inside, surface = m.group(1), m.group(2) or "", m.group(3).strip()
    number = parse_number(numeral.replace("，", "").replace("．", "."))
    qualifier = qualifier_of(before, inside, after)
    if not surface and label == "MONEY":
        surface = _header_money_unit(text, start)
    scale = 1.0
    if len(surface) > 1 and surface[0] in "万亿" and _unit(surface[1:]) is not None:
        scale, surface = (1e4 if surface[0] == "万" else 1e8), surface[1:]
    if surface.startswith("个") and surface[1:] in unit_lexicon():
        surface = surface[1:]
    entry = _unit(surface)
    if number is None:
        return Attributes(None, "元" if label == "MONEY" else (entry.unit if entry else surface or None), qualifier)
    number *= scale
    if entry is None:
        return Attributes(float(number), "元" if label == "MONEY" else (surface or None), qualifier)
    unit = entry.unit if surface in unit_lexicon() else surface  # compound unit kept as written
    if label == "MONEY":
        unit = "元"
    return Attributes(float(round(number * entry.multiplier, 6)), unit, qualifier)


def _unit(surface: str):
    lex = unit_lexicon()
    for n in range(len(surface), 0, -1):
        if surface[:n] in lex:
            return lex[surface[:n]]
    return None


def _header_money_unit(text: str, start: int) -> str:
    """The money unit a table header fixes (金额单位：万元, 预算金额（万元）) for a bare number."""
    found = list(_HEADER_UNIT.finditer(text, max(0, start - 3000), start))
    return found[-1].group(1) if found else "元"
