"""The Ray engine on a local cluster (ray.init(num_cpus=2)): same documents and facts as the local engine.

Both run the rules-only pipeline: what is tested is the engine (read tasks, actors, Parquet parts,
resume), and the model would only make the run long; the model in local workers is tested in
test_batch_store.py."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from batch_corpus import JIXIAO, ROOT, cli_env, distinct_docs, snapshot, write_docs
from pipeline.batch import run_batch

pytestmark = pytest.mark.integration  # a Ray cluster
RULES = str(ROOT / "configs" / "pipeline-rules.yaml")

pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_engine_writes_the_same_tables_as_local_and_resumes(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    texts = distinct_docs(43)
    docs = write_docs(tmp_path / "in", texts[:40])
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 20)
    pq.write_table(pa.table({"id": ["p0", "p1", "p2"], "text": [data.decode() for _, data in texts[40:]]}),
                   docs / "more.parquet", row_group_size=2)  # Parquet in: read by the Ray read tasks
    local = run_batch([str(docs)], tmp_path / "local.duckdb", workers=1, progress="none", config=RULES)
    assert (local.ok, local.failed) == (43, 1)
    ray_tmp = Path(tempfile.mkdtemp(prefix="jr", dir="/tmp"))  # short: Ray's socket paths have a length limit
    try:
        env = dict(cli_env(tmp_path), RAY_TMPDIR=str(ray_tmp))
        cmd = [*JIXIAO, "batch", str(docs), "--db", str(tmp_path / "ray.duckdb"), "--engine", "ray",
               "--workers", "2", "--progress", "none", "--config", RULES]
        first = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        assert first.returncode == 1 and "43 ok, 1 failed" in first.stderr, first.stderr[-3000:]
        assert snapshot(tmp_path / "ray.duckdb") == snapshot(tmp_path / "local.duckdb")
        assert not (tmp_path / "ray.duckdb.parts").exists()  # the Parquet parts the actors wrote are committed and gone
        again = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        assert "0 ok, 1 failed, 43 skipped" in again.stderr, again.stderr[-3000:]
        assert snapshot(tmp_path / "ray.duckdb") == snapshot(tmp_path / "local.duckdb")
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
