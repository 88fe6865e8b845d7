"""Speed and memory of jixiao, each against a baseline measured in the same run (jieba is the floor).

Printed, in one run, on text seen once (the corpus excerpts: annotations/unlabelled/excerpts*.jsonl,
about 430k characters of distinct documents, never repeated):

1. jieba, the rules-only pipeline, the default pipeline (with the model, int8 as shipped and fp32)
   and Recognizers-Text: chars/s, the ratio to jieba and peak RSS, each in a fresh process;
2. how many of the default pipeline's entities change when documents are read together (int8);
3. the rules-only and the default pipeline on single documents of 10k, 100k and 1M characters
   (distinct documents joined), and the ratio of the 1M rate to the 10k rate;
4. ``jixiao batch`` over 1,000 distinct documents with 1 and 2 workers (docs/s and the ratio);
5. the whole-process time of ``jixiao extract`` on one small file, start-up included.

    .venv/bin/python bench/bench_pipeline.py [--json bench/results/pipeline.json] [--skip batch,sizes]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
JIXIAO = [sys.executable, "-m", "pipeline.cli"]
WARM_UP = (ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt").read_text(encoding="utf-8")


def excerpts() -> list[str]:
    texts = []
    for name in ("excerpts.jsonl", "excerpts2.jsonl"):
        path = ROOT / "annotations" / "unlabelled" / name
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def many_documents(n: int) -> list[str]:
    """``n`` distinct documents: the excerpts, then paragraphs of the Government Work Reports."""
    docs = excerpts()
    path = ROOT / "annotations" / "unlabelled" / "government_work_reports.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        for para in json.loads(line)["text"].split("\n"):
            if len(docs) >= n:
                return docs
            if len(para) >= 200:
                docs.append(para)
    return docs[:n]


def one_document(chars: int) -> str:
    """One document of about ``chars`` characters, made of distinct texts (no repeats below 1.5M)."""
    parts, total = [], 0
    for t in many_documents(10 ** 6):
        parts.append(t)
        total += len(t) + 1
        if total >= chars:
            break
    return "\n".join(parts)[:chars]


FP32 = "default, fp32"  # the default pipeline without int8 quantisation (configs/model.yaml inference.quantize)


def _system(name: str):
    """A function of a list of texts: jixiao's pipelines read them as ``nlp.pipe`` does, in groups
    of ``message_docs`` (configs/batch.yaml), as ``jixiao extract`` and ``jixiao batch`` do."""
    if name == "jieba":
        import jieba
        jieba.initialize()
        return lambda texts: [jieba.lcut(t) for t in texts]
    if name == "Recognizers-Text":
        from pipeline.peers import PEERS
        peer = PEERS["recognizers-text"]
        return lambda texts: [peer("x", t) for t in texts]
    from pipeline.batch.run import BatchSettings
    from pipeline.config import apply_overrides, load_config
    from pipeline.language import Pipeline
    config = load_config("pipeline" if name in ("default", FP32) else name)
    if name == FP32:
        config = apply_overrides(config, ["--components.model_tagger.inference.quantize", "null"])
    nlp = Pipeline.from_config(config)
    group = BatchSettings.load().local.message_docs
    return lambda texts: list(nlp.pipe(texts, batch_size=group))


def _measure(name: str, texts: list[str], q) -> None:
    run = _system(name)
    run([WARM_UP])  # every lazy load (jieba's dictionaries, part-of-speech model, the model) before the clock
    t0 = time.perf_counter()
    run(texts)
    dt = time.perf_counter() - t0
    chars = sum(map(len, texts))
    q.put({"system": name, "chars": chars, "seconds": round(dt, 2), "chars_per_s": round(chars / dt),
           "peak_rss_mb": peak_rss_mb()})


def peak_rss_mb() -> int:
    """This process's peak RSS.  ``VmHWM`` starts afresh when the spawned interpreter is exec'd;
    ``ru_maxrss`` would keep the forking parent's peak (the parent holds the 1M-character texts)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(name: str, texts: list[str]) -> dict:
    """``name`` over ``texts`` in a fresh process (its own peak RSS, nothing warm from before)."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_measure, args=(name, texts, q))
    p.start()
    row = q.get()
    p.join()
    return row


def throughput() -> list[dict]:
    texts = excerpts()
    rows = [measure(n, texts) for n in ("jieba", "pipeline-rules", "default", FP32, "Recognizers-Text")]
    for r in rows:
        r["ratio_to_jieba"] = round(r["chars_per_s"] / rows[0]["chars_per_s"], 3)
    return rows


def sizes() -> list[dict]:
    rows = []
    for name in ("pipeline-rules", "default"):
        rates = {}
        for n in (10_000, 100_000, 1_000_000):
            r = measure(name, [one_document(n)])
            rates[n] = r["chars_per_s"]
            rows.append({**r, "document_chars": n})
        rows.append({"system": name, "ratio_1m_to_10k": round(rates[1_000_000] / rates[10_000], 3)})
    return rows


def batch(n: int = 1000) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "docs.jsonl"
        docs = many_documents(n)
        src.write_text("".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n"
                               for i, t in enumerate(docs)), encoding="utf-8")
        for workers in (1, 2):
            db = Path(tmp) / f"w{workers}.duckdb"
            t0 = time.perf_counter()
            subprocess.run(JIXIAO + ["batch", str(src), "--db", str(db), "--workers", str(workers), "--progress", "none"],
                           cwd=ROOT, check=True, capture_output=True)
            dt = time.perf_counter() - t0
            rows.append({"system": f"jixiao batch, {workers} worker{'s' if workers > 1 else ''}", "documents": len(docs),
                         "seconds": round(dt, 1), "docs_per_s": round(len(docs) / dt, 1),
                         "chars_per_s": round(sum(map(len, docs)) / dt)})
    rows.append({"system": "batch scaling", "ratio_2_to_1": round(rows[1]["docs_per_s"] / rows[0]["docs_per_s"], 3)})
    return rows


def together_vs_alone() -> list[dict]:
    """How many entities of the default pipeline change when documents are read together: int8
    scales a batch's activations together, so a name at the edge of ``min_confidence`` can turn."""
    from pipeline.batch.run import BatchSettings
    from pipeline.doc import Document
    from pipeline.language import Pipeline
    texts, nlp = excerpts(), Pipeline.from_config()
    group = BatchSettings.load().local.message_docs

    def found(doc: Document) -> set:
        return {(e.start, e.end, e.label) for e in doc.entities}

    alone = [found(nlp(Document(id="x", text=t))) for t in texts]
    together = [found(d) for d in nlp.pipe(texts, batch_size=group)]
    return [{"system": f"default (int8): {group} documents together against one at a time", "documents": len(texts),
             "entities": sum(map(len, alone)), "entities_differing": sum(len(a ^ b) for a, b in zip(alone, together)),
             "documents_differing": sum(a != b for a, b in zip(alone, together))}]


def extract_one_file() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(JIXIAO + ["extract", str(ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt"), "-o", tmp],
                       cwd=ROOT, check=True, capture_output=True)
        return {"system": "jixiao extract, one small file (whole process)", "seconds": round(time.perf_counter() - t0, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="also write the rows to this file")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: throughput, together, sizes, batch, extract")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    skip = set(filter(None, args.skip.split(",")))
    parts = {"throughput": throughput, "together": together_vs_alone, "sizes": sizes, "batch": batch,
             "extract": lambda: [extract_one_file()]}
    result = {}
    for name, fn in parts.items():
        if name in skip:
            continue
        result[name] = fn()
        for row in result[name]:
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
