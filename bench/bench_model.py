"""Characters per second and peak memory: jieba alone, the rules-only pipeline, and the model
pipeline (fp32, dynamic int8, bf16 autocast), each in its own process so peak RSS is its own.

    .venv/bin/python bench/bench_model.py [--repeat 4] [--threads 2] [--json out.json]

Text: the gold documents (seeds and corpus excerpts, ~58k characters) repeated ``--repeat`` times.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RULES = {"components": [{"name": "rule_tagger"}, {"name": "project_tagger"}, {"name": "resolver"}]}


def _model_config(policy: str, quantize) -> dict:
    return {"components": [{"name": "rule_tagger"}, {"name": "project_tagger"},
                           {"name": "model_tagger", "settings": {"policy": policy, "inference": {"quantize": quantize}}},
                           {"name": "resolver"}]}


SYSTEMS = {
    "jieba alone": None,
    "rules-only pipeline": RULES,
    "default pipeline (configs/pipeline.yaml)": "default",
    "model pipeline, fp32": _model_config("merged", None),
    "model pipeline, dynamic int8": _model_config("merged", "dynamic-int8"),
    "model pipeline, bf16 autocast": _model_config("merged", "bf16"),
}


def _texts(repeat: int) -> list[str]:
    from pipeline.evaluation import load_documents
    return [d.text for d in load_documents(ROOT / "annotations" / "gold")] * repeat


def _run(name: str, repeat: int, threads: int, q) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    torch.set_num_threads(threads)
    texts = _texts(repeat)
    chars = sum(map(len, texts))
    spec = SYSTEMS[name]
    if spec is None:
        import jieba
        jieba.initialize()
        jieba.lcut(texts[0])
        t0 = time.perf_counter()
        for t in texts:
            jieba.lcut(t)
    else:
        from pipeline.doc import Document
        from pipeline.language import Pipeline
        nlp = Pipeline.from_config(None if spec == "default" else spec)
        nlp(Document(id="warm", text=texts[0]))
        t0 = time.perf_counter()
        for i, t in enumerate(texts):
            nlp(Document(id=str(i), text=t))
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q.put({"system": name, "chars": chars, "seconds": round(dt, 3), "chars_per_s": chars / dt, "peak_rss_mb": peak})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--only", nargs="*", default=None, help="names of systems to run")
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    rows = []
    print(f"{'system':<44}{'chars/s':>12}{'peak RSS MB':>14}", flush=True)
    for name in SYSTEMS:
        if args.only and not any(o in name for o in args.only):
            continue
        q = ctx.Queue()
        p = ctx.Process(target=_run, args=(name, args.repeat, args.threads, q))
        p.start()
        row = q.get()
        p.join()
        rows.append(row)
        print(f"{name:<44}{row['chars_per_s']:>12,.0f}{row['peak_rss_mb']:>14,.0f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"threads": args.threads, "repeat": args.repeat, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
