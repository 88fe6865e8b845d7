"""A batch run: its settings, what it counts, how it is stopped, how results are committed, and
``run_batch``, which plans the input and hands it to an engine (local processes or Ray)."""
from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Optional

from ..archive_limits import Limits
from ..archives import InputError, count_items, plan_units
from ..choices import Engine, ProgressMode
from ..config import settings
from ..progress import Reporter
from ..rows import ResultBatch
from ..store import ErrorRow, ResultStore, StoreSettings


@dataclass(frozen=True)
class LocalSettings:
    prefetch: int
    message_docs: int
    max_attempts: int


@dataclass(frozen=True)
class RaySettings:
    batch_size: int


@dataclass(frozen=True)
class BatchSettings:
    """``configs/batch.yaml``, every default written there once."""

    limits: Limits
    store: StoreSettings
    local: LocalSettings
    ray: RaySettings
    unit_items: int

    @classmethod
    def load(cls, name: str = "batch") -> "BatchSettings":
        return settings(cls, name)


@dataclass
class Summary:
    """Counts of this run: ``skipped`` were already done (or repeated content); ``failed`` counts
    documents, ``input_errors`` input that never became one (refused or unreadable members)."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    input_errors: int = 0
    worker_restarts: int = 0
    chars: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    def line(self) -> str:
        rate = f"{self.ok / self.seconds:.1f} docs/s, {self.chars / self.seconds:,.0f} chars/s" if self.seconds else ""
        return (f"{self.ok} ok, {self.failed + self.input_errors} failed, {self.skipped} skipped"
                + (f", {self.worker_restarts} worker restarts" if self.worker_restarts else "")
                + f"; {self.chars:,} characters in {self.seconds:.1f} s ({rate})"
                + ("; interrupted" if self.interrupted else ""))


class PipelineLoadError(RuntimeError):
    """The pipeline cannot be loaded (a broken config or model): extracting anything would fail alike."""


class StopRequest:
    """Ctrl-C (SIGINT) sets a flag that the scheduler checks between steps, rather than raising
    KeyboardInterrupt inside a DuckDB call or a pipe read; a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._previous or signal.default_int_handler)

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class Committer:
    """Finished results and input errors waiting for the store, committed in groups (``commit_docs``
    documents or ``commit_seconds``), each group one transaction."""

    def __init__(self, store: ResultStore, summary: Summary, reporter: Reporter):
        self.store, self.summary, self.reporter = store, summary, reporter
        self.buffer: list[ResultBatch] = []
        self.errors: list[InputError] = []
        self.last = time.perf_counter()

    def add(self, batch: ResultBatch) -> None:
        self.buffer.append(batch)
        self.reporter.advance(len(batch.docs), sum(r.chars for r in batch.docs if r.status == "ok"))

    def input_error(self, e: InputError) -> None:
        self.summary.input_errors += 1
        self.errors.append(e)
        self.reporter.error(str(e))
        self.reporter.advance(1)

    def seconds_left(self) -> float:
        return max(0.0, self.store.settings.commit_seconds - (time.perf_counter() - self.last))

    def due(self) -> bool:
        waiting = sum(len(b.docs) for b in self.buffer)
        return waiting >= self.store.settings.commit_docs or self.seconds_left() == 0.0

    def commit(self) -> list:
        """Write what waits; return the results written (named), counting the rest as skipped."""
        errors = [ErrorRow(None, e.source, e.member, "input", e.message) for e in self.errors]
        written = self.store.commit(self.buffer, errors) if (self.buffer or errors) else []
        self.reporter.failed(written)
        for r in written:
            if r.status == "ok":
                self.summary.ok += 1
                self.summary.chars += r.chars
            else:
                self.summary.failed += 1
        self.summary.skipped += sum(len(b.docs) for b in self.buffer) - len(written)
        self.buffer.clear()
        self.errors.clear()
        self.last = time.perf_counter()
        self.reporter.committed(self.summary.ok)
        return written


def run_batch(inputs: Iterable[str], db: str | os.PathLike, workers: Optional[int] = None,
              engine: Engine | str = Engine.local, address: Optional[str] = None, config: Optional[str | dict] = None,
              text_column: str = "text", progress: ProgressMode | str = ProgressMode.auto,
              to_dataset: Optional[str | os.PathLike] = None) -> Summary:
    """Process INPUTs into the database at ``db``; return the summary of this run."""
    inputs = [str(i) for i in inputs]
    workers = workers or os.cpu_count() or 1
    engine = Engine(engine)
    s = BatchSettings.load()
    summary = Summary()
    reporter = Reporter("batch", progress)
    store = ResultStore(db, s.store)
    committer = Committer(store, summary, reporter)
    t0 = time.perf_counter()
    try:
        with StopRequest() as stop:
            if engine is Engine.local:
                from .local import run_local
                threading.Thread(target=_count_total, args=(inputs, s, text_column, reporter), daemon=True).start()
                units = plan_units(inputs, committer.input_error, s.unit_items, text_column, split_zips=False)
                run_local(units, committer, workers, s, stop, config)
            else:
                from .ray_engine import run_ray
                units = list(plan_units(inputs, committer.input_error, s.unit_items, text_column))
                _count_total(inputs, s, text_column, reporter)
                committer.commit()
                run_ray(units, committer, workers, s, stop, address, config)
    finally:
        summary.seconds = time.perf_counter() - t0
        reporter.close()
        store.close()
    if to_dataset:
        from .dataset import write_dataset
        write_dataset(db, to_dataset)
    return summary


def _count_total(inputs: list[str], s: BatchSettings, text_column: str, reporter: Reporter) -> None:
    """The number of items, for the progress bar's ETA (none when an input cannot be counted cheaply)."""
    total = 0
    for u in plan_units(inputs, lambda e: None, s.unit_items, text_column, split_zips=False):
        n = count_items(u)
        if n is None:
            return
        total += n
    reporter.set_total(total)
