"""Which unlabelled documents to label next, for a budget of characters (uncertainty sampling).

A document's score estimates how much its labels would teach the model, in nats:

- with the trained token classifier (``--model`` or the newest ``models/*`` checkpoint with BIO
  labels): the sum over characters of the entropy of the model's tag distribution, plus, for
  every character where the model's argmax spans and the rule pipeline's spans disagree, ln 2
  (the two systems split on it: a label there settles a real question);
- without a model: the binary entropy of each rule entity's confidence over its characters,
  plus ln 2 per character of numerals that no rule explained and that are not obviously
  dates or numbering (where the rules may be missing an entity).

Documents are chosen greedily by score per character until the budget is spent (the classic
knapsack heuristic), so one long report does not crowd out several dense short ones; the
least-margin character (top-two probability gap) is shown to point the annotator at the doubt.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..doc import Document
from .source import Prelabeller

LN2 = math.log(2)
_NUMERAL = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_NOT_A_COUNT = re.compile(r"^(?:[年月日号时点]|[、.．)）]\D|[-—~～/]\d)")


@dataclass
class DocScore:
    id: str
    chars: int
    score: float
    entropy: float = 0.0
    disagreement: int = 0
    least_margin: Optional[float] = None
    least_margin_at: Optional[int] = None
    source: str = "rules"
    snippet: str = ""

    @property
    def density(self) -> float:
        return self.score / self.chars if self.chars else 0.0

    def to_json(self) -> dict:
        return {"id": self.id, "chars": self.chars, "score": round(self.score, 3),
                "per_1000_chars": round(1000 * self.density, 3), "entropy": round(self.entropy, 3),
                "disagreement_chars": self.disagreement,
                "least_margin": None if self.least_margin is None else round(self.least_margin, 4),
                "least_margin_at": self.least_margin_at, "source": self.source, "snippet": self.snippet}


@dataclass
class Ranking:
    budget: int
    chosen: list[DocScore] = field(default_factory=list)
    rest: list[DocScore] = field(default_factory=list)
    model: Optional[str] = None

    @property
    def used(self) -> int:
        return sum(d.chars for d in self.chosen)

    def to_json(self) -> dict:
        return {"budget": self.budget, "used": self.used, "model": self.model,
                "chosen": [d.to_json() for d in self.chosen], "not_chosen": [d.to_json() for d in self.rest]}

    def format(self) -> str:
        src = f"model {self.model}" if self.model else "rule confidence and unexplained numerals (no model found)"
        lines = [f"# {len(self.chosen)} documents, {self.used} of {self.budget} characters; uncertainty from {src}",
                 f"{'rank':>4}  {'id':<28} {'chars':>7} {'score':>9} {'/1k':>7} {'cum':>8}  doubt"]
        cum = 0
        for i, d in enumerate(self.chosen, 1):
            cum += d.chars
            lines.append(f"{i:>4}  {d.id:<28} {d.chars:>7} {d.score:>9.2f} {1000 * d.density:>7.2f} {cum:>8}  {d.snippet}")
        if self.rest:
            lines.append(f"# not chosen: {len(self.rest)} documents, {sum(d.chars for d in self.rest)} characters")
        return "\n".join(lines)


# -- uncertainty sources ----------------------------------------------------------------------
def _binary_entropy(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def rule_score(doc: Document) -> DocScore:
    """Uncertainty without a model: doubtful rule entities and numerals the rules left alone."""
    text = doc.text
    covered = [False] * len(text)
    entropy = 0.0
    for e in doc.entities:
        entropy += _binary_entropy(e.confidence) * (e.end - e.start)
        for i in range(e.start, e.end):
            covered[i] = True
    unexplained, first = 0, None
    for m in _NUMERAL.finditer(text):
        if any(covered[m.start():m.end()]) or _NOT_A_COUNT.match(text[m.end():m.end() + 2]):
            continue
        before = text[m.start() - 1] if m.start() else ""
        if before in "第〔[【" or before.isascii() and before.isalpha() or text[m.end():m.end() + 1] in ("〕", "]", "】") \
                or re.fullmatch(r"(?:19|20)\d\d", m.group()):
            continue  # numbering, document numbers, codes and years
        unexplained += m.end() - m.start()
        first = m.start() if first is None else first
    return DocScore(doc.id, len(text), entropy + LN2 * unexplained, entropy=entropy, disagreement=unexplained,
                    least_margin_at=first, snippet=_snippet(text, first))


CharProbs = Callable[[str], tuple[list[str], "object"]]  # text -> (tag names, array [len(text), n_tags])


def model_score(doc: Document, probs: CharProbs) -> DocScore:
    """Token entropy and margin from the model, plus its disagreement with the rules."""
    import numpy as np
    from ..model.dataset import spans_from_tags

    names, p = probs(doc.text)
    p = np.asarray(p, dtype=np.float64)
    ent = -(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=1)
    top2 = np.sort(p, axis=1)[:, -2:] if p.shape[1] > 1 else np.ones((len(p), 2))
    margin = top2[:, 1] - top2[:, 0]
    tags = [names[i] for i in p.argmax(axis=1)]
    model_spans = set(spans_from_tags(tags))
    rule_spans = {(e.start, e.end, e.label) for e in doc.entities}
    disputed: set[int] = set()
    for s, e, _ in model_spans ^ rule_spans:
        disputed.update(range(s, e))
    at = int(margin.argmin()) if len(margin) else None
    return DocScore(doc.id, len(doc.text), float(ent.sum()) + LN2 * len(disputed), entropy=float(ent.sum()),
                    disagreement=len(disputed), least_margin=None if at is None else float(margin[at]),
                    least_margin_at=at, source="model", snippet=_snippet(doc.text, at))


def _snippet(text: str, at: Optional[int], width: int = 12) -> str:
    if at is None:
        return ""
    return text[max(0, at - width):at + width].replace("\n", " ").replace("\t", " ")


# -- the model ----------------------------------------------------------------------------------
def find_model(explicit: Optional[Path] = None) -> Optional[Path]:
    """The token classifier to use: ``explicit``, else the newest ``models/*`` with BIO labels."""
    if explicit is not None:
        return explicit
    from ..config import PROJECT_ROOT
    import json
    found = []
    for cfg in (PROJECT_ROOT / "models").glob("**/config.json"):
        try:
            labels = json.loads(cfg.read_text(encoding="utf-8")).get("id2label") or {}
        except (OSError, ValueError):
            continue
        if any(str(v).startswith("B-") for v in labels.values()):
            found.append(cfg.parent)
    return max(found, key=lambda p: (p / "config.json").stat().st_mtime) if found else None


def char_probabilities(model_dir: Path, window: int = 254, stride: int = 192) -> CharProbs:
    """Per-character tag probabilities from a character-level token classifier saved with
    ``save_pretrained`` (one token per character, as pipeline/model/chars.py encodes them)."""
    import numpy as np
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from ..model.chars import CharEncoder, windows

    model = AutoModelForTokenClassification.from_pretrained(str(model_dir), local_files_only=True).eval()
    enc = CharEncoder.from_tokenizer(AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True))
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    window = min(window, model.config.max_position_embeddings - 2)
    stride = min(stride, window)

    def probs(text: str):
        out = np.zeros((len(text), len(names)))
        seen = np.zeros(len(text))
        for a, b in windows(len(text), window, stride):
            ids = [enc.cls_id] + enc.encode(text[a:b]) + [enc.sep_id]
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([ids])).logits[0, 1:-1]
            out[a:b] += torch.softmax(logits, dim=-1).numpy()
            seen[a:b] += 1
        return names, out / np.maximum(seen, 1)[:, None]
    return probs


# -- ranking ------------------------------------------------------------------------------------
def choose(scores: Sequence[DocScore], budget: int) -> tuple[list[DocScore], list[DocScore]]:
    """Greedy by score per character; documents that no longer fit are skipped, smaller ones still tried."""
    chosen, rest, left = [], [], budget
    for d in sorted(scores, key=lambda d: (-d.density, -d.score, d.id)):
        if d.chars <= left and d.score > 0:
            chosen.append(d)
            left -= d.chars
        else:
            rest.append(d)
    return chosen, rest


def rank(docs: Sequence[Document], budget: int, model_dir: Optional[Path] = None,
         prelabeller: Optional[Prelabeller] = None) -> Ranking:
    pre = prelabeller or Prelabeller()
    found = find_model(model_dir)
    probs = char_probabilities(found) if found is not None else None
    scores = []
    for d in docs:
        labelled = pre(d)
        scores.append(model_score(labelled, probs) if probs is not None else rule_score(labelled))
    chosen, rest = choose(scores, budget)
    return Ranking(budget, chosen, rest, model=str(found) if found is not None else None)
