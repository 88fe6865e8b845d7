"""Scores in the terms of GUIDELINES.md section 4, in the style of seqeval/nervaluate.

- entities: strict span and label, per label precision / recall / F1; and, more leniently, with
  one boundary (start or end) in common and the label equal (nervaluate's partial match, each
  entity paired once);
- on strictly matched numbers: value (relative tolerance 1e-6), unit and qualifier accuracy,
  and subject agreement (both null, or overlapping spans);
- project links: a (number, project) pair is right when the number matches strictly and the
  project spans overlap;
- facts: value and unit equal, number spans overlap, projects both null or overlapping.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .doc import LABELS, NUMERIC_LABELS, Document, Entity, Span


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Accuracy:
    right: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 0.0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.total += 1

    def to_json(self) -> dict:
        return {"accuracy": round(self.value, 4), "right": self.right, "total": self.total}


@dataclass
class Scores:
    labels: dict[str, PRF] = field(default_factory=lambda: {lab: PRF() for lab in LABELS})
    one_boundary: dict[str, PRF] = field(default_factory=lambda: {lab: PRF() for lab in LABELS})
    value: Accuracy = field(default_factory=Accuracy)
    unit: Accuracy = field(default_factory=Accuracy)
    qualifier: Accuracy = field(default_factory=Accuracy)
    subject: Accuracy = field(default_factory=Accuracy)
    project_link: PRF = field(default_factory=PRF)
    facts: PRF = field(default_factory=PRF)
    documents: int = 0

    @property
    def micro(self) -> PRF:
        return PRF(sum(p.tp for p in self.labels.values()), sum(p.fp for p in self.labels.values()),
                   sum(p.fn for p in self.labels.values()))

    def to_json(self) -> dict:
        return {
            "documents": self.documents,
            "labels": {k: v.to_json() for k, v in self.labels.items()},
            "one_boundary": {k: v.to_json() for k, v in self.one_boundary.items()},
            "micro": self.micro.to_json(),
            "value": self.value.to_json(), "unit": self.unit.to_json(),
            "qualifier": self.qualifier.to_json(), "subject": self.subject.to_json(),
            "project_link": self.project_link.to_json(), "facts": self.facts.to_json(),
        }


def _same_value(a: Optional[float], b: Optional[float]) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _overlap(a: Optional[Span], b: Optional[Span]) -> bool:
    return a is not None and b is not None and a.start < b.end and b.start < a.end


def score_document(gold: Document, pred: Document, scores: Scores, labels: Iterable[str] = LABELS) -> None:
    """Add one document's counts to ``scores``."""
    labels = set(labels)
    scores.documents += 1
    g_by_key = {(e.start, e.end, e.label): e for e in gold.entities if e.label in labels}
    p_by_key = {(e.start, e.end, e.label): e for e in pred.entities if e.label in labels}
    for key, g in g_by_key.items():
        if key in p_by_key:
            scores.labels[g.label].tp += 1
            p = p_by_key[key]
            if g.label in NUMERIC_LABELS:
                scores.value.add(_same_value(g.value, p.value))
                scores.unit.add(g.unit == p.unit)
                scores.qualifier.add(g.qualifier == p.qualifier)
                scores.subject.add((g.subject is None and p.subject is None) or _overlap(g.subject, p.subject))
        else:
            scores.labels[g.label].fn += 1
    for key, p in p_by_key.items():
        if key not in g_by_key:
            scores.labels[p.label].fp += 1
    _score_one_boundary(list(g_by_key.values()), list(p_by_key.values()), scores)
    _score_links(gold, pred, scores)
    _score_facts(gold, pred, scores)


def _score_one_boundary(gold: list[Entity], pred: list[Entity], scores: Scores) -> None:
    """Pairs of the same label with the same start or the same end; exact pairs first."""
    used: set[int] = set()
    matched: set[int] = set()
    for exact in (True, False):
        for gi, g in enumerate(gold):
            if gi in matched:
                continue
            for pi, p in enumerate(pred):
                if pi in used or p.label != g.label:
                    continue
                same = (p.start, p.end) == (g.start, g.end)
                if same if exact else (p.start == g.start or p.end == g.end):
                    used.add(pi)
                    matched.add(gi)
                    break
    for gi, g in enumerate(gold):
        scores.one_boundary[g.label].tp += gi in matched
        scores.one_boundary[g.label].fn += gi not in matched
    for pi, p in enumerate(pred):
        scores.one_boundary[p.label].fp += pi not in used


def _score_links(gold: Document, pred: Document, scores: Scores) -> None:
    g_links = [(e.start, e.end, e.project) for e in gold.entities if e.project is not None]
    p_links = [(e.start, e.end, e.project) for e in pred.entities if e.project is not None]
    used = set()
    for gs, ge, gp in g_links:
        hit = next((i for i, (ps, pe, pp) in enumerate(p_links)
                    if i not in used and (ps, pe) == (gs, ge) and _overlap(gp, pp)), None)
        if hit is None:
            scores.project_link.fn += 1
        else:
            used.add(hit)
            scores.project_link.tp += 1
    scores.project_link.fp += len(p_links) - len(used)


def _score_facts(gold: Document, pred: Document, scores: Scores) -> None:
    def facts(doc: Document) -> list[Entity]:
        return [e for e in doc.entities if e.label in NUMERIC_LABELS and e.value is not None]

    g_facts, p_facts = facts(gold), facts(pred)
    used = set()
    for g in g_facts:
        hit = None
        for i, p in enumerate(p_facts):
            if i in used or not _same_value(g.value, p.value) or g.unit != p.unit:
                continue
            if not (g.start < p.end and p.start < g.end):
                continue
            if (g.project is None) != (p.project is None):
                continue
            if g.project is not None and not _overlap(g.project, p.project):
                continue
            hit = i
            break
        if hit is None:
            scores.facts.fn += 1
        else:
            used.add(hit)
            scores.facts.tp += 1
    scores.facts.fp += len(p_facts) - len(used)


def score(gold: Iterable[Document], pred: Iterable[Document], labels: Iterable[str] = LABELS) -> Scores:
    """Score predictions against gold, pairing documents by ``id``."""
    pred_by_id = {d.id: d for d in pred}
    scores = Scores()
    labels = tuple(labels)
    for g in gold:
        p = pred_by_id.get(g.id) or Document(id=g.id, text=g.text)
        score_document(g, p, scores, labels)
    return scores


def unpredicted(gold: Iterable[Document], pred: Iterable[Document]) -> list[str]:
    """Ids of the gold documents that have no prediction (``score`` counts their entities as misses)."""
    have = {d.id for d in pred}
    return [g.id for g in gold if g.id not in have]


TEST_SPLIT = "test"


def load_documents(path: str | Path) -> list[Document]:
    """Documents from a GUIDELINES.md file (JSON or JSONL) or a directory of them.  A directory's
    ``test`` folder (the frozen test split) is read only when it is named itself."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl")
                       and TEST_SPLIT not in p.relative_to(path).parts[:-1])
        return [d for f in files for d in load_documents(f)]
    from .reading import read_json_records
    return [Document.from_json(o) for o in read_json_records(path)]


def format_table(rows: dict[str, Scores]) -> str:
    """A plain-text table, one block per system, as printed by ``jixiao evaluate``."""
    out = []
    for system, s in rows.items():
        out.append(f"== {system} ({s.documents} documents)")
        out.append(f"{'label':<10}{'precision':>10}{'recall':>10}{'f1':>10}{'tp':>7}{'fp':>7}{'fn':>7}")
        for lab, p in list(s.labels.items()) + [("micro", s.micro)]:
            out.append(f"{lab:<10}{p.precision:>10.4f}{p.recall:>10.4f}{p.f1:>10.4f}{p.tp:>7}{p.fp:>7}{p.fn:>7}")
        ob = s.one_boundary["PROJECT"]
        out.append(f"PROJECT, one boundary  P {ob.precision:.4f}  R {ob.recall:.4f}  F1 {ob.f1:.4f}")
        out.append(f"value accuracy      {s.value.value:.4f}  ({s.value.right}/{s.value.total} matched numbers)")
        out.append(f"unit accuracy       {s.unit.value:.4f}")
        out.append(f"qualifier accuracy  {s.qualifier.value:.4f}")
        out.append(f"subject overlap     {s.subject.value:.4f}")
        pl = s.project_link
        out.append(f"project-link        P {pl.precision:.4f}  R {pl.recall:.4f}  F1 {pl.f1:.4f}")
        fa = s.facts
        out.append(f"facts               P {fa.precision:.4f}  R {fa.recall:.4f}  F1 {fa.f1:.4f}")
    return "\n".join(out)
