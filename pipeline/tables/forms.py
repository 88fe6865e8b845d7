"""Form tables: the indicator and budget tables of 绩效自评表, rebuilt row by row.

Merged cells leave empty cells (or none) at the start of a row, so a data row is aligned with its
header from the right.  From the rebuilt grid come ``IndicatorFact`` rows (一级/二级/三级指标,
年度指标值, 实际完成值, 分值, 得分, 偏差原因) and ``BudgetLine`` rows (预算数, 执行数, 执行率 ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import mode
from typing import Iterator, Optional

from ..normalising import NormalisedText
from ..values import UnitEntry, longest_unit, parse_number, qualifier_around, read_span, unit_lexicon, unit_prefix
from .cells import merge_broken_rows, read_grid
from .header import UnitHeader, indicator_role, money_unit_near, settings
from .model import BudgetLine, Cell, CellValue, IndicatorFact, Table, TableTotal


def read_forms(nt: NormalisedText, headers: list[UnitHeader]) -> list[Table]:
    """Find indicator and budget tables in the view and rebuild their rows."""
    tables: list[Table] = []
    for region_no, region in enumerate(read_grid(nt, settings()["max_prose_in_cell"])):
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
            table = _build(nt.text, kind, header, body, headers)
            if table is not None:
                table.region = region_no
                tables.append(table)
            i = j
    return tables


# -- cell values -----------------------------------------------------------------------------

_NUM = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


@dataclass(frozen=True)
class _Number:
    """A number in a cell's text: its numeral, 余/多 after it and the unit written after that."""

    start: int
    end: int
    num: str
    inside: str
    unit: Optional[UnitEntry]


def _numbers(cell_text: str) -> Iterator[_Number]:
    for m in _NUM.finditer(cell_text):
        j = m.end()
        inside = cell_text[j] if j < len(cell_text) and cell_text[j] in "余多" else ""
        found = unit_prefix(cell_text[j + len(inside):j + len(inside) + longest_unit()])
        end = j + len(inside) + (found[1] if found else 0)
        yield _Number(m.start(), end, m.group(), inside, found[0] if found else None)


def _unit_of_name(name: str) -> Optional[str]:
    """The unit a row's indicator name gives its bare numbers: "征收工作经费（万元）" → 万元."""
    m = re.search(r"[（(]([^（）()]{1,8})[）)]\s*$", name)
    return m.group(1) if m else None


def read_value(text: str, cell: Cell, default_unit: Optional[str] = None) -> CellValue:
    """The number a cell states, if it states exactly one (or one per slash, "1/160")."""
    found = []
    for m in _numbers(cell.text):
        if re.fullmatch(r"\d{4}", m.num) and cell.text[m.start + len(m.num):m.start + len(m.num) + 1] == "年":
            continue  # a year
        if not m.unit and not _bare(cell.text, m):
            continue  # a unitless number inside prose ("103号令") states nothing
        if cell.text[max(0, m.start - 4):m.start].endswith(("指标", "第")):
            continue  # 指标1：, 第10号
        found.append(m)
    if not found:
        return CellValue(cell.span)
    if len(found) > 1 and "/" in cell.text and all(not m.unit for m in found):
        return CellValue(cell.span, values=tuple(parse_number(m.num) for m in found))
    units = [m for m in found if m.unit] or found
    if len(units) != 1 and len(found) != 1:
        return CellValue(cell.span)
    return _cell_value(text, cell, units[0] if len(units) == 1 else found[0], default_unit)


def _cell_value(text: str, cell: Cell, m: _Number, default_unit: Optional[str]) -> CellValue:
    """The value of the number ``m`` found in ``cell``; a bare number without a unit keeps its figure."""
    span = (cell.a + m.start, cell.a + m.end)
    r = read_span(text, span, None, default_unit)
    if r is not None:
        return CellValue(cell.span, r.value, r.unit, r.qualifier)
    return CellValue(cell.span, parse_number(m.num), default_unit, qualifier_around(text, span, m.inside))


def _bare(cell_text: str, m: _Number) -> bool:
    """A unitless number counts only where the cell is little more than the number ("1434", "1/160")."""
    rest = cell_text[:m.start] + cell_text[m.end:]
    return len(re.sub(r"[\s/、,，\d.]|以上|以下|及|不少于|不低于|不超过|[≥≤<>=＞＜]", "", rest)) <= 2


def _weight(cell: Optional[Cell]) -> Optional[float]:
    if cell is None or cell.empty:
        return None
    return parse_number(cell.key)


# -- tables ----------------------------------------------------------------------------------

def _header_kind(row: list[Cell]) -> Optional[str]:
    keys = [c.key for c in row]
    s = settings()
    ind = sum(any(w in k for w in s["indicator_header_words"]) for k in keys)
    if ind >= 3:
        return "indicator"
    bud = sum(any(w in k for w in s["budget_header_words"]) for k in keys)
    if bud >= 2:
        return "budget"
    return None


def _column_names(header: list[Cell], kind: str) -> list[str]:
    names = []
    for c in header:
        name = re.sub(r"\s+", "", c.span.text)  # as the report writes it (其中：区级资金)
        if kind == "indicator":
            name = indicator_role(name) or name
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
    first = next((c for c in row if not c.empty), None)
    return first is not None and first.key in settings()["total_words"]


def _has_number(row: list[Cell]) -> bool:
    return any(parse_number(c.key.rstrip("%")) is not None for c in row if not c.empty)


def _build(text: str, kind: str, header: list[Cell], body: list[list[Cell]],
           headers: list[UnitHeader]) -> Optional[Table]:
    names = _column_names(header, kind)
    widths = [len(r) for r in body if not _is_total(r)] or [len(header)]
    width = max(mode(widths), len(header))
    body = merge_broken_rows(body, width)
    end = max((c.span.end for r in body for c in r), default=header[-1].span.end)
    table = Table(kind, header, body, names, header[0].span.start, end)
    if kind == "indicator":
        _read_indicators(text, table)
        if not table.indicators:
            return None
    else:
        _read_budget(text, table, money_unit_near(headers, header[0].a))
        if not table.budget_lines:
            return None
    return table


def _read_indicators(text: str, table: Table) -> None:
    names = table.columns
    level1 = level2 = None
    group: Optional[list] = None
    for row in table.rows:
        if _is_total(row):
            table.total = _total(text, row, names)
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
        fact = _indicator(text, cols, ind, level1, level2)
        if fact.weight is None and fact.score is None and fact.target is None and fact.actual is None:
            continue
        if group is not None:
            group[2].append(len(table.indicators))
        table.indicators.append(fact)


def _total(text: str, row: list[Cell], names: list[str]) -> TableTotal:
    cols = _aligned(row, names)
    first = next(c for c in row if not c.empty)
    w, s = cols.get("weight"), cols.get("score")
    # a 总分 row has fewer cells: its numbers are its last cells that hold numbers
    nums = [c for c in row if not c.empty and parse_number(c.key) is not None]
    if len(nums) >= 2:
        w, s = nums[-2], nums[-1]
    return TableTotal(first.span, read_value(text, w) if w else None, read_value(text, s) if s else None)


def _indicator(text: str, cols: dict[str, Cell], ind: Cell, level1, level2) -> IndicatorFact:
    weight, score = cols.get("weight"), cols.get("score")
    target, actual = cols.get("target"), cols.get("actual")
    unit = _unit_of_name(ind.text)
    default = unit if unit in unit_lexicon() else None
    tv = read_value(text, target, default) if target is not None and not target.empty else None
    av = read_value(text, actual, default) if actual is not None and not actual.empty else None
    if tv is not None and tv.value is not None and av is not None and av.value is None and not av.values:
        av = _same_unit_value(text, actual, tv.unit) or av
    dev = cols.get("deviation")
    return IndicatorFact(
        indicator=ind.span, target=tv, actual=av, weight=_weight(weight), score=_weight(score),
        level1=level1, level2=level2,
        weight_span=weight.span if weight is not None and not weight.empty else None,
        score_span=score.span if score is not None and not score.empty else None,
        deviation=dev.span if dev is not None and not dev.empty else None,
    )


def _leading_levels(row: list[Cell], names: list[str]) -> dict[str, Cell]:
    cols = _aligned(row, names)
    return {k: cols[k] for k in ("level1", "level2") if k in cols and not cols[k].empty}


def _same_unit_value(text: str, cell: Cell, unit: Optional[str]) -> Optional[CellValue]:
    """In a prose cell, the one number with the target's unit (全年开展研讨活动20次 → 20次)."""
    hits = [m for m in _numbers(cell.text) if m.unit is not None and m.unit.unit == unit]
    return _cell_value(text, cell, hits[0], None) if len(hits) == 1 else None


def _read_budget(text: str, table: Table, money_unit: Optional[str]) -> None:
    names = table.columns
    for row in table.rows:
        if not _has_number(row):
            if len(row) > len(names) or not any(not c.empty for c in row):
                continue
            break  # a row of text only: the table has ended
        cells: dict[str, CellValue] = {}
        numeric = set()
        for name, c in _aligned(row, names).items():
            if c.empty:
                continue
            if c.key.endswith("%"):
                cells[name] = read_value(text, c)
            elif parse_number(c.key) is not None:
                is_money = money_unit is not None and not any(w in name for w in settings()["score_columns"])
                cells[name] = _budget_figure(text, c, money_unit if is_money else None)
            else:
                continue
            numeric.add(id(c))
        item = next((c for c in row if not c.empty and id(c) not in numeric), None)
        if item is None or not cells:
            continue
        table.budget_lines.append(BudgetLine(item.span, cells))


def _budget_figure(text: str, c: Cell, money_unit: Optional[str]) -> CellValue:
    """A bare budget cell: money in the table's unit, or points (分值, 得分) as written."""
    r = read_span(text, (c.a, c.b), "MONEY", money_unit) if money_unit else None
    return CellValue(c.span, r.value, r.unit, None) if r else CellValue(c.span, parse_number(c.key), None, None)
