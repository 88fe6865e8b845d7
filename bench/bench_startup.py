"""Whole-process time of `jixiao` runs that have no extraction to do: they must answer at once
(issue 13: under 1 s), since the pipeline, torch and the model are loaded only when a document needs them.

    .venv/bin/python bench/bench_startup.py [--repeat 5]

Prints the median wall time of each command, in a fresh process each time.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JIXIAO = [sys.executable, "-m", "pipeline.cli"]


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        seed = ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt"
        subprocess.run([*JIXIAO, "extract", str(seed), "-o", str(out), "--config", "configs/pipeline-rules.yaml"],
                       cwd=ROOT, check=True, capture_output=True)
        cases = {
            "jixiao --help": ["--help"],
            "jixiao extract --help": ["extract", "--help"],
            "jixiao --version": ["--version"],
            "argument error (--ocr-engine nope)": ["extract", str(seed), "--ocr-engine", "nope"],
            "a path that does not exist": ["extract", str(Path(tmp) / "missing.txt"), "-o", str(Path(tmp) / "o2")],
            "nothing to do (the file is already done)": ["extract", str(seed), "-o", str(out)],
            "jixiao batch, nothing to do": ["batch", str(seed), "--db", str(Path(tmp) / "b.duckdb"),
                                            "--config", "configs/pipeline-rules.yaml", "--workers", "1"],
        }
        subprocess.run([*JIXIAO, *cases["jixiao batch, nothing to do"]], cwd=ROOT, capture_output=True)
        runs = {"python -c pass (the interpreter alone, for scale)": [sys.executable, "-c", "pass"],
                **{name: [*JIXIAO, *cmd] for name, cmd in cases.items()}}
        print(f"| command | median of {args.repeat} (s) |\n|---|---:|")
        for name, cmd in runs.items():
            print(f"| {name} | {statistics.median(timed(cmd, ROOT) for _ in range(args.repeat)):.2f} |")


if __name__ == "__main__":
    main()
