"""Segmentation: jieba words with a domain user dictionary, and a spaCy ``Doc`` for display.

spaCy's Chinese language uses jieba's global dictionary, so ``configs/userdict.txt`` applies
to both.  Tokens carry original-text offsets.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .config import config_dir
from .doc import Document


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    jieba.setLogLevel(logging.WARNING)
    jieba.load_userdict(str(config_dir() / "userdict.txt"))
    return jieba


def segment(text: str, hmm: bool = True) -> list[Token]:
    """Words of ``text`` with their offsets (jieba with the domain dictionary)."""
    return [Token(a, b, w) for w, a, b in _jieba().tokenize(text, HMM=hmm)]


@lru_cache(maxsize=1)
def spacy_nlp():
    """spaCy's blank Chinese pipeline with the jieba segmenter (no model download)."""
    import spacy
    _jieba()
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def to_spacy(doc: Document, nlp: Optional[object] = None):
    """A spaCy ``Doc`` of the document with its entities as ``doc.ents`` (for displaCy and spaCy users)."""
    from spacy.tokens import Doc as SpacyDoc
    nlp = nlp or spacy_nlp()
    cuts = {0, len(doc.text)}
    for e in doc.entities:
        cuts.update((e.start, e.end))
    words, spaces = [], []
    for tok in segment(doc.text):
        pieces = sorted(c for c in cuts if tok.start < c < tok.end)
        edges = [tok.start, *pieces, tok.end]
        for a, b in zip(edges, edges[1:]):
            words.append(doc.text[a:b])
            spaces.append(False)
    sdoc = SpacyDoc(nlp.vocab, words=words, spaces=spaces)
    ents = []
    for e in doc.entities:
        span = sdoc.char_span(e.start, e.end, label=e.label)
        if span is not None:
            ents.append(span)
    sdoc.ents = ents
    return sdoc
