"""Rates and changes: 执行率 and 控制率 from the figures of their sentence, other named rates
(延期过渡率) from any two figures there, and changes against an earlier figure (较上年)."""
from __future__ import annotations

from typing import Optional

from .context import FAILS, HOLDS, UNKNOWN, Check, Figure, Text, cfg, status, wan
from .structure import Comparison


def check_rates(t: Text, roles: dict[int, str]) -> list[Check]:
    """执行率, 控制率: a written rate against the figures of its sentence (configs/checks.yaml ``rates``)."""
    out = []
    for rate in cfg()["rates"]:
        for f in t.figs.items:
            if f.unit != "%":
                continue
            before = t.clause_before(f.start, 12)
            if not any(w in before for w in rate["words"]):
                continue
            near = [g for g in t.in_range(*t.sentence(f.start)) if g.unit == "元" and g.start in roles]
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
            ok = [x for x in tried if abs(x[0] - f.value) <= x[1] + 1e-9]
            formulas = "; ".join(f"{roles[n.start]} {n.text} / {roles[d.start]} {d.text} = {g:.2f}%"
                                 for g, _, n, d in tried)
            spans = [f.span] + [s for _, _, n, d in tried for s in (n.span, d.span)]
            msg = f"{rate['name']} written {f.text}; {formulas}"
            if not ok and any(abs(got / 100 - f.value) <= f.ulp for got, _, _, _ in tried):
                msg += " (the written figure is the ratio itself, missing ×100)"
            out.append(Check("rate", HOLDS if ok else FAILS, msg, list(dict.fromkeys(spans))))
    return out


def check_named_ratios(t: Text, configured: set[int]) -> list[Check]:
    """A rate with no formula in the config (延期过渡率为48%): it holds if two figures of its sentence give it."""
    out = []
    for f in t.figs.items:
        if f.unit != "%" or f.start in configured or "率" not in t.clause_before(f.start, 10):
            continue
        near = [g for g in t.in_range(t.sentence(f.start)[0], f.start) if g.unit != "%"]
        for num in reversed(near):
            den = next((g for g in near if g.unit == num.unit and g.value > num.value
                        and abs(num.value / g.value * 100 - f.value) <= f.ulp / 2 + 1e-9), None)
            if den is not None:
                out.append(Check("rate", HOLDS, f"{t.clause_before(f.start, 10)}{f.text} = "
                                 f"{num.text} / {den.text} = {num.value / den.value * 100:.2f}%",
                                 [f.span, num.span, den.span]))
                break
    return out


def _pick(near: list[Figure], roles: dict[int, str], wanted: list[str], rate: Figure) -> Optional[Figure]:
    for role in wanted:
        hits = [g for g in near if roles[g.start] == role]
        before = [g for g in hits if g.start < rate.start]
        if before:
            return before[-1]
        if hits:
            return hits[0]
    return None


def check_comparisons(comparisons: list[Comparison]) -> list[Check]:
    """A change written beside two figures (较上年B增加C，增长P%) matches them."""
    out = []
    for c in comparisons:
        change = c.current.value - c.base.value
        u = c.current.unit
        if c.direction == "same":
            tol = (c.current.ulp + c.base.ulp) / 2
            out.append(Check("change", status(change, tol),
                             f"{c.current.text} is said to equal the earlier {c.base.text}",
                             [c.current.span, c.base.span]))
            continue
        if c.delta is not None:
            sign_ok = (change > 0) == (c.direction == "up") or change == 0 == c.delta.value
            tol = (c.current.ulp + c.base.ulp + c.delta.ulp) / 2
            verdict = status(abs(change) - c.delta.value, tol) if sign_ok else FAILS
            out.append(Check("change", verdict,
                             f"{c.current.text} against {c.base.text}: "
                             f"{'up' if change >= 0 else 'down'} {wan(abs(change), u)}, written "
                             f"{'up' if c.direction == 'up' else 'down'} {c.delta.text}",
                             [c.current.span, c.base.span, c.delta.span]))
        if c.pct is not None and c.base.value:
            delta = c.delta.value if c.delta is not None else abs(change)
            got = delta / c.base.value * 100
            tol = c.pct.ulp / 2 + ((c.delta.ulp if c.delta else c.current.ulp) / 2 / c.base.value
                                   + delta * c.base.ulp / 2 / c.base.value ** 2) * 100
            verdict = status(c.pct.value - got, tol)
            out.append(Check("change_rate", verdict,
                             f"change {wan(delta, u)} over the earlier {c.base.text} = {got:.2f}%, written {c.pct.text}",
                             [c.pct.span] + ([c.delta.span] if c.delta else [c.current.span]) + [c.base.span]))
    return out
