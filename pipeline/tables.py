"""Flattened tables: rebuild the rows and columns of tables whose cells arrive separated by tabs and newlines.

Word and PDF exports of 绩效自评表 lose the grid: every cell starts after a tab, a cell may hold
several lines ("年度\\n指标值"), and a row ends at a blank line.  Merged cells leave empty cells
(or none) at the start of a row, so a data row is aligned with its header from the right.  From
the rebuilt grid come ``IndicatorFact`` rows (一级/二级/三级指标, 年度指标值, 实际完成值, 分值, 得分,
偏差原因) and ``BudgetLine`` rows (预算数, 执行数, 执行率 ...).  Every cell keeps its span in the
original text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import mode
from typing import Optional

from .config import load_config
from .doc import Span
from .values import parse_number, qualifier_of, unit_lexicon

_BLANK_LINE = re.compile(r"\n[ \t\u3000\xa0]*\n")
_SPACE = " \t\n\r\u3000\xa0"


@dataclass(frozen=True)
class Cell:
    """One table cell: its text stripped of surrounding blanks, with offsets into the original text."""

    start: int
    end: int
    text: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.text)

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
    """A rebuilt table: its kind (indicator|budget), header, body rows and total row."""

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


@dataclass
class TableReading:
    tables: list[Table]

    @property
    def indicators(self) -> list[IndicatorFact]:
        return [r for t in self.tables for r in t.indicators]

    @property
    def budget_lines(self) -> list[BudgetLine]:
        return [r for t in self.tables for r in t.budget_lines]


@lru_cache(maxsize=1)
def _settings() -> dict:
    return load_config("tables")


# -- grid ------------------------------------------------------------------------------------

def _cell(text: str, a: int, b: int) -> Cell:
    while a < b and text[a] in _SPACE:
        a += 1
    while b > a and text[b - 1] in _SPACE:
        b -= 1
    return Cell(a, b, text[a:b])


def read_grid(text: str) -> list[list[list[Cell]]]:
    """Tab-flattened regions of ``text`` as lists of rows of cells.

    A row starts at the beginning of a line (the text before its first tab is its first cell) and
    ends where a cell is followed by a blank line, or where the next tab does not open its line.
    A long stretch of tab-less prose after a blank line ends the region.
    """
    max_prose = int(_settings().get("max_prose_in_cell", 100))
    tabs = [i for i, c in enumerate(text) if c == "\t"]
    regions: list[list[list[Cell]]] = []
    rows: list[list[Cell]] = []
    row: list[Cell] = []

    def close_row():
        nonlocal row
        if row:
            rows.append(row)
        row = []

    def close_region():
        nonlocal rows
        close_row()
        if rows:
            regions.append(rows)
        rows = []

    for k, t in enumerate(tabs):
        if not row:
            line_start = text.rfind("\n", 0, t) + 1
            row.append(_cell(text, line_start, t))
        nxt = tabs[k + 1] if k + 1 < len(tabs) else len(text)
        chunk = text[t + 1:nxt]
        blank = _BLANK_LINE.search(chunk)
        if blank and len(re.sub(r"\s", "", chunk[blank.end():])) > max_prose or k + 1 == len(tabs):
            end = t + 1 + (blank.start() if blank else _line_end(chunk))
            row.append(_cell(text, t + 1, end))
            close_region()
            continue
        last_nl = chunk.rfind("\n")
        if last_nl >= 0 and chunk[last_nl + 1:] != "":
            # text before the next tab on its line (" \t一级指标") opens a new row
            row.append(_cell(text, t + 1, t + 1 + last_nl))
            close_row()
            continue
        row.append(_cell(text, t + 1, nxt))
        if _ends_with_blank_line(chunk):
            close_row()
    close_region()
    return regions


def _line_end(chunk: str) -> int:
    nl = chunk.find("\n")
    return len(chunk) if nl < 0 else nl


def _ends_with_blank_line(chunk: str) -> bool:
    """True when the chunk ends with an empty line, i.e. the cell closes its row."""
    return bool(re.search(r"\n[ \u3000\xa0]*\n[ \u3000\xa0]*$", chunk))


def _merge_broken_rows(rows: list[list[Cell]], width: int) -> list[list[Cell]]:
    """Join a row cut in two by a blank line inside a cell (its parts add up to ``width`` cells)."""
    out: list[list[Cell]] = []
    i = 0
    while i < len(rows):
        r = rows[i]
        if len(r) < width and i + 1 < len(rows):
            nxt = rows[i + 1]
            tail = nxt[1:] if nxt and nxt[0].empty else nxt
            if len(r) + len(tail) == width:
                out.append(r + tail)
                i += 2
                continue
        out.append(r)
        i += 1
    return out


# -- cell values -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _number_re() -> re.Pattern:
    units = sorted(unit_lexicon(), key=len, reverse=True)
    unit_alt = "|".join(re.escape(u) for u in units)
    return re.compile(rf"(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?)(?P<inside>[余多]?)(?P<unit>{unit_alt})?")


def _unit_of_name(name: str) -> Optional[str]:
    """The unit a row's indicator name gives its bare numbers: "征收工作经费（万元）" → 万元."""
    m = re.search(r"[（(]([^（）()]{1,8})[）)]\s*$", name)
    return m.group(1) if m else None


def read_value(text: str, cell: Cell, default_unit: Optional[str] = None) -> CellValue:
    """The number a cell states, if it states exactly one (or one per slash, "1/160")."""
    lex = unit_lexicon()
    found = []
    for m in _number_re().finditer(cell.text):
        a = m.start()
        before = cell.text[max(0, a - 4):a]
        if re.fullmatch(r"\d{4}", m.group("num")) and cell.text[m.end("num"):m.end("num") + 1] == "年":
            continue  # a year
        if not m.group("unit") and not _bare(cell.text, m):
            continue  # a unitless number inside prose ("103号令") states nothing
        if before.endswith(("指标", "第")):
            continue  # 指标1：, 第10号
        found.append(m)
    if not found:
        return CellValue(cell.span)
    if len(found) > 1 and "/" in cell.text and all(not m.group("unit") for m in found):
        vals = tuple(parse_number(m.group("num")) for m in found)
        return CellValue(cell.span, values=vals)
    units = [m for m in found if m.group("unit")] or found
    if len(units) != 1 and len(found) != 1:
        return CellValue(cell.span)
    m = units[0] if len(units) == 1 else found[0]
    number = parse_number(m.group("num"))
    surface = m.group("unit") or default_unit
    entry = lex.get(surface) if surface else None
    after = cell.text[m.end():m.end() + 3]
    before = cell.text[max(0, m.start() - 4):m.start()]
    q = qualifier_of(before, m.group("inside"), after)
    if entry is None:
        return CellValue(cell.span, number, surface, q)
    return CellValue(cell.span, round(number * entry.multiplier, 6), entry.unit, q)


def _bare(cell_text: str, m: re.Match) -> bool:
    """A unitless number counts only where the cell is little more than the number ("1434", "1/160")."""
    rest = cell_text[:m.start()] + cell_text[m.end():]
    return len(re.sub(r"[\s/、,，\d.]|以上|以下|及|不少于|不低于|不超过|[≥≤<>=＞＜]", "", rest)) <= 2


def _weight(cell: Optional[Cell]) -> Optional[float]:
    if cell is None or cell.empty:
        return None
    return parse_number(cell.key)


# -- tables ----------------------------------------------------------------------------------

def _header_kind(row: list[Cell]) -> Optional[str]:
    keys = [c.key for c in row]
    s = _settings()
    ind = sum(any(w in k for w in s["indicator_header_words"]) for k in keys)
    if ind >= 3:
        return "indicator"
    bud = sum(any(w in k for w in s["budget_header_words"]) for k in keys)
    if bud >= 2:
        return "budget"
    return None


def _column_names(header: list[Cell], kind: str) -> list[str]:
    names = []
    roles = _settings()["indicator_columns"] if kind == "indicator" else {}
    for c in header:
        name = c.key
        if kind == "indicator":
            for role, words in roles.items():
                if any(w in name for w in words):
                    name = role
                    break
        if name.startswith("其中") and names:
            name = f"{names[-1].split('/')[0]}/{name}"
        names.append(name)
    return names


def _aligned(row: list[Cell], names: list[str]) -> dict[str, Cell]:
    """Right-align a row with its header: merged leading cells are what a row lacks or has extra."""
    out: dict[str, Cell] = {}
    for k in range(1, min(len(row), len(names)) + 1):
        out.setdefault(names[-k], row[-k])
    return out


def _is_total(row: list[Cell]) -> bool:
    words = _settings()["total_words"]
    first = next((c for c in row if not c.empty), None)
    return first is not None and first.key in words


def read_tables(text: str) -> TableReading:
    """Find indicator and budget tables in ``text`` and rebuild their rows."""
    tables: list[Table] = []
    for region_no, region in enumerate(read_grid(text)):
        i = 0
        while i < len(region):
            kind = _header_kind(region[i])
            if kind is None:
                i += 1
                continue
            header = region[i]
            j = i + 1
            body: list[list[Cell]] = []
            while j < len(region) and _header_kind(region[j]) is None:
                body.append(region[j])
                j += 1
            if kind == "budget" and body and not _has_number(body[0]) and len(body[0]) > len(header):
                header = body[0]  # a second header line under merged column titles
                body = body[1:]
            table = _build(text, kind, header, body)
            if table is not None:
                table.region = region_no
                tables.append(table)
            i = j
    return TableReading(tables)


def _has_number(row: list[Cell]) -> bool:
    return any(parse_number(c.key.rstrip("%")) is not None for c in row if not c.empty)


def _build(text: str, kind: str, header: list[Cell], body: list[list[Cell]]) -> Optional[Table]:
    names = _column_names(header, kind)
    widths = [len(r) for r in body if not _is_total(r)] or [len(header)]
    width = max(mode(widths), len(header))
    body = _merge_broken_rows(body, width)
    end = max((c.end for r in body for c in r), default=header[-1].end)
    table = Table(kind, header, body, names, header[0].start, end)
    if kind == "indicator":
        _read_indicators(text, table)
        if not table.indicators:
            return None
    else:
        _read_budget(text, table)
        if not table.budget_lines:
            return None
    return table


def _read_indicators(text: str, table: Table) -> None:
    names = table.columns
    level1 = level2 = None
    group: Optional[list] = None
    for row in table.rows:
        if _is_total(row):
            cols = _aligned(row, names)
            first = next(c for c in row if not c.empty)
            w, s = cols.get("weight"), cols.get("score")
            # a 总分 row has fewer cells: its numbers are its last cells that hold numbers
            nums = [c for c in row if not c.empty and parse_number(c.key) is not None]
            if len(nums) >= 2:
                w, s = nums[-2], nums[-1]
            table.total = TableTotal(first.span, read_value(text, w) if w else None, read_value(text, s) if s else None)
            break
        cols = _aligned(row, names)
        lead_names = _leading_levels(row, names)
        if lead_names.get("level1") is not None:
            level1 = lead_names["level1"].span
            m = re.search(r"[（(](\d+(?:\.\d+)?)分[）)]", level1.text)
            group = [level1, float(m.group(1)) if m else None, []]
            table.groups.append(group)
        if lead_names.get("level2") is not None:
            level2 = lead_names["level2"].span
        ind = cols.get("indicator")
        if ind is None or ind.empty or set(ind.key) <= set("…."):
            continue
        weight, score = cols.get("weight"), cols.get("score")
        target, actual = cols.get("target"), cols.get("actual")
        unit = _unit_of_name(ind.text)
        default = unit if unit in unit_lexicon() else None
        tv = read_value(text, target, default) if target is not None and not target.empty else None
        av = read_value(text, actual, default) if actual is not None and not actual.empty else None
        if tv is not None and tv.value is not None and av is not None and av.value is None and not av.values:
            av = _same_unit_value(text, actual, tv.unit) or av
        dev = cols.get("deviation")
        fact = IndicatorFact(
            indicator=ind.span, target=tv, actual=av, weight=_weight(weight), score=_weight(score),
            level1=level1, level2=level2,
            weight_span=weight.span if weight is not None and not weight.empty else None,
            score_span=score.span if score is not None and not score.empty else None,
            deviation=dev.span if dev is not None and not dev.empty else None,
        )
        if fact.weight is None and fact.score is None and tv is None and av is None:
            continue
        if group is not None:
            group[2].append(len(table.indicators))
        table.indicators.append(fact)


def _leading_levels(row: list[Cell], names: list[str]) -> dict[str, Cell]:
    cols = _aligned(row, names)
    return {k: cols[k] for k in ("level1", "level2") if k in cols and not cols[k].empty}


def _same_unit_value(text: str, cell: Cell, unit: Optional[str]) -> Optional[CellValue]:
    """In a prose cell, the one number with the target's unit (全年开展研讨活动20次 → 20次)."""
    hits = []
    for m in _number_re().finditer(cell.text):
        entry = unit_lexicon().get(m.group("unit") or "")
        if entry is not None and entry.unit == unit:
            hits.append((m, entry))
    if len(hits) != 1:
        return None
    m, entry = hits[0]
    q = qualifier_of(cell.text[max(0, m.start() - 4):m.start()], m.group("inside"), cell.text[m.end():m.end() + 3])
    return CellValue(cell.span, round(parse_number(m.group("num")) * entry.multiplier, 6), entry.unit, q)


def _read_budget(text: str, table: Table) -> None:
    names = table.columns
    money_unit = _money_unit(text, table.start)
    for row in table.rows:
        if not _has_number(row):
            if len(row) > len(names) or not any(not c.empty for c in row):
                continue
            break  # a row of text only: the table has ended
        cols = _aligned(row, names)
        numeric = set()
        cells: dict[str, CellValue] = {}
        for name, c in cols.items():
            if c.empty:
                continue
            key = c.key
            if key.endswith("%"):
                cells[name] = read_value(text, c)
                numeric.add(id(c))
            elif parse_number(key) is not None:
                v = parse_number(key)
                is_money = money_unit is not None and not any(w in name for w in _settings()["score_columns"])
                cells[name] = CellValue(c.span, round(v * 10000, 6) if is_money and money_unit == "万元" else v,
                                        "元" if is_money else None, None)
                numeric.add(id(c))
        item = next((c for c in row if not c.empty and id(c) not in numeric), None)
        if item is None or not cells:
            continue
        table.budget_lines.append(BudgetLine(item.span, cells))


def _money_unit(text: str, at: int) -> Optional[str]:
    """The money unit a table's header or the line above it fixes (金额单位：万元, 项目资金（万元）)."""
    window = text[max(0, at - 80): at + 400]
    m = re.search(r"(万元|亿元|元)\s*[）)]?", window)
    return m.group(1) if m and re.search(r"单位|资金|金额", window) else None
