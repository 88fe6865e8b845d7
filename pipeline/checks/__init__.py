"""Budget facts and consistency checks: do the report's figures agree with each other?

From the entities the taggers found (MONEY, PERCENT, QUANTITY with values) and the tables read
into ``Document.tables``, this package derives ``BudgetFact`` records (role, stage, year, parts)
and ``Check`` records: parts add up to their whole, shares (占比) and rates (执行率, 控制率) match
the figures they are computed from, year-on-year changes match both years, written arithmetic
holds, indicator scores stay within their weights, and a figure named twice says the same.  A
check ``holds`` within the report's own rounding (half a unit in the last written place of every
figure involved), ``fails`` beyond it, and is ``unknown`` where the text does not give enough.

- ``context``: figures, their precision, and the text indexed once (sentences, brackets, years);
- ``structure``: comparisons (较上年) and breakdowns of a whole into parts (其中, 包括, ：, （）);
- ``sums``, ``rates``, ``budget``, ``tables``: the checks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..doc import Document
from ..tables import Tables
from .budget import BudgetFact, budget_facts, check_repeated
from .context import FAILS, HOLDS, UNKNOWN, Check, Figure, Text, cfg, figure_of
from .rates import check_comparisons, check_named_ratios, check_rates
from .structure import find_comparisons, find_groups
from .sums import check_arithmetic, check_groups, check_identities, check_shares
from .tables import check_indicators


@dataclass
class CheckResult:
    budget_facts: list[BudgetFact]
    checks: list[Check]


def check_document(doc: Document) -> CheckResult:
    """Budget facts and consistency checks for a document whose entities are tagged and whose
    tables are read (``doc.tables``; none read, no table checks)."""
    c = cfg()
    t = Text(doc.text, [f for f in map(figure_of, doc.entities) if f is not None])
    comparisons = find_comparisons(t)
    skip = {x.base.start for x in comparisons} | {x.delta.start for x in comparisons if x.delta}
    not_a_part = [re.compile(p) for p in c["not_a_part"]]
    skip |= {f.start for f in t.figs.items if any(p.search(t.clause_before(f.start)) for p in not_a_part)}
    groups = find_groups(t, skip)
    stages, scopes = _roles(t, skip)
    rate_words = [w for r in c["rates"] for w in r["words"]]
    configured = {f.start for f in t.figs.items if any(w in t.clause_before(f.start, 12) for w in rate_words)}
    facts = budget_facts(t, {**stages, **scopes}, groups)
    checks = (check_groups(t, groups) + check_shares(t, groups) + check_rates(t, stages)
              + check_named_ratios(t, configured) + check_comparisons(comparisons) + check_arithmetic(t.text)
              + check_identities(t, scopes) + check_repeated(facts) + check_indicators(doc.tables or Tables()))
    return CheckResult(facts, _dedupe(checks))


def _roles(t: Text, skip: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    """The stage role and the scope role named before each money figure that is not a change or a rate per head."""
    stages, scopes = {}, {}
    per_unit = cfg()["per_unit_words"]
    for f in t.figs.items:
        if f.unit == "元" and f.start not in skip and not any(w in t.clause_before(f.start) for w in per_unit):
            for kind, table in (("stage_roles", stages), ("scope_roles", scopes)):
                r = t.role_of(f, kind)
                if r is not None:
                    table[f.start] = r
    return stages, scopes


def _dedupe(checks: list[Check]) -> list[Check]:
    seen, out = set(), []
    for c in checks:
        key = (c.kind, tuple((s.start, s.end) for s in c.spans))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


__all__ = ["check_document", "CheckResult", "Check", "BudgetFact", "Figure", "HOLDS", "FAILS", "UNKNOWN"]
