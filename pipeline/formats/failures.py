"""Any failure inside a format reader becomes a one-line ``ReadError``, so a batch goes on."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

from ..doc import Document
from ..reading import ReadError


def one_line_errors(kind: str) -> Callable:
    def wrap(fn: Callable[[Path], Document]) -> Callable[[Path], Document]:
        @functools.wraps(fn)
        def read(path: Path) -> Document:
            try:
                return fn(path)
            except ReadError:
                raise
            except MemoryError:
                raise ReadError(path, f"{kind} too large to read in memory") from None
            except Exception as exc:
                first = str(exc).splitlines()[0] if str(exc) else ""
                raise ReadError(path, f"cannot read {kind}: {type(exc).__name__}" + (f": {first}" if first else "")) from None
        return read
    return wrap
