"""Scoring OCR against known text: character error rate, and entities mapped onto the gold text.

OCR text differs from the true text in layout (line breaks, tabs) and in errors, so offsets
differ.  Both are compared with whitespace removed; a character alignment maps each entity
found in the OCR text onto the true text, where ``evaluation.score`` judges it strictly.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Optional, Sequence

from ..doc import Document, Entity, Span


def _dense(text: str) -> tuple[str, list[int]]:
    """The text without whitespace, and each kept character's index in the text."""
    idx = [i for i, c in enumerate(text) if not c.isspace()]
    return "".join(text[i] for i in idx), idx


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate, whitespace ignored (layout is not content)."""
    ref, _ = _dense(reference)
    hyp, _ = _dense(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def confusions(reference: str, hypothesis: str) -> list[tuple[str, str, str]]:
    """(true, read, context) for each one-for-one substitution the OCR made."""
    ref, _ = _dense(reference)
    hyp, _ = _dense(hypothesis)
    out = []
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, ref, hyp, autojunk=False).get_opcodes():
        if op == "replace" and a1 - a0 == b1 - b0:
            for k in range(a1 - a0):
                out.append((ref[a0 + k], hyp[b0 + k], ref[max(0, a0 + k - 2):a0 + k + 3]))
    return out


class Alignment:
    """Maps offsets of an OCR text onto the true text, through matching characters."""

    def __init__(self, truth: str, ocr: str):
        self.truth, self.ocr = truth, ocr
        t_dense, t_idx = _dense(truth)
        o_dense, o_idx = _dense(ocr)
        self._map: dict[int, int] = {}
        sm = difflib.SequenceMatcher(None, o_dense, t_dense, autojunk=False)
        for a, b, n in sm.get_matching_blocks():
            for k in range(n):
                self._map[o_idx[a + k]] = t_idx[b + k]

    def span(self, start: int, end: int) -> Optional[Span]:
        hits = [self._map[i] for i in range(start, end) if i in self._map]
        if not hits:
            return None
        return Span(min(hits), max(hits) + 1, self.truth[min(hits):max(hits) + 1])

    def entity(self, e: Entity) -> Optional[Entity]:
        s = self.span(e.start, e.end)
        if s is None:
            return None
        sub = self.span(e.subject.start, e.subject.end) if e.subject else None
        proj = self.span(e.project.start, e.project.end) if e.project else None
        return Entity(s.start, s.end, e.label, s.text, e.value, e.unit, e.qualifier, sub, proj,
                      id=e.id, source=e.source, page=e.page, box=e.box)


def onto_truth(pred: Document, truth: Document) -> Document:
    """``pred``'s entities re-anchored on ``truth.text`` (those with no matching character are lost)."""
    al = Alignment(truth.text, pred.text)
    mapped = [m for m in (al.entity(e) for e in pred.entities) if m is not None]
    return Document(id=truth.id, text=truth.text, entities=mapped)


@dataclass(frozen=True)
class Excerpt:
    """A stretch of a gold document (e.g. one paragraph) used as test-page content."""

    doc_id: str
    start: int
    end: int


def excerpt_gold(gold: Document, start: int, end: int, doc_id: Optional[str] = None) -> Document:
    """The gold of ``gold.text[start:end]``: entities inside it, offsets shifted; links outside dropped."""
    def shift(s: Optional[Span]) -> Optional[Span]:
        if s is None or s.start < start or s.end > end:
            return None
        return Span(s.start - start, s.end - start, s.text)
    ents = [Entity(e.start - start, e.end - start, e.label, e.text, e.value, e.unit, e.qualifier,
                   shift(e.subject), shift(e.project), id=e.id, source="gold")
            for e in gold.entities if start <= e.start and e.end <= end]
    return Document(id=doc_id or f"{gold.id}@{start}", text=gold.text[start:end], entities=ents)


def join_gold(parts: Sequence[Document], doc_id: str, sep: str = "\n") -> Document:
    """Several gold excerpts as one document (one test page), offsets shifted."""
    text, ents, pos = [], [], 0
    for k, d in enumerate(parts):
        if k:
            text.append(sep)
            pos += len(sep)

        def mv(s: Optional[Span]) -> Optional[Span]:
            return None if s is None else Span(s.start + pos, s.end + pos, s.text)
        for e in d.entities:
            ents.append(Entity(e.start + pos, e.end + pos, e.label, e.text, e.value, e.unit, e.qualifier,
                               mv(e.subject), mv(e.project), id=e.id, source="gold"))
        text.append(d.text)
        pos += len(d.text)
    return Document(id=doc_id, text="".join(text), entities=ents)


# Seed paragraphs rich in MONEY and PERCENT (gold document id prefix, offset of the paragraph),
# grouped into pages, and the flattened table of seed 004 rebuilt as a ruled table.
SEED_PAGES: tuple[tuple[tuple[str, int], ...], ...] = (
    (("000_", 1261), ("000_", 1351), ("000_", 1437), ("000_", 1637)),
    (("001_", 3686), ("002_", 3113), ("003_", 787), ("004_", 314)),
)
SEED_TABLE = ("004_", "金额单位：万元", "\n\n\n（二）")


@dataclass
class TestPage:
    """What to draw on one page (paragraphs, optional table rows) and the gold of exactly that."""

    id: str
    text: str
    table: Optional[list[list[str]]]
    gold: Document


def _gold_by_prefix(gold_docs: Sequence[Document], prefix: str) -> Document:
    return next(d for d in gold_docs if d.id.startswith(prefix))


def _paragraph(gold: Document, start: int) -> Document:
    end = gold.text.find("\n", start)
    return excerpt_gold(gold, start, len(gold.text) if end < 0 else end)


def seed_test_pages(gold_docs: Sequence[Document], pages: Sequence[int] = (0, 1), table: bool = True,
                    paragraphs_per_page: Optional[int] = None) -> list[TestPage]:
    """Test pages built from the seed gold (annotations/gold/seeds)."""
    out = []
    for k in pages:
        spec = SEED_PAGES[k][:paragraphs_per_page]
        parts = [_paragraph(_gold_by_prefix(gold_docs, p), s) for p, s in spec]
        gold = join_gold(parts, f"seed-page-{k + 1}")
        out.append(TestPage(gold.id, gold.text, None, gold))
    if table:
        out.append(seed_table_page(gold_docs))
    return out


def seed_table_page(gold_docs: Sequence[Document]) -> TestPage:
    """Seed 004's budget table as a ruled table (empty layout cells dropped), gold re-anchored on it."""
    import re
    prefix, first, after = SEED_TABLE
    g = _gold_by_prefix(gold_docs, prefix)
    a = g.text.index(first)
    b = g.text.index(after, a)
    segment = excerpt_gold(g, a, b)
    rows = [[c.strip() for c in re.split(r"\n?\t", r) if c.strip()] for r in segment.text.split("\n\n")]
    title, rows = rows[0][0], [rows[0][1:]] + rows[1:]
    rows = [r for r in rows if r]
    truth = Document(id="seed-table", text=title + "\n" + "\n".join("\t".join(r) for r in rows))
    gold = onto_truth(segment, truth)
    for e in gold.entities:
        e.source = "gold"
    return TestPage(truth.id, title, rows, gold)
