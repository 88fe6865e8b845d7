"""Figures that should add up: parts to their whole, a share to its part and whole, written
arithmetic (5032+11361-741=15652), and accounting identities (资产总计 = 负债总计 + 净资产)."""
from __future__ import annotations

import ast
import operator
import re

from ..doc import Span
from .context import FAILS, HOLDS, UNKNOWN, Check, Text, cfg, fmt, status, wan
from .structure import Group


def check_groups(t: Text, groups: list[Group]) -> list[Check]:
    """Parts add up to their whole, within the rounding of every figure."""
    c = cfg()
    out = []
    for g in groups:
        floors = [g.whole.end] + [p.end for p in g.parts[:-1]]
        names = [t.name_before(p.start, fl) for p, fl in zip(g.parts, floors)]
        cut = next((k for k, n in enumerate(names) if k and any(n.startswith(w) for w in c["ends_breakdown"])), None)
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
        verdict = status(diff, tol)
        catch_all = any(re.search(p, n) for n in names for p in c["catch_all"])
        if verdict == FAILS and diff < 0 and not (catch_all or g.exhaustive):
            verdict = UNKNOWN
        hedged = [f.text for f in (g.whole, *g.parts) if f.qualifier]
        if verdict == FAILS and hedged:
            verdict = UNKNOWN  # 约, 余, 以上: the figures are not exact
        u = g.whole.unit
        terms = " + ".join(f"{n}{wan(p.value, u)}" for n, p in zip(names, g.parts))
        msg = f"{terms} = {wan(total, u)}; the whole is {g.whole.text} ({t.clause_before(g.whole.start, 16).strip()})"
        if verdict == HOLDS:
            msg += f", equal within rounding ({wan(tol, u)})" if tol else ", equal"
        elif verdict == FAILS:
            msg += f": off by {wan(abs(diff), u)}" + (" although the list ends with its catch-all item"
                                                      if catch_all and diff < 0 else "")
        elif hedged:
            msg += f": off by {wan(abs(diff), u)}, but {'、'.join(hedged)} are approximate"
        else:
            msg += f": the parts fall {wan(-diff, u)} short, and the list need not be complete"
        out.append(Check("parts_sum", verdict, msg, [g.whole.span] + [p.span for p in g.parts]))
    return out


def check_shares(t: Text, groups: list[Group]) -> list[Check]:
    """占比 after a part: the part over its whole."""
    out = []
    for g in groups:
        for p in g.parts:
            share = next((f for f in t.in_range(p.end, p.end + 13) if f.unit == "%"
                          and any(re.search(w, t.text[p.end:f.start]) for w in cfg()["share_words"])), None)
            if share is None or not g.whole.value:
                continue
            got = p.value / g.whole.value * 100
            tol = share.ulp / 2 + (p.ulp / 2 / g.whole.value + p.value * g.whole.ulp / 2 / g.whole.value ** 2) * 100
            verdict = status(share.value - got, tol)
            out.append(Check("share", verdict,
                             f"{share.text} share of {p.text} in {g.whole.text}: computed {got:.2f}%"
                             + ("" if verdict == HOLDS else f", written {share.text}"),
                             [share.span, p.span, g.whole.span]))
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
        verdict = status(got - written, 10 ** -decimals / 2)
        spans = [Span(m.start() + n.start(), m.start() + n.end(), n.group())
                 for n in re.finditer(r"\d+(?:\.\d+)?", m.group())]
        out.append(Check("arithmetic", verdict, f"{expr} = {fmt(got)}, written {m.group(2)}", spans))
    return out


def check_identities(t: Text, roles: dict[int, str]) -> list[Check]:
    """Accounting identities within one sentence (资产总计 = 负债总计 + 净资产)."""
    out = []
    for ident in cfg()["identities"]:
        for f in t.figs.items:
            if roles.get(f.start) != ident["total"]:
                continue
            near = t.in_range(*t.sentence(f.start))
            parts = [next((g for g in near if roles.get(g.start) == r), None) for r in ident["parts"]]
            if any(p is None for p in parts):
                continue
            total = sum(p.value for p in parts)
            tol = (f.ulp + sum(p.ulp for p in parts)) / 2
            verdict = status(total - f.value, tol)
            terms = " + ".join(f"{r} {p.text}" for r, p in zip(ident["parts"], parts))
            out.append(Check("identity", verdict, f"{ident['total']} {f.text} should equal {terms} = "
                             f"{wan(total, f.unit)}" + ("" if verdict == HOLDS else f"; off by {wan(abs(total - f.value), f.unit)}"),
                             [f.span] + [p.span for p in parts]))
    return out
