"""The batch results database: DuckDB tables documents, entities, facts and errors.

The tables extend those of ``pipeline.output`` (``jixiao extract`` writes the same
entities/facts columns), so one query works on both.  A document's id is the SHA-256 of its
bytes.  ``commit`` writes a group of finished documents in ONE transaction: each document is
in the database with all its entities and facts, or not at all; a document already stored
with status ``ok`` is never written again, so reruns and duplicate inputs cannot double rows.
Only one process (the parent of the workers, or the Ray driver) ever writes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable, Optional

from .output import ENTITY_COLUMNS, FACT_COLUMNS, SCHEMA_SQL, WriteError, rollback

# Columns that batch adds to output.py's ``documents`` table (added in place to an older file).
DOCUMENT_EXTRA_COLUMNS = (
    ("member", "VARCHAR"), ("sha256", "VARCHAR"), ("bytes", "BIGINT"), ("pages", "INTEGER"),
    ("attempts", "INTEGER"), ("read_ms", "DOUBLE"), ("extract_ms", "DOUBLE"), ("worker", "VARCHAR"),
    ("finished_at", "TIMESTAMP"), ("title", "VARCHAR"), ("report_year", "INTEGER"),
)
ERRORS_SQL = """
CREATE TABLE IF NOT EXISTS errors (
  doc_id VARCHAR, source VARCHAR, member VARCHAR, stage VARCHAR, error VARCHAR, logged_at TIMESTAMP
);
"""
TABLES = ("documents", "entities", "facts", "errors")


@dataclass
class DocResult:
    """What a worker found for one document: its ``documents`` row, and its entity/fact rows until packed."""

    id: str
    source: str
    member: Optional[str]
    status: str  # "ok" or "failed"
    error: Optional[str] = None
    stage: Optional[str] = None  # where a failure happened: read, limit, extract, worker
    encoding: Optional[str] = None
    chars: int = 0
    bytes: int = 0
    pages: int = 0
    read_ms: float = 0.0
    extract_ms: float = 0.0
    worker: Optional[str] = None
    attempts: int = 1
    title: Optional[str] = None
    report_year: Optional[int] = None
    n_entities: int = 0
    n_facts: int = 0
    entities: list = field(default_factory=list)
    facts: list = field(default_factory=list)

    def document_row(self) -> dict:
        return {"id": self.id, "source": self.source, "encoding": self.encoding, "chars": self.chars,
                "n_entities": self.n_entities, "n_facts": self.n_facts, "status": self.status,
                "error": self.error, "member": self.member, "sha256": self.id, "bytes": self.bytes,
                "pages": self.pages, "attempts": self.attempts, "read_ms": self.read_ms,
                "extract_ms": self.extract_ms, "worker": self.worker, "title": self.title,
                "report_year": self.report_year}


_STR, _INT, _FLOAT = "string", "int32", "float64"
ENTITY_TYPES = (_STR, _STR, _STR, _INT, _INT, _STR, _FLOAT, _STR, _STR, _STR, _INT, _INT, _STR, _INT, _INT,
                _FLOAT, _STR, _INT)
FACT_TYPES = (_STR, _STR, _STR, _FLOAT, _STR, _STR, _STR, _INT, _INT, _STR, _INT, _INT, _STR, _INT, _INT)


def _rows_table(columns: tuple, types: tuple, rows: list[tuple]):
    import pyarrow as pa
    schema = pa.schema([(c, t) for c, t in zip(columns, types)])
    return pa.table([pa.array([row[i] for row in rows], type=schema.field(i).type) for i in range(len(columns))],
                    schema=schema)


@dataclass
class ResultBatch:
    """Results of several documents with their entity and fact rows as Arrow tables.

    Packed where the work is done (worker process, Ray actor), so the single writer only
    concatenates columns instead of touching every row in Python.
    """

    docs: list[DocResult]
    entities: object  # pyarrow.Table
    facts: object

    @classmethod
    def pack(cls, results: list[DocResult]) -> "ResultBatch":
        ents = _rows_table(ENTITY_COLUMNS, ENTITY_TYPES, [row for r in results for row in r.entities])
        facts = _rows_table(FACT_COLUMNS, FACT_TYPES, [row for r in results for row in r.facts])
        for r in results:
            r.n_entities, r.n_facts = len(r.entities), len(r.facts)
            r.entities, r.facts = [], []
        return cls(results, ents, facts)


@dataclass(frozen=True)
class ErrorRow:
    """An error event: a failed document (doc_id set) or input that never became one (doc_id None)."""

    doc_id: Optional[str]
    source: str
    member: Optional[str]
    stage: str
    error: str


class StoreLockedError(RuntimeError):
    pass


class BatchStore:
    """Single writer of a results database; ``status_of`` tells the scheduler what is done."""

    def __init__(self, path: str | os.PathLike, memory_limit: Optional[str] = None, threads: Optional[int] = None):
        """``memory_limit`` caps DuckDB's buffer pool (else it caches the growing tables, up to 80% of RAM);
        ``threads`` keeps the single writer from competing with the workers for cores."""
        import duckdb
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise StoreLockedError(f"{path}: cannot open for writing (is another jixiao batch using it?): "
                                   f"{str(exc).splitlines()[0]}") from None
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        try:
            self.con.execute(SCHEMA_SQL)
            self.con.execute(ERRORS_SQL)
            for name, typ in DOCUMENT_EXTRA_COLUMNS:
                self.con.execute(f"ALTER TABLE documents ADD COLUMN IF NOT EXISTS {name} {typ}")
        except duckdb.Error as exc:
            self.con.close()
            raise WriteError.of(path, exc) from None

    def status_of(self, ids: Iterable[str]) -> dict[str, str]:
        """Stored status (ok/failed) of those ids that are in the database."""
        ids = list(ids)
        if not ids:
            return {}
        return dict(self.con.execute("SELECT id, status FROM documents WHERE id = ANY(?)", [ids]).fetchall())

    def commit(self, batches: list[ResultBatch], errors: list[ErrorRow] = ()) -> list[DocResult]:
        """Write documents (with their rows) and error events in one transaction; return those written.
        Raises ``WriteError`` if the database cannot be written; it then holds what it held before.

        A result is dropped if its id is already stored as ok (a duplicate input, or a rerun
        racing a finished document); a failed result replaces an earlier failure.
        """
        import duckdb
        import pyarrow as pa
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            unique: dict[str, DocResult] = {}
            for b in batches:
                for r in b.docs:
                    prev = unique.get(r.id)
                    if prev is None or (prev.status != "ok" and r.status == "ok"):
                        unique[r.id] = r
            stored = self.status_of(unique)
            todo = [r for r in unique.values() if stored.get(r.id) != "ok"]
            if todo:
                replaced = [r.id for r in todo if r.id in stored]  # earlier failures: rows to replace
                if replaced:
                    for table, key in (("entities", "doc_id"), ("facts", "doc_id"), ("documents", "id")):
                        con.execute(f"DELETE FROM {table} WHERE {key} = ANY(?)", [replaced])
                self._insert("documents", pa.Table.from_pylist([r.document_row() for r in todo]),
                             extra="now() AS finished_at")
                # rows of the kept results only (a document repeated in the batch keeps one copy)
                keep = {id(r) for r in todo}
                for table in ("entities", "facts"):
                    parts = [getattr(b, table) for b in batches if getattr(b, table).num_rows]
                    if not parts:
                        continue
                    rows = pa.concat_tables(parts)
                    if any(id(r) not in keep for b in batches for r in b.docs):
                        owner = pa.array([i for b in batches for r in b.docs for i in
                                          [id(r) in keep] * (r.n_entities if table == "entities" else r.n_facts)])
                        rows = rows.filter(owner)
                    if rows.num_rows:
                        self._insert(table, rows)
            errs = [ErrorRow(r.id, r.source, r.member, r.stage or "extract", r.error or "")
                    for r in todo if r.status != "ok"] + list(errors)
            if errs:
                cols = [f.name for f in fields(ErrorRow)]
                self._insert("errors", pa.table({c: pa.array([getattr(e, c) for e in errs], pa.string())
                                                 for c in cols}), extra="now() AS logged_at")
            con.execute("COMMIT")
        except duckdb.Error as exc:  # the disk is full, or the file cannot be written
            rollback(con)
            raise WriteError.of(self.path, exc) from None
        except BaseException:
            rollback(con)
            raise
        return todo

    def _insert(self, table: str, data, extra: str = "") -> None:
        self.con.register("_rows", data)
        try:
            select = "*" + (f", {extra}" if extra else "")
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM _rows")
        finally:
            self.con.unregister("_rows")

    def counts(self) -> dict[str, int]:
        out = dict(self.con.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
        for t in ("entities", "facts"):
            out[t] = self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        return out

    def close(self) -> None:
        self.con.close()


EXPORT_FORMATS = {"parquet": ("parquet", "(FORMAT parquet)"), "jsonl": ("jsonl", "(FORMAT json)"),
                  "csv": ("csv", "(FORMAT csv, HEADER true)")}


def export_tables(db: str | os.PathLike, fmt: str, out_dir: str | os.PathLike) -> list[Path]:
    """Write each table of a results database to OUT_DIR/<table>.<fmt>, rows in a stable order."""
    import duckdb
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    ext, options = EXPORT_FORMATS[fmt]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = {"documents": "id", "entities": "doc_id, start_char, end_char, entity_id",
             "facts": "doc_id, number_start, entity_id", "errors": "logged_at, source, member"}
    written = []
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.IOException as exc:
        raise StoreLockedError(f"{db}: cannot open (is a jixiao batch writing to it?): "
                               f"{str(exc).splitlines()[0]}") from None
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in TABLES:
            if table not in present:
                continue
            target = out / f"{table}.{ext}"
            quoted = str(target).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY {order[table]}) TO '{quoted}' {options}")
            written.append(target)
    finally:
        con.close()
    return written
