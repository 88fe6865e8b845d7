"""Fine-tuning the character model for MONEY/PERCENT/QUANTITY/PROJECT, and cross-validation.

``jixiao train --config configs/train.yaml`` trains on all gold and saves the shipped model;
``--cv 5`` instead trains one model per fold of documents (a document's windows are never in
its own fold's training) and scores every policy of ``configs/model.yaml`` on the held-out
documents with the same scorer as ``jixiao evaluate``.
"""
from __future__ import annotations

import copy
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..config import PROJECT_ROOT, load_config
from ..doc import Document
from .chars import CharEncoder, build_vocab, jieba_dictionary_chars
from .dataset import (SilverSettings, bio_names, gold_documents, gold_examples, rule_entities_of,
                      silver_documents, silver_examples, to_dataset)


@dataclass
class TrainSettings:
    gold: list[str]
    out_dir: str = "models/jixiao-zh-char"
    base: Optional[str] = None
    scratch: dict = field(default_factory=dict)
    window: int = 256
    stride: int = 224
    silver: Optional[dict] = None
    epochs: int = 10
    batch_size: int = 16
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    seed: int = 13
    threads: int = 2
    bf16: bool = True
    rule_hints: bool = True
    candidate_hints: bool = False
    hint_dropout: float = 0.0
    eval_every: int = 0
    max_steps: Optional[int] = None
    cv_folds: int = 5
    cv_dir: str = ".cache/cv"
    cv_policies: dict = field(default_factory=dict)
    dataset_dir: Optional[str] = None
    config_path: str = ""

    @classmethod
    def from_yaml(cls, path: str, **overrides) -> "TrainSettings":
        raw = load_config(str(path))
        flat = {"gold": raw["data"]["gold"], "window": raw["data"].get("window", 256),
                "stride": raw["data"].get("stride", 224), "silver": raw["data"].get("silver"),
                "dataset_dir": raw["data"].get("dataset_dir"), "out_dir": raw.get("out_dir", cls.out_dir),
                "base": raw.get("base"), "scratch": raw.get("scratch", {}), "config_path": str(path)}
        flat.update(raw.get("training", {}))
        cv = raw.get("cv", {})
        flat.update({"cv_folds": cv.get("folds", 5), "cv_dir": cv.get("dir", ".cache/cv"),
                     "cv_policies": cv.get("policies", {})})
        flat.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**flat)


def _path(p: str) -> Path:
    return Path(p) if Path(p).is_absolute() else PROJECT_ROOT / p


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def init_model(settings: TrainSettings, texts: Sequence[str], log: Callable = print):
    """Token classifier from ``base`` (a local checkpoint: the MLM-pretrained base or any HF
    BERT-style model) or, when there is none, a fresh BERT of ``scratch`` size."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer, BertConfig, BertForTokenClassification
    names = bio_names()
    id2label = dict(enumerate(names))
    label2id = {n: i for i, n in id2label.items()}
    base = _path(settings.base) if settings.base else None
    if base is not None and (base / "config.json").exists():
        log(f"base: {base}")
        tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        model = AutoModelForTokenClassification.from_pretrained(
            str(base), num_labels=len(names), id2label=id2label, label2id=label2id, local_files_only=True)
        return _with_hint_types(model, settings.rule_hints, settings.candidate_hints), tok
    if base is not None:
        log(f"base {base} not found (run `jixiao pretrain`); training from scratch")
    from .pretrain import make_tokenizer
    s = {"vocab_size": 6000, "hidden_size": 128, "num_layers": 3, "num_heads": 4,
         "intermediate_size": 512, "max_position": 514, **settings.scratch}
    vocab = build_vocab(texts, s["vocab_size"], extra_chars=jieba_dictionary_chars())
    tok = make_tokenizer(vocab)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=s["hidden_size"], num_hidden_layers=s["num_layers"],
                     num_attention_heads=s["num_heads"], intermediate_size=s["intermediate_size"],
                     max_position_embeddings=s["max_position"], pad_token_id=vocab.index("[PAD]"),
                     num_labels=len(names), id2label=id2label, label2id=label2id)
    return _with_hint_types(BertForTokenClassification(cfg), settings.rule_hints, settings.candidate_hints), tok


def _with_hint_types(model, on: bool, candidates: bool = False):
    """Widen the token-type embedding to the rule-hint types (and the candidate types)."""
    import torch
    from .dataset import CANDIDATE_TYPES, HINT_TYPES, bio_names
    assert HINT_TYPES == len(bio_names())
    model.config.jixiao_rule_hints = bool(on)
    model.config.jixiao_candidate_hints = bool(on and candidates)
    if not on:
        return model
    n_types = HINT_TYPES + (CANDIDATE_TYPES if candidates else 0)
    emb = model.get_input_embeddings()
    types = getattr(model.base_model.embeddings, "token_type_embeddings", None)
    if types is None:
        raise ValueError("rule_hints needs a model with token type embeddings (BERT-style)")
    if types.num_embeddings < n_types:
        new = torch.nn.Embedding(n_types, emb.embedding_dim)
        with torch.no_grad():  # distinct, salient rows: the hints are visible from the first step
            g = torch.Generator().manual_seed(0)
            new.weight[:] = types.weight[0] + 0.2 * torch.randn(n_types, emb.embedding_dim, generator=g)
            new.weight[0] = types.weight[0]
        model.base_model.embeddings.token_type_embeddings = new
        model.config.type_vocab_size = n_types
    return model


def _rows(dataset, enc: CharEncoder, hints: bool) -> list[tuple]:
    rows = []
    for ex in dataset:
        ids = [enc.cls_id] + enc.encode(ex["tokens"]) + [enc.sep_id]
        labels = [-100] + list(ex["ner_tags"]) + [-100]
        w = [0.0] + [ex["weight"] * m for m in ex["loss_mask"]] + [0.0]
        types = [0] + (list(ex["hints"]) if hints else [0] * len(ex["tokens"])) + [0]
        rows.append((ids, labels, w, types))
    return rows


def _batch(rows, pad_id: int):
    import torch
    n = max(len(r[0]) for r in rows)
    ids = torch.full((len(rows), n), pad_id, dtype=torch.long)
    labels = torch.full_like(ids, -100)
    weights = torch.zeros((len(rows), n), dtype=torch.float32)
    att = torch.zeros_like(ids)
    types = torch.zeros_like(ids)
    for i, (x, y, w, tt) in enumerate(rows):
        ids[i, :len(x)] = torch.tensor(x)
        labels[i, :len(y)] = torch.tensor(y)
        weights[i, :len(w)] = torch.tensor(w)
        types[i, :len(tt)] = torch.tensor(tt)
        att[i, :len(x)] = 1
    return ids, att, labels, weights, types


def fit(model, tok, datasets: list, settings: TrainSettings, evaluate: Optional[Callable] = None,
        log: Callable = print):
    """A plain AdamW loop with per-token weights (gold 1, silver its weight, masked 0)."""
    import torch
    torch.set_num_threads(settings.threads)
    _seed_everything(settings.seed)
    enc = CharEncoder.from_tokenizer(tok)
    model.config.jixiao_window = settings.window
    rows = [r for ds in datasets for r in _rows(ds, enc, settings.rule_hints)]
    steps_per_epoch = max(1, (len(rows) + settings.batch_size - 1) // settings.batch_size)
    total = steps_per_epoch * settings.epochs
    if settings.max_steps:
        total = min(total, settings.max_steps)
    opt = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    warm = max(1, int(settings.warmup_ratio * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    rng = random.Random(settings.seed)
    step, t0 = 0, time.perf_counter()
    log(f"training on {len(rows)} windows, {total} steps ({settings.epochs} epochs of {steps_per_epoch})")
    for epoch in range(1, settings.epochs + 1):
        model.train()
        rng.shuffle(rows)
        seen = 0.0
        for k in range(0, len(rows), settings.batch_size):
            ids, att, labels, weights, types = _batch(rows[k:k + settings.batch_size], enc.pad_id)
            if settings.hint_dropout:
                types = _drop_project_hints(types, settings.hint_dropout, rng)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
                logits = model(input_ids=ids, attention_mask=att, token_type_ids=types).logits
            per_token = torch.nn.functional.cross_entropy(
                logits.float().transpose(1, 2), labels.clamp(min=0), reduction="none")
            loss = (per_token * weights).sum() / weights.sum().clamp(min=1e-6)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            seen += loss.item()
            step += 1
            if step >= total:
                break
        log(f"epoch {epoch} loss {seen / steps_per_epoch:.4f} {time.perf_counter() - t0:.0f} s")
        if evaluate is not None and settings.eval_every and (epoch % settings.eval_every == 0 or step >= total):
            model.eval()
            log(f"epoch {epoch} eval: {evaluate(model, tok)}")
        if step >= total:
            break
    model.eval()
    return model


def _drop_project_hints(types, p: float, rng: random.Random):
    """Hide the rules' PROJECT hints in a share ``p`` of the windows, so the model also learns
    to find names the rules miss instead of only copying them."""
    names = bio_names()
    project = [names.index("B-PROJECT"), names.index("I-PROJECT")]
    for i in range(types.shape[0]):
        if rng.random() < p:
            row = types[i]
            row[(row == project[0]) | (row == project[1])] = 0
    return types


def training_sets(settings: TrainSettings, docs: Sequence[Document], silver_docs=None, rule_entities=None):
    if settings.rule_hints and rule_entities is None:
        rule_entities = rule_entities_of(docs)
    sets = [to_dataset(gold_examples(docs, settings.window, settings.stride,
                                     rule_entities if settings.rule_hints else None, settings.candidate_hints))]
    if settings.silver and silver_docs:
        s = SilverSettings(**settings.silver)
        sets.append(to_dataset(silver_examples(silver_docs, s, settings.window, settings.stride)))
    return sets


def _silver(settings: TrainSettings):
    return silver_documents(SilverSettings(**settings.silver)) if settings.silver else None


def train(settings: TrainSettings, log: Callable = print) -> Path:
    """Train on all gold (plus silver) and save the model, tokenizer and vocab to ``out_dir``."""
    from .pretrain import save_tokenizer
    docs = gold_documents(settings.gold)
    _seed_everything(settings.seed)
    model, tok = init_model(settings, [d.text for d in docs], log)
    sets = training_sets(settings, docs, _silver(settings))
    if settings.dataset_dir:
        from datasets import DatasetDict
        DatasetDict({"gold": sets[0], **({"silver": sets[1]} if len(sets) > 1 else {})}).save_to_disk(
            str(_path(settings.dataset_dir)))
    fit(model, tok, sets, settings, log=log)
    out = _path(settings.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    save_tokenizer(tok, out)
    (out / "training_settings.json").write_text(json.dumps(
        {k: v for k, v in settings.__dict__.items()}, ensure_ascii=False, indent=1, default=str))
    log(f"saved {out}")
    return out


# -- cross-validation ----------------------------------------------------------------------

def folds_of(docs: Sequence[Document], k: int) -> list[list[str]]:
    """Documents dealt into k folds longest first, so each fold gets a share of the long seeds."""
    order = sorted(docs, key=lambda d: (-len(d.text), d.id))
    folds: list[list[str]] = [[] for _ in range(k)]
    for i, d in enumerate(order):
        folds[i % k].append(d.id)
    return folds


def predict_with_policies(docs, tagger, rule_entities, policies: dict) -> dict[str, list[Document]]:
    """Held-out predictions of each policy: rules, model and their combinations, then the resolver."""
    from ..normalising import normalise
    from ..resolving import Resolver
    from .combine import combine
    from .component import policy_from
    resolver = Resolver()
    model_ents = dict(zip([d.id for d in docs], tagger.tag_many(
        [d.text for d in docs], [rule_entities[d.id] for d in docs]))) if tagger else {}
    out: dict[str, list[Document]] = {}
    for name, spec in policies.items():
        policy = policy_from(spec)
        preds = []
        for d in docs:
            doc = Document(id=d.id, text=d.text)
            doc.entities = combine(d.text, copy.deepcopy(rule_entities[d.id]),
                                   copy.deepcopy(model_ents.get(d.id, [])), policy)
            resolver(doc, normalise(d.text))
            preds.append(doc)
        out[name] = preds
    return out


DEFAULT_POLICIES = {
    "rules": {"policy": "rules"},
    "model": {"policy": "model"},
    "merged": {"policy": "merged", "model_labels": ["PROJECT"]},
}


def cross_validate(settings: TrainSettings, k: Optional[int] = None, log: Callable = print) -> dict:
    """Per-fold training and held-out scoring; writes ``cv_dir``/cv.json and returns it."""
    from ..evaluation import score
    from .infer import InferenceSettings, ModelTagger
    k = k or settings.cv_folds
    docs = gold_documents(settings.gold)
    by_id = {d.id: d for d in docs}
    policies = settings.cv_policies or DEFAULT_POLICIES
    folds = folds_of(docs, k)
    silver = _silver(settings)
    rules = rule_entities_of(docs)
    preds: dict[str, list[Document]] = {name: [] for name in policies}
    cv_dir = _path(settings.cv_dir)
    cv_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i, held in enumerate(folds):
        held_set = set(held)
        train_docs = [d for d in docs if d.id not in held_set]
        test_docs = [by_id[x] for x in held]
        assert not held_set & {d.id for d in train_docs}
        log(f"fold {i + 1}/{k}: {len(train_docs)} training documents, {len(test_docs)} held out")
        _seed_everything(settings.seed)
        model, tok = init_model(settings, [d.text for d in train_docs], log)

        def evaluate(m, t, test_docs=test_docs):
            tagger = ModelTagger(model=m, tokenizer=t, settings=InferenceSettings(threads=settings.threads))
            p = predict_with_policies(test_docs, tagger, rules, {"model": {"policy": "model"}})["model"]
            s = score(test_docs, p)
            return " ".join(f"{lab} {s.labels[lab].f1:.3f}" for lab in s.labels)

        fit(model, tok, training_sets(settings, train_docs, silver, rules), settings, evaluate, log)
        tagger = ModelTagger(model=model, tokenizer=tok, settings=InferenceSettings(threads=settings.threads))
        fold_preds = predict_with_policies(test_docs, tagger, rules, policies)
        for name, p in fold_preds.items():
            preds[name] += p
        with open(cv_dir / f"fold{i + 1}.jsonl", "w", encoding="utf-8") as f:
            for d in fold_preds.get("model", []):
                f.write(json.dumps(d.to_json(), ensure_ascii=False) + "\n")
        fold_scores = {n: score(test_docs, p) for n, p in fold_preds.items()}
        log(f"fold {i + 1} done at {time.perf_counter() - t0:.0f} s: " + "; ".join(
            f"{n} PROJECT {s.labels['PROJECT'].f1:.3f} micro {s.micro.f1:.3f}" for n, s in fold_scores.items()))
    result = {
        "folds": folds, "settings": {k2: v for k2, v in settings.__dict__.items()},
        "policies": policies,
        "scores": {name: score(docs, p).to_json() for name, p in preds.items()},
        "seconds": round(time.perf_counter() - t0),
    }
    # a tie goes to the policy that runs the model (the default pipeline is to use it; its speed
    # stays above the 20k chars/s goal), and among those to the most cautious one
    best = max(result["scores"], key=lambda n: (result["scores"][n]["micro"]["f1"], result["scores"][n]["facts"]["f1"],
                                                policies[n].get("policy") != "rules",
                                                float(policies[n].get("min_confidence", 0.5))))
    result["best"] = best
    (cv_dir / "cv.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    return result


def cv_table(result: dict) -> str:
    """Markdown table of the cross-validation scores (pooled over all held-out documents)."""
    labels = ["MONEY", "PERCENT", "QUANTITY", "PROJECT"]
    head = "| policy | " + " | ".join(f"{lab} P / R / F1" for lab in labels) + " | micro F1 | facts F1 |"
    lines = [head, "|" + "---|" * (len(labels) + 3)]
    for name, s in result["scores"].items():
        cells = [f"{s['labels'][lab]['precision']:.3f} / {s['labels'][lab]['recall']:.3f} / "
                 f"**{s['labels'][lab]['f1']:.3f}**" for lab in labels]
        best = " (default)" if name == result.get("best") else ""
        lines.append(f"| {name}{best} | " + " | ".join(cells) + f" | {s['micro']['f1']:.3f} | {s['facts']['f1']:.3f} |")
    return "\n".join(lines)


def main(config: str = "configs/train.yaml", cv: Optional[int] = None, **overrides) -> None:
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    settings = TrainSettings.from_yaml(config, **overrides)
    if cv:
        result = cross_validate(settings, cv, log)
        print(cv_table(result))
        print(f"\nbest policy by micro F1: {result['best']}  ({result['seconds']} s; {settings.cv_dir}/cv.json)")
    else:
        train(settings, log)
