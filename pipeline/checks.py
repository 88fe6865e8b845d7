"""Budget facts and consistency checks: do the report's figures agree with each other?

From the entities the taggers found (MONEY, PERCENT, QUANTITY with values) and the rebuilt tables,
this module derives ``BudgetFact`` records (role, stage, year, parts) and ``Check`` records:
parts add up to their whole, shares (占比) and rates (执行率, 控制率) match the figures they are
computed from, year-on-year changes match both years, written arithmetic holds, indicator scores
stay within their weights, and a figure named twice says the same.  A check ``holds`` within the
report's own rounding (half a unit in the last written place of every figure involved), ``fails``
beyond it, and is ``unknown`` where the text does not give enough to decide.
"""
from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .config import load_config
from .doc import Document, Entity, Span
from .tables import Tables
from .values import unit_lexicon

HOLDS, FAILS, UNKNOWN = "holds", "fails", "unknown"
_SENTENCE_END = "。！？\n"
_CLAUSE_MARKS = "，,、；;：:（(。\n"
_NUM = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


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


@dataclass
class BudgetFact:
    """A fiscal figure: what it is (role), planned or spent (stage), for which year, and its parts."""

    figure: Figure
    role: str
    stage: str  # "budget" (预算) or "actual" (决算, 执行, 支出)
    year: Optional[int]
    parts: list[Figure] = field(default_factory=list)
    within: tuple = ()  # roles of the figures it is a part of, innermost first

    def to_json(self) -> dict:
        return {"role": self.role, "stage": self.stage, "year": self.year, "within": list(self.within),
                "value": self.figure.value,
                "unit": self.figure.unit, "number": self.figure.span.to_json(),
                "parts": [p.span.to_json() for p in self.parts]}


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


@dataclass
class Group:
    """A whole and the figures a marker (其中, 包括, ：, a bracket) breaks it into."""

    whole: Figure
    parts: list[Figure]
    marker: str
    exhaustive: bool


@lru_cache(maxsize=1)
def _cfg() -> dict:
    return load_config("checks")


# -- figures -------------------------------------------------------------------------------

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


def _fmt(f: float) -> str:
    return f"{f:,.6f}".rstrip("0").rstrip(".")


def _wan(value: float, unit: str) -> str:
    """Money back in 万元 as the reports write it; other units as they are."""
    if unit == "元":
        return f"{_fmt(round(value / 10000, 6))}万元"
    return f"{_fmt(value)}{unit}"


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    a = max(text.rfind(c, 0, pos) for c in _SENTENCE_END) + 1
    ends = [i for i in (text.find(c, pos) for c in _SENTENCE_END) if i >= 0]
    return a, (min(ends) if ends else len(text))


def _clause_before(text: str, pos: int, limit: int = 30) -> str:
    """The words before ``pos`` back to the previous clause mark."""
    a = max(text.rfind(c, 0, pos) for c in _CLAUSE_MARKS) + 1
    return text[max(a, pos - limit):pos]


def role_of(text: str, fig: Figure, kind: str = "scope_roles") -> Optional[str]:
    """The first role of ``configs/checks.yaml`` (``scope_roles`` or ``stage_roles``) named before the figure."""
    before = _clause_before(text, fig.span.start)
    for role, patterns in _cfg()[kind].items():
        if any(re.search(p, before) for p in patterns):
            return role
    return None


def _name_before(text: str, pos: int, floor: int, limit: int = 16) -> str:
    """What a part is called: the words between the previous figure (or clause mark) and this one."""
    for marks in ("，,、；;。）)\n", "，,、；;。\n"):  # "资本性支出（基本建设）0万元" keeps its bracket
        a = max(floor, max(text.rfind(c, 0, pos) for c in marks) + 1, pos - limit)
        name = re.sub(r"^[\s、，,：:（(）)和及]*(?:其中|主要包括|包括|具体为|分别为|含)?[：:，,]?", "", text[a:pos]).strip()
        if name:
            return name
    return "?"


def _year_of(text: str, pos: int) -> Optional[int]:
    para_start = text.rfind("\n", 0, pos) + 1
    years = re.findall(r"(20\d\d|19\d\d)\s*年", text[para_start:pos])
    if years:
        return int(years[-1])
    head = re.findall(r"(20\d\d)\s*年", text[:pos])
    return int(head[-1]) if head else None


# -- structure: comparisons and breakdowns ---------------------------------------------------

@dataclass
class Comparison:
    current: Figure
    base: Figure
    delta: Optional[Figure]
    direction: str  # "up" | "down"
    pct: Optional[Figure]


def find_comparisons(text: str, figs: list[Figure]) -> list[Comparison]:
    """"A，较上年B增加C，增加P%": the current figure, its base, the change and the change in per cent."""
    cfg = _cfg()
    cmp_re = "|".join(map(re.escape, sorted(cfg["comparison_words"], key=len, reverse=True)))
    up, down = cfg["increase_words"], cfg["decrease_words"]
    dir_re = "|".join(map(re.escape, up + down))
    out = []
    by_start = {f.span.start: f for f in figs}
    for i, b in enumerate(figs):
        if b.label == "PERCENT" or not re.search(rf"(?:{cmp_re})$", text[max(0, b.span.start - 6):b.span.start]):
            continue
        current = next((f for f in reversed(figs[:i]) if f.unit == b.unit and f.label == b.label
                        and _same_sentence(text, f, b)), None)
        if current is None:
            continue
        delta = pct = None
        direction = None
        pos = b.span.end
        m = re.match(rf"[，,]?\s*({dir_re})了?\s*", text[pos:])
        if m:
            direction = "up" if m.group(1) in up else "down"
            nxt = by_start.get(pos + m.end())
            if nxt is not None and nxt.unit == b.unit:
                delta = nxt
                pos = nxt.span.end
                m2 = re.match(rf"[，,]?\s*(?:{dir_re})了?\s*", text[pos:])
                if m2 and by_start.get(pos + m2.end()) is not None and by_start[pos + m2.end()].unit == "%":
                    pct = by_start[pos + m2.end()]
        elif re.match(r"[，,]?\s*持平", text[pos:]):
            direction = "same"
        if direction is None:
            continue
        out.append(Comparison(current, b, delta, direction, pct))
    return out


def _same_sentence(text: str, a: Figure, b: Figure) -> bool:
    lo, hi = sorted((a.span.end, b.span.start))
    return not any(c in text[lo:hi] for c in _SENTENCE_END)


def _depths(text: str) -> list[int]:
    depth, out = 0, []
    for c in text:
        if c in "（(":
            depth += 1
        out.append(depth)
        if c in "）)":
            depth = max(0, depth - 1)
    return out


def find_groups(text: str, figs: list[Figure], skip: set[int]) -> list[Group]:
    """Breakdowns of a figure into parts: "W，其中A a、B b", "W：A a、B b", "W（A a、B b）", and a
    "W，其中：" that closes its paragraph, whose parts open the paragraphs below."""
    cfg = _cfg()
    cand = [f for f in figs if f.label != "PERCENT" and f.span.start not in skip]
    depth = _depths(text)
    marker_re = re.compile("|".join(cfg["part_markers"]))
    groups: list[Group] = []
    seen_markers: set[int] = set()
    for m in marker_re.finditer(text):
        seen_markers.add(m.start())
        d = depth[m.start()]
        s_start, s_end = _sentence_bounds(text, m.start())
        whole = _whole_before(text, cand, m.start(), d, depth, groups, s_start)
        if whole is None:
            continue
        rest = text[m.end():s_end]
        if not rest.strip() and text[s_end:s_end + 1] == "\n":
            parts = _paragraph_leads(text, cand, s_end, whole)
        else:
            parts = _parts_after(text, cand, m.end(), s_end, d, depth, marker_re, whole)
        if parts:
            exhaustive = any(m.group().startswith(w) for w in cfg["exhaustive_markers"])
            groups.append(Group(whole, parts, m.group().rstrip("：:，,"), exhaustive))
    # "W：A a、B b" and "W（A a、B b）" without a marker word
    for i, w in enumerate(cand):
        nxt = text[w.span.end:w.span.end + 1]
        if nxt in "：:（(" and nxt and not marker_re.match(text, w.span.end + 1):
            s_start, s_end = _sentence_bounds(text, w.span.end)
            d = depth[w.span.start] + (1 if nxt in "（(" else 0)
            close = _closing(text, w.span.end) if nxt in "（(" else s_end
            if nxt in "（(" and "=" in text[w.span.end:close]:
                continue  # written arithmetic, checked on its own
            parts = [f for f in cand if w.span.end < f.span.start < close and depth[f.span.start] == d
                     and f.unit == w.unit]
            if len(parts) >= 2 or nxt in "：:" and parts:
                groups.append(Group(w, parts, nxt, False))
    return groups


def _closing(text: str, open_pos: int) -> int:
    depth = 0
    for i in range(open_pos, len(text)):
        if text[i] in "（(":
            depth += 1
        elif text[i] in "）)":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _whole_before(text, cand, pos, d, depth, groups, s_start) -> Optional[Figure]:
    if text[pos - 1:pos] in "（(":
        # "W（其中A a，B b）": the whole stands right before the bracket
        return next((f for f in cand if 0 <= pos - 1 - f.span.end <= 1), None)
    clause_start = max(text.rfind("；", 0, pos), text.rfind(";", 0, pos)) + 1
    before = [f for f in cand if f.span.end <= pos and depth[f.span.start] == d and f.span.start >= s_start]
    in_clause = [f for f in before if f.span.start >= clause_start]
    if in_clause:
        return in_clause[-1]
    if before or clause_start > s_start:
        # a second breakdown of the same sentence ("；按支出经济分类，其中：") shares the whole
        for g in reversed(groups):
            if g.whole.span.start >= s_start:
                return g.whole
        return None
    if text[s_start:pos].strip() == "" :
        # "其中，" opens its sentence: the whole ends the sentence before
        prev = [f for f in cand if f.span.end <= s_start and depth[f.span.start] == d]
        return prev[-1] if prev else None
    return None


def _parts_after(text, cand, a, s_end, d, depth, marker_re, whole) -> list[Figure]:
    stop = s_end
    semi = [i for i in (text.find("；", a, s_end), text.find(";", a, s_end)) if i >= 0]
    if semi:
        stop = min(semi)
    nested = marker_re.search(text, a, stop)
    while nested is not None and depth[nested.start()] != d:
        nested = marker_re.search(text, nested.end(), stop)
    if nested is not None:
        stop = nested.start()
    return [f for f in cand if a <= f.span.start < stop and depth[f.span.start] == d
            and f.unit == whole.unit and f is not whole]


def _paragraph_leads(text, cand, para_end, whole) -> list[Figure]:
    parts = []
    pos = para_end
    while pos < len(text):
        while pos < len(text) and text[pos] in "\n \u3000\t":
            pos += 1
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        first = next((f for f in cand if pos <= f.span.start < line_end), None)
        lead = text[pos:first.span.start] if first else ""
        if first is None or first.unit != whole.unit or len(lead) > 14 or re.search(r"\d{4}\s*年", lead):
            break
        parts.append(first)
        pos = line_end
    return parts


# -- the checks --------------------------------------------------------------------------------

def _status(diff: float, tol: float) -> str:
    return HOLDS if abs(diff) <= tol + 1e-9 else FAILS


def check_groups(text: str, groups: list[Group]) -> list[Check]:
    cfg = _cfg()
    out = []
    for g in groups:
        floors = [g.whole.span.end] + [p.span.end for p in g.parts[:-1]]
        names = [_name_before(text, p.span.start, fl) for p, fl in zip(g.parts, floors)]
        cut = next((k for k, n in enumerate(names) if k and any(n.startswith(w) for w in cfg["ends_breakdown"])), None)
        if cut is not None:
            g = Group(g.whole, g.parts[:cut], g.marker, g.exhaustive)
            names = names[:cut]
        if "?" in names or not re.search(r"[^\d.,，\s]", g.whole.text):
            continue  # unnamed parts or a bare whole: a table the table reader handles, not a sentence
        total = sum(p.value for p in g.parts)
        tol = g.whole.ulp / 2 + sum(p.ulp / 2 for p in g.parts)
        if len(g.parts) == 1 and total <= g.whole.value + tol:
            continue
        diff = total - g.whole.value
        status = _status(diff, tol)
        catch_all = any(re.search(p, n) for n in names for p in cfg["catch_all"])
        if status == FAILS and diff < 0 and not (catch_all or g.exhaustive):
            status = UNKNOWN
        hedged = [f.text for f in (g.whole, *g.parts) if f.qualifier]
        if status == FAILS and hedged:
            status = UNKNOWN  # 约, 余, 以上: the figures are not exact
        u = g.whole.unit
        terms = " + ".join(f"{n}{_wan(p.value, u)}" for n, p in zip(names, g.parts))
        msg = f"{terms} = {_wan(total, u)}; the whole is {g.whole.text} ({_clause_before(text, g.whole.span.start, 16).strip()})"
        if status == HOLDS:
            msg += f", equal within rounding ({_wan(tol, u)})" if tol else ", equal"
        elif status == FAILS:
            msg += f": off by {_wan(abs(diff), u)}" + (" although the list ends with its catch-all item"
                                                      if catch_all and diff < 0 else "")
        elif hedged:
            msg += f": off by {_wan(abs(diff), u)}, but {'、'.join(hedged)} are approximate"
        else:
            msg += f": the parts fall {_wan(-diff, u)} short, and the list need not be complete"
        out.append(Check("parts_sum", status, msg, [g.whole.span] + [p.span for p in g.parts]))
    return out


def check_shares(text: str, groups: list[Group], figs: list[Figure]) -> list[Check]:
    """占比 after a part: the part over its whole."""
    out = []
    pct = [f for f in figs if f.unit == "%"]
    for g in groups:
        for p in g.parts:
            share = next((f for f in pct if p.span.end <= f.span.start <= p.span.end + 12
                          and any(re.search(w, text[p.span.end:f.span.start]) for w in _cfg()["share_words"])), None)
            if share is None or not g.whole.value:
                continue
            got = p.value / g.whole.value * 100
            tol = share.ulp / 2 + (p.ulp / 2 / g.whole.value + p.value * g.whole.ulp / 2 / g.whole.value ** 2) * 100
            status = _status(share.value - got, tol)
            out.append(Check("share", status,
                             f"{share.text} share of {p.text} in {g.whole.text}: computed {got:.2f}%"
                             + ("" if status == HOLDS else f", written {share.text}"),
                             [share.span, p.span, g.whole.span]))
    return out


def check_rates(text: str, figs: list[Figure], roles: dict[int, str]) -> list[Check]:
    out = []
    for rate in _cfg()["rates"]:
        for f in figs:
            if f.unit != "%":
                continue
            before = _clause_before(text, f.span.start, 12)
            if not any(w in before for w in rate["words"]):
                continue
            s_start, s_end = _sentence_bounds(text, f.span.start)
            near = [g for g in figs if s_start <= g.span.start < s_end and g.unit == "元" and g.span.start in roles]
            tried = []
            for formula in rate["formulas"]:
                num = _pick(near, roles, formula["numerator"], f)
                den = _pick(near, roles, formula["denominator"], f)
                if num is not None and den is not None and den.value:
                    got = num.value / den.value * 100
                    tol = f.ulp / 2 + (num.ulp / 2 / den.value + num.value * den.ulp / 2 / den.value ** 2) * 100
                    tried.append((got, tol, num, den))
            if not tried:
                out.append(Check("rate", UNKNOWN, f"{rate['name']} {f.text}: the sentence gives no figures "
                                 f"to compute it from", [f.span]))
                continue
            ok = [t for t in tried if abs(t[0] - f.value) <= t[1] + 1e-9]
            formulas = "; ".join(f"{roles[n.span.start]} {n.text} / {roles[d.span.start]} {d.text} = {g:.2f}%"
                                 for g, _, n, d in tried)
            spans = [f.span] + [s for t in tried for s in (t[2].span, t[3].span)]
            status = HOLDS if ok else FAILS
            msg = f"{rate['name']} written {f.text}; {formulas}"
            if not ok and any(abs(t[0] / 100 - f.value) <= f.ulp for t in tried):
                msg += " (the written figure is the ratio itself, missing ×100)"
            out.append(Check("rate", status, msg, list(dict.fromkeys(spans))))
    return out


def check_named_ratios(text: str, figs: list[Figure], configured: set[int]) -> list[Check]:
    """A rate with no formula in the config (延期过渡率为48%): it holds if two figures of its sentence give it."""
    out = []
    for f in figs:
        if f.unit != "%" or f.span.start in configured or "率" not in _clause_before(text, f.span.start, 10):
            continue
        s_start, _ = _sentence_bounds(text, f.span.start)
        para_start = text.rfind("\n", 0, f.span.start) + 1
        near = [g for g in figs if max(s_start, para_start) <= g.span.start < f.span.start and g.unit != "%"]
        for num in reversed(near):
            den = next((g for g in near if g.unit == num.unit and g.value > num.value
                        and abs(num.value / g.value * 100 - f.value) <= f.ulp / 2 + 1e-9), None)
            if den is not None:
                out.append(Check("rate", HOLDS, f"{_clause_before(text, f.span.start, 10)}{f.text} = "
                                 f"{num.text} / {den.text} = {num.value / den.value * 100:.2f}%",
                                 [f.span, num.span, den.span]))
                break
    return out


def _pick(near: list[Figure], roles: dict[int, str], wanted: list[str], rate: Figure) -> Optional[Figure]:
    for role in wanted:
        hits = [g for g in near if roles[g.span.start] == role]
        before = [g for g in hits if g.span.start < rate.span.start]
        if before:
            return before[-1]
        if hits:
            return hits[0]
    return None


def check_comparisons(comparisons: list[Comparison]) -> list[Check]:
    out = []
    for c in comparisons:
        change = c.current.value - c.base.value
        u = c.current.unit
        if c.direction == "same":
            tol = (c.current.ulp + c.base.ulp) / 2
            out.append(Check("change", _status(change, tol),
                             f"{c.current.text} is said to equal the earlier {c.base.text}",
                             [c.current.span, c.base.span]))
            continue
        if c.delta is not None:
            sign_ok = (change > 0) == (c.direction == "up") or change == 0 == c.delta.value
            tol = (c.current.ulp + c.base.ulp + c.delta.ulp) / 2
            status = _status(abs(change) - c.delta.value, tol) if sign_ok else FAILS
            out.append(Check("change", status,
                             f"{c.current.text} against {c.base.text}: "
                             f"{'up' if change >= 0 else 'down'} {_wan(abs(change), u)}, written "
                             f"{'up' if c.direction == 'up' else 'down'} {c.delta.text}",
                             [c.current.span, c.base.span, c.delta.span]))
        if c.pct is not None and c.base.value:
            delta = c.delta.value if c.delta is not None else abs(change)
            got = delta / c.base.value * 100
            tol = c.pct.ulp / 2 + ((c.delta.ulp if c.delta else c.current.ulp) / 2 / c.base.value
                                   + delta * c.base.ulp / 2 / c.base.value ** 2) * 100
            status = _status(c.pct.value - got, tol)
            out.append(Check("change_rate", status,
                             f"change {_wan(delta, u)} over the earlier {c.base.text} = {got:.2f}%, written {c.pct.text}",
                             [c.pct.span] + ([c.delta.span] if c.delta else [c.current.span]) + [c.base.span]))
    return out


_ARITH = re.compile(r"(\d+(?:\.\d+)?(?:\s*[+\-−＋－×xX*÷/]\s*\d+(?:\.\d+)?)+)\s*[=＝]\s*(\d+(?:\.\d+)?)")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _evaluate(expr: str) -> float:
    tree = ast.parse(expr, mode="eval").body

    def ev(node):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        raise ValueError(expr)
    return ev(tree)


def check_arithmetic(text: str) -> list[Check]:
    """Sums written out in the text: 5032+11361-741=15652."""
    out = []
    for m in _ARITH.finditer(text):
        expr = m.group(1)
        py = re.sub(r"\s", "", expr).translate(str.maketrans({"−": "-", "＋": "+", "－": "-", "×": "*", "x": "*",
                                                             "X": "*", "÷": "/"}))
        got = _evaluate(py)
        written = float(m.group(2))
        decimals = max(len(n.split(".")[1]) if "." in n else 0 for n in re.findall(r"\d+(?:\.\d+)?", m.group()))
        status = _status(got - written, 10 ** -decimals / 2)
        spans = [Span(m.start() + n.start(), m.start() + n.end(), n.group())
                 for n in re.finditer(r"\d+(?:\.\d+)?", m.group())]
        out.append(Check("arithmetic", status, f"{expr} = {_fmt(got)}, written {m.group(2)}", spans))
    return out


def check_identities(text: str, figs: list[Figure], roles: dict[int, str]) -> list[Check]:
    out = []
    for ident in _cfg()["identities"]:
        for f in figs:
            if roles.get(f.span.start) != ident["total"]:
                continue
            s_start, s_end = _sentence_bounds(text, f.span.start)
            parts = []
            for r in ident["parts"]:
                hit = next((g for g in figs if s_start <= g.span.start < s_end and roles.get(g.span.start) == r), None)
                parts.append(hit)
            if any(p is None for p in parts):
                continue
            total = sum(p.value for p in parts)
            tol = (f.ulp + sum(p.ulp for p in parts)) / 2
            status = _status(total - f.value, tol)
            terms = " + ".join(f"{r} {p.text}" for r, p in zip(ident["parts"], parts))
            out.append(Check("identity", status, f"{ident['total']} {f.text} should equal {terms} = "
                             f"{_wan(total, f.unit)}" + ("" if status == HOLDS else f"; off by {_wan(abs(total - f.value), f.unit)}"),
                             [f.span] + [p.span for p in parts]))
    return out


def check_repeated(facts: list[BudgetFact]) -> list[Check]:
    """A figure named twice for the same year and stage must say the same (公务接待费 0.38 vs 0.67)."""
    unique = set(_cfg()["unique_roles"])
    seen: dict[tuple, BudgetFact] = {}
    out = []
    for bf in facts:
        if bf.role not in unique:
            continue
        key = (bf.role, bf.stage, bf.year)
        first = seen.setdefault(key, bf)
        if first is bf:
            continue
        tol = (first.figure.ulp + bf.figure.ulp) / 2
        if abs(first.figure.value - bf.figure.value) > tol + 1e-9:
            same_scope = first.within == bf.within
            where = "" if same_scope else (f"; one is counted within {' < '.join(first.within) or 'the whole unit'}, "
                                          f"the other within {' < '.join(bf.within) or 'the whole unit'}, "
                                          f"so they may cover different spending")
            out.append(Check("repeated_figure", FAILS if same_scope else UNKNOWN,
                             f"{bf.role} ({bf.year}, {bf.stage}) is {first.figure.text} in one place and "
                             f"{bf.figure.text} in another{where}", [first.figure.span, bf.figure.span]))
    return out


def check_indicators(tables: Tables) -> list[Check]:
    out = []
    for table in tables.forms:
        rows = table.indicators
        for r in rows:
            spans = [s for s in (r.score_span, r.weight_span) if s is not None]
            if r.weight is None or r.score is None:
                out.append(Check("score_within_weight", UNKNOWN,
                                 f"{_short(r.indicator.text)}: score or weight missing", [r.indicator] + spans))
                continue
            status = HOLDS if r.score <= r.weight + 1e-9 else FAILS
            out.append(Check("score_within_weight", status,
                             f"{_short(r.indicator.text)}: score {_fmt(r.score)} of weight {_fmt(r.weight)}", spans))
        out.extend(_check_targets(rows))
        if table.total is not None:
            funds = [line for t in tables.forms if t.kind == "budget" and t.region == table.region
                     and t.start < table.start for line in t.budget_lines[:1]]
            for what, attr, cell, col in (("weights", "weight", table.total.weight, "分值"),
                                          ("scores", "score", table.total.score, "得分")):
                if cell is None or cell.value is None:
                    continue
                vals = [getattr(r, attr) for r in rows if getattr(r, attr) is not None]
                spans = [getattr(r, attr + "_span") for r in rows if getattr(r, attr + "_span") is not None]
                extra = ""
                for line in funds:  # 项目资金 row of the same form: its 分值/得分 count towards 总分
                    v = next((c for k, c in line.cells.items() if col in k and c.value is not None), None)
                    if v is not None:
                        vals.append(v.value)
                        spans.append(v.span)
                        extra = f" (with {line.item.text} {col} {v.span.text})"
                total = sum(vals)
                status = _status(total - cell.value, 0.05 * len(vals) if any(v % 1 for v in vals) else 0)
                out.append(Check(f"{attr}_total", status, f"the rows' {what} add up to {_fmt(total)}{extra}; "
                                 f"{table.total.label.text} row says {cell.span.text}", [cell.span] + spans))
        for label, points, idx in table.groups:
            if points is None or not idx:
                continue
            total = sum(rows[i].weight or 0 for i in idx)
            spans = [label] + [rows[i].weight_span for i in idx if rows[i].weight_span is not None]
            out.append(Check("group_weight", _status(total - points, 0),
                             f"{_short(label.text)}: weights add up to {_fmt(total)} of {_fmt(points)}分", spans))
        for line in table.budget_lines:
            out.extend(_check_budget_line(line))
    return out


def _check_targets(rows) -> list[Check]:
    """Full marks need the target met: an indicator that missed its target yet scored its whole weight fails."""
    out = []
    lower_is_better = _cfg()["lower_is_better"]
    for r in rows:
        t, a = r.target, r.actual
        if t is None or a is None or t.value is None or a.value is None or t.unit != a.unit:
            continue
        cost = any(w in (r.level2.text if r.level2 else "") + r.indicator.text for w in lower_is_better)
        q = t.qualifier or ("lte" if cost else "gte")
        met = {"gte": a.value >= t.value, "gt": a.value > t.value, "lte": a.value <= t.value,
               "lt": a.value < t.value, "approx": abs(a.value - t.value) <= 0.05 * abs(t.value)}.get(q, True)
        full = r.weight is not None and r.score is not None and r.score >= r.weight
        status = FAILS if not met and full else HOLDS
        verdict = "met" if met else ("missed, yet scored full marks" if full else "missed, and the score is reduced")
        out.append(Check("target_met", status, f"{_short(r.indicator.text)}: target {t.span.text}, actual "
                         f"{a.span.text}: {verdict}", [a.span, t.span]))
    return out


def _check_budget_line(line) -> list[Check]:
    out = []
    cells = line.cells
    rate = next((v for k, v in cells.items() if "执行率" in k), None)
    done = next((v for k, v in cells.items() if "执行数" in k), None)
    plan = next((v for k in ("全年预算数", "预算数", "年初预算数") for kk, v in cells.items() if kk == k), None)
    if rate is not None and rate.value is not None:
        if done is not None and plan is not None and plan.value:
            got = done.value / plan.value * 100
            status = _status(rate.value - got, 0.005 + 0.5 / plan.value * 100)
            out.append(Check("rate", status, f"{line.item.text}: 执行数 {done.span.text} / 预算数 {plan.span.text} = "
                             f"{got:.2f}%, written {rate.span.text}", [rate.span, done.span, plan.span]))
        weight = next((v for k, v in cells.items() if "分值" in k), None)
        score = next((v for k, v in cells.items() if "得分" in k), None)
        if weight is not None and score is not None and weight.value is not None and score.value is not None:
            got = weight.value * min(rate.value, 100) / 100
            status = _status(score.value - got, 0.05 + 1e-9)
            out.append(Check("score_from_rate", status, f"{line.item.text}: 分值 {weight.span.text} × 执行率 "
                             f"{rate.span.text} = {got:.2f}, 得分 written {score.span.text}",
                             [score.span, weight.span, rate.span]))
    return out


def _short(s: str, n: int = 24) -> str:
    s = re.sub(r"\s+", "", s)
    return s if len(s) <= n else s[:n] + "…"


# -- entry point -------------------------------------------------------------------------------

@dataclass
class CheckResult:
    budget_facts: list[BudgetFact]
    checks: list[Check]


def check_document(doc: Document) -> CheckResult:
    """Budget facts and consistency checks for a document whose entities are tagged and whose
    tables are read (``doc.tables``; none read, no table checks)."""
    text = doc.text
    figs = sorted((f for f in map(figure_of, doc.entities) if f is not None), key=lambda f: f.span.start)
    comparisons = find_comparisons(text, figs)
    skip = {c.base.span.start for c in comparisons} | {c.delta.span.start for c in comparisons if c.delta}
    not_a_part = [re.compile(p) for p in _cfg()["not_a_part"]]
    skip |= {f.span.start for f in figs if any(p.search(_clause_before(text, f.span.start)) for p in not_a_part)}
    groups = find_groups(text, figs, skip)
    stages, scopes = {}, {}
    per_unit = _cfg()["per_unit_words"]
    for f in figs:
        if f.unit == "元" and f.span.start not in skip and not any(w in _clause_before(text, f.span.start)
                                                                   for w in per_unit):
            for kind, table in (("stage_roles", stages), ("scope_roles", scopes)):
                r = role_of(text, f, kind)
                if r is not None:
                    table[f.span.start] = r
    facts = _budget_facts(text, figs, {**stages, **scopes}, groups)
    checks: list[Check] = []
    checks += check_groups(text, groups)
    checks += check_shares(text, groups, figs)
    checks += check_rates(text, figs, stages)
    rate_words = [w for r in _cfg()["rates"] for w in r["words"]]
    configured = {f.span.start for f in figs if any(w in _clause_before(text, f.span.start, 12) for w in rate_words)}
    checks += check_named_ratios(text, figs, configured)
    checks += check_comparisons(comparisons)
    checks += check_arithmetic(text)
    checks += check_identities(text, figs, scopes)
    checks += check_repeated(facts)
    checks += check_indicators(doc.tables or Tables())
    return CheckResult(facts, _dedupe(checks))


def _budget_facts(text, figs, roles, groups) -> list[BudgetFact]:
    parts_of = {g.whole.span.start: g for g in groups}
    parent = {p.span.start: g.whole for g in groups for p in g.parts}
    budget_words = _cfg()["budget_stage_words"]

    def stage(f: Figure, depth: int = 0) -> str:
        before = _clause_before(text, f.span.start)
        if any(w in before for w in budget_words):
            return "budget"
        if f.span.start in parent and depth < 4 and text[f.span.start - 1:f.span.start] not in "：:":
            return stage(parent[f.span.start], depth + 1)
        return "actual"

    def within(f: Figure) -> tuple:
        chain, seen = [], set()
        while f.span.start in parent and f.span.start not in seen:
            seen.add(f.span.start)
            f = parent[f.span.start]
            if roles.get(f.span.start):
                chain.append(roles[f.span.start])
        return tuple(chain)

    facts = []
    for f in figs:
        role = roles.get(f.span.start)
        if role is None:
            continue
        g = parts_of.get(f.span.start)
        facts.append(BudgetFact(f, role, stage(f), _year_of(text, f.span.start), list(g.parts) if g else [],
                                within(f)))
    return facts


def _dedupe(checks: list[Check]) -> list[Check]:
    seen, out = set(), []
    for c in checks:
        key = (c.kind, tuple((s.start, s.end) for s in c.spans))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
