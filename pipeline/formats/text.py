"""Plain text decoded by evidence, never by a silent guess: a BOM, then UTF-16 without BOM when the
bytes hold NULs (in the byte order that reads as text), then strict UTF-8, then strict GB18030 (a
superset of GBK/GB2312), and the result must look like text (few control characters, no U+FFFD).
"""
from __future__ import annotations

import codecs
import os
import re

from ..doc import Document
from .source import ReadError, Source


def read_text(source: Source) -> Document:
    text, encoding = decode_text(source.read_bytes(), source.name)
    if not text.strip():
        raise ReadError(source.name, "no text (only whitespace)")
    return Document(id=source.stem, text=text, encoding=encoding)


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
