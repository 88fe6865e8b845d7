"""Agreement between two annotators' files: span-level F1 and Cohen's kappa over characters.

Span F1 takes A as reference and B as response (the measure is symmetric): a span agrees when
start, end and label are equal.  Kappa labels every character of the documents both files hold
with its entity label or O and corrects the observed agreement for chance, as in Cohen (1960);
it is what annotation projects report next to F1 because O dominates raw character agreement.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..doc import LABELS, Document
from ..evaluation import PRF, load_documents


@dataclass
class Agreement:
    documents: int = 0
    labels: dict[str, PRF] = field(default_factory=lambda: {lab: PRF() for lab in LABELS})
    kappa: float = 0.0
    observed: float = 0.0
    expected: float = 0.0
    characters: int = 0
    attributes: dict[str, list[int]] = field(default_factory=lambda: {"value": [0, 0], "unit": [0, 0],
                                                                      "qualifier": [0, 0], "project": [0, 0]})
    only_in_a: list[str] = field(default_factory=list)
    only_in_b: list[str] = field(default_factory=list)
    text_differs: list[str] = field(default_factory=list)

    @property
    def micro(self) -> PRF:
        return PRF(sum(p.tp for p in self.labels.values()), sum(p.fp for p in self.labels.values()),
                   sum(p.fn for p in self.labels.values()))

    def to_json(self) -> dict:
        return {"documents": self.documents, "span_f1": self.micro.to_json(),
                "labels": {k: v.to_json() for k, v in self.labels.items()},
                "kappa": round(self.kappa, 4), "observed": round(self.observed, 4),
                "expected": round(self.expected, 4), "characters": self.characters,
                "attributes_on_agreed_spans": {k: {"agree": a, "total": t} for k, (a, t) in self.attributes.items()},
                "only_in_a": self.only_in_a, "only_in_b": self.only_in_b, "text_differs": self.text_differs}

    def format(self) -> str:
        m = self.micro
        lines = [f"{self.documents} documents in both files, {self.characters} characters",
                 f"span F1 {m.f1:.4f} (agreed {m.tp}, only A {m.fn}, only B {m.fp})",
                 f"Cohen's kappa (characters) {self.kappa:.4f}  (observed {self.observed:.4f}, chance {self.expected:.4f})"]
        for lab, p in self.labels.items():
            if p.tp + p.fp + p.fn:
                lines.append(f"  {lab:<9} F1 {p.f1:.4f}  agreed {p.tp}, only A {p.fn}, only B {p.fp}")
        for k, (a, t) in self.attributes.items():
            if t:
                lines.append(f"  {k} agrees on {a} of {t} agreed number spans")
        if self.only_in_a or self.only_in_b:
            lines.append(f"documents only in A: {len(self.only_in_a)}, only in B: {len(self.only_in_b)}")
        if self.text_differs:
            lines.append(f"skipped (texts differ): {', '.join(self.text_differs)}")
        return "\n".join(lines)


def char_labels(doc: Document) -> list[str]:
    tags = ["O"] * len(doc.text)
    for e in doc.entities:
        for i in range(max(0, e.start), min(e.end, len(tags))):
            tags[i] = e.label
    return tags


def cohen_kappa(a: list[str], b: list[str]) -> tuple[float, float, float]:
    """(kappa, observed, expected) for two equally long label sequences."""
    n = len(a)
    if n == 0:
        return 0.0, 0.0, 0.0
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if expected >= 1.0:
        return 1.0, observed, expected
    return (observed - expected) / (1 - expected), observed, expected


def agreement(a_docs: list[Document], b_docs: list[Document]) -> Agreement:
    res = Agreement()
    b_by_id = {d.id: d for d in b_docs}
    a_ids = {d.id for d in a_docs}
    res.only_in_a = [d.id for d in a_docs if d.id not in b_by_id]
    res.only_in_b = [d.id for d in b_docs if d.id not in a_ids]
    seq_a: list[str] = []
    seq_b: list[str] = []
    for da in a_docs:
        db = b_by_id.get(da.id)
        if db is None:
            continue
        if db.text != da.text:
            res.text_differs.append(da.id)
            continue
        res.documents += 1
        ka = {(e.start, e.end, e.label): e for e in da.entities}
        kb = {(e.start, e.end, e.label): e for e in db.entities}
        for key, ea in ka.items():
            eb = kb.get(key)
            if eb is None:
                res.labels.setdefault(key[2], PRF()).fn += 1
                continue
            res.labels.setdefault(key[2], PRF()).tp += 1
            if key[2] != "PROJECT":
                for name in ("value", "unit", "qualifier", "project"):
                    va, vb = getattr(ea, name), getattr(eb, name)
                    if name == "project":
                        va, vb = (va.start, va.end) if va else None, (vb.start, vb.end) if vb else None
                    same = math.isclose(va, vb, rel_tol=1e-6) if name == "value" and None not in (va, vb) \
                        else va == vb
                    res.attributes[name][0] += int(same)
                    res.attributes[name][1] += 1
        for key in kb.keys() - ka.keys():
            res.labels.setdefault(key[2], PRF()).fp += 1
        seq_a += char_labels(da)
        seq_b += char_labels(db)
    res.characters = len(seq_a)
    res.kappa, res.observed, res.expected = cohen_kappa(seq_a, seq_b)
    return res


def agreement_files(a: Path, b: Path) -> Agreement:
    return agreement(load_documents(a), load_documents(b))
