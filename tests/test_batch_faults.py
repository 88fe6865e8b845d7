"""Faults during `jixiao batch`: corrupt input, a worker SIGKILLed, the parent SIGKILLed or interrupted.

After each, the database must hold every document exactly once, with the same facts as a clean run.
The CLI runs in a subprocess (the real command a user runs), with a copy of configs/ whose batch
settings commit often and log often, so that faults land mid-run.
"""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
from pathlib import Path

import psutil
import pytest
import yaml

from batch_corpus import JIXIAO, ROOT, cli_env, distinct_docs, long_line_report, snapshot, write_docs
from pipeline.batch import run_batch

pytestmark = pytest.mark.integration  # the command in subprocesses, worker processes

N_DOCS = 300
# the faults are the batch machinery's: the rules-only pipeline keeps each run short (the model's own
# run in workers and Ray actors is tested in test_batch_store.py and test_batch_ray.py)
RULES = str(ROOT / "configs" / "pipeline-rules.yaml")
PROGRESS = re.compile(r"batch: (\d+)/(\d+) done, (\d+) committed")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Input dir and the snapshot of a clean, uninterrupted run over it."""
    tmp = tmp_path_factory.mktemp("corpus")
    d = write_docs(tmp / "in", distinct_docs(N_DOCS))
    run_batch([str(d)], tmp / "clean.duckdb", workers=2, progress="none", config=RULES)
    clean = snapshot(tmp / "clean.duckdb")
    assert clean["statuses"] == {"ok": N_DOCS} and clean["facts"]
    return d, clean


@pytest.fixture
def env(tmp_path):
    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    cfg = yaml.safe_load((configs / "batch.yaml").read_text(encoding="utf-8"))
    cfg["store"].update(commit_docs=32, commit_seconds=0.3)
    (configs / "batch.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    (configs / "progress.yaml").write_text("log_seconds: 0.1\n", encoding="utf-8")
    return dict(cli_env(tmp_path), JIXIAO_CONFIGS=str(configs))


def start(inputs, db, env, workers=2) -> subprocess.Popen:
    return subprocess.Popen([*JIXIAO, "batch", *map(str, inputs), "--db", str(db), "--workers", str(workers),
                             "--progress", "log", "--config", RULES], stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)


def wait_for_progress(proc, min_committed: int = 0) -> tuple[int, int]:
    """Read log lines until some documents are done (and committed) but not all."""
    for line in proc.stderr:
        m = PROGRESS.search(line)
        if m and 0 < int(m.group(1)) < int(m.group(2)) and int(m.group(3)) >= min_committed:
            return int(m.group(1)), int(m.group(3))
    raise AssertionError("the run ended before the fault could be injected")


def workers_of(proc) -> list[psutil.Process]:
    return [c for c in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(c.cmdline())]


def finish(inputs, db, env) -> str:
    done = subprocess.run([*JIXIAO, "batch", *map(str, inputs), "--db", str(db), "--progress", "none",
                           "--config", RULES],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_corrupt_files_among_good_ones_fail_alone_with_one_line_each(tmp_path, env):
    d = write_docs(tmp_path / "in", distinct_docs(10))
    (d / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (d / "empty.txt").write_bytes(b"")
    (d / "bad.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    db = tmp_path / "r.duckdb"
    run = subprocess.run([*JIXIAO, "batch", str(d), "--db", str(db), "--progress", "none"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("jixiao: error:")]
    assert sorted(re.search(r"/(\w+\.\w+)", e).group(1) for e in errors) == ["bad.zip", "binary.txt", "empty.txt"]
    assert "10 ok, 3 failed" in run.stderr
    snap = snapshot(db)
    assert snap["statuses"] == {"ok": 10, "failed": 2}  # bad.zip never became a document
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    failed = dict(con.execute("SELECT source, error FROM documents WHERE status = 'failed'").fetchall())
    assert set(map(lambda p: p.rsplit("/", 1)[-1], failed)) == {"binary.txt", "empty.txt"}
    assert all("\n" not in e for e in failed.values())


def test_worker_killed_mid_batch_is_replaced_and_its_documents_retried(tmp_path, corpus, env):
    d, clean = corpus
    db = tmp_path / "r.duckdb"
    proc = start([d], db, env)
    wait_for_progress(proc)
    victim = workers_of(proc)[0]
    victim.send_signal(signal.SIGKILL)
    err = proc.stderr.read()
    assert proc.wait(timeout=600) == 0, err
    assert "worker restarts" in err and f"{N_DOCS} ok, 0 failed" in err
    assert snapshot(db) == clean
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    retried = con.execute("SELECT count(*) FROM documents WHERE attempts = 2").fetchone()[0]
    con.close()
    assert retried > 0  # what the killed worker held was done again, by another worker
    assert f"0 ok, 0 failed, {N_DOCS} skipped" in finish([d], db, env)
    assert snapshot(db) == clean


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_parent_killed_then_rerun_gives_the_clean_result(tmp_path, corpus, env, sig):
    d, clean = corpus
    db = tmp_path / "r.duckdb"
    proc = start([d], db, env, workers=1)
    _, committed = wait_for_progress(proc, min_committed=1)
    workers = workers_of(proc)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    proc.stderr.close()
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert alive == []  # orphaned workers notice the closed pipe and exit
    partial = snapshot(db)
    assert partial["orphans"] == 0 and partial["counts_match"]
    assert committed <= sum(partial["statuses"].values()) < N_DOCS
    out = finish([d], db, env)
    m = re.search(r"(\d+) ok, 0 failed, (\d+) skipped", out)
    assert m and int(m.group(2)) == sum(partial["statuses"].values()) and int(m.group(1)) + int(m.group(2)) == N_DOCS
    assert snapshot(db) == clean


def test_interrupt_commits_what_is_finished_and_exits_130(tmp_path, corpus, env):
    d, clean = corpus
    db = tmp_path / "r.duckdb"
    proc = start([d], db, env, workers=1)
    wait_for_progress(proc)
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, err
    assert "interrupted" in err
    finish([d], db, env)
    assert snapshot(db) == clean


def test_large_documents_and_results_do_not_stall_the_pipes(tmp_path):
    """Messages both ways larger than a socket buffer: the parent must keep reading while it sends."""
    filler = "这是一段没有数字的说明文字，用于填充篇幅。" * 1500
    d = tmp_path / "in"
    d.mkdir()
    for i in range(12):
        (d / f"big{i}.txt").write_text(f"样本{i}\n{filler}" + "完成征收土地33亩，" * 400, encoding="utf-8")
    summary = run_batch([str(d)], tmp_path / "r.duckdb", workers=2, progress="none", config=RULES)
    assert (summary.ok, summary.failed) == (12, 0)
    snap = snapshot(tmp_path / "r.duckdb")
    assert len(snap["facts"]) == 12 * 400 and {f[4] for f in snap["facts"]} == {"亩"}


@pytest.mark.slow
def test_case09_document_over_the_time_bound_fails_alone_and_the_batch_goes_on(tmp_path, env):
    limits = Path(env["JIXIAO_CONFIGS"]) / "limits.yaml"
    cfg = yaml.safe_load(limits.read_text(encoding="utf-8"))
    cfg["document"]["max_seconds"] = 6   # a seed report takes well under a second, the long line ~10 s
    limits.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    d = write_docs(tmp_path / "in", distinct_docs(4, seeds_only=True))
    (d / "doc00002_no_line_breaks.txt").write_text(long_line_report(990_000), encoding="utf-8")
    db = tmp_path / "r.duckdb"
    run = subprocess.run([*JIXIAO, "batch", str(d), "--db", str(db), "--workers", "1", "--progress", "none",
                          "--config", "configs/pipeline-rules.yaml"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert run.returncode == 1, run.stderr
    assert "4 ok, 1 failed" in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("jixiao: error:")]
    assert errors == [f"jixiao: error: {d / 'doc00002_no_line_breaks.txt'}: took longer than 6 s "
                      "(max_seconds in configs/limits.yaml): stopped"]
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT stage FROM errors").fetchall() == [("limit",)]
    con.close()


@pytest.mark.slow
def test_case02_disk_full_is_one_error_line_and_the_database_keeps_what_it_held(tmp_path, env):
    d = write_docs(tmp_path / "in", distinct_docs(3, seeds_only=True))
    db = tmp_path / "r.duckdb"

    def batch(inputs) -> subprocess.CompletedProcess:
        return subprocess.run([*JIXIAO, "batch", str(inputs), "--db", str(db), "--workers", "1", "--progress", "none",
                               "--config", "configs/pipeline-rules.yaml"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)

    first = batch(d / "doc00000.txt")
    assert first.returncode == 0, first.stderr
    wal = Path(f"{db}.wal")
    wal.symlink_to("/dev/full")  # every write to the write-ahead log fails: No space left on device
    full = batch(d)
    wal.unlink()
    assert full.returncode == 2 and "Traceback" not in full.stderr, full.stderr
    errors = [line for line in full.stderr.splitlines() if line.startswith("jixiao: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"jixiao: error: {db}: cannot write: ")
    assert "No space left on device" in errors[0] and "rerun to continue" in errors[0]
    held = snapshot(db)
    assert held["statuses"] == {"ok": 1} and held["orphans"] == 0 and held["counts_match"]
    again = batch(d)
    assert again.returncode == 0 and "2 ok, 0 failed, 1 skipped" in again.stderr, again.stderr
