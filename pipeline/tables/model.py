"""What the tables of a report say, as the ``tables`` component writes it to ``Document.tables``.

Every cell is read once, in the normalised view the pipeline hands each component (``a:b``), and
keeps its span in the original text (``span``), which is what the output points to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ..doc import Span


@dataclass(frozen=True)
class Cell:
    """One table cell: ``text`` is the view's ``text[a:b]`` stripped of blanks; ``span`` the same
    stretch of the original text."""

    a: int
    b: int
    text: str
    span: Span

    @property
    def key(self) -> str:
        """The cell text without any whitespace (headers wrap: "年度\\n指标值" → "年度指标值")."""
        return re.sub(r"\s+", "", self.text)

    @property
    def empty(self) -> bool:
        return not self.key


@dataclass(frozen=True)
class CellValue:
    """A cell and the number it states (value in the canonical unit, GUIDELINES.md section 3)."""

    span: Span
    value: Optional[float] = None
    unit: Optional[str] = None
    qualifier: Optional[str] = None
    values: tuple = ()  # slashed cells ("1/160") give one value per slash

    def to_json(self) -> dict:
        d = self.span.to_json()
        d.update(value=self.value, unit=self.unit, qualifier=self.qualifier)
        if self.values:
            d["values"] = list(self.values)
        return d


@dataclass
class IndicatorFact:
    """One row of a performance-indicator table (绩效指标表)."""

    indicator: Span
    target: Optional[CellValue]
    actual: Optional[CellValue]
    weight: Optional[float]
    score: Optional[float]
    level1: Optional[Span] = None
    level2: Optional[Span] = None
    weight_span: Optional[Span] = None
    score_span: Optional[Span] = None
    deviation: Optional[Span] = None

    def to_json(self) -> dict:
        def sp(s):
            return s.to_json() if s is not None else None
        return {
            "indicator": sp(self.indicator), "target": self.target.to_json() if self.target else None,
            "actual": self.actual.to_json() if self.actual else None,
            "weight": self.weight, "score": self.score,
            "level1": sp(self.level1), "level2": sp(self.level2),
            "weight_span": sp(self.weight_span), "score_span": sp(self.score_span),
            "deviation": sp(self.deviation),
        }


@dataclass
class BudgetLine:
    """One row of a budget table: the item it is about and its figures by column name."""

    item: Span
    cells: dict[str, CellValue] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"item": self.item.to_json(), "cells": {k: v.to_json() for k, v in self.cells.items()}}


@dataclass
class TableTotal:
    """A 总分 (or 合计) row: the weights and scores the rows above should add up to."""

    label: Span
    weight: Optional[CellValue]
    score: Optional[CellValue]


@dataclass
class Table:
    """A rebuilt form table: its kind (indicator|budget), header, body rows and total row."""

    kind: str
    header: list[Cell]
    rows: list[list[Cell]]
    columns: list[str]
    start: int
    end: int
    indicators: list[IndicatorFact] = field(default_factory=list)
    budget_lines: list[BudgetLine] = field(default_factory=list)
    total: Optional[TableTotal] = None
    groups: list[tuple[Span, Optional[float], list[int]]] = field(default_factory=list)  # 一级指标 (50分) → rows
    region: int = 0  # tables of one flattened form share a region


@dataclass(frozen=True)
class TableNumber:
    """A bare cell number whose unit a header fixes (金额单位：万元, 征收工作经费（万元）, （场次/人数）),
    at view offsets ``a:b``, read with ``values.read_span``."""

    a: int
    b: int
    label: str
    value: float
    unit: str
    qualifier: Optional[str]


@dataclass
class Tables:
    """Everything the ``tables`` component read: form tables, header-unit numbers, cell titles."""

    forms: list[Table] = field(default_factory=list)
    numbers: list[TableNumber] = field(default_factory=list)  # in the order a header reached them
    # the title a table gives the number that starts at an original offset: its row header (征收工作经费),
    # its row label (年度资金总额), or its column (执行率) where the column is about a rate
    titles: dict[int, Span] = field(default_factory=dict)

    @property
    def indicators(self) -> list[IndicatorFact]:
        return [r for t in self.forms for r in t.indicators]

    @property
    def budget_lines(self) -> list[BudgetLine]:
        return [r for t in self.forms for r in t.budget_lines]
