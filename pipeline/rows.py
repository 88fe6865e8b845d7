"""The results database's tables, written once: their columns and types, and a document's rows.

``jixiao extract`` and ``jixiao batch`` write the same tables (``pipeline.store``).  Rows are built
where the work is done (a worker process, a Ray actor) and travel as Arrow tables, so the single
writer only concatenates columns.  Until they are written, a document's rows are keyed by its
content hash (``doc_id`` holds the SHA-256); the writer swaps in the document's id.

The tables of checks, indicator rows, budget lines and budget facts are read from what the document
serialises (``Document.to_json``: the fields of ``configs/schema/documents.v1.json``), the contract
the table reader and the checker write to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .doc import Document

SPANS = 'STRUCT("start" INTEGER, "end" INTEGER, "text" VARCHAR)[]'

TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "documents": (
        ("id", "VARCHAR PRIMARY KEY"), ("source", "VARCHAR"), ("member", "VARCHAR"), ("sha256", "VARCHAR"),
        ("encoding", "VARCHAR"), ("chars", "INTEGER"), ("bytes", "BIGINT"), ("pages", "INTEGER"),
        ("n_entities", "INTEGER"), ("n_facts", "INTEGER"), ("status", "VARCHAR"), ("error", "VARCHAR"),
        ("attempts", "INTEGER"), ("read_ms", "DOUBLE"), ("extract_ms", "DOUBLE"), ("worker", "VARCHAR"),
        ("finished_at", "TIMESTAMP"), ("title", "VARCHAR"), ("report_year", "INTEGER"),
    ),
    "entities": (
        ("doc_id", "VARCHAR"), ("entity_id", "VARCHAR"), ("label", "VARCHAR"), ("start_char", "INTEGER"),
        ("end_char", "INTEGER"), ("text", "VARCHAR"), ("value", "DOUBLE"), ("unit", "VARCHAR"),
        ("qualifier", "VARCHAR"), ("subject", "VARCHAR"), ("subject_start", "INTEGER"), ("subject_end", "INTEGER"),
        ("project", "VARCHAR"), ("project_start", "INTEGER"), ("project_end", "INTEGER"), ("confidence", "DOUBLE"),
        ("source", "VARCHAR"), ("page", "INTEGER"),
    ),
    "facts": (
        ("doc_id", "VARCHAR"), ("entity_id", "VARCHAR"), ("label", "VARCHAR"), ("value", "DOUBLE"), ("unit", "VARCHAR"),
        ("qualifier", "VARCHAR"), ("number_text", "VARCHAR"), ("number_start", "INTEGER"), ("number_end", "INTEGER"),
        ("subject", "VARCHAR"), ("subject_start", "INTEGER"), ("subject_end", "INTEGER"),
        ("project", "VARCHAR"), ("project_start", "INTEGER"), ("project_end", "INTEGER"),
    ),
    "checks": (
        ("doc_id", "VARCHAR"), ("check_no", "INTEGER"), ("kind", "VARCHAR"), ("status", "VARCHAR"),
        ("message", "VARCHAR"), ("spans", SPANS),
    ),
    "indicators": (
        ("doc_id", "VARCHAR"), ("row_no", "INTEGER"), ("level1", "VARCHAR"), ("level2", "VARCHAR"),
        ("indicator", "VARCHAR"), ("indicator_start", "INTEGER"), ("indicator_end", "INTEGER"),
        ("target_text", "VARCHAR"), ("target_value", "DOUBLE"), ("target_unit", "VARCHAR"),
        ("target_qualifier", "VARCHAR"), ("actual_text", "VARCHAR"), ("actual_value", "DOUBLE"),
        ("actual_unit", "VARCHAR"), ("actual_qualifier", "VARCHAR"), ("weight", "DOUBLE"), ("score", "DOUBLE"),
        ("deviation", "VARCHAR"),
    ),
    "budget_lines": (
        ("doc_id", "VARCHAR"), ("line_no", "INTEGER"), ("item", "VARCHAR"), ("item_start", "INTEGER"),
        ("item_end", "INTEGER"), ("column_name", "VARCHAR"), ("text", "VARCHAR"), ("value", "DOUBLE"),
        ("unit", "VARCHAR"), ("qualifier", "VARCHAR"), ("start_char", "INTEGER"), ("end_char", "INTEGER"),
    ),
    "budget_facts": (
        ("doc_id", "VARCHAR"), ("fact_no", "INTEGER"), ("role", "VARCHAR"), ("stage", "VARCHAR"), ("year", "INTEGER"),
        ("within", "VARCHAR[]"), ("value", "DOUBLE"), ("unit", "VARCHAR"), ("number_text", "VARCHAR"),
        ("number_start", "INTEGER"), ("number_end", "INTEGER"), ("parts", SPANS),
    ),
    "errors": (
        ("doc_id", "VARCHAR"), ("source", "VARCHAR"), ("member", "VARCHAR"), ("stage", "VARCHAR"),
        ("error", "VARCHAR"), ("logged_at", "TIMESTAMP"),
    ),
}
CHILD_TABLES = ("entities", "facts", "checks", "indicators", "budget_lines", "budget_facts")


def schema_sql() -> str:
    return "\n".join(f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(f'{c} {t}' for c, t in cols)});"
                     for name, cols in TABLES.items())


def columns(table: str) -> tuple[str, ...]:
    return tuple(c for c, _ in TABLES[table])


def arrow_schema(table: str):
    """The Arrow schema of a table's rows, from its SQL types (stamped columns left to the writer)."""
    import pyarrow as pa
    span = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("text", pa.string())])
    types = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
             "VARCHAR[]": pa.list_(pa.string()), SPANS: pa.list_(span)}
    return pa.schema([(c, types[t.replace(" PRIMARY KEY", "")]) for c, t in TABLES[table] if t != "TIMESTAMP"])


# ----------------------------------------------------------------------------- a document's rows


def _span(s) -> tuple:
    """(text, start, end) of a Span, a span dict, or None."""
    if s is None:
        return (None, None, None)
    if isinstance(s, dict):
        return (s["text"], s["start"], s["end"])
    return (s.text, s.start, s.end)


def _spans(spans: list[dict]) -> list[dict]:
    return [{"start": s["start"], "end": s["end"], "text": s["text"]} for s in spans]


def _cell(c: Optional[dict]) -> tuple:
    return (None,) * 4 if not c else (c["text"], c.get("value"), c.get("unit"), c.get("qualifier"))


def child_rows(doc: Document, key: str) -> dict[str, list[tuple]]:
    """The document's rows of every child table, in column order, keyed by ``key``."""
    d = doc.to_json()
    return {
        "entities": [(key, e.id, e.label, e.start, e.end, e.text, e.value, e.unit, e.qualifier, *_span(e.subject),
                      *_span(e.project), e.confidence, e.source, e.page) for e in doc.entities],
        "facts": [(key, f.entity_id, f.label, f.value, f.unit, f.qualifier, *_span(f.number), *_span(f.subject),
                   *_span(f.project)) for f in doc.facts],
        "checks": [(key, i, c["kind"], c["status"], c["message"], _spans(c["spans"]))
                   for i, c in enumerate(d.get("checks", []), 1)],
        "indicators": [(key, i, _span(r.get("level1"))[0], _span(r.get("level2"))[0], *_span(r["indicator"]),
                        *_cell(r.get("target")), *_cell(r.get("actual")), r.get("weight"), r.get("score"),
                        _span(r.get("deviation"))[0]) for i, r in enumerate(d.get("indicators", []), 1)],
        "budget_lines": [(key, i, *_span(b["item"]), column, c["text"], c.get("value"), c.get("unit"),
                          c.get("qualifier"), c["start"], c["end"])
                         for i, b in enumerate(d.get("budget_lines", []), 1) for column, c in b["cells"].items()],
        "budget_facts": [(key, i, b["role"], b["stage"], b.get("year"), list(b.get("within", [])), b["value"],
                          b["unit"], *_span(b["number"]), _spans(b.get("parts", [])))
                         for i, b in enumerate(d.get("budget_facts", []), 1)],
    }


_YEAR_OF_REPORT = re.compile(r"(20\d\d|19\d\d)\s*年度")
_YEAR = re.compile(r"(20\d\d|19\d\d)\s*年")


def title_and_year(text: str) -> tuple[Optional[str], Optional[int]]:
    """First non-empty line (reports open with the agency and report name) and the year of the
    report (first 'NNNN年度', else first 'NNNN年' of the opening lines), to group results in SQL."""
    head = text[:400]
    title = next((line.strip() for line in head.splitlines() if line.strip()), None)
    m = _YEAR_OF_REPORT.search(head) or _YEAR.search(head)
    return (title[:200] if title else None), (int(m.group(1)) if m else None)


@dataclass
class DocResult:
    """One document's ``documents`` row, and its child rows until packed.  ``id`` is empty until
    the writer names the document (``stem``, or ``stem-<hash>`` if another document has that stem)."""

    sha256: str
    stem: str
    source: str
    member: Optional[str]
    status: str  # "ok" or "failed"
    id: str = ""
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
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # rows per child table, once packed

    def document_row(self) -> dict:
        row = {c: getattr(self, c) for c in columns("documents") if c not in ("finished_at", "n_entities", "n_facts")}
        return dict(row, n_entities=self.counts.get("entities", 0), n_facts=self.counts.get("facts", 0))


@dataclass
class ResultBatch:
    """Results of several documents with their child rows as one Arrow table per child table."""

    docs: list[DocResult]
    tables: dict[str, object]  # table name -> pyarrow.Table

    @classmethod
    def pack(cls, results: list[DocResult]) -> "ResultBatch":
        import pyarrow as pa
        tables = {}
        for name in CHILD_TABLES:
            schema = arrow_schema(name)
            rows = [row for r in results for row in r.rows.get(name, ())]
            tables[name] = pa.table([pa.array([row[i] for row in rows], type=schema.field(i).type)
                                     for i in range(len(schema))], schema=schema)
        for r in results:
            r.counts = {name: len(r.rows.get(name, ())) for name in CHILD_TABLES}
            r.rows = {}
        return cls(results, tables)
