"""Tagging text with the fine-tuned character model.

Documents of any length are cut into overlapping windows, run in batches under
``torch.inference_mode``, and the windows' probabilities are averaged per character before
BIO decoding, so an entity cut by one window's edge is whole in its neighbour.  Each entity
gets a confidence: the mean probability of its characters' winning tags.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..config import PROJECT_ROOT
from ..doc import Entity
from .chars import CharEncoder, windows
from .dataset import spans_from_tags

DEFAULT_MODEL = "models/jixiao-zh-char"


@dataclass
class InferenceSettings:
    window: int = 256
    stride: int = 224
    batch_size: int = 32
    threads: int = 2
    quantize: Optional[str] = None  # None | "dynamic-int8" | "bf16"


def resolve_model_dir(path: str | Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p


class ModelTagger:
    """Character-level token classifier loaded from a local directory (never downloads)."""

    def __init__(self, model_dir: str | Path = DEFAULT_MODEL, settings: Optional[InferenceSettings] = None,
                 model=None, tokenizer=None):
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer
        self.settings = settings or InferenceSettings()
        if self.settings.threads:
            torch.set_num_threads(self.settings.threads)
        d = resolve_model_dir(model_dir)
        if model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            model = AutoModelForTokenClassification.from_pretrained(str(d), local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(str(d), local_files_only=True)
        model.eval()
        if self.settings.quantize == "dynamic-int8":
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model
        self.encoder = CharEncoder.from_tokenizer(tokenizer)
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        max_pos = getattr(model.config, "max_position_embeddings", 512)
        self.window = min(self.settings.window, max_pos - 2)
        self.stride = min(self.settings.stride, self.window)

    def probabilities(self, texts: Sequence[str]):
        """Per-character tag probabilities (numpy ``len(text) x n_tags``) for each text."""
        import numpy as np
        import torch
        enc = self.encoder
        jobs = []  # (text index, start, ids)
        for ti, t in enumerate(texts):
            ids = enc.encode(t)
            for a, b in windows(len(t), self.window, self.stride):
                if b > a:
                    jobs.append((ti, a, ids[a:b]))
        n_tags = len(self.id2label)
        sums = [np.zeros((len(t), n_tags), dtype=np.float32) for t in texts]
        counts = [np.zeros((len(t), 1), dtype=np.float32) for t in texts]
        jobs.sort(key=lambda j: len(j[2]))
        bf16 = self.settings.quantize == "bf16"
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for k in range(0, len(jobs), self.settings.batch_size):
                batch = jobs[k:k + self.settings.batch_size]
                n = max(len(j[2]) for j in batch) + 2
                ids = torch.full((len(batch), n), enc.pad_id, dtype=torch.long)
                att = torch.zeros_like(ids)
                for i, (_, _, w) in enumerate(batch):
                    ids[i, :len(w) + 2] = torch.tensor([enc.cls_id] + w + [enc.sep_id])
                    att[i, :len(w) + 2] = 1
                probs = torch.softmax(self.model(input_ids=ids, attention_mask=att).logits.float(), -1).numpy()
                for i, (ti, a, w) in enumerate(batch):
                    sums[ti][a:a + len(w)] += probs[i, 1:len(w) + 1]
                    counts[ti][a:a + len(w)] += 1
        return [s / np.maximum(c, 1) for s, c in zip(sums, counts)]

    def tag_many(self, texts: Sequence[str]) -> list[list[Entity]]:
        out = []
        for text, probs in zip(texts, self.probabilities(texts)):
            best = probs.argmax(-1)
            tags = [self.id2label[int(i)] for i in best]
            ents = []
            for a, b, label in spans_from_tags(tags):
                conf = float(probs[range(a, b), best[a:b]].mean())
                ents.append(Entity(start=a, end=b, label=label, text=text[a:b], confidence=conf, source="model"))
            out.append(ents)
        return out

    def __call__(self, text: str) -> list[Entity]:
        return self.tag_many([text])[0]
