"""Bare cell numbers whose unit a header fixes: the tables a unit header heads.

Three shapes, each read from the header on (``header.unit_headers``):

- a row header ending in its unit (征收工作经费（万元） 38 27.75 5 5): the row's value columns,
  counted from the indicator-name column of the header row above it, take the unit and the
  row's name as their title; a slashed header （场次/人数） over ``1/160`` gives each number its own;
- a column header (项目资金（万元） 年初预算数 … 年度资金总额 38 38 27.75 10 73.03% 7.3): rows of a
  label and values, value columns only (scores, weights and rates stay unlabelled);
- a whole table under 金额单位：万元, until the next section heading.

Budget, execution and rate cells printed without separators (40004000100%) are split by their rate.
"""
from __future__ import annotations

import bisect
import re
from itertools import chain
from typing import Iterator, Optional

from ..normalising import NormalisedText
from ..values import UnitEntry, read_span, unit_lexicon, unit_prefix
from .cells import cell, cells_after, first_digit
from .header import (UNIT_PAREN_RE, UnitHeader, clean_label, column_names, header_units, is_other_column,
                     is_value_column, settings, title_parts)
from .model import Cell, TableNumber

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_BARE_RE = re.compile(_ARABIC)
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_SECTION_RE = re.compile(r"\n\s*\n(?=[（(]?[一二三四五六七八九十]+[、)）])|\n[一二三四五六七八九十]+、")
_VALUES = ("num", "slash", "valued", "placeholder")
Title = Optional[tuple[int, int]]


def read_numbers(nt: NormalisedText, headers: list[UnitHeader]) -> tuple[list[TableNumber], dict[int, tuple[int, int]]]:
    """The numbers the unit headers reach, in the order they reach them, and the titles the tables
    give cells (view offset of a cell's first digit → view span of its title)."""
    reader = _Reader(nt)
    numbers = [n for h in headers if not h.whole_table for n in reader.under_header(h)]
    numbers += [n for h in headers if h.whole_table for n in reader.whole_table(h)]
    return numbers, {**reader.titles, **reader.number_titles}


class _Reader:
    """One document's view, with what the reading learns on the way (cell titles)."""

    def __init__(self, nt: NormalisedText):
        self.nt, self.text = nt, nt.text
        # view positions where the normaliser joined digits across a space ("10 100%"): in a
        # space-separated table these are still cell boundaries
        self.joined = tuple(k + 1 for k in range(len(nt.text) - 1)
                            if nt.ends[k] - nt.starts[k] > 1 and nt.original[nt.ends[k] - 1].isspace())
        self.titles: dict[int, tuple[int, int]] = {}         # cells in a titled row or column
        self.number_titles: dict[int, tuple[int, int]] = {}  # header-unit numbers: their own title first
        self.cfg = settings()
        self._sections = [m.start() for m in _SECTION_RE.finditer(self.text)]
        self._name_columns = sorted(m.end() for name in self.cfg["name_columns"]
                                    for m in re.finditer(r"\s*".join(map(re.escape, name)), self.text))

    def cells(self, start: int, stop: int, glued_first: bool = False) -> Iterator[Cell]:
        return cells_after(self.nt, start, stop, self.joined, glued_first)

    # -- the three shapes --------------------------------------------------------------------
    def whole_table(self, h: UnitHeader) -> Iterator[TableNumber]:
        i = bisect.bisect_left(self._sections, h.b)
        end = self._sections[i] if i < len(self._sections) else len(self.text)  # the next section heading
        yield from self._table_rows(self.cells(h.b, end), h.entries, whole_table=True)

    def under_header(self, h: UnitHeader) -> Iterator[TableNumber]:
        """Cells that follow a header cell ending in a unit: its row (row header) or its table."""
        text, he = self.text, h.b
        reach = min(len(text), he + self.cfg["header_reach"])
        tail = re.compile(r"[ \t]*[:：]?[ \t]*").match(text, he)
        glued = tail.end()
        if glued < len(text) and text[glued].isdigit():
            cells = self.cells(glued, reach, glued_first=True)
        else:
            if he < len(text) and not text[he].isspace() and text[he] != "|":
                return  # the paren sits inside running prose
            cells = self.cells(he, reach)
        lead = []  # the cells up to the first that holds text (empty ones keep their column)
        for c in cells:
            lead.append(c)
            if c.text:
                break
        else:
            return
        kind = self._kind(lead[-1])
        if kind in _VALUES:
            columns = self._indicator_columns(h.a)
            yield from self._row_cells(chain(lead, cells), h.entries, columns, title_parts(text, h.a))
        elif kind in ("column", "label"):
            yield from self._table_rows(chain(lead, cells), h.entries, whole_table=False)

    def _row_cells(self, cells: Iterator[Cell], entries: tuple[UnitEntry, ...], columns: list[str],
                   titles: list[tuple[int, int]]) -> Iterator[TableNumber]:
        """The value cells of one row after its header; the header's unit fills value columns,
        and its name (split at / for a slashed header) is their title.

        Without a known header row only the first cell takes the unit.
        """
        width = max(1, len(columns))
        k = 0
        for c in cells:
            if k >= width:
                return
            if not c.text:
                k += 1  # an empty cell keeps its column (tab and pipe tables)
                continue
            kind = self._kind(c)
            if kind not in _VALUES:
                return
            col = columns[k] if columns else None
            if titles:
                self.titles.setdefault(first_digit(c), titles[0])
            if col is None or is_value_column(col):
                yield from self._cell_numbers(c, kind, entries, titles)
            k += 1

    def _table_rows(self, cells: Iterator[Cell], entries: tuple[UnitEntry, ...], whole_table: bool) -> Iterator[TableNumber]:
        """A table under one unit: columns from its header row, then rows of label + values."""
        columns: list[str] = []
        column_cells: list[Cell] = []
        row_title: Title = None
        idx: Optional[int] = None
        seen_value = False
        for n_cells, c in enumerate(cells, 1):
            if n_cells > self.cfg["max_cells"]:
                return
            if not c.text:
                if idx is not None and seen_value:
                    idx += 1
                continue
            kind = self._kind(c)
            if kind == "end" or (kind == "header" and seen_value):
                return
            if not whole_table and self._leaves_table(c, kind, entries):
                return
            if kind == "column":
                if not seen_value:
                    names = column_names(c.key)
                    columns.extend(names)
                    column_cells.extend([c] * len(names))
                continue
            if kind in ("label", "header"):
                idx = 0
                row_title = _title(c)
                lab = re.match(rf"(.*?[^\d.,%\s])\s*({_ARABIC}%?|[\d.]+%)$", c.text)
                if not (lab and _CJK_RE.search(lab.group(1)) and len(c.text) > len(lab.group(2))):
                    continue
                c = cell(self.nt, c.a + lab.start(2), c.b)  # a label glued to its first value (年度资金总额:40004000100%)
                kind = self._kind(c)
            i = idx or 0
            col = columns[i % len(columns)] if columns else None
            if kind in ("placeholder", "valued"):
                seen_value = True
                if kind == "valued" and col is not None:
                    # a rate in the 执行率 column is about the rate; an amount, about its row
                    title = _title(column_cells[i % len(columns)]) if is_other_column(col) else row_title
                    if title:
                        self.titles.setdefault(first_digit(c), title)
                idx = i + 1
                continue
            if kind not in ("num", "slash", "glued"):
                continue
            seen_value = True
            if kind == "glued":
                rate_col = next((cc for name, cc in zip(columns, column_cells) if "执行率" in name), None)
                yield from self._glued(c, entries, row_title, _title(rate_col) if rate_col else None)
                idx = i + 3
                continue
            if col is None or is_value_column(col) or (whole_table and not is_other_column(col)):
                yield from self._cell_numbers(c, kind, entries, [row_title] if row_title and not whole_table else [])
            idx = i + 1

    def _leaves_table(self, c: Cell, kind: str, entries: tuple[UnitEntry, ...]) -> bool:
        """A cell that cannot belong to a table under ``entries``: an indicator title, or a value
        measured in another dimension (38508人 after a money table)."""
        t = c.key
        if kind == "label" and (t.startswith("指标") or t.endswith("指标") or t.endswith("目标")):
            return True
        if kind == "valued":
            m = re.match(r"[≥≤<>=＜＞约近超]*[\d.,]+\s*(.*)$", t)
            found = unit_prefix(m.group(1)) if m and m.group(1) else None
            if found and found[0].label not in (entries[0].label, "PERCENT"):
                return True
        return False

    # -- cells -------------------------------------------------------------------------------
    def _cell_numbers(self, c: Cell, kind: str, entries: tuple[UnitEntry, ...],
                      titles: list[tuple[int, int]]) -> Iterator[TableNumber]:
        if kind == "num":
            m = _BARE_RE.search(c.text)
            yield from self._number(c.a + m.start(), c.a + m.end(), entries[0], titles[0] if titles else None)
        elif kind == "slash":
            nums = list(_BARE_RE.finditer(c.text))
            if len(nums) != len(entries):
                return
            for k, (m, e) in enumerate(zip(nums, entries)):
                title = titles[k] if len(titles) == len(nums) else (titles[0] if titles else None)
                yield from self._number(c.a + m.start(), c.a + m.end(), e, title)

    def _glued(self, c: Cell, entries: tuple[UnitEntry, ...], row_title: Title, rate_title: Title) -> Iterator[TableNumber]:
        """Budget, execution and rate cells printed without separators (40004000100%)."""
        m = re.search(r"([\d.]+)%$", c.text)
        split = split_glued(m.group(1))
        if split is None:
            return
        a_txt, b_txt, r_txt = split
        a = c.a + m.start(1)
        b, r = a + len(a_txt), a + len(a_txt) + len(b_txt)
        yield from self._number(a, b, entries[0], row_title)
        yield from self._number(b, r, entries[0], row_title)
        yield from self._number(r, r + len(r_txt) + 1, unit_lexicon()["%"], rate_title)

    def _number(self, a: int, b: int, entry: UnitEntry, title: Title) -> Iterator[TableNumber]:
        r = read_span(self.text, (a, b), entry.label, entry.surface)
        if r is not None:
            if title:
                self.number_titles.setdefault(a, title)
            yield TableNumber(a, b, r.label, r.value, r.unit, r.qualifier)

    def _kind(self, c: Cell) -> str:
        t = c.key
        if not t:
            return "empty"
        if re.fullmatch(_ARABIC, t):
            return "num"
        if re.fullmatch(rf"{_ARABIC}(?:[/／]{_ARABIC})+", t):
            return "slash"
        if re.fullmatch(r"\d{7,40}(?:\.\d+)?%", t) or re.fullmatch(r"\d+\.\d+\d*\.\d+%", t):
            return "glued"
        if t in self.cfg["placeholder_cells"]:
            return "placeholder"
        paren = UNIT_PAREN_RE.search(t)
        if paren and header_units(paren.group(1)):
            return "header"
        if column_names(t):
            return "column"
        if any(t.startswith(e) for e in self.cfg["end_cells"]):
            return "end"
        if re.fullmatch(r"[≥≤<>=＜＞约近超]*[\d.,]+[^\s]{0,8}", t):
            return "valued"
        return "label"

    def _indicator_columns(self, hs: int) -> list[str]:
        """The value columns after the indicator-name column of the nearest header row above."""
        i = bisect.bisect_right(self._name_columns, hs) - 1
        if i < 0 or self._name_columns[i] < hs - self.cfg["columns_reach"]:
            return []
        best = self._name_columns[i]
        columns: list[str] = []
        for c in self.cells(best, min(hs, best + 400)):
            if not c.text:
                continue
            names = column_names(c.key)
            if names:
                columns.extend(names)
            elif len(c.key) > 3 or columns and len(columns) >= 2:
                break
        return columns


def _title(c: Cell) -> tuple[int, int]:
    a, b = clean_label(c.text, 0, len(c.text))
    return c.a + a, c.a + b


def split_glued(s: str) -> Optional[tuple[str, str, str]]:
    """Split ``A B R`` (budget, execution, rate) printed together so that B / A = R %.

    A rate of 0 needs an execution of 0; among several splits the one with A and B of
    the most similar length wins (they are two amounts of the same budget line).
    """
    num = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")
    found = []
    for i in range(1, len(s) - 1):
        for j in range(i + 1, len(s)):
            a, b, r = s[:i], s[i:j], s[j:]
            if not (num.fullmatch(a) and num.fullmatch(b) and num.fullmatch(r)):
                continue
            av, bv, rv = float(a), float(b), float(r)
            dec = len(r.split(".")[1]) if "." in r else 0
            if rv == 0:
                ok = bv == 0
            else:
                ok = av > 0 and abs(bv / av * 100 - rv) <= 0.5 * 10 ** -dec + 1e-9
            if ok:
                found.append((abs(len(a) - len(b)), a, b, r))
    if not found:
        return None
    found.sort()
    if len(found) > 1 and found[0][0] == found[1][0]:
        return None
    return found[0][1:]
