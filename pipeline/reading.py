"""Reading: a file on disk → a ``Document`` whose ``text`` is the decoded original.

Plain text is decoded by evidence, never by a silent guess: a BOM, then UTF-16 without BOM
when the bytes hold NULs (in the byte order that reads as text), then strict UTF-8, then strict
GB18030 (a superset of GBK/GB2312), and the result must look like text (few control
characters, no U+FFFD).  Other formats register a reader by suffix.
"""
from __future__ import annotations

import codecs
import os
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .doc import Document

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_READERS: dict[str, Callable[[Path], Document]] = {}


class ReadError(Exception):
    """A file that cannot be read as a report; ``str()`` is the one-line message for the user."""

    def __init__(self, path: str | os.PathLike, cause: str):
        self.path, self.cause = str(path), " ".join(cause.splitlines())
        super().__init__(f"{path}: {self.cause}")


def reader(*suffixes: str) -> Callable:
    """Register a reader for file suffixes (".docx", ".pdf", ...)."""
    def wrap(fn: Callable[[Path], Document]) -> Callable[[Path], Document]:
        for s in suffixes:
            _READERS[s.lower()] = fn
        return fn
    return wrap


def read_document(path: str | os.PathLike, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one file into a ``Document`` (id = file name without extension); raise ``ReadError``."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ReadError(path, f"cannot open: {exc.strerror or exc}") from None
    if not p.is_file():
        raise ReadError(path, "not a regular file")
    if size == 0:
        raise ReadError(path, "empty file (0 bytes)")
    if size > max_bytes:
        raise ReadError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit (--max-mb)")
    _load_format_readers()
    read = _READERS.get(p.suffix.lower(), read_text_file)
    doc = read(p)
    doc.source = str(path)
    return doc


def read_text_file(p: Path) -> Document:
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError(p, f"cannot read: {exc.strerror or exc}") from None
    text, encoding = decode_text(data, p)
    if not text.strip():
        raise ReadError(p, "no text (only whitespace)")
    return Document(id=p.stem, text=text, encoding=encoding)


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes, where: str | os.PathLike = "<bytes>") -> tuple[str, str]:
    """Decode report bytes; return (text, encoding) or raise ``ReadError`` saying why not."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(enc), where, enc), enc
            except UnicodeDecodeError as exc:
                raise ReadError(where, f"invalid {enc} after its byte-order mark at byte {exc.start}") from None
    if b"\x00" in data:  # never in UTF-8 or GB18030 text; in UTF-16 at every ASCII character
        decoded = _utf16_without_bom(data)
        if decoded is None:
            raise ReadError(where, "binary file (contains NUL bytes), not text")
        text, utf16 = decoded
        return _checked(text, where, utf16), utf16
    try:
        return _checked(data.decode("utf-8"), where, "utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and _is_truncated_utf8(data[exc.start:]):
            raise ReadError(where, f"truncated UTF-8: the file ends inside a character at byte {exc.start}") from None
        utf8_error = exc
    try:
        return _checked(data.decode("gb18030"), where, "gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    raise ReadError(where, f"not UTF-8 (invalid byte 0x{data[utf8_error.start]:02x} at {utf8_error.start}), "
                           "UTF-16 or GB18030/GBK text")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) in the UTF-16 byte order that reads like a report, or None.

    Decoded in the wrong order, ASCII characters become U+3200, U+0A00 ... and most CJK
    characters leave the CJK block, so the right order is the one whose characters are
    nearly all CJK, CJK punctuation, full-width forms or ASCII."""
    if len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:100_000]
        share = len(_REPORT_CHAR.findall(sample)) / max(1, len(sample))
        if share >= _UTF16_MIN_SHARE and (best is None or share > best[0]):
            best = (share, text, encoding)
    return best[1:] if best else None


_REPORT_CHAR = re.compile(r"[\t\n\r\x20-\x7e\u00b7\u2014\u2018-\u201d\u2026\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_UTF16_MIN_SHARE = 0.9


def _is_truncated_utf8(tail: bytes) -> bool:
    first = tail[0]
    need = 2 if first >> 5 == 0b110 else 3 if first >> 4 == 0b1110 else 4 if first >> 3 == 0b11110 else 0
    return need > len(tail) and all(b >> 6 == 0b10 for b in tail[1:])


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_RARE = re.compile(r"[\u0100-\u024f\u0370-\u03ff\u0400-\u04ff\ue000-\uf8ff\u2500-\u257f\u3400-\u4dbf]")


def _checked(text: str, where, enc: str) -> str:
    """Reject decodings that are not plausible report text (mojibake, binary, replacement chars)."""
    sample = text[:200_000]
    n = max(1, len(sample))
    if "\ufffd" in sample:
        raise ReadError(where, f"decodes as {enc} only with replacement characters (U+FFFD): damaged text")
    if len(_CONTROL.findall(sample)) > 0.01 * n:
        raise ReadError(where, f"binary content: too many control characters when read as {enc}")
    rare = len(_RARE.findall(sample))
    if rare > 0.05 * n and rare > len(_CJK.findall(sample)) * 0.2:
        raise ReadError(where, f"looks like mojibake when read as {enc} (many Latin-extended/Cyrillic/box characters)")
    return text


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


def _load_format_readers() -> None:
    """Import optional format readers (DOCX, PDF, images) that register themselves."""
    try:
        from . import formats  # noqa: F401
    except ImportError:
        pass
