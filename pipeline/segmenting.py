"""Segmentation: sentences and clauses; jieba words with a domain user dictionary.

One definition of a sentence serves every stage (resolver, checker): a sentence ends at 。！？!?
or a line break; a semicolon (；;) ends a clause inside it, not the sentence.  spaCy's Chinese
language uses jieba's global dictionary, so ``configs/userdict.txt`` applies to it too
(``pipeline.spacy_component``).  Tokens carry original-text offsets.
"""
from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from .config import config_dir


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


SENTENCE_ENDS = "。！？!?\n"
CLAUSE_ENDS = "；;"
_SENTENCE_END_RE = re.compile("[" + re.escape(SENTENCE_ENDS) + "]")
_CLAUSE_END_RE = re.compile("[" + re.escape(SENTENCE_ENDS + CLAUSE_ENDS) + "]")


class Sentences:
    """The sentence and clause boundaries of one text, found once and looked up by position."""

    def __init__(self, text: str):
        self.length = len(text)
        self._sentence = [m.start() for m in _SENTENCE_END_RE.finditer(text)]
        self._clause = [m.start() for m in _CLAUSE_END_RE.finditer(text)]

    def sentence(self, pos: int) -> tuple[int, int]:
        """The sentence around ``pos``: after the end before it, up to (not including) its own end."""
        return self._around(self._sentence, pos)

    def clause(self, pos: int) -> tuple[int, int]:
        """The clause around ``pos``: a sentence, or the part of it between semicolons."""
        return self._around(self._clause, pos)

    def ends_between(self, a: int, b: int) -> bool:
        """Does a sentence end in ``[a, b)``?"""
        return bisect.bisect_left(self._sentence, a) < bisect.bisect_left(self._sentence, b)

    def clause_ends_between(self, a: int, b: int) -> bool:
        """Does a clause (or sentence) end in ``[a, b)``?"""
        return bisect.bisect_left(self._clause, a) < bisect.bisect_left(self._clause, b)

    def _around(self, ends: list[int], pos: int) -> tuple[int, int]:
        i = bisect.bisect_left(ends, pos)
        return (ends[i - 1] + 1 if i else 0), (ends[i] if i < len(ends) else self.length)


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
def pos_tagger():
    """jieba's part-of-speech tagger with the domain dictionary (``pipeline.postagging``)."""
    _jieba()
    from jieba import posseg
    from .postagging import PosTagger
    return PosTagger(posseg.dt)
