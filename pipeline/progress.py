"""Progress of a long command: a rich bar (files/s, chars/s, ETA) on a terminal; off one, a log line at
most every ``log_seconds`` (configs/progress.yaml), and only when something moved since the last one."""
from __future__ import annotations

import sys
import time
from typing import Iterable, Optional

from .choices import ProgressMode


def log_seconds() -> float:
    from .config import load_config
    return float(load_config("progress")["log_seconds"])


class Reporter:
    """Counts documents done (and committed) for one command, ``what`` (extract, batch, evaluate...)."""

    def __init__(self, what: str, mode: ProgressMode | str = ProgressMode.auto, stream=None,
                 every: Optional[float] = None):
        self.what, self.stream = what, stream or sys.stderr
        mode = ProgressMode(mode)
        if mode is ProgressMode.auto:
            mode = ProgressMode.bar if self.stream.isatty() else ProgressMode.log
        self.mode = mode
        self.every = log_seconds() if every is None and mode is ProgressMode.log else (every or 0.0)
        self.done = self.chars = self.committed_ok = 0
        self.total: Optional[int] = None
        self.t0 = time.perf_counter()
        self._last_log: Optional[float] = None
        self._logged_state: Optional[tuple] = None
        self._progress = self._task = None
        if mode is ProgressMode.bar:
            self._start_bar()

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        self._progress = Progress(TextColumn(self.what), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[rates]}"), TimeRemainingColumn(),
                                  console=Console(file=self.stream), transient=False)
        self._task = self._progress.add_task(self.what, total=None, rates="")
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
        self.committed_ok = total_ok
        self._log()

    def _log(self, final: bool = False) -> None:
        """In log mode: a line when the counts moved, at most one every ``every`` seconds (and a last one)."""
        if self.mode is not ProgressMode.log:
            return
        now = time.perf_counter()
        state = (self.done, self.committed_ok, self.total)
        if state == self._logged_state or (not final and self._last_log is not None
                                           and now - self._last_log < self.every):
            return
        self._last_log, self._logged_state = now, state
        dt = max(1e-9, now - self.t0)
        of = f"/{self.total}" if self.total is not None else ""
        eta = ""
        if self.total and self.done:
            eta = f", ETA {max(0.0, (self.total - self.done) * dt / self.done):.0f} s"
        print(f"{self.what}: {self.done}{of} done, {self.committed_ok} committed; {self.done / dt:.1f} files/s, "
              f"{self.chars / dt:,.0f} chars/s{eta}", file=self.stream, flush=True)

    def error(self, message: str) -> None:
        """One line per failure, printed above the progress bar when there is one."""
        line = f"jixiao: error: {message}"
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            print(line, file=self.stream, flush=True)

    def failed(self, results: Iterable) -> None:
        for r in results:
            if r.status != "ok":
                self.error(f"{r.source}{'!' + r.member if r.member is not None else ''}: {r.error}")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        elif self.done:
            self._log(final=True)
