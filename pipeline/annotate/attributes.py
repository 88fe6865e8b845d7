"""Attributes (value, unit, qualifier) for a span an annotator drew without typing them.

Annotators mark spans quickly; the normalised value follows from the span and its context the
same way the rule tagger computes it (GUIDELINES.md section 3), so it is derived rather than
left empty, and the import report says which ones were derived.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..tables.header import money_unit_before
from ..values import qualifier_around, read_span


@dataclass(frozen=True)
class Attributes:
    value: Optional[float]
    unit: Optional[str]
    qualifier: Optional[str]


def derive(text: str, start: int, end: int, label: str) -> Attributes:
    """Value, canonical unit and qualifier of ``text[start:end]`` labelled ``label``; a span that
    does not read as a number keeps only money's unit and the qualifier around it."""
    if label == "PROJECT":
        return Attributes(None, None, None)
    r = read_span(text, (start, end), label, money_unit_before(text, start) if label == "MONEY" else None)
    if r is not None:
        return Attributes(r.value, r.unit, r.qualifier)
    return Attributes(None, "元" if label == "MONEY" else None, qualifier_around(text, (start, end)))
