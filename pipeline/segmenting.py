"""Segmentation: jieba words with a domain user dictionary; tokens carry original-text offsets.

spaCy's Chinese language uses jieba's global dictionary, so ``configs/userdict.txt`` applies to
it too (``pipeline.spacy_component``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from .config import config_dir


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
