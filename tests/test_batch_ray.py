"""The Ray engine on a local cluster (ray.init(num_cpus=2)): same documents and facts as the local engine."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from batch_corpus import JIXIAO, ROOT, cli_env, distinct_docs, snapshot, write_docs
from pipeline.batch import run_batch

pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_engine_writes_the_same_tables_as_local_and_resumes(tmp_path):
    docs = write_docs(tmp_path / "in", distinct_docs(40))
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 20)
    local = run_batch([str(docs)], tmp_path / "local.duckdb", workers=1, progress="none")
    assert (local.ok, local.failed) == (40, 1)
    ray_tmp = Path(tempfile.mkdtemp(prefix="jr", dir="/tmp"))  # short: Ray's socket paths have a length limit
    try:
        env = dict(cli_env(tmp_path), RAY_TMPDIR=str(ray_tmp))
        cmd = [*JIXIAO, "batch", str(docs), "--db", str(tmp_path / "ray.duckdb"), "--engine", "ray",
               "--workers", "2", "--progress", "none"]
        first = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        assert first.returncode == 1 and "40 ok, 1 failed" in first.stderr, first.stderr[-3000:]
        assert snapshot(tmp_path / "ray.duckdb") == snapshot(tmp_path / "local.duckdb")
        again = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        assert "0 ok, 1 failed, 40 skipped" in again.stderr, again.stderr[-3000:]
        assert snapshot(tmp_path / "ray.duckdb") == snapshot(tmp_path / "local.duckdb")
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
