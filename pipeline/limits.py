"""Per-document bounds (``configs/limits.yaml``): a document that is too long, or takes too long,
fails alone with a one-line error, and the run goes on with the next one.

The time bound is SIGALRM, so it interrupts pure-Python stages wherever they are; it applies in
a process's main thread (the ``extract`` and ``report`` commands, each ``batch`` worker).
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from .config import load_config
from .doc import Document
from .reading import ReadError


class DocumentTimeout(BaseException):
    """Raised by the alarm inside whatever stage is running; a BaseException so that the broad
    ``except Exception`` of a reader or a component cannot swallow it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"took longer than {seconds:g} s (max_seconds in configs/limits.yaml): stopped")


@dataclass(frozen=True)
class DocumentLimits:
    max_chars: int
    max_seconds: float

    @classmethod
    def from_config(cls, name: str = "limits") -> "DocumentLimits":
        return cls(**load_config(name)["document"])

    def check_size(self, doc: Document, where: str | os.PathLike) -> None:
        """Refuse a document longer than ``max_chars`` before any stage reads it."""
        if len(doc.text) > self.max_chars:
            raise ReadError(where, f"{len(doc.text):,} characters, over the {self.max_chars:,} limit "
                                   "(max_chars in configs/limits.yaml)")


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``DocumentTimeout`` in the block once ``seconds`` have passed (no bound for 0, or off
    the main thread, where signals cannot be delivered)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame) -> None:
        raise DocumentTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_bounded(read: Callable[[], Document], nlp, limits: DocumentLimits, where: str | os.PathLike) -> Document:
    """Read and extract one document within ``limits``; every failure is one ``ReadError`` naming ``where``."""
    try:
        with deadline(limits.max_seconds):
            doc = read()
            limits.check_size(doc, where)
            try:
                return nlp(doc)
            except Exception as exc:  # a bug on one document must not lose the others
                raise ReadError(where, f"extraction failed: {type(exc).__name__}: {exc}") from None
    except DocumentTimeout as exc:
        raise ReadError(where, str(exc)) from None
