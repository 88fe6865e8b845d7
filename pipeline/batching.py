"""``jixiao batch``: run the pipeline over many documents, in parallel, resumably, into DuckDB.

One parent process reads the input (``pipeline.archives``), hashes each document, skips
what the database already holds, and hands the rest to worker processes over a pipe each,
never more than ``prefetch`` per worker: memory stays flat however large the input.  Workers
load the pipeline once and send back finished rows; the parent is the only writer and
commits them in groups, each group one transaction (``pipeline.store``).  A worker that dies
(killed, out of memory) is noticed through its pipe and process sentinel; its documents are
retried on a fresh worker, then marked failed.  The Ray engine runs the same reading and
extraction as Ray Data stages and the driver writes the same tables.
"""
from __future__ import annotations

import logging
import os
import queue
import re
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, fields
from multiprocessing.connection import wait as wait_ready
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .archives import InputError, Item, Limits, Unit, count_items, iter_items, iter_unit_items, plan_units
from .config import load_config
from .limits import DocumentLimits, DocumentTimeout, deadline
from .store import BatchStore, DocResult, ErrorRow, ResultBatch

# ----------------------------------------------------------------------------- one document


def read_item(item: Item):
    """Bytes → ``Document``: text is decoded in memory; other formats go through their reader
    via a private temporary file with a generated name (the member name never touches disk)."""
    from . import reading
    from .doc import Document
    if not item.data:
        raise reading.ReadError(item.name, "empty file (0 bytes)")
    reading._load_format_readers()
    if item.suffix in reading._READERS:
        with tempfile.TemporaryDirectory(prefix="jixiao-item-") as tmp:
            path = Path(tmp) / f"document{item.suffix}"
            path.write_bytes(item.data)
            try:
                doc = reading.read_document(path, max_bytes=len(item.data) + 1)
            except reading.ReadError as exc:
                raise reading.ReadError(item.name, exc.cause) from None
    else:
        text, encoding = reading.decode_text(item.data, item.name)
        if not text.strip():
            raise reading.ReadError(item.name, "no text (only whitespace)")
        doc = Document(id=item.sha256, text=text, encoding=encoding)
    doc.id, doc.source = item.sha256, item.source
    return doc


_YEAR_OF_REPORT = re.compile(r"(20\d\d|19\d\d)\s*年度")
_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")


def title_and_year(text: str) -> tuple[Optional[str], Optional[int]]:
    """First non-empty line (reports open with the agency and report name) and the year of the
    report (first 'NNNN年度', else first 'NNNN年' of the opening lines), to group results in SQL."""
    head = text[:400]
    title = next((line.strip() for line in head.splitlines() if line.strip()), None)
    m = _YEAR_OF_REPORT.search(head) or _YEAR.search(head)
    return (title[:200] if title else None), (int(m.group(1)) if m else None)


def extract_item(nlp, item: Item, limits: DocumentLimits, worker: str = "", attempts: int = 1) -> DocResult:
    """Read and extract one document within ``limits``; any failure becomes a failed ``DocResult``,
    never an exception."""
    base = dict(id=item.sha256, source=item.source, member=item.member, bytes=len(item.data),
                worker=worker, attempts=attempts)
    try:
        with deadline(limits.max_seconds):
            return _extract_item(nlp, item, limits, base)
    except DocumentTimeout:
        return DocResult(status="failed", stage="limit", error=limits.timed_out(), **base)


def _extract_item(nlp, item: Item, limits: DocumentLimits, base: dict) -> DocResult:
    from .output import entity_rows, fact_rows
    from .reading import ReadError
    t0 = time.perf_counter()
    try:
        doc = read_item(item)
    except ReadError as exc:
        return DocResult(status="failed", stage="read", error=exc.cause, **base)
    except Exception as exc:  # a reader bug on one document must not stop the batch
        return DocResult(status="failed", stage="read", error=f"{type(exc).__name__}: {exc}", **base)
    try:
        limits.check_size(doc, item.name)
    except ReadError as exc:
        return DocResult(status="failed", stage="limit", error=exc.cause, encoding=doc.encoding, chars=len(doc.text),
                         **base)
    t1 = time.perf_counter()
    try:
        nlp(doc)
    except Exception as exc:
        return DocResult(status="failed", stage="extract", error=f"{type(exc).__name__}: {exc}",
                         encoding=doc.encoding, chars=len(doc.text), **base)
    t2 = time.perf_counter()
    title, year = title_and_year(doc.text)
    return DocResult(status="ok", encoding=doc.encoding, chars=len(doc.text), pages=len(doc.pages),
                     title=title, report_year=year,
                     read_ms=(t1 - t0) * 1e3, extract_ms=(t2 - t1) * 1e3,
                     entities=entity_rows(doc), facts=fact_rows(doc), **base)


# ----------------------------------------------------------------------------- settings, summary


@dataclass(frozen=True)
class BatchSettings:
    prefetch: int = 2
    message_docs: int = 8
    commit_docs: int = 256
    commit_seconds: float = 2.0
    log_seconds: float = 2.0
    max_attempts: int = 2
    ray_batch_size: int = 16
    unit_items: int = 256

    @classmethod
    def from_config(cls, name: str = "batch") -> "BatchSettings":
        cfg = load_config(name)
        local, ray = cfg.get("local", {}), cfg.get("ray", {})
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in local.items() if k in known}
        values.update({f"ray_{k}" if k == "batch_size" else k: v for k, v in ray.items()})
        return cls(**values)


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

    def count_committed(self, buffer: list, written: list) -> None:
        """Count a commit: what the store wrote, and what it skipped as already done."""
        for r in written:
            if r.status == "ok":
                self.ok += 1
                self.chars += r.chars
            else:
                self.failed += 1
        self.skipped += sum(len(b.docs) for b in buffer) - len(written)

    def line(self) -> str:
        rate = f"{self.ok / self.seconds:.1f} docs/s, {self.chars / self.seconds:,.0f} chars/s" if self.seconds else ""
        return (f"{self.ok} ok, {self.failed + self.input_errors} failed, {self.skipped} skipped"
                + (f", {self.worker_restarts} worker restarts" if self.worker_restarts else "")
                + f"; {self.chars:,} characters in {self.seconds:.1f} s ({rate})"
                + ("; interrupted" if self.interrupted else ""))


class Reporter:
    """Progress: a rich bar (files/s, chars/s, ETA) on a terminal, else a log line every few seconds."""

    def __init__(self, mode: str = "auto", log_seconds: float = 2.0, stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "log"
        self.mode, self.log_seconds = mode, log_seconds
        self.done = self.chars = self.ok = 0
        self.total: Optional[int] = None
        self.t0 = time.perf_counter()
        self._last_log = 0.0
        self._progress = self._task = None
        if mode == "bar":
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            self._progress = Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[rates]}"), TimeRemainingColumn(),
                                      console=Console(file=self.stream), transient=False)
            self._task = self._progress.add_task("batch", total=None, rates="")
            self._progress.start()

    def set_total(self, total: Optional[int]) -> None:
        self.total = total
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def advance(self, n: int = 1, chars: int = 0) -> None:
        self.done += n
        self.chars += chars
        if self._progress is not None:
            dt = max(1e-9, time.perf_counter() - self.t0)
            self._progress.update(self._task, completed=self.done,
                                  rates=f"{self.done / dt:.1f} files/s {self.chars / dt:,.0f} chars/s")
        self._log()

    def committed(self, total_ok: int) -> None:
        self.ok = total_ok
        self._log()

    def _log(self) -> None:
        """In log mode: the first event, then at most one line every ``log_seconds``."""
        now = time.perf_counter()
        if self.mode != "log" or (self._last_log and now - self._last_log < self.log_seconds):
            return
        self._last_log = now
        dt = max(1e-9, now - self.t0)
        of = f"/{self.total}" if self.total is not None else ""
        eta = ""
        if self.total and self.done:
            eta = f", ETA {max(0.0, (self.total - self.done) * dt / self.done):.0f} s"
        print(f"batch: {self.done}{of} done, {self.ok} committed; {self.done / dt:.1f} files/s, "
              f"{self.chars / dt:,.0f} chars/s{eta}", file=self.stream, flush=True)

    def error(self, message: str) -> None:
        """One line per failure, printed above the progress bar when there is one."""
        line = f"jixiao: error: {message}"
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            print(line, file=self.stream, flush=True)

    def failed(self, results) -> None:
        for r in results:
            if r.status != "ok":
                self.error(f"{r.source}{'!' + r.member if r.member is not None else ''}: {r.error}")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


# ----------------------------------------------------------------------------- local engine


def _worker_main(conn, config: Optional[str], name: str, threads: int) -> None:
    """A worker: load the pipeline once, then extract whatever arrives until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides how to stop
    from .language import Pipeline
    try:
        nlp = Pipeline.from_config(config)
    except Exception as exc:  # a broken config or model: the parent stops the run and says why
        conn.send(("cannot load the pipeline", f"{type(exc).__name__}: {exc}"))
        return
    if "torch" in sys.modules:  # the model's threads: the workers share the cores, not multiply them
        sys.modules["torch"].set_num_threads(threads)
    limits = DocumentLimits.from_config()
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        seq, work = msg
        conn.send((seq, ResultBatch.pack([extract_item(nlp, item, limits, name, attempts) for item, attempts in work])))


class _Worker:
    def __init__(self, ctx, config: Optional[str], number: int, threads: int):
        self.name = f"w{number}"
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, config, self.name, threads), daemon=True,
                                name=f"jixiao-batch-{self.name}")
        self.proc.start()
        child.close()
        self.outstanding: dict[int, list[tuple[Item, int]]] = {}
        self.dead = False
        self.ready = False
        # Sending happens on a thread: a large message blocks until the worker reads it, and the
        # worker reads only after sending its previous results, which the main thread must be free to take.
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.feeder = threading.Thread(target=self._feed, daemon=True, name=f"jixiao-feed-{self.name}")
        self.feeder.start()

    def _feed(self) -> None:
        while True:
            msg = self.outbox.get()
            try:
                self.conn.send(msg)
            except (BrokenPipeError, OSError, ValueError):
                return  # the worker is gone; its sentinel tells the main loop
            if msg is None:
                return

    def send(self, msg) -> None:
        self.outbox.put(msg)


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


class PipelineLoadError(RuntimeError):
    """Workers cannot start: retrying documents would only fail them all."""


MAX_STARTUP_DEATHS = 3


class _Source:
    """Items not yet done, in input order, looked up in the store a chunk at a time."""

    def __init__(self, items: Iterator[Item], store: BatchStore, summary: Summary, reporter: Reporter,
                 in_flight: set, chunk: int = 64):
        self.items, self.store, self.summary, self.reporter = items, store, summary, reporter
        self.in_flight, self.chunk = in_flight, chunk
        self.ready: deque[Item] = deque()
        self.exhausted = False

    def next(self) -> Optional[Item]:
        while not self.ready and not self.exhausted:
            batch = []
            for item in self.items:
                batch.append(item)
                if len(batch) >= self.chunk:
                    break
            else:
                self.exhausted = True
            stored = self.store.status_of({i.sha256 for i in batch})
            for item in batch:
                if stored.get(item.sha256) == "ok" or item.sha256 in self.in_flight:
                    self.summary.skipped += 1
                    self.reporter.advance(1)
                else:
                    self.in_flight.add(item.sha256)
                    self.ready.append(item)
        return self.ready.popleft() if self.ready else None


def run_local(items: Iterator[Item], store: BatchStore, workers: int, settings: BatchSettings,
              reporter: Reporter, summary: Summary, pending_errors: list, stop: StopRequest,
              config: Optional[str] = None) -> None:
    """Dispatch items to ``workers`` processes and commit what comes back; survives worker deaths."""
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    in_flight: set[str] = set()
    source = _Source(items, store, summary, reporter, in_flight)
    retry: deque[tuple[Item, int]] = deque()
    buffer: list[ResultBatch] = []
    counter = [0]
    startup_deaths = [0]
    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = [_Worker(ctx, config, i, threads) for i in range(workers)]
    seq = 0
    last_commit = time.perf_counter()

    def commit() -> None:
        nonlocal last_commit
        errors = [ErrorRow(None, e.source, e.member, "input", e.message) for e in pending_errors]
        pending_errors.clear()
        written = store.commit(buffer, errors) if (buffer or errors) else []
        reporter.failed(written)
        summary.count_committed(buffer, written)
        for b in buffer:
            for r in b.docs:
                in_flight.discard(r.id)
        buffer.clear()
        last_commit = time.perf_counter()
        reporter.committed(summary.ok)

    def drain(w: _Worker) -> bool:
        """Take every message waiting on a worker's pipe; False if the pipe is broken."""
        try:
            while w.conn.poll():
                tag, result = w.conn.recv()
                if tag == "ready":
                    w.ready = True
                    startup_deaths[0] = 0
                elif isinstance(tag, str):
                    raise PipelineLoadError(f"workers {tag}: {result}")
                else:
                    w.outstanding.pop(tag, None)
                    buffer.append(result)
                    reporter.advance(len(result.docs), sum(r.chars for r in result.docs if r.status == "ok"))
        except (EOFError, OSError):
            return False
        return True

    def bury(w: _Worker) -> None:
        """A worker died: retry what it held (or give up on it) and start another in its place."""
        if w.dead:
            return
        w.dead = True
        w.proc.join(timeout=5)
        code = w.proc.exitcode
        cause = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        given_up = []
        for item, attempts in (x for work in w.outstanding.values() for x in work):
            if attempts < settings.max_attempts:
                retry.append((item, attempts + 1))
            else:
                given_up.append(DocResult(id=item.sha256, source=item.source, member=item.member, status="failed",
                                          stage="worker", bytes=len(item.data), worker=w.name, attempts=attempts,
                                          error=f"worker process died ({cause}) on each of {attempts} attempts"))
        if given_up:
            buffer.append(ResultBatch.pack(given_up))
            reporter.advance(len(given_up))
        w.outstanding.clear()
        w.conn.close()
        if not w.ready:
            startup_deaths[0] += 1
            if startup_deaths[0] >= MAX_STARTUP_DEATHS:
                raise PipelineLoadError(f"workers die while starting ({cause}), {startup_deaths[0]} times in a row")
        summary.worker_restarts += 1
        counter[0] += 1
        pool[pool.index(w)] = _Worker(ctx, config, workers + counter[0] - 1, threads)

    try:
        while True:
            if stop.requested:
                summary.interrupted = True
                break
            for w in list(pool):
                while not w.dead and len(w.outstanding) < settings.prefetch:
                    work = []
                    while len(work) < settings.message_docs:
                        if retry:
                            work.append(retry.popleft())
                        else:
                            item = source.next()
                            if item is None:
                                break
                            work.append((item, 1))
                    if not work:
                        break
                    seq += 1
                    w.outstanding[seq] = work
                    w.send((seq, work))
            if not any(w.outstanding for w in pool) and not retry and source.exhausted and not source.ready:
                break
            waitables = {}
            for w in pool:
                waitables[w.conn] = w
                waitables[w.proc.sentinel] = w
            timeout = min(0.25, max(0.0, settings.commit_seconds - (time.perf_counter() - last_commit)))
            for ready in wait_ready(list(waitables), timeout=timeout):
                w = waitables[ready]
                if w.dead:
                    continue
                if ready is w.conn:
                    if not drain(w):
                        bury(w)
                elif not w.proc.is_alive():
                    drain(w)  # what it finished before dying is kept; the rest is retried
                    bury(w)
            waiting = sum(len(b.docs) for b in buffer)
            if waiting >= settings.commit_docs or time.perf_counter() - last_commit >= settings.commit_seconds:
                commit()
        commit()
    except KeyboardInterrupt:
        summary.interrupted = True
        commit()
    finally:
        for w in pool:
            if not w.dead:
                w.send(None)
        for w in pool:
            w.proc.join(timeout=2)
            if w.proc.is_alive():
                w.proc.terminate()
                w.proc.join(timeout=2)


# ----------------------------------------------------------------------------- Ray engine


def _read_units_batch(batch: dict, limits: Limits, done_ref) -> Iterator[dict]:
    """Ray task: read the units of a batch, yielding items (or input errors) a block at a time."""
    import ray
    done = ray.get(done_ref) if not isinstance(done_ref, (set, frozenset)) else done_ref
    rows: list[dict] = []
    errors: list[InputError] = []
    for kind, source, paths, start, stop in zip(batch["kind"], batch["source"], batch["paths"], batch["start"],
                                                batch["stop"]):
        unit = Unit(str(kind), str(source), tuple(paths), int(start), int(stop))
        for item in iter_unit_items(unit, limits, errors.append):
            if item.sha256 in done:
                rows.append({"kind": "skipped", "sha256": item.sha256, "source": item.source, "member": item.member,
                             "data": b"", "suffix": "", "error": None})
            else:
                rows.append({"kind": "item", "sha256": item.sha256, "source": item.source, "member": item.member,
                             "data": item.data, "suffix": item.suffix, "error": None})
            rows.extend(_error_rows(errors))
            if len(rows) >= 64:
                yield _columns(rows)
                rows = []
    rows.extend(_error_rows(errors))
    if rows:
        yield _columns(rows)


def _error_rows(errors: list) -> list[dict]:
    out = [{"kind": "error", "sha256": "", "source": e.source, "member": e.member, "data": b"", "suffix": "",
            "error": e.message} for e in errors]
    errors.clear()
    return out


def _columns(rows: list[dict]) -> dict:
    return {k: [r[k] for r in rows] for k in rows[0]}


class RayExtractor:
    """Ray actor: the pipeline loaded once, applied to batches of items; other rows pass through."""

    def __init__(self, config: Optional[str] = None):
        from .language import Pipeline
        self.nlp = Pipeline.from_config(config)
        self.limits = DocumentLimits.from_config()
        self.name = f"ray-{os.getpid()}"
        if "torch" in sys.modules:  # one CPU per actor (num_cpus=1): the model gets one thread
            sys.modules["torch"].set_num_threads(1)

    def __call__(self, batch) -> dict:
        import pickle
        out = {"kind": [], "payload": []}
        results = []
        for row in batch.to_pylist():
            if row["kind"] == "item":
                item = Item(row["source"], row["member"], row["data"], row["suffix"], row["sha256"])
                results.append(extract_item(self.nlp, item, self.limits, self.name))
                continue
            if row["kind"] == "error":
                payload = InputError(row["source"], row["member"], row["error"])
            else:
                payload = row["sha256"]
            out["kind"].append(row["kind"])
            out["payload"].append(pickle.dumps(payload))
        if results:
            out["kind"].append("results")
            out["payload"].append(pickle.dumps(ResultBatch.pack(results)))
        return out


def run_ray(units: list[Unit], store: BatchStore, workers: int, settings: BatchSettings, limits: Limits,
            reporter: Reporter, summary: Summary, stop: StopRequest, address: Optional[str] = None,
            config: Optional[str] = None) -> None:
    """Ray Data: read units in tasks, extract in an actor pool, commit here (the only writer)."""
    import pickle

    import ray
    from ray.data import ActorPoolStrategy
    if not ray.is_initialized():
        quiet = dict(log_to_driver=False, logging_level=logging.WARNING)
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, **quiet)
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    done = frozenset(r[0] for r in store.con.execute("SELECT id FROM documents WHERE status = 'ok'").fetchall())
    done_ref = ray.put(done)
    ds = ray.data.from_items([{"kind": u.kind, "source": u.source, "paths": list(u.paths), "start": u.start,
                               "stop": u.stop} for u in units])
    ds = ds.map_batches(_read_units_batch, batch_size=1, fn_kwargs={"limits": limits, "done_ref": done_ref})
    ds = ds.map_batches(RayExtractor, batch_size=settings.ray_batch_size, batch_format="pyarrow",
                        compute=ActorPoolStrategy(size=workers), num_cpus=1, fn_constructor_args=(config,))
    buffer: list[ResultBatch] = []
    errors: list[ErrorRow] = []

    def commit() -> None:
        written = store.commit(buffer, errors)
        reporter.failed(written)
        summary.count_committed(buffer, written)
        buffer.clear()
        errors.clear()
        reporter.committed(summary.ok)

    def take(batch) -> None:
        for kind, payload in zip(batch.column("kind").to_pylist(), batch.column("payload").to_pylist()):
            obj = pickle.loads(payload)
            if kind == "error":
                summary.input_errors += 1
                reporter.error(str(obj))
                errors.append(ErrorRow(None, obj.source, obj.member, "input", obj.message))
            elif kind == "skipped":
                summary.skipped += 1
                reporter.advance(1)
            else:
                buffer.append(obj)
                reporter.advance(len(obj.docs), sum(r.chars for r in obj.docs if r.status == "ok"))
        if sum(len(b.docs) for b in buffer) >= settings.commit_docs:
            commit()

    try:
        for batch in ds.iter_batches(batch_size=settings.ray_batch_size, batch_format="pyarrow"):
            if stop.requested:
                summary.interrupted = True
                break
            take(batch)
        commit()
    except KeyboardInterrupt:
        summary.interrupted = True
        commit()


# ----------------------------------------------------------------------------- the run


def run_batch(inputs: Iterable[str], db: str | os.PathLike, workers: Optional[int] = None, engine: str = "local",
              address: Optional[str] = None, config: Optional[str] = None, text_column: str = "text",
              progress: str = "auto", to_dataset: Optional[str] = None,
              ) -> Summary:
    """Process INPUTs into the database at ``db``; return the summary of this run."""
    inputs = [str(i) for i in inputs]
    workers = workers or os.cpu_count() or 1
    settings, limits = BatchSettings.from_config(), Limits.from_config()
    summary = Summary()
    reporter = Reporter(progress, settings.log_seconds)
    pending_errors: list[InputError] = []

    def input_error(e: InputError) -> None:
        summary.input_errors += 1
        pending_errors.append(e)
        reporter.error(str(e))
        reporter.advance(1)

    def count_total() -> None:
        total = 0
        for u in plan_units(inputs, lambda e: None, settings.unit_items, text_column, split_zips=False):
            n = count_items(u)
            if n is None:
                return
            total += n
        reporter.set_total(total)

    store = BatchStore(db, **load_config("batch").get("store", {}))
    t0 = time.perf_counter()
    try:
        with StopRequest() as stop:
            if engine == "local":
                threading.Thread(target=count_total, daemon=True).start()
                units = plan_units(inputs, input_error, settings.unit_items, text_column, split_zips=False)
                run_local(iter_items(units, limits, input_error), store, workers, settings, reporter, summary,
                          pending_errors, stop, config)
            elif engine == "ray":
                units = list(plan_units(inputs, input_error, settings.unit_items, text_column))
                count_total()
                if pending_errors:
                    store.commit([], [ErrorRow(None, e.source, e.member, "input", e.message) for e in pending_errors])
                    pending_errors.clear()
                run_ray(units, store, workers, settings, limits, reporter, summary, stop, address, config)
            else:
                raise ValueError(f"unknown engine {engine!r}: use local or ray")
    finally:
        summary.seconds = time.perf_counter() - t0
        reporter.close()
        store.close()
    if to_dataset:
        write_dataset(db, to_dataset)
    return summary


# ----------------------------------------------------------------------------- datasets output

_DATASET_SQL = """
SELECT d.id, d.source, d.member, d.status, d.error, d.chars,
  (SELECT list({'id': e.entity_id, 'start': e.start_char, 'end': e.end_char, 'label': e.label, 'text': e.text,
                'value': e.value, 'unit': e.unit, 'qualifier': e.qualifier} ORDER BY e.start_char, e.end_char)
     FROM entities e WHERE e.doc_id = d.id) AS entities,
  (SELECT list({'entity_id': f.entity_id, 'label': f.label, 'value': f.value, 'unit': f.unit,
                'qualifier': f.qualifier, 'number': f.number_text, 'subject': f.subject, 'project': f.project}
               ORDER BY f.number_start) FROM facts f WHERE f.doc_id = d.id) AS facts
FROM documents d ORDER BY d.source, d.member, d.id
"""


def _dataset_rows(db: str) -> Iterator[dict]:
    import duckdb
    con = duckdb.connect(db, read_only=True)
    try:
        for rb in con.sql(_DATASET_SQL).to_arrow_reader(1024):
            yield from rb.to_pylist()
    finally:
        con.close()


def write_dataset(db: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """Predictions as a Hugging Face dataset (``load_from_disk(out_dir)``): one row per document,
    streamed from the database (rows are never all in memory)."""
    import datasets
    with tempfile.TemporaryDirectory(prefix="jixiao-ds-") as cache:
        ds = datasets.Dataset.from_generator(_dataset_rows, gen_kwargs={"db": str(db)}, cache_dir=cache)
        ds.save_to_disk(str(out_dir))
    return Path(out_dir)
