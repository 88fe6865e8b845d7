"""``jixiao extract``: report files → ``OUT/documents.jsonl`` and the tables of ``OUT/jixiao.duckdb``.

Documents are named as ``jixiao batch`` names them (``store.document_ids``: the file stem, the content
hash as its own column).  Database rows are written in groups, one transaction each (``commit_docs``,
``commit_seconds`` of configs/batch.yaml), and only then the group's JSONL lines, each flushed alone:
a crash loses at most the group, and a rerun, which skips the contents already in the JSONL, redoes
it (the database keeps a document it already holds).  The pipeline is loaded when a document needs it.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from .archives import Item
from .choices import ProgressMode
from .doc import Document
from .formats.source import ReadError
from .limits import DocumentLimits
from .output import JsonlWriter
from .progress import Reporter
from .rows import DocResult, ResultBatch


@dataclass
class ExtractSummary:
    ok: int = 0
    skipped: int = 0
    failed: int = 0
    chars: int = 0
    seconds: float = 0.0

    def line(self, outputs: list[Path]) -> str:
        return (f"{self.ok} extracted, {self.skipped} already done, {self.failed} failed; "
                f"{self.chars} characters in {self.seconds:.1f} s -> {', '.join(map(str, outputs))}")


class Extraction:
    """One run of ``jixiao extract`` into ``out``."""

    def __init__(self, out: Path, config=None, duckdb: bool = True, resume: bool = True,
                 progress: ProgressMode | str = ProgressMode.auto):
        from .batch.run import BatchSettings
        out.mkdir(parents=True, exist_ok=True)
        self.out, self.config = out, config
        self.jsonl, self.db = out / "documents.jsonl", (out / "jixiao.duckdb" if duckdb else None)
        if not resume:
            for p in (self.jsonl, self.db, Path(f"{self.db}.wal") if self.db else None):
                if p is not None:
                    p.unlink(missing_ok=True)
        batch = BatchSettings.load()
        self.settings, self.group_docs = batch.store, batch.local.message_docs
        self.writer = JsonlWriter(self.jsonl)
        self.written = self.writer.written()  # id -> content hash
        self.done = {h for h in self.written.values() if h}
        self.store = None  # opened when there is something to write: a run with nothing to do answers at once
        self.limits = DocumentLimits.from_config()
        self.reporter = Reporter("extract", progress)
        self.summary = ExtractSummary()
        self.queued: list[tuple[Item, int]] = []
        self.pending: list[tuple[DocResult, Optional[Document]]] = []
        self._nlp = None
        self._last = time.perf_counter()

    @property
    def nlp(self):
        if self._nlp is None:
            from .batch.run import PipelineLoadError
            from .language import Pipeline
            try:
                self._nlp = Pipeline.from_config(self.config)
            except Exception as exc:  # a broken config or model: nothing can be extracted
                raise PipelineLoadError(f"cannot load the pipeline: {type(exc).__name__}: {exc}") from None
        return self._nlp

    def run(self, paths: Iterable[Path], max_bytes: int) -> ExtractSummary:
        from .reading import file_bytes, iter_input_files
        t0 = time.perf_counter()
        try:
            for path in iter_input_files(paths, self.fail):
                try:
                    item = Item(str(path), None, file_bytes(path, max_bytes), path.suffix.lower())
                except ReadError as exc:
                    self.fail(exc)
                    continue
                self.add(item)
            self.extract_queued()
            self.flush()
        finally:
            self.summary.seconds = time.perf_counter() - t0
            self.close()
        return self.summary

    def add(self, item: Item) -> None:
        """Queue a file; every ``message_docs`` (configs/batch.yaml) files are extracted together."""
        if item.sha256 in self.done:
            self.summary.skipped += 1
            return
        self.done.add(item.sha256)
        self.queued.append((item, 1))
        if len(self.queued) >= self.group_docs:
            self.extract_queued()

    def extract_queued(self) -> None:
        from .batch.read import extract_items
        if not self.queued:
            return
        for (item, _), (result, doc) in zip(self.queued, extract_items(self.nlp, self.queued, self.limits)):
            self.pending.append((result, doc))
            self.reporter.advance(1, result.chars if doc else 0)
            if doc is None:
                self.fail(ReadError(item.name, result.error or result.stage or "failed"))
        self.queued.clear()
        if (len(self.pending) >= self.settings.commit_docs
                or time.perf_counter() - self._last >= self.settings.commit_seconds):
            self.flush()

    def flush(self) -> None:
        """The group's rows into the database (one transaction), then its JSONL lines one by one."""
        from .store import document_ids
        results = [r for r, _ in self.pending]
        document_ids(results, lambda ids: {i: self.written[i] for i in ids if i in self.written})
        if self.db is not None and results:
            if self.store is None:
                from .store import ResultStore
                self.store = ResultStore(self.db, self.settings)
            self.store.commit([ResultBatch.pack(results)])
        for result, doc in self.pending:
            self.written[result.id] = result.sha256
            if doc is not None:
                doc.id = result.id
                self.writer.write(doc)
                self.summary.ok += 1
                self.summary.chars += len(doc.text)
        self.reporter.committed(self.summary.ok)
        self.pending.clear()
        self._last = time.perf_counter()

    def fail(self, exc: ReadError) -> None:
        self.summary.failed += 1
        self.reporter.error(str(exc))
        with open(self.out / "errors.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"source": exc.path, "error": exc.cause}, ensure_ascii=False) + "\n")

    def outputs(self) -> list[Path]:
        return [self.jsonl] + ([self.db] if self.db else [])

    def close(self) -> None:
        self.reporter.close()
        self.writer.close()
        if self.store is not None:
            self.store.close()
