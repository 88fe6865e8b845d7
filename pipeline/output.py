"""Output: documents as GUIDELINES.md JSONL, and the same rows in a local DuckDB file.

JSONL lines are appended and flushed one document at a time, so a crash never leaves a
half-written line behind a whole one; DuckDB rows for a document are written in one
transaction, replacing any earlier rows of the same document id.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from .doc import Document

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS documents (
  id VARCHAR PRIMARY KEY, source VARCHAR, encoding VARCHAR, chars INTEGER,
  n_entities INTEGER, n_facts INTEGER, status VARCHAR, error VARCHAR
);
CREATE TABLE IF NOT EXISTS entities (
  doc_id VARCHAR, entity_id VARCHAR, label VARCHAR, start_char INTEGER, end_char INTEGER, text VARCHAR,
  value DOUBLE, unit VARCHAR, qualifier VARCHAR, subject VARCHAR, subject_start INTEGER, subject_end INTEGER,
  project VARCHAR, project_start INTEGER, project_end INTEGER, confidence DOUBLE, source VARCHAR, page INTEGER
);
CREATE TABLE IF NOT EXISTS facts (
  doc_id VARCHAR, entity_id VARCHAR, label VARCHAR, value DOUBLE, unit VARCHAR, qualifier VARCHAR,
  number_text VARCHAR, number_start INTEGER, number_end INTEGER,
  subject VARCHAR, subject_start INTEGER, subject_end INTEGER,
  project VARCHAR, project_start INTEGER, project_end INTEGER
);
"""


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


def _span_cols(s) -> tuple:
    return (s.text, s.start, s.end) if s is not None else (None, None, None)


ENTITY_COLUMNS = ("doc_id", "entity_id", "label", "start_char", "end_char", "text", "value", "unit", "qualifier",
                  "subject", "subject_start", "subject_end", "project", "project_start", "project_end",
                  "confidence", "source", "page")
FACT_COLUMNS = ("doc_id", "entity_id", "label", "value", "unit", "qualifier", "number_text", "number_start",
                "number_end", "subject", "subject_start", "subject_end", "project", "project_start", "project_end")


def entity_rows(doc: Document) -> list[tuple]:
    """Rows of the ``entities`` table for a document, in ``ENTITY_COLUMNS`` order."""
    return [(doc.id, e.id, e.label, e.start, e.end, e.text, e.value, e.unit, e.qualifier,
             *_span_cols(e.subject), *_span_cols(e.project), e.confidence, e.source, e.page)
            for e in doc.entities]


def fact_rows(doc: Document) -> list[tuple]:
    """Rows of the ``facts`` table for a document, in ``FACT_COLUMNS`` order."""
    return [(doc.id, f.entity_id, f.label, f.value, f.unit, f.qualifier, *_span_cols(f.number),
             *_span_cols(f.subject), *_span_cols(f.project)) for f in doc.facts]


class JsonlWriter:
    """Appends one document per line; ``done_ids`` lets a rerun skip what is already written."""

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

    def done_ids(self) -> set[str]:
        ids = set()
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    ids.add(json.loads(line)["id"])
                except (json.JSONDecodeError, KeyError):
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


class DuckDBWriter:
    """Tables ``documents``, ``entities``, ``facts``; one transaction per document."""

    def __init__(self, path: str | os.PathLike):
        import duckdb
        self.path = path
        self.con = duckdb.connect(str(path))
        self.con.execute(SCHEMA_SQL)

    def write(self, doc: Document, status: str = "ok", error: Optional[str] = None) -> None:
        import duckdb
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for table, key in (("entities", "doc_id"), ("facts", "doc_id"), ("documents", "id")):
                con.execute(f"DELETE FROM {table} WHERE {key} = ?", [doc.id])
            con.execute("INSERT INTO documents (id, source, encoding, chars, n_entities, n_facts, status, error) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [doc.id, doc.source, doc.encoding, len(doc.text), len(doc.entities), len(doc.facts),
                         status, error])
            if doc.entities:
                con.executemany(f"INSERT INTO entities VALUES ({','.join('?' * len(ENTITY_COLUMNS))})",
                                entity_rows(doc))
            if doc.facts:
                con.executemany(f"INSERT INTO facts VALUES ({','.join('?' * len(FACT_COLUMNS))})", fact_rows(doc))
            con.execute("COMMIT")
        except duckdb.Error as exc:
            rollback(con)
            raise WriteError.of(self.path, exc) from None
        except BaseException:
            rollback(con)
            raise

    def close(self) -> None:
        self.con.close()
