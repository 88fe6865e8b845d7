"""Cells of flattened tables: one splitter, and the rows of tab-flattened forms.

Word and PDF exports lose the grid: cells arrive separated by tabs, pipes or runs of spaces, a
cell may hold several lines ("年度\\n指标值"), and a row ends at a blank line.
"""
from __future__ import annotations

import heapq
import re
from typing import Iterator, Optional

from ..normalising import NormalisedText
from .model import Cell

BLANKS = " \t\n\r\u3000\xa0"
_BLANK_LINE = re.compile(r"\n[ \t\u3000\xa0]*\n")
_ENDS_WITH_BLANK_LINE = re.compile(r"\n[ \u3000\xa0]*\n[ \u3000\xa0]*$")


def stripped(text: str, a: int, b: int, blanks: Optional[str] = BLANKS) -> tuple[int, int]:
    """``a:b`` without the blanks at its ends (``None``: any whitespace)."""
    blank = str.isspace if blanks is None else blanks.__contains__
    while a < b and blank(text[a]):
        a += 1
    while b > a and blank(text[b - 1]):
        b -= 1
    return a, b


def split(text: str, a: int, b: int, separator: re.Pattern, blanks: Optional[str] = BLANKS,
          cuts: tuple[int, ...] = ()) -> Iterator[tuple[int, int]]:
    """The cells of ``text[a:b]`` between matches of ``separator`` (and at the sorted ``cuts``),
    stripped of ``blanks``; empty cells are kept, as they keep their column."""
    pos = a
    seps = ((m.start(), m.end()) for m in separator.finditer(text, a, b))
    for s, e in heapq.merge(seps, ((k, k) for k in cuts)):
        yield stripped(text, pos, s, blanks)
        pos = e
    yield stripped(text, pos, b, blanks)


def cell(nt: NormalisedText, a: int, b: int) -> Cell:
    """The cell at view ``a:b`` with its original span."""
    return Cell(a, b, nt.text[a:b], nt.to_original(a, b))


_TAB, _PIPE, _SPACES = re.compile(r"\t"), re.compile(r"\|"), re.compile(r"\s+")


def cells_after(nt: NormalisedText, start: int, stop: int, joined: tuple[int, ...],
                glued_first: bool = False) -> Iterator[Cell]:
    """The cells after a header cell that ends at ``start``: tab- or pipe-separated when the
    region uses them, else by spaces (and at ``joined``, where the normaliser joined two numbers
    across a space).  The first piece is the rest of the header cell, unless the first value is
    glued to the header (``glued_first``) or cells are separated by spaces."""
    text = nt.text
    head = text[start:start + 200]
    sep = _TAB if "\t" in head else _PIPE if "|" in head else _SPACES
    cuts = tuple(k for k in joined if start < k < stop) if sep is _SPACES else ()
    for i, (a, b) in enumerate(split(text, start, stop, sep, " \n\r\u3000", cuts)):
        if i == 0 and not glued_first and sep is not _SPACES:
            continue
        yield cell(nt, a, b)


def read_grid(nt: NormalisedText, max_prose: int) -> list[list[list[Cell]]]:
    """Tab-flattened regions of the view as lists of rows of cells.

    A row starts at the beginning of a line (the text before its first tab is its first cell) and
    ends where a cell is followed by a blank line, or where the next tab does not open its line.
    A stretch of more than ``max_prose`` characters of tab-less prose after a blank line ends the region.
    """
    text = nt.text
    tabs = [i for i, c in enumerate(text) if c == "\t"]
    regions: list[list[list[Cell]]] = []
    rows: list[list[Cell]] = []
    row: list[Cell] = []

    def add(a: int, b: int) -> None:
        row.append(cell(nt, *stripped(text, a, b)))

    def close_row() -> None:
        nonlocal row
        if row:
            rows.append(row)
        row = []

    def close_region() -> None:
        nonlocal rows
        close_row()
        if rows:
            regions.append(rows)
        rows = []

    for k, t in enumerate(tabs):
        if not row:
            add(text.rfind("\n", 0, t) + 1, t)
        nxt = tabs[k + 1] if k + 1 < len(tabs) else len(text)
        blank = _BLANK_LINE.search(text, t + 1, nxt)
        if blank and _prose_after(text, blank.end(), nxt) > max_prose or k + 1 == len(tabs):
            add(t + 1, blank.start() if blank else _line_end(text, t + 1, nxt))
            close_region()
            continue
        last_nl = text.rfind("\n", t + 1, nxt)
        if last_nl >= 0 and last_nl + 1 < nxt:
            add(t + 1, last_nl)  # text before the next tab on its line (" \t一级指标") opens a new row
            close_row()
            continue
        add(t + 1, nxt)
        if _ENDS_WITH_BLANK_LINE.search(text, t + 1, nxt):
            close_row()
    close_region()
    return regions


def _prose_after(text: str, a: int, b: int) -> int:
    return sum(1 for c in text[a:b] if not c.isspace())


def _line_end(text: str, a: int, b: int) -> int:
    nl = text.find("\n", a, b)
    return b if nl < 0 else nl


def merge_broken_rows(rows: list[list[Cell]], width: int) -> list[list[Cell]]:
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


def first_digit(c: Cell) -> int:
    """View offset of the first digit of a cell (where the number a title belongs to starts)."""
    m = re.search(r"\d", c.text)
    return c.a + (m.start() if m else 0)
