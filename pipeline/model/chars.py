"""One token per character: the vocabulary and the char -> id map every model step shares.

Mapping characters straight to ids (instead of running BERT's word-piece pre-tokenizer) keeps
token i == character i, so offsets never need re-aligning, digits are never glued into
[UNK] runs (stack-findings: transformers 5 trap) and whitespace that shapes tables survives as
its own token.  Any local BERT-style checkpoint works: characters it lacks fall back to
NFKC / lower case, then to [UNK]; whitespace maps to an ``[unused*]`` slot where there is one.
"""
from __future__ import annotations

import collections
import os
import unicodedata
from pathlib import Path
from typing import Iterable, Sequence

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Whitespace is layout: newline ends a table row or paragraph, tab separates cells.
WHITESPACE_TOKENS = {"\n": "[NL]", "\t": "[TAB]", " ": "[SPACE]"}
_WHITESPACE_FALLBACK = {"\n": "[unused1]", "\t": "[unused2]", " ": "[unused3]"}
DIGIT_PIECES = [f"##{d}" for d in "0123456789"]


def build_vocab(texts: Iterable[str], size: int, extra_chars: str = "") -> list[str]:
    """Specials, whitespace tokens, then the commonest characters of ``texts`` (then of
    ``extra_chars``, e.g. a dictionary's) up to ``size``; ``##0``..``##9`` so that a
    word-piece tokenizer loaded from the saved vocab still splits numbers digit by digit."""
    counts: collections.Counter = collections.Counter()
    for t in texts:
        counts.update(c for c in t if not c.isspace())
    fixed = SPECIALS + list(WHITESPACE_TOKENS.values()) + DIGIT_PIECES
    chars = [c for c, _ in counts.most_common()]
    extra = collections.Counter(c for c in extra_chars if not c.isspace())
    seen = set(chars)
    chars += [c for c, _ in extra.most_common() if c not in seen]
    return fixed + chars[: max(0, size - len(fixed))]


def jieba_dictionary_chars() -> str:
    """Characters of jieba's bundled dictionary weighted by word frequency: a source of
    common Chinese characters that ships with a dependency (nothing downloaded)."""
    import jieba
    path = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and int(parts[1]) >= 50:
                out.append(parts[0] * min(50, int(parts[1]) // 50))
    return "".join(out)


class CharEncoder:
    """Characters -> token ids of a given tokenizer vocabulary, one id per character."""

    def __init__(self, vocab: dict[str, int]):
        self.vocab = vocab
        self.unk_id = vocab.get("[UNK]", 0)
        self.cls_id = vocab.get("[CLS]", self.unk_id)
        self.sep_id = vocab.get("[SEP]", self.unk_id)
        self.pad_id = vocab.get("[PAD]", 0)
        self.mask_id = vocab.get("[MASK]", self.unk_id)
        self._cache: dict[str, int] = {}

    @classmethod
    def from_tokenizer(cls, tokenizer) -> "CharEncoder":
        return cls(dict(tokenizer.get_vocab()))

    def id_of(self, ch: str) -> int:
        got = self._cache.get(ch)
        if got is None:
            got = self._lookup(ch)
            self._cache[ch] = got
        return got

    def _lookup(self, ch: str) -> int:
        v = self.vocab
        if ch in v:
            return v[ch]
        if ch.isspace():
            for table in (WHITESPACE_TOKENS, _WHITESPACE_FALLBACK):
                tok = table.get(ch, table[" "])
                if tok in v:
                    return v[tok]
            return self.unk_id
        for alt in (unicodedata.normalize("NFKC", ch), ch.lower(), unicodedata.normalize("NFKC", ch).lower()):
            if len(alt) == 1 and alt in v:
                return v[alt]
        return self.unk_id

    def encode(self, text: str | Sequence[str]) -> list[int]:
        return [self.id_of(c) for c in text]


def windows(length: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Start/end of overlapping windows covering ``range(length)``; consecutive windows
    start ``stride`` apart, so they overlap by ``size - stride`` characters."""
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
