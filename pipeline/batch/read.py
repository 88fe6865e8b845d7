"""One document: bytes → ``Document`` → its rows (a ``DocResult``), within the per-document limits.
Every failure becomes a failed ``DocResult`` naming the stage, never an exception."""
from __future__ import annotations

import time
from typing import Optional

from ..archives import Item
from ..doc import Document
from ..formats.source import ReadError, Source
from ..limits import DocumentLimits, DocumentTimeout, deadline
from ..rows import DocResult, child_rows, title_and_year


def read_item(item: Item) -> Document:
    """Bytes → ``Document`` through the reader of the item's suffix (in memory: nothing touches disk)."""
    from ..reading import read_source
    doc = read_source(Source.from_bytes(item.data, item.name, item.suffix))
    doc.source = item.source
    doc.extra["sha256"] = item.sha256
    return doc


def extract_item(nlp, item: Item, limits: DocumentLimits, worker: str = "",
                 attempts: int = 1) -> tuple[DocResult, Optional[Document]]:
    """Read and extract one document within ``limits``: its result, and the document when it is ok."""
    base = dict(sha256=item.sha256, stem=item.stem, source=item.source, member=item.member, bytes=len(item.data),
                worker=worker, attempts=attempts)
    try:
        with deadline(limits.max_seconds):
            return _extract_item(nlp, item, limits, base)
    except DocumentTimeout:
        return DocResult(status="failed", stage="limit", error=limits.timed_out(), **base), None


def _extract_item(nlp, item: Item, limits: DocumentLimits, base: dict) -> tuple[DocResult, Optional[Document]]:
    t0 = time.perf_counter()
    try:
        doc = read_item(item)
    except ReadError as exc:
        return DocResult(status="failed", stage="read", error=exc.cause, **base), None
    except Exception as exc:  # a reader bug on one document must not stop the run
        return DocResult(status="failed", stage="read", error=f"{type(exc).__name__}: {exc}", **base), None
    read = dict(encoding=doc.encoding, chars=len(doc.text), **base)
    try:
        limits.check_size(doc, item.name)
    except ReadError as exc:
        return DocResult(status="failed", stage="limit", error=exc.cause, **read), None
    t1 = time.perf_counter()
    try:
        nlp(doc)
    except Exception as exc:
        return DocResult(status="failed", stage="extract", error=f"{type(exc).__name__}: {exc}", **read), None
    t2 = time.perf_counter()
    title, year = title_and_year(doc.text)
    return DocResult(status="ok", pages=len(doc.pages), title=title, report_year=year,
                     read_ms=(t1 - t0) * 1e3, extract_ms=(t2 - t1) * 1e3,
                     rows=child_rows(doc, item.sha256), **read), doc
