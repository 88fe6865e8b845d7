"""Assembling a paged document's text while remembering where each page and line came from.

Readers hand over lines page by page; the assembler joins them into one original text
(lines by ``\\n``, a blank line between pages) and records ``Page(number, start, end, lines)``
with each line's offsets and box, so any span can later say its page and box.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..doc import Document, Page


@dataclass
class Line:
    """A piece of a page: a visual line, a table cell or a row, with its box [x0, y0, x1, y1].

    ``sep`` is what joins it to the piece before: ``\n`` for a new line, ``\t`` for the next
    cell of a table row, ``""`` or ``" "`` for the continuation of a wrapped line.
    """

    text: str
    box: Optional[list[float]] = None
    score: Optional[float] = None
    sep: str = "\n"


def join_wrapped(a: str, b: str) -> str:
    """Join two pieces of one wrapped line or cell: Chinese wraps anywhere, even inside a number,
    so only two Latin words get a space between them."""
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b


class PagedText:
    """Collects pages of lines and builds a ``Document`` with ``pages`` filled."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pos = 0
        self.pages: list[Page] = []

    def _put(self, s: str) -> None:
        self._parts.append(s)
        self._pos += len(s)

    def add_page(self, number: int, lines: Sequence[Line]) -> Page:
        if self.pages:
            self._put("\n\n")
        page = Page(number=number, start=self._pos, end=self._pos)
        for i, line in enumerate(lines):
            if i:
                self._put(line.sep)
            start = self._pos
            self._put(line.text)
            entry: dict = {"start": start, "end": self._pos}
            if line.box is not None:
                entry["box"] = [round(float(v), 1) for v in line.box]
            if line.score is not None:
                entry["score"] = round(float(line.score), 3)
            page.lines.append(entry)
        page.end = self._pos
        self.pages.append(page)
        return page

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def has_text(self) -> bool:
        return any(p.strip() for p in self._parts)

    def document(self, doc_id: str, **extra) -> Document:
        doc = Document(id=doc_id, text=self.text, pages=self.pages)
        doc.extra.update({k: v for k, v in extra.items() if v is not None})
        return doc
