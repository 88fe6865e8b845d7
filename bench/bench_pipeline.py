"""Throughput and peak memory of the whole extraction pipeline against jieba alone, in one run.

The input is the bundled seed reports repeated to about 1 MB of text.  jieba segmentation is
the floor: a pipeline that tags, normalises values and resolves facts cannot be faster than
just cutting the text into words.  Each stage runs in a fresh process so that peak RSS is its own.

    .venv/bin/python bench/bench_pipeline.py [--chars 1000000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def corpus(chars: int) -> list[str]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples" / "reports").glob("*.txt"))]
    docs, total = [], 0
    while total < chars:
        for s in seeds:
            docs.append(s)
            total += len(s)
    return docs


def _stage(name: str, chars: int, repeat: int, queue) -> None:
    docs = corpus(chars)
    if name == "jieba":
        from pipeline.segmenting import segment
        segment("预热")
        run = lambda d: segment(d)  # noqa: E731
    else:
        from pipeline.language import Pipeline
        nlp = Pipeline.from_config(None if name == "pipeline" else name)
        from pipeline import Document
        nlp(Document(id="warm", text=docs[0]))
        run = lambda d: nlp(Document(id="x", text=d))  # noqa: E731
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for d in docs:
            run(d)
        best = min(best, time.perf_counter() - t0)
    n = sum(map(len, docs))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"stage": name, "chars": n, "seconds": round(best, 3), "chars_per_s": round(n / best),
               "peak_rss_mb": round(peak_mb, 1)})


def measure(name: str, chars: int, repeat: int) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_stage, args=(name, chars, repeat, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = [measure("jieba", args.chars, args.repeat), measure("pipeline", args.chars, args.repeat)]
    floor = rows[0]["chars_per_s"]
    for r in rows:
        r["ratio_to_jieba"] = round(r["chars_per_s"] / floor, 3)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'stage':<12}{'chars':>10}{'best s':>9}{'chars/s':>12}{'peak RSS MB':>13}{'x jieba':>9}")
    for r in rows:
        print(f"{r['stage']:<12}{r['chars']:>10}{r['seconds']:>9}{r['chars_per_s']:>12}"
              f"{r['peak_rss_mb']:>13}{r['ratio_to_jieba']:>9}")


if __name__ == "__main__":
    main()
