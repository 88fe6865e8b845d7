"""Budget facts: a figure's role (基本支出, 决算数 …), stage (预算 or spent), year and parts, and
the check that a figure named twice for the same year and stage says the same."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .context import FAILS, UNKNOWN, Check, Figure, Text, cfg
from .structure import Group


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


def budget_facts(t: Text, roles: dict[int, str], groups: list[Group]) -> list[BudgetFact]:
    """A fact for each figure with a role: its stage (planned or spent), year and parts."""
    parts_of = {g.whole.start: g for g in groups}
    parent = {p.start: g.whole for g in groups for p in g.parts}
    budget_words = cfg()["budget_stage_words"]

    def stage(f: Figure, depth: int = 0) -> str:
        before = t.clause_before(f.start)
        if any(w in before for w in budget_words):
            return "budget"
        if f.start in parent and depth < 4 and t.text[f.start - 1:f.start] not in "：:":
            return stage(parent[f.start], depth + 1)
        return "actual"

    def within(f: Figure) -> tuple:
        chain, seen = [], set()
        while f.start in parent and f.start not in seen:
            seen.add(f.start)
            f = parent[f.start]
            if roles.get(f.start):
                chain.append(roles[f.start])
        return tuple(chain)

    facts = []
    for f in t.figs.items:
        role = roles.get(f.start)
        if role is None:
            continue
        g = parts_of.get(f.start)
        facts.append(BudgetFact(f, role, stage(f), t.year_of(f.start), list(g.parts) if g else [],
                                within(f)))
    return facts


def check_repeated(facts: list[BudgetFact]) -> list[Check]:
    """A figure named twice for the same year and stage must say the same (公务接待费 0.38 vs 0.67)."""
    unique = set(cfg()["unique_roles"])
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
