"""The local engine: worker processes on this machine.

The parent reads the input (``pipeline.archives``), skips what the database already holds, and
hands the rest to worker processes over a pipe each, never more than ``prefetch`` messages per
worker: memory stays flat however large the input.  Workers load the pipeline once and send back
packed rows; the parent is the only writer.  A worker that dies (killed, out of memory) is noticed
through its pipe and process sentinel; its documents are retried on a fresh worker, then marked failed.
"""
from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from multiprocessing.connection import wait as wait_ready
from typing import Iterable, Iterator, Optional

from ..archives import Item, Unit, iter_items
from ..limits import DocumentLimits
from ..progress import Reporter
from ..rows import DocResult, ResultBatch
from ..store import ResultStore
from .read import extract_items
from .run import BatchSettings, Committer, PipelineLoadError, StopRequest, Summary


def _exit_with_parent(parent: int) -> None:
    """An orphaned worker (its parent killed) stops at once, not after the documents in hand."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _worker_main(conn, config: Optional[str], name: str, threads: int) -> None:
    """A worker: load the pipeline once, then extract whatever arrives until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides how to stop
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    from ..language import Pipeline
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
        conn.send((seq, ResultBatch.pack([r for r, _ in extract_items(nlp, work, limits, name)])))


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


MAX_STARTUP_DEATHS = 3


class _Source:
    """Items not yet done, in input order, looked up in the store a chunk at a time."""

    def __init__(self, items: Iterator[Item], store: ResultStore, summary: Summary, reporter: Reporter,
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


def run_local(units: Iterable[Unit], committer: Committer, workers: int, s: BatchSettings, stop: StopRequest,
              config: Optional[str | dict] = None) -> None:
    """Dispatch items to ``workers`` processes and commit what comes back; survives worker deaths."""
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    settings, summary, reporter = s.local, committer.summary, committer.reporter
    in_flight: set[str] = set()
    items = iter_items(units, s.limits, committer.input_error)
    source = _Source(items, committer.store, summary, reporter, in_flight)
    retry: deque[tuple[Item, int]] = deque()
    counter = [0]
    startup_deaths = [0]
    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = [_Worker(ctx, config, i, threads) for i in range(workers)]
    seq = 0

    def commit() -> None:
        done = [r.sha256 for b in committer.buffer for r in b.docs]
        committer.commit()
        in_flight.difference_update(done)

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
                    committer.add(result)
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
                given_up.append(DocResult(sha256=item.sha256, stem=item.stem, source=item.source,
                                          member=item.member, status="failed",
                                          stage="worker", bytes=len(item.data), worker=w.name, attempts=attempts,
                                          error=f"worker process died ({cause}) on each of {attempts} attempts"))
        if given_up:
            committer.add(ResultBatch.pack(given_up))
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
            timeout = min(0.25, committer.seconds_left())
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
            if committer.due():
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
