"""Output: documents as GUIDELINES.md JSONL (the DuckDB tables are ``pipeline.store``'s).

JSONL lines are appended and flushed one document at a time, so a crash never leaves a
half-written line behind a whole one.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from .doc import Document


class WriteError(RuntimeError):
    """The output cannot be written (disk full, read-only file system): the run stops with one line.
    What was written before stays whole: a cut JSONL line is dropped on the next run, and a DuckDB
    transaction that fails is rolled back."""

    @classmethod
    def of(cls, path: str | os.PathLike, exc: BaseException) -> "WriteError":
        cause = getattr(exc, "strerror", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        return cls(f"{path}: cannot write: {cause}; what was written before is kept: free space and rerun to continue")


def rollback(con) -> None:
    """End a failed DuckDB transaction (a failed COMMIT has already ended it)."""
    import duckdb
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


class JsonlWriter:
    """Appends one document per line; ``written`` lets a rerun skip what is already there."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_partial_last_line()
        self._f = open(self.path, "a", encoding="utf-8")

    def _drop_partial_last_line(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            with open(self.path, "r+b") as f:
                f.truncate(cut)

    def written(self) -> dict[str, Optional[str]]:
        """id -> content hash (``sha256``) of the documents already in the file."""
        ids: dict[str, Optional[str]] = {}
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    d = json.loads(line)
                    ids[d["id"]] = d.get("sha256")
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue
        return ids

    def write(self, doc: Document) -> None:
        try:
            self._f.write(json.dumps(doc.to_json(), ensure_ascii=False) + "\n")
            self._f.flush()
            os.fsync(self._f.fileno())
        except OSError as exc:
            raise WriteError.of(self.path, exc) from None

    def close(self) -> None:
        self._f.close()
