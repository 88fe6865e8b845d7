"""The results database: one row per document content, reruns skip, failures retried, export, example SQL."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from batch_corpus import distinct_docs, snapshot, write_docs
from pipeline.batching import run_batch
from pipeline.language import extract
from pipeline.output import DuckDBWriter
from pipeline.store import BatchStore, DocResult, ResultBatch, StoreLockedError, export_tables

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"


def result(doc_id: str, status: str = "ok", text: str = "征收土地33亩") -> DocResult:
    from pipeline.output import entity_rows, fact_rows
    doc = extract(text, doc_id)
    return DocResult(id=doc_id, source="x", member=None, status=status, chars=len(text),
                     entities=entity_rows(doc) if status == "ok" else [],
                     facts=fact_rows(doc) if status == "ok" else [], error=None if status == "ok" else "bad")


def test_a_document_is_stored_once_and_a_failure_is_replaced_by_success(tmp_path):
    store = BatchStore(tmp_path / "r.duckdb")
    store.commit([ResultBatch.pack([result("d1", "failed")])])
    assert store.status_of(["d1", "d2"]) == {"d1": "failed"}
    store.commit([ResultBatch.pack([result("d1"), result("d1")])])
    written = store.commit([ResultBatch.pack([result("d1")])])  # an ok document is never written again
    assert written == []
    store.close()
    snap = snapshot(tmp_path / "r.duckdb")
    assert snap["doc_ids"] == [("d1", 1)] and snap["statuses"] == {"ok": 1}
    assert [(f[2], f[3], f[4]) for f in snap["facts"]] == [("QUANTITY", 33.0, "亩")]
    assert snap["counts_match"] and snap["orphans"] == 0
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    assert con.execute("SELECT doc_id, stage, error FROM errors").fetchall() == [("d1", "extract", "bad")]


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


def test_export_writes_every_table_in_each_format(tmp_path):
    run_batch([str(write_docs(tmp_path / "in", distinct_docs(3)))], tmp_path / "r.duckdb", workers=1,
              progress="none")
    snap = snapshot(tmp_path / "r.duckdb")
    for fmt in ("parquet", "jsonl", "csv"):
        paths = {p.name: p for p in export_tables(tmp_path / "r.duckdb", fmt, tmp_path / fmt)}
        assert set(paths) == {f"{t}.{fmt}" for t in ("documents", "entities", "facts", "errors")}
    assert pq.read_table(tmp_path / "parquet" / "facts.parquet").num_rows == len(snap["facts"])
    lines = (tmp_path / "jsonl" / "entities.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(snap["entities"])
    assert any(json.loads(line)["unit"] == "亩" for line in lines)
    assert (tmp_path / "csv" / "documents.csv").read_text(encoding="utf-8").startswith("id,source,")


def test_extract_database_is_upgraded_in_place_and_still_writable(tmp_path):
    db = tmp_path / "jixiao.duckdb"
    old = DuckDBWriter(db)
    old.write(extract("征收土地33亩", "old"))
    old.close()
    store = BatchStore(db)
    store.commit([ResultBatch.pack([result("new")])])
    store.close()
    again = DuckDBWriter(db)
    again.write(extract("补偿资金284.32万元", "old2"))
    again.close()
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT id FROM documents").fetchall()) == ["new", "old", "old2"]
    assert con.execute("SELECT sha256 FROM documents WHERE id = 'new'").fetchone()[0] == "new"


def test_the_documented_example_sql_totals_mu_per_agency_and_year(tmp_path):
    agency = "沅陵县国有土地上房屋征收服务中心"
    texts = {
        "a.txt": f"{agency}\n2021年度部门整体支出绩效自评报告\n全年完成征收土地33亩，另完成集体土地征收12亩。",
        "b.txt": f"{agency}\n2022年度部门整体支出绩效自评报告\n全年完成征收土地20亩。",
        "c.txt": "怀化市征地事务所\n2021年度部门整体支出绩效自评报告\n完成征地7亩，补偿资金284.32万元。",
    }
    d = tmp_path / "in"
    d.mkdir()
    for name, text in texts.items():
        (d / name).write_text(text, encoding="utf-8")
    run_batch([str(d)], tmp_path / "r.duckdb", workers=1, progress="none")
    guide = (DOCS_DIR / "batch.md").read_text(encoding="utf-8")
    sql = guide.split("<!-- mu-per-agency-year -->")[1].split("```sql")[1].split("```")[0]
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    rows = con.execute(sql).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("怀化市征地事务所", 2021, 7.0),
        ("沅陵县国有土地上房屋征收服务中心", 2021, 45.0),
        ("沅陵县国有土地上房屋征收服务中心", 2022, 20.0),
    ]


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
            BatchStore(db)
        assert str(refused.value).startswith(f"{db}: cannot open for writing") and "\n" not in str(refused.value)
    finally:
        holder.communicate("", timeout=30)
