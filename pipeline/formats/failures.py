"""Any failure inside a format reader becomes a one-line ``ReadError``, so a batch goes on."""
from __future__ import annotations

import functools
from typing import Callable

from ..doc import Document
from .source import ReadError, Source


def one_line_errors(kind: str) -> Callable:
    def wrap(fn: Callable[[Source], Document]) -> Callable[[Source], Document]:
        @functools.wraps(fn)
        def read(source: Source) -> Document:
            try:
                return fn(source)
            except ReadError:
                raise
            except MemoryError:
                raise ReadError(source.name, f"{kind} too large to read in memory") from None
            except Exception as exc:
                first = str(exc).splitlines()[0] if str(exc) else ""
                raise ReadError(source.name, f"cannot read {kind}: {type(exc).__name__}" + (f": {first}" if first else "")) from None
        return read
    return wrap
