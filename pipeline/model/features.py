"""What the token classifier reads, the same in training and at inference.

- one token per character (``CharEncoder``): token i is character i, so offsets never need
  re-aligning, digits are never glued into [UNK] runs, and newlines and tabs, which shape the
  flattened tables, are tokens of their own.  ``tokenizer.make_tokenizer`` builds the same mapping as a
  ``tokenizers`` tokenizer (tokenizer.json), so ``AutoTokenizer`` reproduces it exactly;
- four cue channels per character (``cue_ids``): the rule tagger's numbers (BIO over
  MONEY/PERCENT/QUANTITY), the structural project cue the character stands in (BIO over
  ``pipeline.cues.CUE_KINDS`` but ``word``), whether it is part of a project word, and whether
  the PROJECT rules named it (when a pipeline runs ``project_rule_cues``);
- windows: long documents are cut into overlapping windows (``windows``).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from ..cues import CUE_KINDS, SPAN_GROUP
from ..doc import NUMERIC_LABELS, Document
from .bio import bio_names, tags_for

SPECIALS = ["[PAD]", "[UNK]"]
# Layout is meaning here: a newline ends a table row or a paragraph, a tab separates cells.  They
# are tokens of their own; every other kind of space or line break reads as one of them.
LAYOUT = ["\n", "\t", " "]

NUMBER_TAGS = bio_names(NUMERIC_LABELS)                       # channel 0
REGION_KINDS = tuple(k for k in CUE_KINDS if k != "word")
REGION_TAGS = bio_names(REGION_KINDS)                         # channel 1
WORD_TAGS = bio_names(["word"])                               # channel 2
RULE_TAGS = bio_names(["rule"])                               # channel 3: the PROJECT rules' names, if run
RULE_GROUP = "project_rules"
CUE_CHANNELS = (len(NUMBER_TAGS), len(REGION_TAGS), len(WORD_TAGS), len(RULE_TAGS))


def aliases(vocab: Iterable[str], given: Optional[dict[str, str]] = None) -> dict[str, str]:
    """Characters that read as another of the vocabulary: those ``given`` (a base model's own
    mapping, e.g. LAC's q2b.dic), then, outside the vocabulary, full-width forms and other
    one-character NFKC equivalents, upper case, other spaces and line breaks."""
    known = set(vocab)
    out = {a: b for a, b in (given or {}).items() if len(a) == 1 and b in known and a != b}
    for cp in range(0x30000):
        ch = chr(cp)
        if ch in known or ch in out or unicodedata.category(ch) in ("Cs", "Co", "Cn") \
                or unicodedata.category(ch) == "Cc" and not ch.isspace():
            continue
        if ch.isspace():
            out[ch] = "\n" if ch in "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029" else " "
            continue
        for alt in (unicodedata.normalize("NFKC", ch), ch.lower(), unicodedata.normalize("NFKC", ch).lower()):
            if len(alt) == 1 and alt in known:
                out[ch] = alt
                break
    return out


class CharEncoder:
    """Characters -> token ids exactly as the model's tokenizer maps them, one id per character:
    the aliases its normalizer holds, then its vocabulary, read once into one dictionary (running
    the normalizer's thousands of replacements on every text would cost more than the model)."""

    def __init__(self, tokenizer):
        vocab = dict(tokenizer.get_vocab())
        self.unk_id = vocab.get("[UNK]", 0)
        self.pad_id = vocab.get("[PAD]", 0)
        self.vocab = {**{a: vocab[t] for a, t in _normalizer_aliases(tokenizer).items() if t in vocab}, **vocab}

    def encode(self, text: str) -> list[int]:
        get, unk = self.vocab.get, self.unk_id
        return [get(c, unk) for c in text]


def _normalizer_aliases(tokenizer) -> dict[str, str]:
    """The character -> character replacements of a tokenizer built by ``make_tokenizer``."""
    import json
    import re
    backend = getattr(tokenizer, "backend_tokenizer", tokenizer)  # a transformers tokenizer, or a tokenizers one
    spec = json.loads(backend.to_str()).get("normalizer") or {}
    out: dict[str, str] = {}
    for n in spec.get("normalizers", [spec]):
        pattern = (n.get("pattern") or {}).get("Regex", "") if n.get("type") == "Replace" else ""
        if pattern.startswith("[") and pattern.endswith("]"):
            for c in re.sub(r"\\(.)", r"\1", pattern[1:-1], flags=re.S):
                out.setdefault(c, n["content"])
    return out


def windows(length: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Start/end of windows covering ``range(length)``, ``stride`` apart (overlapping by ``size - stride``)."""
    if length <= size:
        return [(0, length)]
    out, a = [], 0
    while True:
        b = min(a + size, length)
        out.append((a, b))
        if b == length:
            return out
        a += stride
        if a + size > length:
            a = max(length - size, 0)


def cue_ids(doc: Document):
    """``[len(text), 4]`` int array of the cue channels, from what the components before the
    model wrote: the numbers in ``doc.entities``, ``doc.spans["project_cues"]`` and, when the
    pipeline runs the PROJECT rules as evidence, ``doc.spans["project_rules"]``."""
    import numpy as np
    n = len(doc.text)
    out = np.zeros((n, len(CUE_CHANNELS)), dtype=np.int64)
    numbers = [(e.start, e.end, e.label) for e in doc.entities if e.label in NUMERIC_LABELS]
    cues = doc.spans.get(SPAN_GROUP, [])
    regions = [(c.start, c.end, c.label) for c in cues if c.label in REGION_KINDS]
    # where regions overlap, the stronger kind (earlier in CUE_KINDS) keeps the characters
    regions.sort(key=lambda r: REGION_KINDS.index(r[2]))
    words = [(c.start, c.end, "word") for c in cues if c.label == "word"]
    rules = [(c.start, c.end, "rule") for c in doc.spans.get(RULE_GROUP, [])]
    for channel, (names, spans) in enumerate(((NUMBER_TAGS, numbers), (REGION_TAGS, _first_wins(regions)),
                                              (WORD_TAGS, words), (RULE_TAGS, rules))):
        index = {t: i for i, t in enumerate(names)}
        out[:, channel] = [index[t] for t in tags_for(n, spans)]
    return out


def _first_wins(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    taken: list[tuple[int, int]] = []
    kept = []
    for a, b, k in spans:
        if not any(a < y and x < b for x, y in taken):
            kept.append((a, b, k))
            taken.append((a, b))
    return kept


@dataclass
class Window:
    """One stretch of one document, encoded for the model."""

    doc: int                       # index of the document in the batch of documents
    start: int
    ids: list[int]
    cues: object                   # [len, channels] int array
    labels: Optional[list[int]] = None


def encode_windows(docs: Sequence[Document], encoder: CharEncoder, size: int, stride: int,
                   gold: Optional[Sequence[Iterable[tuple[int, int, str]]]] = None,
                   label_names: Optional[Sequence[str]] = None,
                   spans: Optional[Sequence[Sequence[tuple[int, int]]]] = None) -> list[Window]:
    """Windows of each document (or only of ``spans[i]``, the stretches of document i worth
    reading), with gold tag ids when ``gold`` (entity spans per document) is given."""
    out = []
    index = {t: i for i, t in enumerate(label_names or [])}
    for i, doc in enumerate(docs):
        ids = encoder.encode(doc.text)
        cues = cue_ids(doc)
        tags = [index[t] for t in tags_for(len(doc.text), gold[i])] if gold is not None else None
        for lo, hi in (spans[i] if spans is not None else [(0, len(doc.text))]):
            for a, b in windows(hi - lo, size, stride):
                a, b = a + lo, b + lo
                if b > a:
                    out.append(Window(i, a, ids[a:b], cues[a:b], tags[a:b] if tags is not None else None))
    return out


def collate(batch: Sequence[Window], pad_id: int) -> dict:
    """Padded tensors: ``input_ids``, ``attention_mask``, ``cue_ids`` and, with gold, ``labels``."""
    import numpy as np
    import torch
    n = max(len(w.ids) for w in batch)
    ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
    att = torch.zeros((len(batch), n), dtype=torch.long)
    cues = torch.zeros((len(batch), n, len(CUE_CHANNELS)), dtype=torch.long)
    labels = torch.full((len(batch), n), -100, dtype=torch.long)
    for i, w in enumerate(batch):
        m = len(w.ids)
        ids[i, :m] = torch.tensor(w.ids)
        att[i, :m] = 1
        cues[i, :m] = torch.from_numpy(np.asarray(w.cues))
        if w.labels is not None:
            labels[i, :m] = torch.tensor(w.labels)
    out = {"input_ids": ids, "attention_mask": att, "cue_ids": cues}
    if all(w.labels is not None for w in batch):
        out["labels"] = labels
    return out
