"""What a table header decides, in one place: the unit of bare cells (金额单位：万元, 预算数（万元）,
（场次/人数）), the role of a column (value or other), and the title a cell's number is about.

Vocabulary and reaches are in ``configs/tables.yaml``.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..config import load_config
from ..values import UnitEntry, unit_lexicon

WHOLE_TABLE_UNIT_RE = re.compile(r"(?:金额单位|计量单位|单位)\s*[:：]\s*(万元|元|亿元|千元)")
UNIT_PAREN_RE = re.compile(r"[（(]\s*([^（）()\n]{1,14}?)\s*[)）]")


@lru_cache(maxsize=1)
def settings() -> dict:
    return load_config("tables")


# -- units -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitHeader:
    """Where a header names the unit of the bare numbers under it: a parenthesis holding only
    units (（万元）, （场次/人数）) or a whole table's 金额单位：万元 (``whole_table``)."""

    a: int
    b: int
    entries: tuple[UnitEntry, ...]
    whole_table: bool

    @property
    def money(self) -> Optional[str]:
        """The money unit it names, if it names one money unit."""
        return self.entries[0].surface if len(self.entries) == 1 and self.entries[0].label == "MONEY" else None


def header_units(content: str) -> Optional[tuple[UnitEntry, ...]]:
    """Units named by a header parenthesis: （万元）, （户）, （场次/人数）, (≥**人); None if it is not one."""
    lex = unit_lexicon()
    body = re.sub(r"[≥≤<>=＜＞*＊\s]", "", content)
    if not body:
        return None
    out = []
    for part in re.split(r"[/／]", body):
        e = lex.get(part)
        if e is None and part.endswith("数"):
            e = lex.get(part[:-1])
        if e is None or e.duration:
            return None
        out.append(e)
    return tuple(out)


def unit_headers(text: str, a: int = 0, b: Optional[int] = None) -> list[UnitHeader]:
    """The unit headers of ``text[a:b]`` in text order."""
    b = len(text) if b is None else b
    found = []
    for m in UNIT_PAREN_RE.finditer(text, a, b):
        entries = header_units(m.group(1))
        if entries is not None:
            found.append(UnitHeader(m.start(), m.end(), entries, False))
    lex = unit_lexicon()
    found += [UnitHeader(m.start(), m.end(), (lex[m.group(1)],), True) for m in WHOLE_TABLE_UNIT_RE.finditer(text, a, b)]
    return sorted(found, key=lambda h: h.a)


def money_unit_before(text: str, pos: int) -> Optional[str]:
    """The money unit of the last header shortly before ``pos`` (``header_unit_reach``): what a bare
    money number there is counted in."""
    units = [h.money for h in unit_headers(text, max(0, pos - settings()["header_unit_reach"]), pos) if h.money]
    return units[-1] if units else None


def money_unit_near(headers: list[UnitHeader], at: int) -> Optional[str]:
    """The money unit a budget table's header row at ``at``, or the line above it, fixes."""
    s = settings()
    i = bisect.bisect_left([h.a for h in headers], at - s["budget_unit_before"])
    return next((h.money for h in headers[i:] if h.a < at + s["budget_unit_after"] and h.money), None)


# -- columns -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _column_re() -> re.Pattern:
    s = settings()
    columns = sorted(s["value_columns"] + s["other_columns"], key=len, reverse=True)
    return re.compile(r"(" + "|".join(map(re.escape, columns)) + r")(?:[(（][A-Za-z/+\-]+[)）])?")


def column_names(compact: str) -> list[str]:
    """The column titles a header cell holds (one, or several glued: 全年预算数(A)全年执行数(B))."""
    names, pos = [], 0
    for m in _column_re().finditer(compact):
        if m.start() != pos:
            return []
        names.append(m.group(1))
        pos = m.end()
    return names if pos == len(compact) else []


def is_value_column(name: Optional[str]) -> bool:
    return name in settings()["value_columns"]


def is_other_column(name: Optional[str]) -> bool:
    return name in settings()["other_columns"]


def indicator_role(name: str) -> Optional[str]:
    """The role of an indicator-table column (level1, indicator, target, weight …) by its title."""
    return next((role for role, words in settings()["indicator_columns"].items() if any(w in name for w in words)), None)


# -- titles ------------------------------------------------------------------------------------

def clean_label(text: str, a: int, b: int) -> tuple[int, int]:
    """A label cell's title within ``text[a:b]``: without stars, 其中：, trailing colons and a
    trailing parenthesis (征收工作经费（万元） → 征收工作经费)."""
    seg = text[a:b]
    m = re.match(r"[\s★☆*\u3000]*(?:其中\s*[:：]\s*)?", seg)
    a += m.end()
    seg = seg[m.end():]
    p = re.search(r"[(（]", seg)
    if p and p.start() >= 2:
        seg = seg[:p.start()]
    seg = seg.rstrip(" :：\u3000\n")
    return a, a + len(seg)


def title_parts(text: str, hs: int) -> list[tuple[int, int]]:
    """The name of a row header cell that ends at its unit parenthesis (``hs``), split at / when slashed."""
    a = hs
    while a > 0 and text[a - 1] not in "\t\n|" and hs - a < 60:
        a -= 1
    s, e = clean_label(text, a, hs)
    while s < e and text[s] in " \u3000":
        s += 1
    if e - s < 2:
        return []
    parts, pos = [], s
    for m in re.finditer(r"[/／]", text[s:e]):
        parts.append((pos, s + m.start()))
        pos = s + m.end()
    parts.append((pos, e))
    return [p for p in parts if p[1] > p[0]]


_VALUE_CELL = re.compile(r"^[\s≥≤<>=＜＞约近*]*(?:[\d.,/%]+\s*[\u4e00-\u9fff%]{0,4}|无|—+|-+|/|…+)?\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def label_before(text: str, pos: int) -> Optional[tuple[int, int]]:
    """The title of the nearest label cell before the cell that starts at ``pos`` (value cells
    between are skipped): the row title of a number no header placed."""
    s = settings()
    end = pos - 1
    for _ in range(s["label_cells_back"]):
        while end > 0 and text[end - 1] in " \t\n|\u3000":
            end -= 1
        start = end
        while start > 0 and text[start - 1] not in "\t\n|" and end - start < s["label_cell_chars"]:
            start -= 1
        if start > 0 and text[start - 1] not in "\t\n|":
            return None  # a stretch of prose, not a cell
        cell = text[start:end]
        if not cell.strip():
            return None
        if _VALUE_CELL.match(cell):
            end = start
            continue
        a, b = clean_label(text, start, end)
        return (a, b) if b - a >= 2 and _CJK.search(text[a:b]) else None
    return None
