"""Documents: bytes → ``Document`` → their rows (a ``DocResult`` each), within the per-document limits.
Every failure becomes a failed ``DocResult`` naming the stage, never an exception."""
from __future__ import annotations

import copy
import time
from typing import Optional, Sequence

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
    base = _base(item, worker, attempts)
    try:
        with deadline(limits.max_seconds):
            got = _read(item, limits, base)
            if isinstance(got, DocResult):
                return got, None
            return _extract(nlp, *got)
    except DocumentTimeout:
        return DocResult(status="failed", stage="limit", error=limits.timed_out(), **base), None


def extract_items(nlp, work: Sequence[tuple[Item, int]], limits: DocumentLimits,
                  worker: str = "") -> list[tuple[DocResult, Optional[Document]]]:
    """``extract_item`` for each of ``work`` (items with their attempt numbers), in order, with the
    readable documents extracted together (``nlp.run``: the model batches their windows).  The group
    has the time bound of one document (``max_seconds``); if it fails or runs out of time, each of its
    documents is extracted again on its own, from a copy taken as it was read (a scan is not read
    again), within its own bound, so only the one at fault fails.  A document's ``extract_ms`` is its
    share of the group's time by characters."""
    out: list = [None] * len(work)
    group: list[tuple[int, Document, dict]] = []
    for i, (item, attempts) in enumerate(work):
        base = _base(item, worker, attempts)
        try:
            with deadline(limits.max_seconds):
                got = _read(item, limits, base)
        except DocumentTimeout:
            got = DocResult(status="failed", stage="limit", error=limits.timed_out(), **base)
        if isinstance(got, DocResult):
            out[i] = got, None
        else:
            group.append((i, *got))
    if not group:
        return out
    as_read = [copy.deepcopy(doc) for _, doc, _ in group]
    t1 = time.perf_counter()
    try:
        with deadline(limits.max_seconds):
            nlp.run([doc for _, doc, _ in group])
    except (Exception, DocumentTimeout):
        for (i, _, read), doc in zip(group, as_read):
            try:
                with deadline(limits.max_seconds):
                    out[i] = _extract(nlp, doc, read)
            except DocumentTimeout:
                out[i] = DocResult(status="failed", stage="limit", error=limits.timed_out(), **read), None
        return out
    seconds = time.perf_counter() - t1
    chars = sum(len(doc.text) for _, doc, _ in group) or 1
    for i, doc, read in group:
        out[i] = _ok(doc, read, extract_ms=seconds * 1e3 * len(doc.text) / chars), doc
    return out


def _base(item: Item, worker: str, attempts: int) -> dict:
    return dict(sha256=item.sha256, stem=item.stem, source=item.source, member=item.member, bytes=len(item.data),
                worker=worker, attempts=attempts)


def _read(item: Item, limits: DocumentLimits, base: dict) -> DocResult | tuple[Document, dict]:
    """The document and its reading's fields, or a failed result naming the stage."""
    t0 = time.perf_counter()
    try:
        doc = read_item(item)
    except ReadError as exc:
        return DocResult(status="failed", stage="read", error=exc.cause, **base)
    except Exception as exc:  # a reader bug on one document must not stop the run
        return DocResult(status="failed", stage="read", error=f"{type(exc).__name__}: {exc}", **base)
    read = dict(encoding=doc.encoding, chars=len(doc.text), **base)
    try:
        limits.check_size(doc, item.name)
    except ReadError as exc:
        return DocResult(status="failed", stage="limit", error=exc.cause, **read)
    return doc, dict(read_ms=(time.perf_counter() - t0) * 1e3, **read)


def _extract(nlp, doc: Document, read: dict) -> tuple[DocResult, Optional[Document]]:
    """Extract one document that was read; a failure is a failed result naming the cause."""
    t1 = time.perf_counter()
    try:
        nlp(doc)
    except Exception as exc:
        return DocResult(status="failed", stage="extract", error=f"{type(exc).__name__}: {exc}", **read), None
    return _ok(doc, read, extract_ms=(time.perf_counter() - t1) * 1e3), doc


def _ok(doc: Document, read: dict, extract_ms: float) -> DocResult:
    title, year = title_and_year(doc.text)
    return DocResult(status="ok", pages=len(doc.pages), title=title, report_year=year, extract_ms=extract_ms,
                     rows=child_rows(doc, read["sha256"]), **read)
