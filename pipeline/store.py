"""The results database (DuckDB): the tables of ``pipeline.rows``, written by one process.

``commit`` writes a group of finished documents in ONE transaction: each document is in the
database with all its rows, or not at all.  A document is known by its content (``sha256``): one
already stored with status ``ok`` is never written again, so reruns and duplicate inputs cannot
double rows, and a failure is replaced when the document later succeeds.  Its ``id`` is its file
stem, or ``stem-<first 8 hex of its hash>`` when another document already has that stem.
Only one process (``jixiao extract``, the parent of the batch workers, or the Ray driver) writes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Iterable, Optional

from .choices import ExportFormat
from .output import WriteError, rollback
from .rows import CHILD_TABLES, TABLES, DocResult, ResultBatch, schema_sql


@dataclass(frozen=True)
class StoreSettings:
    """DuckDB in the writing process, and how finished documents are grouped into commits (configs/batch.yaml)."""

    memory_limit: Optional[str]
    threads: Optional[int]
    commit_docs: int
    commit_seconds: float


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


def document_ids(results: Iterable[DocResult], owner_of: Callable[[list[str]], dict[str, str]]) -> None:
    """Name each result without an id: its stem, or ``stem-<hash8>`` when ``owner_of`` (id -> sha256 of
    the documents that already have those ids) or an earlier result gives the stem to other content."""
    results = [r for r in results if not r.id]
    taken = owner_of(sorted({r.stem for r in results} | {f"{r.stem}-{r.sha256[:8]}" for r in results}))
    for r in results:
        r.id = r.stem if taken.get(r.stem, r.sha256) == r.sha256 else f"{r.stem}-{r.sha256[:8]}"
        taken[r.id] = r.sha256


class ResultStore:
    """Single writer of a results database; ``status_of`` tells the scheduler what is done."""

    def __init__(self, path: str | os.PathLike, settings: StoreSettings):
        """``memory_limit`` caps DuckDB's buffer pool (else it caches the growing tables, up to 80% of RAM);
        ``threads`` keeps the single writer from competing with the workers for cores."""
        import duckdb
        self.path, self.settings = path, settings
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise StoreLockedError(f"{path}: cannot open for writing (is another jixiao run using it?): "
                                   f"{str(exc).splitlines()[0]}") from None
        if settings.memory_limit:
            self.con.execute(f"SET memory_limit = '{settings.memory_limit}'")
        if settings.threads:
            self.con.execute(f"SET threads = {int(settings.threads)}")
        try:
            self.con.execute(schema_sql())
            self._add_missing_columns()
        except duckdb.Error as exc:
            self.con.close()
            raise WriteError.of(path, exc) from None

    def _add_missing_columns(self) -> None:
        """A database written by an older version gets the columns it lacks, in place."""
        for table, cols in TABLES.items():
            for name, typ in cols:
                if "PRIMARY KEY" not in typ:
                    self.con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {typ}")

    def status_of(self, hashes: Iterable[str]) -> dict[str, str]:
        """Stored status (ok/failed) of those content hashes that are in the database."""
        hashes = list(hashes)
        if not hashes:
            return {}
        return dict(self.con.execute("SELECT sha256, status FROM documents WHERE sha256 = ANY(?)", [hashes]).fetchall())

    def owners(self, ids: list[str]) -> dict[str, str]:
        """id -> sha256 of the stored documents among ``ids``."""
        return dict(self.con.execute("SELECT id, sha256 FROM documents WHERE id = ANY(?)", [ids]).fetchall()) if ids else {}

    def done(self) -> frozenset[str]:
        """The content hashes stored with status ok."""
        return frozenset(r[0] for r in self.con.execute("SELECT sha256 FROM documents WHERE status = 'ok'").fetchall())

    def commit(self, batches: list[ResultBatch], errors: Iterable[ErrorRow] = ()) -> list[DocResult]:
        """Write documents (with their rows) and error events in one transaction; return those written,
        named.  Raises ``WriteError`` if the database cannot be written; it then holds what it held before.

        A result is dropped if its content is already stored as ok (a duplicate input, or a rerun
        racing a finished document); a failed result replaces an earlier failure.
        """
        import duckdb
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            todo = self._new_results(batches)
            if todo:
                self._write(batches, todo)
            errs = [ErrorRow(r.id, r.source, r.member, r.stage or "extract", r.error or "")
                    for r in todo if r.status != "ok"] + list(errors)
            if errs:
                import pyarrow as pa
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

    def _new_results(self, batches: list[ResultBatch]) -> list[DocResult]:
        """One result per content hash (an ok one if any), leaving out what is stored as ok;
        earlier failures of the same content are deleted, to be replaced."""
        unique: dict[str, DocResult] = {}
        for b in batches:
            for r in b.docs:
                prev = unique.get(r.sha256)
                if prev is None or (prev.status != "ok" and r.status == "ok"):
                    unique[r.sha256] = r
        stored = self.status_of(unique)
        todo = [r for r in unique.values() if stored.get(r.sha256) != "ok"]
        replaced = [r.sha256 for r in todo if r.sha256 in stored]
        if replaced:
            ids = [i for (i,) in self.con.execute("SELECT id FROM documents WHERE sha256 = ANY(?)",
                                                   [replaced]).fetchall()]
            for table in CHILD_TABLES:
                self.con.execute(f"DELETE FROM {table} WHERE doc_id = ANY(?)", [ids])
            self.con.execute("DELETE FROM documents WHERE id = ANY(?)", [ids])
        document_ids(todo, self.owners)
        return todo

    def _write(self, batches: list[ResultBatch], todo: list[DocResult]) -> None:
        """The documents rows, then each child table's rows of the kept results under their ids."""
        import pyarrow as pa
        self._insert("documents", pa.Table.from_pylist([r.document_row() for r in todo]),
                     extra="now() AS finished_at")
        keep = {id(r) for r in todo}
        ids = pa.table({"sha256": [r.sha256 for r in todo], "id": [r.id for r in todo]})
        for table in CHILD_TABLES:
            parts = [b.tables[table] for b in batches if b.tables[table].num_rows]
            if not parts:
                continue
            rows = pa.concat_tables(parts)
            if any(id(r) not in keep for b in batches for r in b.docs):  # a repeated document keeps one copy
                owner = [id(r) in keep for b in batches for r in b.docs for _ in range(r.counts.get(table, 0))]
                rows = rows.filter(pa.array(owner))
            if rows.num_rows:
                self.con.register("_ids", ids)
                try:
                    self._insert(table, rows, select="_ids.id AS doc_id, _rows.* EXCLUDE (doc_id)",
                                 join="JOIN _ids ON _rows.doc_id = _ids.sha256")
                finally:
                    self.con.unregister("_ids")

    def _insert(self, table: str, data, extra: str = "", select: str = "_rows.*", join: str = "") -> None:
        self.con.register("_rows", data)
        try:
            self.con.execute(f"INSERT INTO {table} BY NAME SELECT {select}{', ' + extra if extra else ''} "
                             f"FROM _rows {join}")
        finally:
            self.con.unregister("_rows")

    def close(self) -> None:
        self.con.close()


EXPORT_FORMATS = {ExportFormat.parquet: ("parquet", "(FORMAT parquet)"), ExportFormat.jsonl: ("jsonl", "(FORMAT json)"),
                  ExportFormat.csv: ("csv", "(FORMAT csv, HEADER true)")}
_ORDER = {"documents": "id", "entities": "doc_id, start_char, end_char, entity_id",
          "facts": "doc_id, number_start, entity_id", "checks": "doc_id, check_no", "indicators": "doc_id, row_no",
          "budget_lines": "doc_id, line_no, column_name", "budget_facts": "doc_id, fact_no",
          "errors": "logged_at, source, member"}


def connect_read_only(db: str | os.PathLike):
    import duckdb
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.IOException as exc:
        raise StoreLockedError(f"{db}: cannot open (is a jixiao run writing to it?): "
                               f"{str(exc).splitlines()[0]}") from None


def export_tables(db: str | os.PathLike, fmt: ExportFormat | str, out_dir: str | os.PathLike) -> list[Path]:
    """Write each table of a results database to OUT_DIR/<table>.<fmt>, rows in a stable order."""
    ext, options = EXPORT_FORMATS[ExportFormat(fmt)]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    con = connect_read_only(db)
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in TABLES:
            if table not in present:
                continue
            target = out / f"{table}.{ext}"
            quoted = str(target).replace("'", "''")
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY {_ORDER[table]}) TO '{quoted}' {options}")
            written.append(target)
    finally:
        con.close()
    return written
