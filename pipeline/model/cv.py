"""Cross-validation by document: k folds, a model trained per fold, every policy scored on the
held-out documents with the scorer of ``jixiao evaluate``; the rules-only pipeline beside them.

A document's windows are never in its own fold's training.  Scores are pooled over all held-out
documents (``cv_dir``/cv.json, and ``cv_table`` for the README and the model card).
"""
from __future__ import annotations

import copy
import json
import time
from typing import Callable, Sequence

from ..config import load_config, project_path, settings
from ..doc import Document
from .combine import Policy, combine
from .train import TrainSettings, featurise, gold_documents, train_on


def folds_of(docs: Sequence[Document], k: int) -> list[list[str]]:
    """Documents dealt into k folds longest first, so each fold gets a share of the long ones."""
    order = sorted(docs, key=lambda d: (-len(d.text), d.id))
    folds: list[list[str]] = [[] for _ in range(k)]
    for i, d in enumerate(order):
        folds[i % k].append(d.id)
    return folds


def policy(spec: dict) -> Policy:
    """A policy of the cross-validation: configs/model.yaml ``policy`` with ``spec`` over it."""
    return settings(Policy, {**load_config("model")["policy"], **spec})


def predict(docs: Sequence[Document], tagger, policies: dict[str, Policy], gate: bool, context: int,
            pipeline: str | dict) -> dict[str, list[Document]]:
    """Held-out predictions of each policy, then the resolver, as the default pipeline makes them."""
    from ..normalising import normalise
    from ..resolving import Resolver
    from .component import reading_spans
    resolver = Resolver()
    featured = featurise(docs, pipeline)
    spans = [reading_spans(d, context) if gate else [(0, len(d.text))] for d in featured]
    found = tagger.tag_many(featured, spans)
    out: dict[str, list[Document]] = {}
    for name, p in policies.items():
        preds = []
        for d, ents in zip(featured, found):
            doc = Document(id=d.id, text=d.text, tables=d.tables)
            doc.entities = combine(d.text, copy.deepcopy(d.entities), copy.deepcopy(ents), p)
            resolver(doc, normalise(d.text))
            preds.append(doc)
        out[name] = preds
    return out


def rules_only(docs: Sequence[Document]) -> list[Document]:
    from ..language import Pipeline
    nlp = Pipeline.from_config("pipeline-rules")
    return [nlp(Document(id=d.id, text=d.text)) for d in docs]


def cross_validate(s: TrainSettings, k: int, log: Callable = print) -> dict:
    """Per-fold training and held-out scoring; writes ``cv.dir``/cv.json and returns it."""
    from ..evaluation import score
    from .infer import InferenceSettings, ModelTagger
    docs = gold_documents(s.gold)
    by_id = {d.id: d for d in docs}
    policies = {name: policy(spec) for name, spec in s.cv["policies"].items()}
    model_cfg = load_config("model")
    inference = settings(InferenceSettings, model_cfg["inference"], threads=s.threads)
    preds: dict[str, list[Document]] = {name: [] for name in policies}
    preds["rules-only pipeline"] = rules_only(docs)
    out_dir = project_path(s.cv["dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    folds = folds_of(docs, k)
    t0 = time.perf_counter()
    held_order: list[Document] = []
    for i, held in enumerate(folds, 1):
        held_set = set(held)
        train_docs = [d for d in docs if d.id not in held_set]
        test_docs = [by_id[x] for x in held]
        log(f"fold {i}/{k}: {len(train_docs)} training documents, {len(test_docs)} held out")
        model, tok = train_on(train_docs, s, log)
        tagger = ModelTagger(None, inference, model=model, tokenizer=tok)
        fold = predict(test_docs, tagger, policies, model_cfg["gate"], model_cfg["context"], s.pipeline)
        for name, p in fold.items():
            preds[name] += p
        held_order += test_docs
        with open(out_dir / f"fold{i}.jsonl", "w", encoding="utf-8") as f:
            for d in fold.get("model", []):
                f.write(json.dumps(d.to_json(), ensure_ascii=False) + "\n")
        log(f"fold {i} done at {time.perf_counter() - t0:.0f} s: " + "; ".join(
            f"{n} PROJECT {score(test_docs, p).labels['PROJECT'].f1:.3f}" for n, p in fold.items()))
    rules = {d.id: d for d in preds["rules-only pipeline"]}
    preds["rules-only pipeline"] = [rules[d.id] for d in held_order]
    result = {"folds": folds, "settings": s.__dict__, "seconds": round(time.perf_counter() - t0),
              "scores": {name: score(held_order, p).to_json() for name, p in preds.items()}}
    (out_dir / "cv.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return result


def cv_table(result: dict) -> str:
    """Markdown table of the pooled held-out scores."""
    labels = ["MONEY", "PERCENT", "QUANTITY"]
    lines = ["| policy | " + " | ".join(f"{lab} F1" for lab in labels)
             + " | PROJECT P / R / F1 | PROJECT one boundary F1 | project-link F1 | fact F1 |",
             "|---|" + "---:|" * (len(labels) + 4)]
    for name, sc in result["scores"].items():
        p = sc["labels"]["PROJECT"]
        one = sc.get("one_boundary", {}).get("PROJECT", {}).get("f1")
        lines.append(f"| {name} | " + " | ".join(f"{sc['labels'][lab]['f1']:.3f}" for lab in labels)
                     + f" | {p['precision']:.3f} / {p['recall']:.3f} / **{p['f1']:.3f}**"
                     + f" | {'' if one is None else f'{one:.3f}'} | {sc['project_link']['f1']:.3f}"
                     + f" | {sc['facts']['f1']:.3f} |")
    return "\n".join(lines)


def fold_table(results: Sequence[dict]) -> str:
    """Markdown table of single-fold results (bench/model_fold.py), each fold's rows followed by the
    rules-only pipeline on the same held-out documents; with several folds, their means last."""
    rows = ["| settings (over configs/train.yaml) | held-out PROJECT P / R / F1 | one boundary | MONEY F1 "
            "| QUANTITY F1 | training-sample PROJECT F1 |", "|---|---|---:|---:|---:|---:|"]
    keys = ("PROJECT_P", "PROJECT_R", "PROJECT", "PROJECT_one_boundary", "MONEY", "QUANTITY")

    def row(name: str, h: dict, train: str) -> str:
        return (f"| {name} | {h['PROJECT_P']:.3f} / {h['PROJECT_R']:.3f} / **{h['PROJECT']:.3f}** | "
                f"{h['PROJECT_one_boundary']:.3f} | {h['MONEY']:.3f} | {h['QUANTITY']:.3f} | {train} |")

    def settings_of(r: dict) -> str:
        return ", ".join(f"{k}={v}" for k, v in r["overrides"].items() if k != "threads") or "configs/train.yaml as is"

    folds = sorted({r["fold"] for r in results})
    prefix = (lambda f: f"fold {f}: ") if len(folds) > 1 else (lambda f: "")
    for f in folds:
        mine = [r for r in results if r["fold"] == f]
        rows += [row(prefix(f) + settings_of(r), r["held"], f"{r['train_sample']['PROJECT']:.3f}") for r in mine]
        rows.append(row(prefix(f) + "rules-only pipeline", mine[0]["held_rules_only"], "–"))
    if len(folds) > 1:
        for name in dict.fromkeys(settings_of(r) for r in results):
            same = [r for r in results if settings_of(r) == name]
            if len(same) == len(folds):
                rows.append(row(f"mean of {len(folds)} folds: {name}",
                                {k: sum(r["held"][k] for r in same) / len(same) for k in keys}, "–"))
        first = [next(r for r in results if r["fold"] == f) for f in folds]
        rows.append(row(f"mean of {len(folds)} folds: rules-only pipeline",
                        {k: sum(r["held_rules_only"][k] for r in first) / len(first) for k in keys}, "–"))
    return "\n".join(rows)
