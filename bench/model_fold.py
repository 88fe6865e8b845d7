"""One fold of the cross-validation by document, for comparing model settings side by side:
train on the other folds, score the held-out documents as the default pipeline tags them (the
model's names, gated reading, the resolver), and a sample of the training documents beside them.

    .venv/bin/python bench/model_fold.py OUT.json [--fold 1] [--folds 5] [--config train] [--set KEY=VALUE ...]
                                         [--save DIR | --model DIR]     # keep the fold's model / score a kept one
    .venv/bin/python bench/model_fold.py --table RESULT.json ...      # a markdown table of results

``--set`` overrides a setting of configs/train.yaml (VALUE read as YAML: ``base=null``,
``top_layers=0``).  The folds are those of ``jixiao train --cv`` (pipeline/model/cv.py).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run(out: str, fold: int, k: int, config: str, overrides: dict, save: str | None = None,
        model_dir: str | None = None) -> dict:
    from pipeline.config import load_config, settings
    from pipeline.model.cv import folds_of, policy, predict, rules_only
    from pipeline.model.infer import InferenceSettings, ModelTagger
    from pipeline.model.train import TrainSettings, gold_documents, train_on
    s = settings(TrainSettings, {**load_config(config), **overrides})  # an explicit null (base=null) stays null
    docs = gold_documents(s.gold)
    held = set(folds_of(docs, k)[fold - 1])
    train = [d for d in docs if d.id not in held]
    test = [d for d in docs if d.id in held]
    model_cfg = load_config("model")
    inference = settings(InferenceSettings, model_cfg["inference"], threads=s.threads)
    seconds = None
    if model_dir:
        tagger = ModelTagger(model_dir, inference)
    else:
        t0 = time.time()
        model, tok = train_on(train, s, lambda m: print(m, file=sys.stderr, flush=True))
        seconds = round(time.time() - t0)
        if save:
            model.save_pretrained(save)
            tok.save_pretrained(save)
        tagger = ModelTagger(None, inference, model=model, tokenizer=tok)
    result = {"fold": fold, "folds": k, "overrides": overrides, "train_documents": len(train),
              "held_documents": len(test), "train_seconds": seconds}
    for name, part in (("held", test), ("train_sample", train[:40])):
        preds = predict(part, tagger, {"default": policy({})}, model_cfg["gate"], model_cfg["context"],
                        s.pipeline)["default"]
        result[name] = _scores(part, preds)
    result["held_rules_only"] = _scores(test, rules_only(test))
    Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return result


def _scores(gold, preds) -> dict:
    from pipeline.evaluation import score
    sc = score(gold, preds).to_json()
    p = sc["labels"]["PROJECT"]
    return {**{label: v["f1"] for label, v in sc["labels"].items()}, "PROJECT_P": p["precision"],
            "PROJECT_R": p["recall"], "PROJECT_one_boundary": sc["one_boundary"]["PROJECT"]["f1"],
            "project_link": sc["project_link"]["f1"], "facts": sc["facts"]["f1"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--fold", type=int, default=1)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--config", default="train")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--save", metavar="DIR", help="keep the fold's model here")
    ap.add_argument("--model", metavar="DIR", help="score this fold's kept model instead of training")
    ap.add_argument("--table", nargs="+", metavar="RESULT.json")
    a = ap.parse_args()
    if a.table:
        from pipeline.model.cv import fold_table
        print(fold_table([json.loads(Path(p).read_text(encoding="utf-8")) for p in a.table]))
        return
    overrides = {k: yaml.safe_load(v) for k, v in (kv.split("=", 1) for kv in a.set)}
    print(json.dumps(run(a.out, a.fold, a.folds, a.config, overrides, a.save, a.model), ensure_ascii=False))


if __name__ == "__main__":
    main()
