"""The results database: one row per document content, ids by file stem, reruns skip, failures retried,
the tables of checks, indicators and budget figures, export, a second writer refused."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from batch_corpus import distinct_docs, snapshot, write_docs
from pipeline.batch import BatchSettings, run_batch
from pipeline.api import extract
from pipeline.rows import TABLES, DocResult, ResultBatch, child_rows
from pipeline.store import ResultStore, StoreLockedError, export_tables

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "configs" / "pipeline-rules.yaml")


def store(path) -> ResultStore:
    return ResultStore(path, BatchSettings.load().store)


def result(stem: str, status: str = "ok", text: str = "征收土地33亩") -> DocResult:
    sha = hashlib.sha256(text.encode()).hexdigest()
    rows = child_rows(extract(text, stem), sha) if status == "ok" else {}
    return DocResult(sha256=sha, stem=stem, source="x", member=None, status=status, chars=len(text), rows=rows,
                     error=None if status == "ok" else "bad")


def test_a_document_is_stored_once_and_a_failure_is_replaced_by_success(tmp_path):
    s = store(tmp_path / "r.duckdb")
    s.commit([ResultBatch.pack([result("d1", "failed")])])
    sha = result("d1").sha256
    assert s.status_of([sha, "0" * 64]) == {sha: "failed"}
    s.commit([ResultBatch.pack([result("d1"), result("d1")])])
    written = s.commit([ResultBatch.pack([result("d1")])])  # an ok document is never written again
    assert written == []
    s.close()
    snap = snapshot(tmp_path / "r.duckdb")
    assert snap["doc_ids"] == [("d1", 1)] and snap["statuses"] == {"ok": 1}
    assert [(f[2], f[3], f[4]) for f in snap["facts"]] == [("QUANTITY", 33.0, "亩")]
    assert snap["counts_match"] and snap["orphans"] == 0
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    assert con.execute("SELECT doc_id, stage, error FROM errors").fetchall() == [("d1", "extract", "bad")]


def test_a_document_is_named_by_its_stem_and_other_content_with_that_stem_by_its_hash(tmp_path):
    s = store(tmp_path / "r.duckdb")
    first, other = result("report"), result("report", text="补偿资金284.32万元")
    s.commit([ResultBatch.pack([first])])
    s.commit([ResultBatch.pack([other])])
    s.close()
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    renamed = f"report-{other.sha256[:8]}"
    assert con.execute("SELECT id, sha256 FROM documents ORDER BY id").fetchall() == [
        ("report", first.sha256), (renamed, other.sha256)]
    assert con.execute("SELECT DISTINCT doc_id FROM facts ORDER BY 1").fetchall() == [("report",), (renamed,)]


@pytest.mark.integration  # worker processes
def test_checks_indicators_and_budget_figures_are_tables(tmp_path, seed_paths):
    from pipeline.language import Pipeline
    from pipeline.reading import read_document
    seed = next(p for p in seed_paths if p.name.startswith("004_"))
    run_batch([str(seed)], tmp_path / "r.duckdb", workers=1, progress="none", config=RULES)
    doc = Pipeline.from_config(RULES)(read_document(seed)).to_json()
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    assert con.execute("SELECT id FROM documents").fetchall() == [(seed.stem,)]
    for table in ("checks", "indicators", "budget_facts"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == len(doc[table]) > 0
    cells = sum(len(b["cells"]) for b in doc["budget_lines"])
    assert con.execute("SELECT count(*) FROM budget_lines").fetchone()[0] == cells > 0
    failed = [c for c in doc["checks"] if c["status"] == "fails"]
    rows = con.execute("SELECT kind, message, spans FROM checks WHERE status = 'fails' ORDER BY check_no").fetchall()
    assert [(k, m, [s["text"] for s in spans]) for k, m, spans in rows] == [
        (c["kind"], c["message"], [s["text"] for s in c["spans"]]) for c in failed]
    ind = doc["indicators"][0]
    assert con.execute("SELECT indicator, target_value, target_unit, weight FROM indicators WHERE row_no = 1"
                       ).fetchone() == (ind["indicator"]["text"], ind["target"]["value"], ind["target"]["unit"],
                                        ind["weight"])


@pytest.mark.integration  # worker processes
def test_rerun_skips_done_documents_and_retries_failed_ones(tmp_path):
    docs = distinct_docs(12)
    d = write_docs(tmp_path / "in", docs)
    (d / "broken.txt").write_bytes(b"\xff\xfe\x00\x00garbage\x00\x01\x02" * 10)
    first = run_batch([str(d)], tmp_path / "r.duckdb", workers=2, progress="none")
    assert (first.ok, first.failed) == (12, 1)
    snap1 = snapshot(tmp_path / "r.duckdb")
    second = run_batch([str(d), str(d / docs[0][0])], tmp_path / "r.duckdb", workers=2, progress="none")
    assert (second.ok, second.failed, second.skipped) == (0, 1, 13)
    snap2 = snapshot(tmp_path / "r.duckdb")
    assert snap2 == snap1
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM errors WHERE source LIKE '%broken.txt'").fetchone()[0] == 2


@pytest.mark.integration  # worker processes
def test_export_writes_every_table_in_each_format(tmp_path):
    run_batch([str(write_docs(tmp_path / "in", distinct_docs(3)))], tmp_path / "r.duckdb", workers=1,
              progress="none")
    snap = snapshot(tmp_path / "r.duckdb")
    for fmt in ("parquet", "jsonl", "csv"):
        paths = {p.name: p for p in export_tables(tmp_path / "r.duckdb", fmt, tmp_path / fmt)}
        assert set(paths) == {f"{t}.{fmt}" for t in TABLES}
    assert pq.read_table(tmp_path / "parquet" / "facts.parquet").num_rows == len(snap["facts"])
    lines = (tmp_path / "jsonl" / "entities.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(snap["entities"])
    assert any(json.loads(line)["unit"] == "亩" for line in lines)
    assert (tmp_path / "csv" / "documents.csv").read_text(encoding="utf-8").startswith("id,source,")




OLD_EXTRACT_SCHEMA = """
CREATE TABLE documents (id VARCHAR PRIMARY KEY, source VARCHAR, encoding VARCHAR, chars INTEGER,
  n_entities INTEGER, n_facts INTEGER, status VARCHAR, error VARCHAR);
CREATE TABLE facts (doc_id VARCHAR, entity_id VARCHAR, label VARCHAR, value DOUBLE, unit VARCHAR, qualifier VARCHAR,
  number_text VARCHAR, number_start INTEGER, number_end INTEGER);
INSERT INTO documents VALUES ('old', 'old.txt', 'utf-8', 6, 0, 0, 'ok', NULL);
"""


def test_a_database_of_an_older_version_is_upgraded_in_place_and_still_writable(tmp_path):
    db = tmp_path / "jixiao.duckdb"
    con = duckdb.connect(str(db))
    con.execute(OLD_EXTRACT_SCHEMA)
    con.close()
    s = store(db)
    s.commit([ResultBatch.pack([result("new")])])
    s.close()
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT id FROM documents").fetchall()) == ["new", "old"]
    assert con.execute("SELECT subject, project FROM facts WHERE doc_id = 'new'").fetchall() == [("征收土地", None)]
    assert set(TABLES) <= {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


@pytest.mark.integration  # worker processes
def test_a_second_writer_on_one_database_is_refused_with_one_line(tmp_path):
    import subprocess
    import sys
    db = tmp_path / "r.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreLockedError) as refused:
            store(db)
        assert str(refused.value).startswith(f"{db}: cannot open for writing") and "\n" not in str(refused.value)
    finally:
        holder.communicate("", timeout=30)
