"""Provenance: the page and box of every entity, from the pages a paged reader recorded.

A box is the part of its line's box that the entity's characters cover, estimated by their
share of the line's characters (OCR gives boxes per line, not per character); an entity that
runs over a line break gets the union of its pieces.  A fact takes its number's page and box.
"""
from __future__ import annotations

import bisect

from ..doc import Document, Page


def attach_provenance(doc: Document) -> Document:
    """Fill ``page`` and ``box`` of ``doc.entities`` from ``doc.pages`` (no-op without pages)."""
    if not doc.pages:
        return doc
    starts = [p.start for p in doc.pages]
    for e in doc.entities:
        i = bisect.bisect_right(starts, e.start) - 1
        if i < 0:
            continue
        page = doc.pages[i]
        if e.start >= page.end and i + 1 < len(doc.pages):
            continue  # in the blank line between two pages
        e.page = page.number
        e.box = entity_box(page, e.start, e.end)
    by_id = {e.id: e for e in doc.entities}
    for f in doc.facts:
        source = by_id.get(f.entity_id)
        if source is not None:
            f.page, f.box = source.page, source.box
    return doc


def entity_box(page: Page, start: int, end: int) -> list[float] | None:
    boxes = []
    for line in page.lines:
        box = line.get("box")
        a, b = max(start, line["start"]), min(end, line["end"])
        if box is None or a >= b:
            continue
        n = max(1, line["end"] - line["start"])
        x0, y0, x1, y1 = box
        w = x1 - x0
        boxes.append((x0 + w * (a - line["start"]) / n, y0, x0 + w * (b - line["start"]) / n, y1))
    if not boxes:
        return None
    return [round(min(b[0] for b in boxes), 1), round(min(b[1] for b in boxes), 1),
            round(max(b[2] for b in boxes), 1), round(max(b[3] for b in boxes), 1)]
