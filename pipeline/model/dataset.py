"""Training data for the token classifier as a Hugging Face ``DatasetDict``.

Every character is a token; tags are BIO over ``configs/labels.yaml`` ``bio``.  Documents are
cut into overlapping windows.  ``hints`` carry what the rules found at each character (the
model's token types when ``rule_hints`` is on), so the model learns where to trust them.  Gold comes from GUIDELINES.md JSON/JSONL files; silver comes
from the rules run over unlabelled text, kept in its own split with a per-example ``weight`` and
a ``loss_mask`` that switches off characters the silver labels cannot be trusted on.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..config import PROJECT_ROOT, load_config
from ..doc import Document, Entity
from .chars import windows


def bio_names() -> list[str]:
    return list(load_config("labels")["bio"])


def entity_labels() -> list[str]:
    return list(load_config("labels")["labels"])


def tags_for(text: str, entities: Iterable[Entity], labels: Optional[Sequence[str]] = None) -> list[str]:
    """BIO tag per character.  Overlapping entities (not allowed by the guidelines) keep the
    earlier, longer one."""
    tags = ["O"] * len(text)
    keep = set(labels) if labels is not None else None
    for e in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if keep is not None and e.label not in keep:
            continue
        if e.end <= e.start or any(t != "O" for t in tags[e.start:e.end]):
            continue
        tags[e.start] = f"B-{e.label}"
        for k in range(e.start + 1, e.end):
            tags[k] = f"I-{e.label}"
    return tags


HINT_TYPES = 9  # the rules' own BIO tag at each character (same ids as configs/labels.yaml bio)
CANDIDATE_TYPES = 2  # B and I of a PROJECT candidate (ProjectTagger.candidates), after the rule tags


def hints_for(text: str, entities: Iterable[Entity], candidates: bool = False) -> list[int]:
    """Token type per character: the BIO tag id of the rules' entity there (0 = O); with
    ``candidates``, the names the rules doubt get their own two types where no entity is."""
    index = {n: i for i, n in enumerate(bio_names())}
    types = [index.get(t, 0) for t in tags_for(text, entities)]
    if candidates:
        for e in _project_candidates(text):
            if all(t == 0 for t in types[e.start:e.end]):
                types[e.start:e.end] = [HINT_TYPES] + [HINT_TYPES + 1] * (e.end - e.start - 1)
    return types


def _project_candidates(text: str) -> list[Entity]:
    from ..normalising import normalise
    from ..projects import default_tagger
    return default_tagger().candidates(normalise(text))


def spans_from_tags(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each entity in a BIO sequence; a stray I- starts an entity."""
    out: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, t in enumerate(list(tags) + ["O"]):
        kind, _, lab = t.partition("-")
        if start is not None and (kind != "I" or lab != label):
            out.append((start, i, label))
            start, label = None, None
        if kind == "B" or (kind == "I" and start is None):
            start, label = i, lab
    return out


@dataclass
class SilverSettings:
    paths: list[str]
    labels: list[str]
    min_confidence: float = 0.9
    weight: float = 0.3
    max_windows: int = 400
    require_entity: bool = True
    seed: int = 13


def gold_documents(paths: Sequence[str | Path]) -> list[Document]:
    from ..evaluation import load_documents
    docs: list[Document] = []
    for p in paths:
        path = Path(p) if Path(p).is_absolute() else PROJECT_ROOT / p
        docs += load_documents(path)
    return docs


def _examples(doc: Document, tags: list[str], size: int, stride: int, source: str, weight: float,
              mask: Optional[list[int]] = None, hints: Optional[list[int]] = None) -> list[dict]:
    out = []
    for a, b in windows(len(doc.text), size, stride):
        out.append({"id": f"{doc.id}:{a}", "doc_id": doc.id, "start": a, "tokens": list(doc.text[a:b]),
                    "ner_tags": tags[a:b], "loss_mask": (mask[a:b] if mask else [1] * (b - a)),
                    "hints": hints[a:b] if hints else [0] * (b - a), "weight": weight, "source": source})
    return out


def gold_examples(docs: Sequence[Document], size: int, stride: int,
                  rule_entities: Optional[dict[str, list[Entity]]] = None, candidates: bool = False) -> list[dict]:
    """Windows of gold documents; ``rule_entities`` (doc id -> the rules' entities) fill ``hints``."""
    labels = entity_labels()
    out = []
    for d in docs:
        hints = hints_for(d.text, rule_entities[d.id], candidates) if rule_entities is not None else None
        out += _examples(d, tags_for(d.text, d.entities, labels), size, stride, "gold", 1.0, hints=hints)
    return out


@lru_cache(maxsize=1)
def rule_pipeline():
    """The rule components alone: the source of the hints, in training and at inference."""
    from ..language import Pipeline
    return Pipeline.from_config({"components": [{"name": "rule_tagger"}, {"name": "project_tagger"}]})


def rule_entities_of(docs: Sequence[Document]) -> dict[str, list[Entity]]:
    """The rule components' entities for each document (the hints' source)."""
    return {d.id: rule_pipeline()(Document(id=d.id, text=d.text)).entities for d in docs}


def silver_documents(settings: SilverSettings) -> list[Document]:
    """The rule components (rule_tagger, project_tagger) over unlabelled text."""
    from ..language import Pipeline
    from .pretrain import read_texts
    nlp = Pipeline.from_config({"components": [{"name": "rule_tagger"}, {"name": "project_tagger"}]})
    return [nlp(Document(id=f"silver{i}", text=t)) for i, t in enumerate(read_texts(settings.paths))]


def silver_examples(docs: Sequence[Document], settings: SilverSettings, size: int, stride: int) -> list[dict]:
    """Windows of silver text.  Entities below ``min_confidence`` or of a label the rules are
    not trusted for are masked out of the loss (neither entity nor O is taught there)."""
    import random
    out = []
    for d in docs:
        trusted = [e for e in d.entities if e.label in settings.labels and e.confidence >= settings.min_confidence]
        tags = tags_for(d.text, trusted)
        mask = [1] * len(d.text)
        for e in d.entities:
            if e not in trusted:
                for k in range(max(0, e.start - 2), min(len(mask), e.end + 2)):
                    mask[k] = 0
        for ex in _examples(d, tags, size, stride, "silver", settings.weight, mask):
            if not settings.require_entity or any(t != "O" for t in ex["ner_tags"]):
                out.append(ex)
    random.Random(settings.seed).shuffle(out)
    return out[: settings.max_windows]


def features():
    from datasets import ClassLabel, Features, Sequence as Seq, Value
    return Features({
        "id": Value("string"), "doc_id": Value("string"), "start": Value("int32"),
        "tokens": Seq(Value("string")), "ner_tags": Seq(ClassLabel(names=bio_names())),
        "loss_mask": Seq(Value("int8")), "hints": Seq(Value("int8")), "weight": Value("float32"),
        "source": Value("string"),
    })


def to_dataset(examples: list[dict]):
    from datasets import Dataset
    feats = features()
    names = feats["ner_tags"].feature.names
    index = {n: i for i, n in enumerate(names)}
    rows = [dict(ex, ner_tags=[index[t] for t in ex["ner_tags"]]) for ex in examples]
    if not rows:
        return Dataset.from_dict({k: [] for k in feats}, features=feats)
    return Dataset.from_list(rows, features=feats)


def build(gold_paths: Sequence[str | Path], size: int = 256, stride: int = 192,
          silver: Optional[SilverSettings] = None, split: Optional[dict[str, Sequence[str]]] = None):
    """``DatasetDict`` with a ``gold`` split (or one split per entry of ``split``: name -> doc ids)
    and, when ``silver`` is given, a ``silver`` split."""
    from datasets import DatasetDict
    docs = gold_documents(gold_paths)
    parts = {}
    if split:
        for name, ids in split.items():
            wanted = set(ids)
            chosen = [d for d in docs if d.id in wanted]
            parts[name] = to_dataset(gold_examples(chosen, size, stride, rule_entities_of(chosen)))
    else:
        parts["gold"] = to_dataset(gold_examples(docs, size, stride, rule_entities_of(docs)))
    if silver is not None:
        parts["silver"] = to_dataset(silver_examples(silver_documents(silver), silver, size, stride))
    return DatasetDict(parts)


def build_and_save(config: str, out: Optional[str] = None):
    """Build from a training config (``data:`` section) and ``save_to_disk``."""
    cfg = load_config(config)
    data = cfg["data"]
    silver = SilverSettings(**data["silver"]) if data.get("silver") else None
    dd = build(data["gold"], data["window"], data["stride"], silver)
    target = Path(out or data.get("dataset_dir", ".cache/dataset"))
    if not target.is_absolute():
        target = PROJECT_ROOT / target
    dd.save_to_disk(str(target))
    return dd, target
