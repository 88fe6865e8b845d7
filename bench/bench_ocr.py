"""OCR engines on rendered seed pages: character error rate, entity F1, seconds per page.

Seed paragraphs and seed 004's budget table (annotations/gold/seeds) are drawn on A4 pages
at scan quality (pipeline/formats/synthetic.py), saved as PNG, read back through
``read_document`` with each engine (so the real reader, layout and normalised-view repairs
run), extracted with the default pipeline, and scored against the gold of exactly the drawn
text.  The same text read directly is the reference: the default engine's MONEY and PERCENT
F1 should be within 0.05 of it.

    .venv/bin/python bench/bench_ocr.py                      # both engines, 3 pages, 200 dpi
    .venv/bin/python bench/bench_ocr.py --dpi 300 --blur 1.0 --confusions
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.evaluation import load_documents, score  # noqa: E402
from pipeline.formats import ocr  # noqa: E402
from pipeline.formats.ocr_eval import cer, confusions, onto_truth, seed_test_pages  # noqa: E402
from pipeline.formats.synthetic import ScanQuality, render_page  # noqa: E402
from pipeline.language import Pipeline  # noqa: E402
from pipeline.reading import read_document  # noqa: E402

LABELS = ("MONEY", "PERCENT", "QUANTITY", "PROJECT")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="tesseract,rapidocr")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--blur", type=float, default=0.6)
    ap.add_argument("--rotation", type=float, default=0.4)
    ap.add_argument("--noise", type=float, default=0.02)
    ap.add_argument("--no-table", action="store_true")
    ap.add_argument("--confusions", action="store_true", help="print the engines' character substitutions")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()

    gold_docs = load_documents(ROOT / "annotations/gold/seeds")
    pages = seed_test_pages(gold_docs, table=not args.no_table)
    nlp = Pipeline.from_config()
    golds = [p.gold for p in pages]
    direct = score(golds, [nlp(type(g)(id=g.id, text=g.text)) for g in golds])
    results = {"direct text": {"cer": 0.0, "f1": {lab: direct.labels[lab].f1 for lab in LABELS},
                               "micro": direct.micro.f1, "s_per_page": 0.0}}
    default = ocr.ocr_settings()["default_engine"]
    subs: dict[str, Counter] = {}
    with tempfile.TemporaryDirectory() as tmp:
        images = []
        for i, p in enumerate(pages):
            q = ScanQuality(dpi=args.dpi, rotation=args.rotation * (-1) ** i, blur=args.blur, noise=args.noise, seed=i)
            path = Path(tmp) / f"{p.id}.png"
            render_page(p.text, p.table, q).save(path, dpi=(args.dpi, args.dpi))
            images.append(path)
        for name in args.engines.split(","):
            ocr.choose_engine(name)
            preds, errs, chars, t0 = [], 0.0, 0, time.perf_counter()
            subs[name] = Counter()
            for p, path in zip(pages, images):
                doc = read_document(path)
                n = len("".join(p.gold.text.split()))
                errs += cer(p.gold.text, doc.text) * n
                chars += n
                subs[name].update((t, r) for t, r, _ in confusions(p.gold.text, doc.text))
                preds.append(onto_truth(nlp(doc), p.gold))
            dt = (time.perf_counter() - t0) / len(pages)
            s = score(golds, preds)
            results[name] = {"cer": errs / chars, "f1": {lab: s.labels[lab].f1 for lab in LABELS},
                             "micro": s.micro.f1, "s_per_page": dt, "value_accuracy": s.value.value}
    ocr.choose_engine(None)

    print(f"{len(pages)} pages ({sum(len(g.text) for g in golds)} characters, "
          f"{sum(len(g.entities) for g in golds)} gold entities) at {args.dpi} dpi, blur {args.blur}, "
          f"rotation ±{args.rotation}°, noise {args.noise}; cpu threads: OMP_THREAD_LIMIT="
          f"{os.environ.get('OMP_THREAD_LIMIT', '-')}")
    head = f"{'reader':<14}{'CER':>8}" + "".join(f"{lab + ' F1':>13}" for lab in LABELS) + f"{'micro F1':>10}{'s/page':>8}"
    print(head)
    for name, r in results.items():
        print(f"{name:<14}{r['cer']:>8.4f}" + "".join(f"{r['f1'][lab]:>13.4f}" for lab in LABELS)
              + f"{r['micro']:>10.4f}{r['s_per_page']:>8.2f}")
    if default in results:
        for lab in ("MONEY", "PERCENT"):
            gap = results["direct text"]["f1"][lab] - results[default]["f1"][lab]
            print(f"default engine {default}: {lab} F1 {results[default]['f1'][lab]:.4f} vs direct "
                  f"{results['direct text']['f1'][lab]:.4f} (gap {gap:+.4f}; {'within' if gap <= 0.05 else 'OVER'} 0.05)")
    if args.confusions:
        for name, c in subs.items():
            print(f"{name} substitutions (true→read ×n):", ", ".join(f"{t}→{r}×{n}" for (t, r), n in c.most_common(30)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"settings": vars(args) | {"json": str(args.json)}, "results": results},
                                        ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
