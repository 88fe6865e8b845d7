"""What every check reads: figures with the precision they were written to, and one document's
text indexed once (sentences, bracket depth and pairs, years, clause marks) so that each look-up
costs the same anywhere in a long report."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..config import load_config
from ..doc import Entity, Span
from ..positions import ByPosition
from ..segmenting import Sentences
from ..values import unit_lexicon

HOLDS, FAILS, UNKNOWN = "holds", "fails", "unknown"
_CLAUSE_MARKS = "，,、；;：:（(。\n"  # where the words naming a figure's role begin
_NUM = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")


@lru_cache(maxsize=1)
def cfg() -> dict:
    return load_config("checks")


@dataclass(frozen=True)
class Figure:
    """A number in the text with the precision it was written to (``ulp``: one unit in its last place)."""

    span: Span
    value: float
    unit: str
    label: str
    ulp: float
    qualifier: Optional[str] = None

    @property
    def text(self) -> str:
        return self.span.text

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end


@dataclass
class Check:
    """One consistency check: its kind, whether it holds, what it compared, and the figures' spans."""

    kind: str
    status: str
    message: str
    spans: list[Span]

    def to_json(self) -> dict:
        return {"kind": self.kind, "status": self.status, "message": self.message,
                "spans": [s.to_json() for s in self.spans]}


def figure_of(e: Entity) -> Optional[Figure]:
    if e.value is None or e.label not in ("MONEY", "PERCENT", "QUANTITY"):
        return None
    m = _NUM.search(e.text)
    if m is None:
        return Figure(e.span, float(e.value), e.unit or "", e.label, 1.0, e.qualifier)
    written = float(m.group().replace(",", ""))
    decimals = len(m.group().split(".")[1]) if "." in m.group() else 0
    if e.label == "QUANTITY" and not decimals:
        return Figure(e.span, float(e.value), e.unit or "", e.label, 0.0, e.qualifier)  # a count is exact
    if written:
        scale = float(e.value) / written
    else:
        entry = unit_lexicon().get(e.text[m.end():].strip())
        scale = entry.multiplier if entry else 1.0
    return Figure(e.span, float(e.value), e.unit or "", e.label, 10.0 ** -decimals * scale, e.qualifier)


def status(diff: float, tol: float) -> str:
    return HOLDS if abs(diff) <= tol + 1e-9 else FAILS


def fmt(f: float) -> str:
    return f"{f:,.6f}".rstrip("0").rstrip(".")


def wan(value: float, unit: str) -> str:
    """Money back in 万元 as the reports write it; other units as they are."""
    if unit == "元":
        return f"{fmt(round(value / 10000, 6))}万元"
    return f"{fmt(value)}{unit}"


def short(s: str, n: int = 24) -> str:
    s = re.sub(r"\s+", "", s)
    return s if len(s) <= n else s[:n] + "…"


class Text:
    """One document's text and figures, indexed once."""

    def __init__(self, text: str, figs: list[Figure]):
        self.text = text
        self.figs = ByPosition(figs)
        self.sentences = Sentences(text)
        self.depth, self._closing = _brackets(text)
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        years = [(m.start(), m.end(), int(m.group(1))) for m in _YEAR.finditer(text)]
        self._years = ByPosition(years, start=lambda y: y[1])            # by where they end
        self._head_years = ByPosition([y for y in years if y[2] >= 2000], start=lambda y: y[1])

    def sentence(self, pos: int) -> tuple[int, int]:
        return self.sentences.sentence(pos)

    def same_sentence(self, a: Figure, b: Figure) -> bool:
        lo, hi = sorted((a.end, b.start))
        return not self.sentences.ends_between(lo, hi)

    def in_range(self, a: int, b: int) -> list[Figure]:
        """The figures that start in ``[a, b)``."""
        return self.figs.starting_in(a, b)

    def closing(self, open_pos: int) -> int:
        """Where the bracket opened at ``open_pos`` closes (the end of the text if it never does)."""
        return self._closing.get(open_pos, len(self.text))

    def clause_before(self, pos: int, limit: int = 30) -> str:
        """The words before ``pos`` back to the previous clause mark, at most ``limit`` characters."""
        lo = max(0, pos - limit)
        return self.text[max([lo] + [self.text.rfind(c, lo, pos) + 1 for c in _CLAUSE_MARKS]):pos]

    def name_before(self, pos: int, floor: int, limit: int = 16) -> str:
        """What a part is called: the words between the previous figure (or clause mark) and this one."""
        lo = max(floor, pos - limit)
        for marks in ("，,、；;。）)\n", "，,、；;。\n"):  # "资本性支出（基本建设）0万元" keeps its bracket
            a = max([lo] + [self.text.rfind(c, lo, pos) + 1 for c in marks])
            name = re.sub(r"^[\s、，,：:（(）)和及]*(?:其中|主要包括|包括|具体为|分别为|含)?[：:，,]?", "", self.text[a:pos]).strip()
            if name:
                return name
        return "?"

    def role_of(self, fig: Figure, kind: str = "scope_roles") -> Optional[str]:
        """The first role of ``configs/checks.yaml`` (``scope_roles`` or ``stage_roles``) named before the figure."""
        before = self.clause_before(fig.start)
        for role, patterns in cfg()[kind].items():
            if any(re.search(p, before) for p in patterns):
                return role
        return None

    def year_of(self, pos: int) -> Optional[int]:
        """The year a figure is about: the last year named in its paragraph before it, else the last
        20xx年 named anywhere before it."""
        i = bisect.bisect_left(self._newlines, pos)
        para_start = self._newlines[i - 1] + 1 if i else 0
        k = self._years.index(pos + 1) - 1
        if k >= 0 and self._years.items[k][0] >= para_start:
            return self._years.items[k][2]
        k = self._head_years.index(pos + 1) - 1
        return self._head_years.items[k][2] if k >= 0 else None


def _brackets(text: str) -> tuple[list[int], dict[int, int]]:
    """The bracket depth at each character, and where each opened bracket closes."""
    depth, out, opened, closing = 0, [], [], {}
    for i, c in enumerate(text):
        if c in "（(":
            depth += 1
            opened.append(i)
        out.append(depth)
        if c in "）)":
            depth = max(0, depth - 1)
            if opened:
                closing[opened.pop()] = i
    return out, closing
