"""How the model's names combine with the rules', on the held-out documents of one CV fold: the
merged policy at several ``min_confidence``, and the union with the PROJECT rules' surest names
(``rule_min_confidence``), scored on all held-out documents and on those of excerpts2 alone (the
rules were written on the seeds and corpus excerpts, so their scores there are development scores).

    .venv/bin/python bench/policy_grid.py FOLD_MODEL_DIR [--fold 1] [--folds 5]

FOLD_MODEL_DIR: a model trained without that fold (``bench/model_fold.py OUT --save DIR``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the default pipeline with the PROJECT rules before the model, so a policy can keep their names
UNION = {"components": [{"name": "tables"}, {"name": "rule_tagger"}, {"name": "project_tagger"},
                        {"name": "project_cues"}, {"name": "model_tagger"}]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--fold", type=int, default=1)
    ap.add_argument("--folds", type=int, default=5)
    a = ap.parse_args()
    from pipeline.config import load_config, settings
    from pipeline.evaluation import load_documents, score
    from pipeline.model.cv import folds_of, policy, predict, rules_only
    from pipeline.model.infer import InferenceSettings, ModelTagger
    from pipeline.model.train import TrainSettings, gold_documents
    docs = gold_documents(TrainSettings.load("train").gold)
    held = set(folds_of(docs, a.folds)[a.fold - 1])
    test = [d for d in docs if d.id in held]
    tagger = ModelTagger(a.model, settings(InferenceSettings, load_config("model")["inference"], threads=1))
    policies = {}
    for mc in (0.4, 0.5, 0.6):
        policies[f"model names, min_confidence {mc}"] = policy({"min_confidence": mc})
        for rc in (0.0, 0.85, 0.9):
            policies[f"+ rule names >= {rc}, min_confidence {mc}"] = policy({"min_confidence": mc,
                                                                             "rule_min_confidence": rc})
    model_cfg = load_config("model")
    out = predict(test, tagger, policies, model_cfg["gate"], model_cfg["context"], UNION)
    out["rules-only pipeline"] = rules_only(test)
    old = {d.id for d in load_documents(ROOT / "annotations/gold/seeds") + load_documents(ROOT / "annotations/gold/corpus")}
    new = [i for i, d in enumerate(test) if d.id not in old]
    print(f"fold {a.fold} of {a.folds}: {len(test)} held-out documents, {len(new)} of them from excerpts2\n")
    print("| policy | all held-out: PROJECT P / R / F1 | one boundary | link F1 | excerpts2 only: PROJECT P / R / F1 "
          "| one boundary | link F1 |\n|---|---|---:|---:|---|---:|---:|")
    for name, preds in out.items():
        cells = []
        for idx in (range(len(test)), new):
            sc = score([test[i] for i in idx], [preds[i] for i in idx]).to_json()
            p = sc["labels"]["PROJECT"]
            cells.append(f"{p['precision']:.3f} / {p['recall']:.3f} / **{p['f1']:.3f}** | "
                         f"{sc['one_boundary']['PROJECT']['f1']:.3f} | {sc['project_link']['f1']:.3f}")
        print(f"| {name} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
