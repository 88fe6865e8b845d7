"""PROJECT by rules, version 1: names that end in a project suffix, cut at the verbs before them."""
from __future__ import annotations

import re
from typing import Optional

from .config import load_config
from .doc import Entity
from .normalising import NormalisedText

_NAME_CHARS = r"[\u4e00-\u9fffA-Za-z0-9#（）()“”\-]"


class ProjectTagger:
    name = "project_tagger"

    def __init__(self, config: Optional[dict] = None):
        cfg = config or load_config("projects")
        self.suffixes = sorted(cfg["suffixes"], key=len, reverse=True)
        self.left_stops = sorted(cfg["left_stops"], key=len, reverse=True)
        self.generic = set(cfg["generic"])
        self.min_chars, self.max_chars = cfg["min_chars"], cfg["max_chars"]
        self.headers = cfg["name_headers"]
        self.suffix_re = re.compile("|".join(map(re.escape, self.suffixes)))
        self.header_re = re.compile("(?:" + "|".join(map(re.escape, self.headers)) + r")[\s:：]*\t?\s*([^\t\n]{2,40})")

    def __call__(self, nt: NormalisedText) -> list[Entity]:
        text = nt.text
        spans: list[tuple[int, int]] = []
        for m in self.header_re.finditer(text):
            a, b = m.span(1)
            name = text[a:b].strip()
            if name and name not in self.generic:
                a = text.index(name, a)
                spans.append((a, a + len(name)))
        for m in self.suffix_re.finditer(text):
            end = m.end()
            start = self._left_edge(text, m.start(), end)
            if start is None:
                continue
            name = text[start:end]
            if name in self.generic or len(name) < self.min_chars:
                continue
            spans.append((start, end))
        return [self._entity(nt, a, b) for a, b in _non_overlapping(spans)]

    def _left_edge(self, text: str, suffix_start: int, end: int) -> Optional[int]:
        i = suffix_start
        while i > 0 and re.match(_NAME_CHARS, text[i - 1]) and end - (i - 1) <= self.max_chars:
            i -= 1
        # cut at the last stop word inside the candidate
        best = i
        for stop in self.left_stops:
            k = text.rfind(stop, i, suffix_start)
            if k >= 0 and k + len(stop) > best:
                best = k + len(stop)
        if re.match(r"\d", text[best:best + 1]) and re.match(r"\d+年", text[best:]):
            best += re.match(r"\d+年(度)?", text[best:]).end()
        best = _strip_open_quote(text, best, end)
        return best if end - best >= self.min_chars else None

    @staticmethod
    def _entity(nt: NormalisedText, a: int, b: int) -> Entity:
        o = nt.to_original(a, b)
        return Entity(start=o.start, end=o.end, label="PROJECT", text=o.text, source="rules", confidence=0.8)


def _strip_open_quote(text: str, a: int, b: int) -> int:
    while a < b and text[a] in "“”(（)）-":
        if text[a] == "“" and "”" in text[a:b]:
            break
        a += 1
    return a


def _non_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0])):
        if not any(a < y and x < b for x, y in out):
            out.append((a, b))
    return sorted(out)
