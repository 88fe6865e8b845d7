"""`jixiao extract`: the main job, its output schema, its errors and its resume."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from batch_corpus import long_line_report

ROOT = Path(__file__).resolve().parent.parent
RULES = "configs/pipeline-rules.yaml"
pytestmark = pytest.mark.integration  # each test runs the command in a subprocess


def run_jixiao(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=600)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    proc = run_jixiao("extract", ROOT / "samples" / "reports", "-o", out)
    return proc, out


def test_main_job_writes_guideline_jsonl_and_duckdb(sample_run):
    proc, out = sample_run
    assert proc.returncode == 0, proc.stderr
    docs = read_jsonl(out / "documents.jsonl")
    assert sorted(d["id"] for d in docs) == sorted(p.stem for p in (ROOT / "samples" / "reports").glob("*.txt"))
    for d in docs:
        assert d["source"].endswith(d["id"] + ".txt")
        original = Path(d["source"]).read_text(encoding="utf-8")
        assert d["text"] == original
        assert d["entities"], d["id"]
    # The output passes the same checker as the gold files (GUIDELINES.md section 1).
    check = subprocess.run([sys.executable, ROOT / "annotations" / "verify_gold.py", out / "documents.jsonl"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    con = duckdb.connect(str(out / "jixiao.duckdb"), read_only=True)
    n_docs = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
    n_ents = con.execute("SELECT count(*) FROM entities").fetchall()[0][0]
    money = con.execute("SELECT sum(value) FROM entities WHERE label='MONEY' AND text='284.32万元'").fetchall()[0][0]
    con.close()
    assert n_docs == len(docs)
    assert n_ents == sum(len(d["entities"]) for d in docs)
    assert money and money % 2843200.0 == 0


def test_bad_files_fail_alone_with_one_line_each_and_exit_status(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    good = (ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt").read_text(encoding="utf-8")
    (inp / "good.txt").write_text(good, encoding="utf-8")
    (inp / "gbk.txt").write_bytes(good.encode("gbk"))
    (inp / "empty.txt").write_bytes(b"")
    (inp / "binary.txt").write_bytes(os.urandom(4096))
    (inp / "truncated.txt").write_bytes((good + "。").encode()[:-1])
    (inp / "dangling.txt").symlink_to(inp / "gone.txt")
    out = tmp_path / "out"
    proc = run_jixiao("extract", inp, "-o", out)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("jixiao: error:")]
    named = {Path(line.split(": ")[2]).name for line in errors}
    assert named == {"empty.txt", "binary.txt", "truncated.txt", "dangling.txt"}, proc.stderr
    ids = sorted(d["id"] for d in read_jsonl(out / "documents.jsonl"))
    assert ids == ["gbk", "good"]
    gbk, utf8 = sorted(read_jsonl(out / "documents.jsonl"), key=lambda d: d["id"])
    assert [e["text"] for e in gbk["entities"]] == [e["text"] for e in utf8["entities"]]


def test_rerun_resumes_without_duplicates_and_repairs_a_cut_line(tmp_path, sample_run):
    _, first = sample_run
    out = tmp_path / "out"
    out.mkdir()
    lines = (first / "documents.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    # as if the previous run died while writing its third document
    (out / "documents.jsonl").write_text("".join(lines[:2]) + lines[2][: len(lines[2]) // 2], encoding="utf-8")
    proc = run_jixiao("extract", ROOT / "samples" / "reports", "-o", out, "--no-duckdb")
    assert proc.returncode == 0, proc.stderr
    assert "2 already done" in proc.stderr
    docs = read_jsonl(out / "documents.jsonl")
    assert len(docs) == len({d["id"] for d in docs}) == len(lines)


def test_every_fact_names_the_entity_it_was_built_from(sample_run):
    _, out = sample_run
    for d in read_jsonl(out / "documents.jsonl"):
        by_id = {e["id"]: e for e in d["entities"]}
        for f in d["facts"]:
            e = by_id[f["entity_id"]]
            assert (e["start"], e["end"], e["value"]) == (f["number"]["start"], f["number"]["end"], f["value"])


@pytest.mark.slow
def test_case01_symlink_loop_in_input_dir_is_one_error_line(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").symlink_to(inp / "b.txt")
    (inp / "b.txt").symlink_to(inp / "a.txt")
    (inp / "c.txt").write_text((ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt").read_text(encoding="utf-8"),
                               encoding="utf-8")
    proc = run_jixiao("extract", inp, "-o", tmp_path / "out", "--config", "configs/pipeline-rules.yaml")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("jixiao: error:")]
    assert errors == [f"jixiao: error: {inp / name}: cannot open: Too many levels of symbolic links"
                      for name in ("a.txt", "b.txt")]
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")] == ["c"]


def configs_with_limits(tmp_path: Path, **document) -> Path:
    """A copy of configs/ whose per-document limits are changed."""
    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    cfg = yaml.safe_load((configs / "limits.yaml").read_text(encoding="utf-8"))
    cfg["document"].update(document)
    (configs / "limits.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return configs


@pytest.mark.slow
def test_case09_document_over_the_time_or_size_bound_fails_alone(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    good = (ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt").read_text(encoding="utf-8")
    (inp / "a_good.txt").write_text(good, encoding="utf-8")
    (inp / "m_no_line_breaks.txt").write_text(long_line_report(700_000), encoding="utf-8")  # 2 MB, one line
    (inp / "z_good.txt").write_text(good.replace("2022", "2023"), encoding="utf-8")
    env = dict(os.environ, JIXIAO_CONFIGS=str(configs_with_limits(tmp_path, max_seconds=3)))
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", str(inp), "-o", str(tmp_path / "out"),
                           "--config", "configs/pipeline-rules.yaml"], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("jixiao: error:")]
    assert errors == [f"jixiao: error: {inp / 'm_no_line_breaks.txt'}: took longer than 3 s "
                      "(max_seconds in configs/limits.yaml): stopped"]
    assert sorted(d["id"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")) == ["a_good", "z_good"]

    env["JIXIAO_CONFIGS"] = str(configs_with_limits(tmp_path / "size", max_chars=500_000))
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", str(inp / "m_no_line_breaks.txt"),
                           "-o", str(tmp_path / "out2"), "--config", "configs/pipeline-rules.yaml"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 1
    assert "700,000 characters, over the 500,000 limit (max_chars in configs/limits.yaml)" in proc.stderr


def test_extract_and_batch_name_documents_alike_with_the_content_hash_beside(tmp_path):
    from pipeline.batch import run_batch
    good = (ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt").read_text(encoding="utf-8")
    inp = tmp_path / "in"
    for sub, text in (("a", good), ("b", good.replace("2022", "2023")), ("c", good)):
        (inp / sub).mkdir(parents=True)
        (inp / sub / "report.txt").write_text(text, encoding="utf-8")
    proc = run_jixiao("extract", inp, "-o", tmp_path / "out", "--config", RULES)
    assert proc.returncode == 0, proc.stderr
    assert "2 extracted, 1 already done" in proc.stderr  # c/report.txt is a/report.txt again
    run_batch([str(inp)], tmp_path / "batch.duckdb", workers=1, progress="none", config=str(ROOT / RULES))
    tables = []
    for db in (tmp_path / "out" / "jixiao.duckdb", tmp_path / "batch.duckdb"):
        con = duckdb.connect(str(db), read_only=True)
        tables.append(con.execute("SELECT id, sha256, source FROM documents ORDER BY id").fetchall())
        con.close()
    assert tables[0] == tables[1]
    (first, sha_a, src_a), (second, sha_b, _) = tables[0]
    assert first == "report" and src_a.endswith("a/report.txt") and second == f"report-{sha_b[:8]}"
    assert {(d["id"], d["sha256"]) for d in read_jsonl(tmp_path / "out" / "documents.jsonl")} == {
        (first, sha_a), (second, sha_b)}


def test_a_rerun_after_a_crash_between_database_and_jsonl_writes_each_document_once(tmp_path):
    out = tmp_path / "out"
    proc = run_jixiao("extract", ROOT / "samples" / "reports", "-o", out, "--config", RULES)
    assert proc.returncode == 0, proc.stderr
    lines = (out / "documents.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "documents.jsonl").write_text("".join(lines[:2]), encoding="utf-8")  # the database holds all five
    proc = run_jixiao("extract", ROOT / "samples" / "reports", "-o", out, "--config", RULES)
    assert proc.returncode == 0, proc.stderr
    assert "3 extracted, 2 already done" in proc.stderr
    assert sorted(read_jsonl(out / "documents.jsonl"), key=lambda d: d["id"]) == sorted(
        (json.loads(line) for line in lines), key=lambda d: d["id"])
    con = duckdb.connect(str(out / "jixiao.duckdb"), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM documents").fetchone() == (5, 5)

