"""Which unlabelled documents to label next, for a budget of characters (uncertainty sampling).

A document's score estimates how much its labels would teach the model, in nats:

- with the trained token classifier (``--model`` or the newest ``models/*`` checkpoint with BIO
  labels): the sum over characters of the entropy of the model's tag distribution, plus, for
  every character where the model's argmax spans and the rule pipeline's spans disagree, ln 2
  (the two systems split on it: a label there settles a real question);
- without a model: the binary entropy of each rule entity's confidence over its characters,
  plus ln 2 per character of numerals that no rule explained and that are not obviously
  dates or numbering, and of project-name endings (configs/projects.yaml suffixes: 项目, 工程,
  资金, 安置小区 ...) outside every PROJECT span: where the rules may be missing an entity.

Documents are chosen greedily by score per character until the budget is spent (the classic
knapsack heuristic), so one long report does not crowd out several dense short ones; the
least-margin character (top-two probability gap) is shown to point the annotator at the doubt.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
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
    in_project = [False] * len(text)
    for e in doc.entities:
        if e.label == "PROJECT":
            for i in range(e.start, e.end):
                in_project[i] = True
    for m in _project_cues().finditer(text):
        if not in_project[m.start()]:
            unexplained += m.end() - m.start()
            first = m.start() if first is None else min(first, m.start())
    return DocScore(doc.id, len(text), entropy + LN2 * unexplained, entropy=entropy, disagreement=unexplained,
                    least_margin_at=first, snippet=_snippet(text, first))


@lru_cache(maxsize=1)
def _project_cues() -> re.Pattern:
    from ..config import load_config
    cfg = load_config("projects")
    cues = (set(cfg.get("suffixes", [])) | set(cfg.get("site_suffixes", []))) - set(cfg.get("weak_site_suffixes", []))
    return re.compile("|".join(map(re.escape, sorted(cues, key=len, reverse=True))) or "(?!)")


CharProbs = Callable[[str], tuple[list[str], "object"]]  # text -> (tag names, array [len(text), n_tags])


def model_score(doc: Document, probs: CharProbs) -> DocScore:
    """Token entropy and margin from the model, plus its disagreement with the rules."""
    import numpy as np
    from ..model.bio import constrained_decode, spans_from_tags

    names, p = probs(doc.text)
    p = np.asarray(p, dtype=np.float64)
    ent = -(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=1)
    top2 = np.sort(p, axis=1)[:, -2:] if p.shape[1] > 1 else np.ones((len(p), 2))
    margin = top2[:, 1] - top2[:, 0]
    best = constrained_decode(np.log(np.clip(p, 1e-12, 1.0)), names)  # the entities the model tagger would emit
    model_spans = set(spans_from_tags([names[i] for i in best]))
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
    """The token classifier to use: ``explicit``, else the configured one (configs/model.yaml) if
    trained, else the newest ``models/*`` with BIO labels."""
    if explicit is not None:
        return explicit
    import json
    from ..config import PROJECT_ROOT, load_config, project_path
    configured = project_path(load_config("model")["model_dir"])
    if (configured / "config.json").exists():
        return configured
    found = []
    for cfg in (PROJECT_ROOT / "models").glob("**/config.json"):
        try:
            labels = json.loads(cfg.read_text(encoding="utf-8")).get("id2label") or {}
        except (OSError, ValueError):
            continue
        if any(str(v).startswith("B-") for v in labels.values()):
            found.append(cfg.parent)
    return max(found, key=lambda p: (p / "config.json").stat().st_mtime) if found else None


def char_probabilities(model_dir: Path) -> CharProbs:
    """Per-character tag probabilities of the token classifier over the whole text
    (the softmax of its emissions), reading what the rules and cues found (pipeline/model/infer.py)."""
    import numpy as np
    from ..config import load_config, settings
    from ..doc import Document
    from ..model.infer import InferenceSettings, ModelTagger
    from ..model.train import feature_pipeline
    tagger = ModelTagger(model_dir, settings(InferenceSettings, load_config("model")["inference"]))
    features = feature_pipeline("pipeline")

    def probs(text: str):
        em, _ = tagger.emissions([features(Document(id="rank", text=text))])
        z = np.exp(em[0] - em[0].max(1, keepdims=True))
        return tagger.names, z / z.sum(1, keepdims=True)
    return probs


def rules_only(prelabeller: Prelabeller) -> Prelabeller:
    """The same pipeline without the model component, so rule/model disagreement means something."""
    from ..config import load_config
    cfg = dict(load_config(prelabeller.config or "pipeline"))
    cfg["components"] = [c for c in cfg["components"] if c["name"] != "model_tagger"]
    from ..language import Pipeline
    return Prelabeller(_pipeline=Pipeline.from_config(cfg))


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
         prelabeller: Optional[Prelabeller] = None, use_model: bool = True) -> Ranking:
    """Documents to label first within ``budget`` characters; the model's uncertainty when one is
    trained (and ``use_model``), else the rules' own doubts."""
    pre = prelabeller or Prelabeller()
    found = find_model(model_dir) if use_model else None
    probs = char_probabilities(found) if found is not None else None
    if probs is not None:
        pre = rules_only(pre)
    scores = []
    for d in docs:
        labelled = pre(d)
        scores.append(model_score(labelled, probs) if probs is not None else rule_score(labelled))
    chosen, rest = choose(scores, budget)
    return Ranking(budget, chosen, rest, model=str(found) if found is not None else None)
