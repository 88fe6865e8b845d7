"""Resolver, version 1: each number's subject and project, within its clause, sentence or table row.

The subject is the shortest phrase before the number, in the same clause, that names what
is measured (基本支出, 预算执行率); for a count with no such phrase before it, the phrase
right after its unit (707户入户调查 → 入户调查).  A number links to a PROJECT that the same
sentence is about, or to the one the preceding sentence names when this one refers back
(该项目, 该地块).
"""
from __future__ import annotations

import re
from typing import Optional

from .config import load_config
from .doc import NUMERIC_LABELS, Document, Entity, Fact, Span
from .normalising import NormalisedText

_CLAUSE_BREAK = re.compile(r"[，,；;。：:！？!?\n\t、（）()]")
_SENTENCE_BREAK = re.compile(r"[。；;！？!?\n]")


class Resolver:
    name = "resolver"

    def __init__(self, config: Optional[dict] = None):
        cfg = config or load_config("resolver")
        self.drop_tail = sorted(cfg["drop_tail"], key=len, reverse=True)
        self.drop_head = sorted(cfg["drop_head"], key=len, reverse=True)
        self.refer_back = cfg["refer_back"]
        self.max_subject = cfg["max_subject_chars"]

    def __call__(self, doc: Document, view: NormalisedText) -> None:
        projects = [e for e in doc.entities if e.label == "PROJECT"]
        numbers = [e for e in doc.entities if e.label in NUMERIC_LABELS]
        starts = sorted(e.start for e in doc.entities)
        for e in numbers:
            e.subject = self.resolve_subject(doc.text, e, starts)
            e.project = self.resolve_project(doc.text, e, projects)
        doc.facts = [Fact(e.value, e.unit, e.qualifier, e.label, e.span, e.subject, e.project, e.id)
                     for e in numbers if e.value is not None]

    def resolve_subject(self, text: str, e: Entity, starts: list[int]) -> Optional[Span]:
        """The phrase before the number in its clause, trimmed of verbs and connectives."""
        left = e.start
        while left > 0 and not _CLAUSE_BREAK.match(text[left - 1]) and e.start - left < 40:
            left -= 1
        prev_ends = [s for s in starts if s < e.start]
        phrase_start, phrase_end = left, e.start
        a, b = self._trim(text, phrase_start, phrase_end)
        if b - a >= 2:
            a = max(a, b - self.max_subject)
            return Span(a, b, text[a:b])
        # nothing before: the phrase right after the unit (707户入户调查)
        right = e.end
        while right < len(text) and not _CLAUSE_BREAK.match(text[right]) and right - e.end < 12:
            right += 1
        a, b = self._trim(text, e.end, right)
        if b - a >= 2 and not prev_ends[-1:] == [e.start]:
            return Span(a, b, text[a:b])
        return None

    def _trim(self, text: str, a: int, b: int) -> tuple[int, int]:
        changed = True
        while changed and a < b:
            changed = False
            seg = text[a:b]
            stripped = seg.strip(" \u3000\xa0“”\"'：:")
            if stripped != seg:
                a += seg.index(stripped) if stripped else len(seg)
                b = a + len(stripped)
                changed = True
                continue
            for w in self.drop_tail:
                if text[a:b].endswith(w):
                    b -= len(w)
                    changed = True
                    break
            for w in self.drop_head:
                if text[a:b].startswith(w):
                    a += len(w)
                    changed = True
                    break
            m = re.search(r"\d+(?:\.\d+)?[\d.万元%亿个户人]*$", text[a:b])
            if m and m.start() > 0:
                b = a + m.start()
                changed = True
        return a, b

    def resolve_project(self, text: str, e: Entity, projects: list[Entity]) -> Optional[Span]:
        """The project the number's sentence is about, if the text says so."""
        s = e.start
        while s > 0 and not _SENTENCE_BREAK.match(text[s - 1]):
            s -= 1
        in_sentence = [p for p in projects if s <= p.start and p.end <= e.start]
        if len(in_sentence) == 1:
            p = in_sentence[0]
            between = text[p.end:e.start]
            if "、" not in between and "等项目" not in text[p.end:p.end + 3]:
                return p.span
            return None
        if not in_sentence and any(w in text[s:e.start] for w in self.refer_back):
            prev = [p for p in projects if p.end <= s and s - p.end < 200]
            if prev:
                return prev[-1].span
        return None
