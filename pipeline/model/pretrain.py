"""Bases for the token classifier that are grown here: a small character-level BERT pretrained
with masked-language modelling on the unlabelled corpus (``jixiao pretrain``).

The shipped model starts from Baidu LAC instead (``jixiao pretrain --lac``, pipeline/model/lac.py);
this base is kept so that the two can be compared in cross-validation.  ``base:`` in
configs/train.yaml may also name any local Hugging Face checkpoint.
"""
from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..config import project_path, settings as load_settings


@dataclass
class PretrainSettings:
    """configs/pretrain.yaml."""

    corpus: list[str]
    out_dir: str
    lac_out_dir: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    max_position: int
    seq_len: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_ratio: float
    max_steps: int
    max_minutes: float
    mask_prob: float
    seed: int
    threads: int


def read_texts(paths: list[str]) -> list[str]:
    """Raw texts from .jsonl/.json (field ``text``) and .txt files or directories of them."""
    out: list[str] = []
    for p in paths:
        path = project_path(p)
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".jsonl":
                out += [json.loads(line)["text"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
            elif f.suffix == ".json":
                obj = json.loads(f.read_text(encoding="utf-8"))
                out += [o["text"] for o in (obj if isinstance(obj, list) else [obj])]
            elif f.suffix == ".txt":
                out.append(f.read_text(encoding="utf-8"))
    return out


def pretrain(s: PretrainSettings, log=print) -> Path:
    """Masked-LM pretraining of a character BERT with ``Trainer`` and ``DataCollatorForLanguageModeling``;
    stops at ``max_steps`` or ``max_minutes`` and saves the base in ``out_dir``."""
    import time
    import torch
    from transformers import (BertConfig, BertForMaskedLM, DataCollatorForLanguageModeling, Trainer,
                              TrainerCallback, TrainingArguments)
    from .features import LAYOUT, CharEncoder
    from .tokenizer import make_tokenizer
    torch.set_num_threads(s.threads)
    texts = read_texts(s.corpus)
    counts = Counter(c for t in texts for c in t if not c.isspace())
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + LAYOUT + [c for c, _ in counts.most_common(s.vocab_size)]
    tok = make_tokenizer(vocab)
    tok.add_special_tokens({"cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]"})
    enc = CharEncoder(tok)
    chunks = [{"input_ids": ids[a:a + s.seq_len]} for t in texts for ids in [enc.encode(t)]
              for a in range(0, len(ids), s.seq_len) if len(ids[a:a + s.seq_len]) >= 16]
    model = BertForMaskedLM(BertConfig(vocab_size=len(vocab), hidden_size=s.hidden_size, num_hidden_layers=s.num_layers,
                                       num_attention_heads=s.num_heads, intermediate_size=s.intermediate_size,
                                       max_position_embeddings=s.max_position, pad_token_id=0))
    deadline = time.monotonic() + 60 * s.max_minutes

    class _Deadline(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            control.should_training_stop = time.monotonic() > deadline

    log(f"{len(texts)} texts, {len(chunks)} sequences of <= {s.seq_len}, vocabulary {len(vocab)}")
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, per_device_train_batch_size=s.batch_size, max_steps=s.max_steps,
                                 learning_rate=s.learning_rate, weight_decay=s.weight_decay,
                                 warmup_steps=int(s.warmup_ratio * s.max_steps), logging_steps=50, save_strategy="no", report_to=[],
                                 use_cpu=True, seed=s.seed, dataloader_num_workers=0, disable_tqdm=True)
        collator = DataCollatorForLanguageModeling(tok, mlm_probability=s.mask_prob)
        Trainer(model=model, args=args, train_dataset=chunks, data_collator=collator,
                callbacks=[_Deadline()]).train()
    out = project_path(s.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    log(f"saved {out}")
    return out


def main(config: str = "pretrain", **overrides) -> Path:
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    s = load_settings(PretrainSettings, config, **overrides)
    return pretrain(s, log=lambda m: print(m, file=sys.stderr, flush=True))
