"""What every reader takes and what every reader raises: a ``Source`` (bytes, or a path to read them
from) and a one-line ``ReadError``.  No other module of the package is imported here, so readers and
``pipeline.reading`` both build on it without importing each other."""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Optional


class ReadError(Exception):
    """A file that cannot be read as a report; ``str()`` is the one-line message for the user."""

    def __init__(self, path: str | os.PathLike, cause: str):
        self.path, self.cause = str(path), " ".join(cause.splitlines())
        super().__init__(f"{path}: {self.cause}")


@dataclass(frozen=True)
class Source:
    """A document to read: its bytes in memory (an archive member, a upload) or a file on disk.

    ``name`` is what messages say (a path, ``archive.zip!member.pdf``); ``suffix`` picks the reader."""

    name: str
    data: Optional[bytes] = None
    path: Optional[Path] = None
    suffix: str = ""

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> "Source":
        p = Path(path)
        return cls(str(path), path=p, suffix=p.suffix.lower())

    @classmethod
    def from_bytes(cls, data: bytes, name: str, suffix: Optional[str] = None) -> "Source":
        return cls(name, data=data, suffix=(suffix if suffix is not None else PurePath(name).suffix).lower())

    @property
    def stem(self) -> str:
        """The file name without its extension (of the member, for an archive member)."""
        return PurePath(self.name.replace("\\", "/").rsplit("!", 1)[-1].lstrip("/")).stem or self.name

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise ReadError(self.name, f"cannot read: {exc.strerror or exc}") from None

    def open(self) -> BinaryIO:
        """A binary file object over the document (in memory, or the file itself)."""
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")
