"""Readers by file suffix: ``reader_for(".pdf")`` gives the function that turns a ``Source`` into a
``Document``.  The built-in readers are imported only when a file of their kind is read; a user adds
one for another format with ``@reader(".odt")``."""
from __future__ import annotations

import importlib
from typing import Callable

from ..doc import Document
from .source import Source

Reader = Callable[[Source], Document]

# suffix -> "module:function" of this package; plain text is the reader of every other suffix
_BUILTIN = {
    ".docx": "word:read_docx",
    ".pdf": "pdf:read_pdf",
    **{s: "images:read_image" for s in (".png", ".jpg", ".jpeg", ".tif", ".tiff")},
}
_TEXT = "text:read_text"
_REGISTERED: dict[str, Reader] = {}


def reader(*suffixes: str) -> Callable[[Reader], Reader]:
    """Register a reader for file suffixes; it takes a ``Source`` and returns a ``Document`` or raises
    ``ReadError``.  A registered reader replaces the built-in one of its suffix."""
    def wrap(fn: Reader) -> Reader:
        for s in suffixes:
            _REGISTERED[s.lower()] = fn
        return fn
    return wrap


def reader_for(suffix: str) -> Reader:
    suffix = suffix.lower()
    if suffix in _REGISTERED:
        return _REGISTERED[suffix]
    module, name = _BUILTIN.get(suffix, _TEXT).split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def suffixes() -> list[str]:
    """Suffixes with a reader of their own (anything else is read as text)."""
    return sorted(set(_BUILTIN) | set(_REGISTERED))
