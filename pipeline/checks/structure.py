"""How a report's sentences relate its figures: comparisons with an earlier figure, and breakdowns
of a whole into parts (其中, 包括, a colon, a bracket, or the paragraphs below)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..positions import ByPosition
from .context import Figure, Text, cfg

_SAME = re.compile(r"[，,]?\s*持平")
_YEAR_LEAD = re.compile(r"\d{4}\s*年")


@dataclass
class Comparison:
    current: Figure
    base: Figure
    delta: Optional[Figure]
    direction: str  # "up" | "down" | "same"
    pct: Optional[Figure]


@dataclass
class Group:
    """A whole and the figures a marker (其中, 包括, ：, a bracket) breaks it into."""

    whole: Figure
    parts: list[Figure]
    marker: str
    exhaustive: bool


@lru_cache(maxsize=1)
def _patterns() -> dict:
    c = cfg()
    comparison = "|".join(map(re.escape, sorted(c["comparison_words"], key=len, reverse=True)))
    direction = "|".join(map(re.escape, c["increase_words"] + c["decrease_words"]))
    return {"comparison": re.compile(rf"(?:{comparison})$"),
            "direction": re.compile(rf"[，,]?\s*({direction})了?\s*"),
            "marker": re.compile("|".join(c["part_markers"]))}


def find_comparisons(t: Text) -> list[Comparison]:
    """"A，较上年B增加C，增加P%": the current figure, its base, the change and the change in per cent."""
    p = _patterns()
    up = cfg()["increase_words"]
    text, figs = t.text, t.figs.items
    by_start = {f.start: f for f in figs}
    out = []
    for i, b in enumerate(figs):
        if b.label == "PERCENT" or not p["comparison"].search(text, max(0, b.start - 6), b.start):
            continue
        current = _current(t, figs, i)
        if current is None:
            continue
        delta = pct = direction = None
        pos = b.end
        m = p["direction"].match(text, pos)
        if m:
            direction = "up" if m.group(1) in up else "down"
            nxt = by_start.get(m.end())
            if nxt is not None and nxt.unit == b.unit:
                delta, pos = nxt, nxt.end
                m2 = p["direction"].match(text, pos)
                if m2 and by_start.get(m2.end()) is not None and by_start[m2.end()].unit == "%":
                    pct = by_start[m2.end()]
        elif _SAME.match(text, pos):
            direction = "same"
        if direction is not None:
            out.append(Comparison(current, b, delta, direction, pct))
    return out


def _current(t: Text, figs: list[Figure], i: int) -> Optional[Figure]:
    """The nearest figure of the same kind before ``figs[i]`` in its sentence (what it is compared with)."""
    b = figs[i]
    for j in range(i - 1, -1, -1):
        f = figs[j]
        if not t.same_sentence(f, b):
            return None  # every earlier figure is in an earlier sentence too
        if f.unit == b.unit and f.label == b.label:
            return f
    return None


def find_groups(t: Text, skip: set[int]) -> list[Group]:
    """Breakdowns of a figure into parts: "W，其中A a、B b", "W：A a、B b", "W（A a、B b）", and a
    "W，其中：" that closes its paragraph, whose parts open the paragraphs below."""
    text, depth = t.text, t.depth
    cand = ByPosition(f for f in t.figs.items if f.label != "PERCENT" and f.start not in skip)
    by_end = {f.end: f for f in cand.items}
    marker_re = _patterns()["marker"]
    groups: list[Group] = []
    for m in marker_re.finditer(text):
        d = depth[m.start()]
        s_start, s_end = t.sentence(m.start())
        whole = _whole_before(t, cand, by_end, m.start(), d, groups, s_start)
        if whole is None:
            continue
        if not text[m.end():s_end].strip() and text[s_end:s_end + 1] == "\n":
            parts = _paragraph_leads(t, cand, s_end, whole)
        else:
            parts = _parts_after(t, cand, m.end(), d, marker_re, whole)
        if parts:
            exhaustive = any(m.group().startswith(w) for w in cfg()["exhaustive_markers"])
            groups.append(Group(whole, parts, m.group().rstrip("：:，,"), exhaustive))
    groups += _unmarked_groups(t, cand, marker_re)
    return groups


def _unmarked_groups(t: Text, cand: ByPosition, marker_re: re.Pattern) -> list[Group]:
    """"W：A a、B b" and "W（A a、B b）" without a marker word."""
    text, depth = t.text, t.depth
    groups = []
    for w in cand.items:
        nxt = text[w.end:w.end + 1]
        if not nxt or nxt not in "：:（(" or marker_re.match(text, w.end + 1):
            continue
        bracket = nxt in "（("
        d = depth[w.start] + (1 if bracket else 0)
        close = t.closing(w.end) if bracket else t.sentence(w.end)[1]
        if bracket and "=" in text[w.end:close]:
            continue  # written arithmetic, checked on its own
        parts = [f for f in cand.starting_in(w.end + 1, close) if depth[f.start] == d and f.unit == w.unit]
        if len(parts) >= 2 or not bracket and parts:
            groups.append(Group(w, parts, nxt, False))
    return groups


def _whole_before(t: Text, cand: ByPosition, by_end: dict[int, Figure], pos: int, d: int,
                  groups: list[Group], s_start: int) -> Optional[Figure]:
    text, depth = t.text, t.depth
    if text[pos - 1:pos] in "（(":
        # "W（其中A a，B b）": the whole stands right before the bracket
        found = [f for f in (by_end.get(pos - 2), by_end.get(pos - 1)) if f is not None]
        return found[0] if found else None
    clause_start = t.sentences.clause(pos)[0]
    before = [f for f in cand.starting_in(s_start, pos) if f.end <= pos and depth[f.start] == d]
    in_clause = [f for f in before if f.start >= clause_start]
    if in_clause:
        return in_clause[-1]
    if before or clause_start > s_start:
        # a second breakdown of the same sentence ("；按支出经济分类，其中：") shares the whole
        return groups[-1].whole if groups and groups[-1].whole.start >= s_start else None
    if text[s_start:pos].strip() == "":
        # "其中，" opens its sentence: the whole ends the sentence before
        for i in range(cand.index(s_start) - 1, -1, -1):
            f = cand.items[i]
            if f.end <= s_start and depth[f.start] == d:
                return f
    return None


def _parts_after(t: Text, cand: ByPosition, a: int, d: int, marker_re: re.Pattern, whole: Figure) -> list[Figure]:
    """The figures after a marker up to the end of its clause or a nested marker."""
    stop = t.sentences.clause(a)[1]
    nested = marker_re.search(t.text, a, stop)
    while nested is not None and t.depth[nested.start()] != d:
        nested = marker_re.search(t.text, nested.end(), stop)
    if nested is not None:
        stop = nested.start()
    return [f for f in cand.starting_in(a, stop) if t.depth[f.start] == d and f.unit == whole.unit and f is not whole]


def _paragraph_leads(t: Text, cand: ByPosition, para_end: int, whole: Figure) -> list[Figure]:
    """The figures that open the paragraphs after a breakdown that closes its own."""
    text = t.text
    parts = []
    pos = para_end
    while pos < len(text):
        while pos < len(text) and text[pos] in "\n \u3000\t":
            pos += 1
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        line = cand.starting_in(pos, line_end)
        first = line[0] if line else None
        lead = text[pos:first.start] if first else ""
        if first is None or first.unit != whole.unit or len(lead) > 14 or _YEAR_LEAD.search(lead):
            break
        parts.append(first)
        pos = line_end
    return parts
