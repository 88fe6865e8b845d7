"""The model card (README.md next to the weights): what the model was trained on, how, with
which command, and how it scores in cross-validation."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from ..config import PROJECT_ROOT
from .train import cv_table


def _abs(p: Path) -> Path:
    return p if p.is_absolute() else PROJECT_ROOT / p


def write_card(model_dir: Path, cv_path: Path, bench_path: Optional[Path] = None) -> Path:
    model_dir, cv_path = _abs(Path(model_dir)), _abs(Path(cv_path))
    cfg = json.loads((model_dir / "config.json").read_text())
    train = json.loads((model_dir / "training_settings.json").read_text())
    pre_state = None
    base = train.get("base")
    if base and (_abs(Path(base)) / "pretrain_state.json").exists():
        pre_state = json.loads((_abs(Path(base)) / "pretrain_state.json").read_text())
    size_mb = sum(f.stat().st_size for f in model_dir.iterdir() if f.is_file()) / 1e6
    n_params = None
    try:
        from safetensors import safe_open
        with safe_open(str(model_dir / "model.safetensors"), "pt") as f:
            n_params = sum(_prod(f.get_slice(k).get_shape()) for k in f.keys())
    except Exception:  # the card still says everything else
        pass
    lines = [
        "# jixiao-zh-char: character-level tagger for Chinese performance reports",
        "",
        "A small BERT (`BertForTokenClassification`) that tags every character of a report with BIO tags "
        "for MONEY, PERCENT, QUANTITY and PROJECT (annotations/GUIDELINES.md). It is used by the "
        "`model_tagger` pipeline component (configs/model.yaml), which combines it with the rules.",
        "",
        "## Model",
        f"- {cfg.get('num_hidden_layers')} layers, hidden {cfg.get('hidden_size')}, {cfg.get('num_attention_heads')} heads, "
        f"FFN {cfg.get('intermediate_size')}, vocabulary {cfg.get('vocab_size')} characters"
        + (f", {n_params / 1e6:.1f}M parameters" if n_params else "") + f"; files {size_mb:.1f} MB.",
        "- One token per character (pipeline/model/chars.py): `vocab.txt` lists the characters; newline, tab "
        "and space are the tokens `[NL]`, `[TAB]`, `[SPACE]`; `##0`..`##9` let a word-piece tokenizer "
        "loaded from this directory split numbers digit by digit.",
        "- Rule hints: the rules' own BIO tag at each character is the model's token type "
        f"(`token_type_ids`, {cfg.get('type_vocab_size')} types; `jixiao_rule_hints` in config.json), so the model "
        "learns where to trust the rules; `ModelTagger` runs the rules itself when the caller gives no entities."
        + (" With `jixiao_candidate_hints`, the names the rules doubt and do not output "
           "(`ProjectTagger.candidates`: unspecific X项目, unmarked sites, items listed beside them) have two "
           "types of their own, and the model judges them." if cfg.get("jixiao_candidate_hints") else ""),
        f"- Labels: {', '.join(cfg['id2label'][str(i)] for i in range(len(cfg['id2label'])))}.",
        "- Load offline: `AutoModelForTokenClassification.from_pretrained(dir, local_files_only=True)`; "
        "use `pipeline.model.infer.ModelTagger(dir)` for documents of any length.",
        "",
        "## Data",
        f"- Fine-tuning: all gold documents of {', '.join(train['gold'])} (55 documents, seeds and corpus), "
        f"windows of {train['window']} characters starting every {train['stride']}; silver: "
        f"{'none' if not train.get('silver') else json.dumps(train['silver'], ensure_ascii=False)}.",
        f"- Base: `{base}`" + (f" (masked-LM pretraining, `jixiao pretrain --config configs/pretrain.yaml`, on "
                               f"annotations/unlabelled/government_work_reports.jsonl only; {pre_state['step']} steps, "
                               f"held-out MLM loss {pre_state['held_out_mlm_loss']})" if pre_state else "") + ".",
        "  The gold texts were not used in pretraining, so cross-validation folds never saw their test text.",
        "",
        "## Settings",
        f"epochs {train['epochs']}, batch {train['batch_size']}, learning rate {train['learning_rate']} "
        f"(AdamW, warm-up {train['warmup_ratio']}, linear decay), weight decay {train['weight_decay']}, "
        f"seed {train['seed']}, {train['threads']} CPU threads, bf16 autocast {train['bf16']}.",
        "",
        "## Reproduce",
        "```bash",
        "jixiao pretrain --config configs/pretrain.yaml        # -> .cache/jixiao-base",
        f"jixiao train --config {train.get('config_path') or 'configs/train.yaml'} --cv 5   # cross-validation table",
        f"jixiao train --config {train.get('config_path') or 'configs/train.yaml'}          # -> {train['out_dir']}",
        "jixiao package                                         # this card",
        "```",
    ]
    if cv_path.exists():
        cv = json.loads(cv_path.read_text())
        lines += ["", "## Cross-validation",
                  f"{len(cv['folds'])} folds by document over the 55 gold documents (each fold's documents never "
                  "in its training); entities scored strictly (span and label) with `pipeline.evaluation.score`, "
                  "pooled over all held-out documents; facts as in GUIDELINES.md section 4. "
                  f"Policies: {json.dumps(cv['policies'], ensure_ascii=False)}.", "", cv_table(cv), "",
                  f"Best by micro F1 (a tie goes to the policy that runs the model, then to the most cautious "
                  f"one): `{cv['best']}`; configs/model.yaml holds it and configs/pipeline.yaml runs it "
                  f"(configs/pipeline-rules.yaml leaves the model out). {_against_rules(cv)} The rules were "
                  "written while reading this same gold, so their row is a development score, not a held-out "
                  "one; the model is held-out (it never trained on the documents it is scored on). "
                  f"Cross-validation took {cv['seconds'] / 60:.0f} minutes on 2 shared CPU cores."]
    if bench_path and _abs(Path(bench_path)).exists():
        bench = json.loads(_abs(Path(bench_path)).read_text())
        lines += ["", "## Speed (bench/bench_model.py, 2 threads)", "", "| system | chars/s | peak RSS MB |", "|---|---|---|"]
        lines += [f"| {r['system']} | {r['chars_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |" for r in bench["rows"]]
    lines += ["", "## Limits",
              "Trained on 55 documents of one genre (land and housing expropriation agencies' self-evaluation "
              "reports); expect lower scores on other report types. Numbers are best taken from the rules "
              "(merged policy), which also give their values."]
    out = model_dir / "README.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _against_rules(cv: dict) -> str:
    """What the best policy gains over the rules alone, said plainly (a tie is a tie)."""
    best, rules = cv["scores"][cv["best"]], cv["scores"].get("rules")
    if rules is None or cv["best"] == "rules":
        return ""
    gain = best["micro"]["f1"] - rules["micro"]["f1"]
    project = best["labels"]["PROJECT"]["f1"] - rules["labels"]["PROJECT"]["f1"]
    if abs(gain) < 5e-4 and abs(project) < 5e-4:
        return ("It ties the rules alone: on these documents the model adds no entity the rules miss and "
                "removes none they find.")
    return f"Against the rules alone: micro F1 {gain:+.3f}, PROJECT F1 {project:+.3f}."
