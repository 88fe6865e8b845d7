"""Per-document bounds (``configs/limits.yaml``): a document that is too long, or takes too long,
fails alone with a one-line error, and the run goes on with the next one.

The time bound raises an exception in the thread that runs the document, wherever its Python code
is (any thread: a local worker's main thread, a Ray actor's thread); a native call (an OCR page,
a model's forward pass) is stopped when it returns.
"""
from __future__ import annotations

import ctypes
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from .config import settings
from .doc import Document
from .formats.source import ReadError


class DocumentTimeout(BaseException):
    """Raised inside whatever stage is running when a document's time is up; a BaseException so that
    the broad ``except Exception`` of a reader or a component cannot swallow it."""


@dataclass(frozen=True)
class DocumentLimits:
    max_chars: int
    max_seconds: float

    @classmethod
    def from_config(cls, name: str = "limits") -> "DocumentLimits":
        return settings(cls, name, "document")

    def check_size(self, doc: Document, where: str | os.PathLike) -> None:
        """Refuse a document longer than ``max_chars`` before any stage reads it."""
        if len(doc.text) > self.max_chars:
            raise ReadError(where, f"{len(doc.text):,} characters, over the {self.max_chars:,} limit "
                                   "(max_chars in configs/limits.yaml)")

    def timed_out(self) -> str:
        return f"took longer than {self.max_seconds:g} s (max_seconds in configs/limits.yaml): stopped"


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Have ``exc`` raised in another thread at its next Python instruction (None: take it back)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``DocumentTimeout`` in the block once ``seconds`` have passed (no bound for 0)."""
    if seconds <= 0:
        yield
        return
    target, lock, state = threading.get_ident(), threading.Lock(), {"done": False, "fired": False}

    def expire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                _raise_in(target, DocumentTimeout)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["fired"]:  # fired as the block ended: never let it land in the caller
                _raise_in(target, None)
