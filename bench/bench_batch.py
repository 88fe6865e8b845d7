"""Throughput and memory of ``jixiao batch``: N documents in a .tar.gz, 1 and 2 local workers, and Ray.

Documents are the seed reports (samples/reports) and the corpus excerpts
(annotations/unlabelled/excerpts.jsonl), cycled to N and made distinct by a header line
(distinct content = distinct document ids).  Each configuration is one run of the real CLI
in a subprocess on a fresh database; a sampler records the peak RSS of the parent process
and of all its descendants together (workers; for Ray also its raylet, GCS and actors), and
CPU seconds of the parent and of the workers (not for Ray, whose daemons are not our children).
From the 1-worker run's CPU per document it prints the speed-up that 2 workers can reach on
2 otherwise idle cores, since on a shared machine the measured ratio mostly shows the others' load.

    .venv/bin/python bench/bench_batch.py                 # N = 100, 1000, 5000
    .venv/bin/python bench/bench_batch.py --sizes 100 500 --engines local1 local2
    .venv/bin/python bench/bench_batch.py --config configs/pipeline-rules.yaml   # without the model

The 1-worker run gives its worker all cores' torch threads, the 2-worker run one each
(``cores // workers``), so with the model the measured 1 -> 2 ratio starts from a worker that
already uses the second core for its matrix products.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import resource
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from batch_corpus import distinct_docs  # noqa: E402  (the same corpus the batch tests use)
ENGINES = {"local1": ["--workers", "1"], "local2": ["--workers", "2"], "ray": ["--engine", "ray", "--workers", "2"]}


def build_archive(n: int, path: Path) -> int:
    chars = 0
    with tarfile.open(path, "w:gz") as tf:
        for i, (_, data) in enumerate(distinct_docs(n)):
            chars += len(data.decode("utf-8"))
            info = tarfile.TarInfo(f"reports/{i:06d}.txt")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return chars


class PeakSampler(threading.Thread):
    """Peak RSS of a process and (separately) of the sum of its descendants, and the descendants'
    CPU time, sampled every 50 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.parent_peak = self.children_peak = 0
        self.children_cpu: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.parent_peak = max(self.parent_peak, self.proc.memory_info().rss)
                total = 0
                for c in self.proc.children(recursive=True):
                    try:
                        total += c.memory_info().rss
                        t = c.cpu_times()
                        self.children_cpu[c.pid] = t.user + t.system
                    except psutil.Error:
                        pass
                self.children_peak = max(self.children_peak, total)
            except psutil.Error:
                return
            self.stop.wait(0.05)


def run_once(archive: Path, engine: str, work: Path, config: Optional[str] = None) -> dict:
    db = work / f"{engine}.duckdb"
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", HOME=str(work / "home"), RAY_TMPDIR=str(work / "ray"))
    (work / "home").mkdir(exist_ok=True)
    cmd = [str(ROOT / ".venv/bin/jixiao"), "batch", str(archive), "--db", str(db), "--progress", "none",
           *ENGINES[engine], *(["--config", config] if config else [])]
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    sampler = PeakSampler(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_all = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    cpu_children = sum(sampler.children_cpu.values())
    m = re.search(r"(\d+) ok, (\d+) failed.*?([\d,]+) characters in ([\d.]+) s", err)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"{engine} failed ({proc.returncode}): {err[-2000:]}")
    ok, chars, secs = int(m.group(1)), int(m.group(3).replace(",", "")), float(m.group(4))
    return {"engine": engine, "docs": ok, "seconds": secs, "wall": wall, "docs_s": ok / secs,
            "chars_s": chars / secs, "parent_mb": sampler.parent_peak / 2**20,
            "children_mb": sampler.children_peak / 2**20,
            "cpu_parent": cpu_all - cpu_children, "cpu_children": cpu_children}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), choices=list(ENGINES))
    ap.add_argument("--config", default=None, help="pipeline config (default configs/pipeline.yaml)")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f} (other processes share the cores)")
    print(f"{'N':>6} {'engine':<7} {'docs/s':>8} {'chars/s':>10} {'run s':>7} {'wall s':>7} "
          f"{'parent MB':>9} {'children MB':>11} {'cpu parent':>10} {'cpu children':>12}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp:
        for n in args.sizes:
            work = Path(tmp) / f"n{n}"
            work.mkdir()
            archive = work / f"reports-{n}.tar.gz"
            build_archive(n, archive)
            for engine in args.engines:
                r = run_once(archive, engine, work, args.config)
                r["n"] = n
                rows.append(r)
                print(f"{n:>6} {engine:<7} {r['docs_s']:>8.1f} {r['chars_s']:>10,.0f} {r['seconds']:>7.1f} "
                      f"{r['wall']:>7.1f} {r['parent_mb']:>9.0f} {r['children_mb']:>11.0f} "
                      + (f"{r['cpu_parent']:>10.1f} {r['cpu_children']:>12.1f}" if engine != "ray" else
                         f"{'-':>10} {'-':>12}"), flush=True)
    for n in args.sizes:
        by = {r["engine"]: r for r in rows if r["n"] == n}
        if "local1" in by and "local2" in by:
            one = by["local1"]
            w, p = one["cpu_children"] / n, one["cpu_parent"] / n  # CPU seconds per document
            bound = min(2.0, 2 * w / (w + p), w / p if p else 2.0)
            print(f"N={n}: scaling 1 -> 2 workers measured {by['local2']['docs_s'] / one['docs_s']:.2f}x; "
                  f"CPU per doc: workers {w * 1e3:.2f} ms, parent {p * 1e3:.2f} ms -> on 2 idle cores at most "
                  f"{bound:.2f}x")
    parents = [r["parent_mb"] for r in rows if r["engine"] == "local2"]
    if len(parents) > 1:
        print(f"parent peak RSS (2 workers) over N={args.sizes}: {', '.join(f'{p:.0f}' for p in parents)} MB")


if __name__ == "__main__":
    main()
