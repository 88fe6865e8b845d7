"""Reading: a file on disk, or bytes in memory, → a ``Document`` whose ``text`` is the decoded original.

The reader is chosen by suffix (``pipeline.formats.registry``): DOCX, PDF and images have their own,
anything else is decoded as text (``pipeline.formats.text``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .doc import Document
from .formats.registry import reader, reader_for
from .formats.source import ReadError, Source
from .formats.text import decode_text

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

__all__ = ["ReadError", "Source", "decode_text", "iter_input_files", "read_document", "read_json_records",
           "read_source", "reader", "file_bytes"]


def read_source(source: Source) -> Document:
    """Read one document from bytes or a path (``Source``); raise ``ReadError``."""
    if source.data is not None and not source.data:
        raise ReadError(source.name, "empty file (0 bytes)")
    return reader_for(source.suffix)(source)


def read_document(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one file into a ``Document`` (id = file name without extension); raise ``ReadError``."""
    doc = read_source(Source.from_bytes(file_bytes(Path(path), max_bytes), str(path), Path(path).suffix))
    doc.source = str(path)
    return doc


def file_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes, refused with one line when it is missing, special, empty or too large."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(path, f"cannot open: {exc.strerror or exc}") from None
    if not path.is_file():
        raise ReadError(path, "not a regular file")
    if size == 0:
        raise ReadError(path, "empty file (0 bytes)")
    if size > max_bytes:
        raise ReadError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit (--max-mb)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"cannot read: {exc.strerror or exc}") from None


def read_json_records(path: str | os.PathLike) -> list:
    """The records of a JSON file (one object or a list) or a JSONL file (one object a line)."""
    import json
    raw = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(raw)
        return data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        return [json.loads(line) for line in raw.splitlines() if line.strip()]


def iter_input_files(paths: Iterable[str | os.PathLike], on_error: Callable[[ReadError], None]) -> Iterator[Path]:
    """Files named, and files found under directories named (sorted, recursive, hidden files skipped)."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            def onerror(exc: OSError) -> None:
                on_error(ReadError(exc.filename or raw, f"cannot list directory: {exc.strerror or exc}"))
            for root, dirs, files in os.walk(p, onerror=onerror):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        yield Path(root) / f
        elif p.exists() or p.is_symlink():
            yield p
        else:
            on_error(ReadError(raw, "no such file or directory"))
