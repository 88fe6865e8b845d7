"""How model entities and rule entities become one list: the policy of ``configs/model.yaml``.

- ``model``: the model's entities only (numbers get values from ``pipeline.values``);
- ``rules``: the rules' entities only (the model is not consulted);
- ``merged``: rules for number boundaries and values, the model for PROJECT, and model numbers
  where no rule entity overlaps them (only when their value and unit can be parsed); with
  ``rule_min_confidence`` below 1, the rules' surest PROJECTs stay and the model adds the rest.

``min_project_chars``: no proper name is one character long; the model trained on all gold
marks 太 of 太常粮油仓库 as a name wherever 太 stands (太平洋, 亚太), so its shorter PROJECTs are dropped.

``propagate_projects``: a report names its projects again and again (GUIDELINES: every
occurrence is annotated), so a PROJECT the model found once is also tagged where the same
name recurs in the document and nothing else holds those characters.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..doc import NUMERIC_LABELS, Entity
from ..tables.header import money_unit_before
from ..values import read_span

POLICIES = ("model", "rules", "merged")


@dataclass
class Policy:
    """configs/model.yaml ``policy`` (every default is there)."""

    name: str
    model_labels: list[str]
    min_confidence: float
    model_numbers_min_confidence: float
    propagate_projects: bool
    rule_min_confidence: float       # rule entities of model_labels this sure are kept (1.01: none)
    min_propagated_chars: int
    min_project_chars: int

    def __post_init__(self):
        if self.name not in POLICIES:
            raise ValueError(f"unknown policy {self.name!r}; one of {', '.join(POLICIES)}")


def with_value(e: Entity, text: str) -> Optional[Entity]:
    """Fill value, unit and qualifier of a model number from its span; ``None`` if they cannot
    be read (a model span the value parser does not understand is not a fact)."""
    if e.label not in NUMERIC_LABELS:
        return e
    header_unit = money_unit_before(text, e.start) if e.label == "MONEY" else None  # 金额单位：万元 over a bare cell
    r = read_span(text, (e.start, e.end), e.label, header_unit)
    if r is None:
        return None
    e.value, e.unit, e.qualifier = r.value, r.unit, r.qualifier
    return e


_EDGE = "、，,。；;：:！？!?《》 \t\n\u3000"
_PAIRS = {"(": ")", "（": "）", "[": "]", "【": "】", "“": "”", "‘": "’"}


def tidy_name(e: Entity) -> Entity:
    """A name never begins or ends with punctuation or a layout break, nor with a bracket or
    quote it does not close (岳华新苑二期、 → 岳华新苑二期; 湘江科创基地三期（ → 湘江科创基地三期;
    “数说红河”展厅运维经费 keeps its quotes, which close inside the name)."""
    t = e.text
    a, b = 0, len(t)
    while a < b:
        if t[a] in _EDGE or t[a] in _PAIRS.values() or t[a] in _PAIRS and _PAIRS[t[a]] not in t[a + 1:b]:
            a += 1
        elif t[b - 1] in _EDGE or t[b - 1] in _PAIRS or any(t[b - 1] == c and o not in t[a:b - 1] for o, c in _PAIRS.items()):
            b -= 1
        elif t[a] in _PAIRS and t.find(_PAIRS[t[a]], a + 1) == b - 1 and t[a] in "“‘":
            a, b = a + 1, b - 1   # “X项目”: the quotes are outside the name
        else:
            break
    if (a, b) == (0, len(t)):
        return e
    return Entity(start=e.start + a, end=e.start + b, label=e.label, text=t[a:b], confidence=e.confidence,
                  source=e.source)


def propagate(text: str, entities: Sequence[Entity], min_chars: int) -> list[Entity]:
    """Add every other occurrence of each PROJECT name that no entity overlaps yet."""
    out = list(entities)
    names = {e.text: e for e in entities if e.label == "PROJECT" and len(e.text) >= min_chars}
    for name, e in sorted(names.items(), key=lambda kv: -len(kv[0])):
        at = text.find(name)
        while at >= 0:
            b = at + len(name)
            if not any(at < k.end and k.start < b for k in out):
                out.append(Entity(start=at, end=b, label="PROJECT", text=name, confidence=e.confidence,
                                  source="model"))
            at = text.find(name, at + 1)
    return out


def combine(text: str, rule_entities: Sequence[Entity], model_entities: Sequence[Entity],
            policy: Policy) -> list[Entity]:
    """The entity list a policy keeps; entities never overlap in the result."""
    if policy.name == "rules":
        return list(rule_entities)
    model = [e for e in (tidy_name(x) if x.label == "PROJECT" else x for x in model_entities)
             if e.confidence >= policy.min_confidence
             and (e.label != "PROJECT" or len(e.text.strip()) >= policy.min_project_chars)]
    if policy.propagate_projects:
        model = propagate(text, model, policy.min_propagated_chars)
    if policy.name == "model":
        return [v for v in (with_value(e, text) for e in model) if v is not None]
    kept = [e for e in rule_entities if e.label in NUMERIC_LABELS or e.label not in policy.model_labels
            or e.confidence >= policy.rule_min_confidence]
    # a number inside a name is not an entity (配套三号地块): the model's PROJECT wins over it; a rule
    # PROJECT kept above stays (and keeps its provenance) even where the model found the same name
    names = [e for e in model if e.label == "PROJECT" and "PROJECT" in policy.model_labels]
    kept = [k for k in kept if k.label not in NUMERIC_LABELS
            or not any(n.start <= k.start and k.end <= n.end for n in names)]
    for e in sorted(model, key=lambda e: -e.confidence):
        if e.label in NUMERIC_LABELS and e.label not in policy.model_labels:
            if e.confidence < policy.model_numbers_min_confidence:
                continue
        if any(e.start < k.end and k.start < e.end for k in kept):
            continue
        e = with_value(e, text)
        if e is not None:
            kept.append(e)
    return sorted(kept, key=lambda e: (e.start, e.end))
