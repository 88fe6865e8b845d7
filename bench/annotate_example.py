#!/usr/bin/env python3
"""The annotation loop end to end, as the README shows it; writes bench/results/annotate.md.

1. export 20 corpus excerpts as Label Studio tasks with the pipeline's pre-annotations;
2. correct them: the annotator's work is the project's gold for those excerpts (annotations/gold/corpus),
   written as a Label Studio JSON export (the shape tests/test_annotate_labelstudio.py gets from a real
   server), so the numbers below are reproducible without a person at the screen;
3. import it back to GUIDELINES.md JSONL, with the change report;
4. retrain the character model on the seeds alone and on the seeds plus the 20 corrected excerpts;
5. evaluate rules, and each model (merged and model-only policies), on the other 30 excerpts.
It also checks the ranking: does the rule uncertainty of `annotate rank` point at the excerpts where
the rules are actually wrong (Spearman correlation with the error rate against gold, all 50)?

usage: .venv/bin/python bench/annotate_example.py [--no-train] [--epochs N] [--work out/annotate-example]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable


def run(*args: str, log: list) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.perf_counter()
    r = subprocess.run([PY, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    log.append(("jixiao " + " ".join(args), dt, r.returncode))
    if r.returncode not in (0,):
        sys.stderr.write(r.stdout[-3000:] + r.stderr[-3000:])
        raise SystemExit(f"failed: jixiao {' '.join(args)}")
    return r, dt


def gold_corpus() -> dict:
    docs = {}
    for f in sorted((ROOT / "annotations" / "gold" / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            docs[d["id"]] = d
    return docs


def annotate_like_a_person(tasks: list, gold: dict) -> list:
    """The Label Studio JSON export after an annotator corrected every task to the gold."""
    from pipeline.annotate.labelstudio import entities_to_results
    from pipeline.doc import Document
    out = []
    for n, t in enumerate(tasks, 1):
        g = Document.from_json(gold[t["data"]["doc_id"]])
        result = entities_to_results(g.text, g.entities, with_scores=False)
        out.append({"id": n, "data": t["data"], "predictions": t["predictions"],
                    "annotations": [{"id": n, "completed_by": {"email": "annotator@example.com"}, "result": result,
                                     "was_cancelled": False, "ground_truth": False,
                                     "updated_at": "2026-11-21T12:00:00Z", "lead_time": 300.0}]})
    return out


def spearman(x: list[float], y: list[float]) -> float:
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def ranking_check(gold: dict) -> dict:
    """Rule uncertainty per character vs the rules' error rate per character, over all gold excerpts."""
    from pipeline.annotate.rank import rule_score
    from pipeline.doc import Document
    from pipeline.language import Pipeline
    nlp = Pipeline.from_config("pipeline-rules")  # the rules' errors, not the shipped model's
    dens, errs = [], []
    for g in gold.values():
        pred = nlp(Document(id=g["id"], text=g["text"]))
        s = rule_score(pred)
        gk = {(e["start"], e["end"], e["label"]) for e in g["entities"]}
        pk = {(e.start, e.end, e.label) for e in pred.entities}
        dens.append(s.density)
        errs.append(len(gk ^ pk) / max(1, len(g["text"])))
    top = sorted(range(len(dens)), key=lambda i: -dens[i])[: len(dens) // 5]
    mean_all = sum(errs) / len(errs)
    mean_top = sum(errs[i] for i in top) / len(top)
    return {"spearman": spearman(dens, errs), "docs": len(dens), "top_fifth_error_per_1k": 1000 * mean_top,
            "all_error_per_1k": 1000 * mean_all}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="out/annotate-example")
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--reuse", action="store_true", help="keep models already trained in the work dir")
    ap.add_argument("--out", default="bench/results/annotate.md")
    a = ap.parse_args()
    w = ROOT / a.work
    w.mkdir(parents=True, exist_ok=True)
    log: list = []
    gold = gold_corpus()
    excerpts = ROOT / "annotations" / "unlabelled" / "excerpts.jsonl"

    _, t_export = run("annotate", "export", str(excerpts), "--format", "label-studio", "--limit", "20",
                      "-o", str(w / "tasks.json"), log=log)
    tasks = json.loads((w / "tasks.json").read_text(encoding="utf-8"))
    picked = [t["data"]["doc_id"] for t in tasks]
    (w / "label-studio-export.json").write_text(json.dumps(annotate_like_a_person(tasks, gold), ensure_ascii=False),
                                                encoding="utf-8")
    r, t_import = run("annotate", "import", str(w / "label-studio-export.json"), "--format", "label-studio",
                      "-o", str(w / "reviewed.jsonl"), "--report", str(w / "report.json"), log=log)
    report = json.loads((w / "report.json").read_text(encoding="utf-8"))
    check = subprocess.run([PY, "annotations/verify_gold.py", str(w / "reviewed.jsonl")], cwd=ROOT,
                           capture_output=True, text=True)
    reviewed = [json.loads(x) for x in (w / "reviewed.jsonl").read_text(encoding="utf-8").splitlines()]
    same = sum(d["entities"] == [{k: e[k] for k in ("id", "start", "end", "label", "text", "value", "unit",
                                                    "qualifier", "subject", "project")} for e in gold[d["id"]]["entities"]]
               for d in reviewed)

    # agreement of the pre-annotations with the corrected annotations: how much the annotator changed
    pre_docs = w / "pre.jsonl"
    from pipeline.annotate.labelstudio import LabelConfig, results_to_regions
    cfg = LabelConfig.default()
    with open(pre_docs, "w", encoding="utf-8") as f:
        for t in tasks:
            regions, _, _ = results_to_regions(t["data"]["text"], t["predictions"][0]["result"], cfg)
            ents = [{"id": f"e{i}", "start": x.start, "end": x.end, "label": x.label, "text": x.text, "value": x.value,
                     "unit": x.unit, "qualifier": x.qualifier, "subject": None, "project": None}
                    for i, x in enumerate(sorted(regions, key=lambda x: x.start), 1)]
            f.write(json.dumps({"id": t["data"]["doc_id"], "text": t["data"]["text"], "entities": ents},
                               ensure_ascii=False) + "\n")
    agr, _ = run("annotate", "agreement", str(pre_docs), str(w / "reviewed.jsonl"), "--json", log=log)
    agr = json.loads(agr.stdout)

    held = [g for i, g in gold.items() if i not in picked]
    held_path = w / "heldout.jsonl"
    held_path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in held), encoding="utf-8")
    rank_check = ranking_check(gold)

    results = {}
    r, _ = run("evaluate", "--gold", str(held_path), "--config", "configs/pipeline-rules.yaml", "--json", log=log)
    results["rules (configs/pipeline-rules.yaml)"] = json.loads(r.stdout)["jixiao"]
    train_rows = []
    if not a.no_train:
        import yaml
        base_cfg = yaml.safe_load((ROOT / "configs" / "train.yaml").read_text(encoding="utf-8"))
        pipe = yaml.safe_load((ROOT / "configs" / "pipeline-rules.yaml").read_text(encoding="utf-8"))
        for name, golds in (("seeds", ["annotations/gold/seeds"]),
                            ("seeds + 20 corrected", ["annotations/gold/seeds", str(w / "reviewed.jsonl")])):
            slug = "seeds" if name == "seeds" else "seeds-plus-20"
            cfg_t = dict(base_cfg)
            cfg_t["base"] = None
            cfg_t["scratch"] = {"vocab_size": 3000, "hidden_size": 128, "num_layers": 2, "num_heads": 2,
                                "intermediate_size": 256, "max_position": 258}
            cfg_t["out_dir"] = str(w / f"model-{slug}")
            cfg_t["data"] = dict(base_cfg["data"], gold=golds, dataset_dir=str(w / f"dataset-{slug}"), silver=None)
            cfg_t["training"] = dict(base_cfg["training"], epochs=a.epochs, bf16=False)
            (w / f"train-{slug}.yaml").write_text(yaml.safe_dump(cfg_t, allow_unicode=True), encoding="utf-8")
            times = w / "train-seconds.json"
            known = json.loads(times.read_text()) if times.exists() else {}
            if a.reuse and (w / f"model-{slug}" / "config.json").exists() and slug in known:
                t_train = known[slug]
            else:
                _, t_train = run("train", "--config", str(w / f"train-{slug}.yaml"), log=log)
                times.write_text(json.dumps({**known, slug: t_train}))
            train_rows.append((name, t_train))
            for policy in ("merged", "model"):
                comps = []
                for c in pipe["components"]:
                    if c["name"] == "resolver":
                        comps.append({"name": "model_tagger",
                                      "settings": {"model_dir": str(w / f"model-{slug}"), "policy": policy}})
                    if c["name"] != "model_tagger":
                        comps.append(c)
                p = w / f"pipeline-{slug}-{policy}.yaml"
                p.write_text(yaml.safe_dump({"components": comps}, allow_unicode=True), encoding="utf-8")
                r, _ = run("evaluate", "--gold", str(held_path), "--config", str(p), "--json", log=log)
                results[f"model on {name}, policy {policy}"] = json.loads(r.stdout)["jixiao"]
    write_markdown(ROOT / a.out, a, picked, report, check.returncode == 0, same, agr, results, train_rows,
                   rank_check, t_export, t_import, len(held))


def write_markdown(path: Path, a, picked, report, valid, same, agr, results, train_rows, rank_check,
                   t_export, t_import, n_held) -> None:
    ch = report["changes"]
    lines = [
        "# Worked example: annotators in the loop",
        "",
        "Reproduce: `.venv/bin/python bench/annotate_example.py` (writes this file; "
        f"work files in `{a.work}/`).",
        "",
        "```bash",
        "# 0. (what to label first, for a budget of characters; with a trained model: --model DIR)",
        "jixiao annotate rank annotations/unlabelled/excerpts.jsonl --budget 13000",
        "# 1. export 20 excerpts as Label Studio tasks, pre-annotated by the current pipeline",
        f"jixiao annotate export annotations/unlabelled/excerpts.jsonl --format label-studio --limit 20 -o {a.work}/tasks.json",
        "# 2. create a project with configs/label_studio.xml, import tasks.json, correct, export JSON",
        "#    (optional: `jixiao serve-ls` + Settings > Model serves pre-annotations live instead of step 1)",
        "# 3. import the export back to GUIDELINES.md JSONL, with the change report",
        f"jixiao annotate import {a.work}/label-studio-export.json --format label-studio -o {a.work}/reviewed.jsonl --report {a.work}/report.json",
        f"python annotations/verify_gold.py {a.work}/reviewed.jsonl",
        "# 4. retrain on the seeds plus the corrected excerpts (data.gold in the training config)",
        f"jixiao train --config {a.work}/train-seeds-plus-20.yaml",
        "# 5. evaluate on the 30 excerpts nobody corrected",
        f"jixiao evaluate --gold {a.work}/heldout.jsonl --config {a.work}/pipeline-seeds-plus-20-merged.yaml",
        "# two annotators on the same tasks: how far they agree",
        "jixiao annotate agreement alice.jsonl bob.jsonl",
        "```",
        "",
        "doccano works the same way with `--format doccano` (JSONL with spans and relations; an export zip",
        "with one file per annotator is read as several annotators).",
        "",
        "In step 2 the annotator's corrections are the project's gold for those excerpts",
        "(`annotations/gold/corpus`), written as a Label Studio JSON export, so the run is reproducible;",
        "the same file shape comes out of a real server in `tests/test_annotate_labelstudio.py`.",
        "",
        "## Export and import",
        "",
        f"- 20 tasks exported in {t_export:.1f} s, imported in {t_import:.1f} s; "
        f"{report['imported']} of {report['tasks']} imported, output valid per `verify_gold.py`: {'yes' if valid else 'NO'}",
        f"- imported documents identical to the gold the annotator entered (spans, values, units, qualifiers, "
        f"subjects, project links): {same} of {len(picked)}",
        f"- what the annotator changed against the pre-annotations: {ch['added']} spans added, {ch['removed']} removed, "
        f"{ch['relabelled']} relabelled, {ch['resized']} resized, {ch['attributes']} attribute edits on kept spans "
        f"(" + ", ".join(f"{k} {v}" for k, v in sorted(report['attribute_edits'].items())) + ")",
        f"- pre-annotation vs corrected annotation: span F1 {agr['span_f1']['f1']:.3f}, "
        f"Cohen's kappa (characters) {agr['kappa']:.3f} over {agr['characters']} characters",
        "",
        "## Retraining and evaluation on the 30 held-out excerpts",
        "",
        f"{n_held} excerpts, scored by `jixiao evaluate` (strict spans, GUIDELINES.md section 4).",
        "",
        "| system | micro P | micro R | micro F1 | PROJECT F1 | facts F1 |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in results.items():
        m = s["micro"]
        lines.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                     f"{s['labels']['PROJECT']['f1']:.3f} | {s['facts']['f1']:.3f} |")
    if train_rows:
        lines += ["", "Models: BERT from scratch (2 layers, hidden 128, character vocabulary 3000), "
                  f"{a.epochs} epochs, CPU shared with other jobs; training time: " +
                  ", ".join(f"{n} {t:.0f} s" for n, t in train_rows) + ".",
                  "",
                  "Reading: at this data size (5 seed reports, 27k characters, plus 13k corrected) a model from",
                  "scratch is far behind the rules; the 20 corrected excerpts change its held-out scores, which is",
                  "what the loop is for, but the shipped pipeline should keep the rules until the model (pretrained",
                  "base, more corrected text) wins in cross-validation. With `policy merged` a weak model also",
                  "replaces the rules' PROJECT spans, hence PROJECT F1 0: the policy is only worth it with a",
                  "model that finds projects."]
    else:
        lines += ["", "(run without `--no-train` for the retrained models)"]
    lines += [
        "",
        "## Does `annotate rank` point at the right documents?",
        "",
        f"Over the {rank_check['docs']} gold excerpts, the rule-uncertainty score per character that "
        "`jixiao annotate rank` uses (no model) against the rules' actual error rate "
        "(spans missed or wrong per character, against gold): Spearman "
        f"{rank_check['spearman']:.2f}. The fifth of excerpts it ranks highest has "
        f"{rank_check['top_fifth_error_per_1k']:.1f} rule errors per 1000 characters, against "
        f"{rank_check['all_error_per_1k']:.1f} on average.",
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
