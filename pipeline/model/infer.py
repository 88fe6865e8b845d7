"""Tagging text with the fine-tuned character model.

Documents of any length are cut into overlapping windows, run in batches under
``torch.inference_mode``, and the windows' probabilities are averaged per character before
BIO decoding, so an entity cut by one window's edge is whole in its neighbour.  Decoding is
constrained (Viterbi over log-probabilities, no ``I-X`` after ``O`` or after another label), so a
name whose first character the model doubts comes out whole or not at all instead of as
fragments.  Each entity gets a confidence: the mean probability of its characters' tags.
"""
from __future__ import annotations

import os
import warnings
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
    window: Optional[int] = None  # default: the window the model was trained on
    stride: Optional[int] = None
    batch_size: int = 32
    threads: int = 2
    quantize: Optional[str] = None  # None | "dynamic-int8" | "bf16"


def resolve_model_dir(path: str | Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p


def viterbi_bio(probs, names: Sequence[str]):
    """The most probable tag sequence (indices) that is valid BIO: ``I-X`` only after ``B-X`` or
    ``I-X``.  ``probs`` is ``len(text) x len(names)``; per-character argmax would emit stray
    ``I-`` fragments where the model is unsure where a name starts."""
    import numpy as np
    n, k = probs.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    logp = np.log(np.clip(probs, 1e-9, 1.0))
    kind = [t.partition("-")[0] for t in names]
    lab = [t.partition("-")[2] for t in names]
    allowed = np.array([[kind[j] != "I" or lab[i] == lab[j] and kind[i] in "BI" for j in range(k)]
                        for i in range(k)])
    penalty = np.where(allowed, 0.0, -np.inf)
    start_ok = np.array([kd != "I" for kd in kind])
    score = np.where(start_ok, logp[0], -np.inf)
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        cand = score[:, None] + penalty
        back[t] = cand.argmax(0)
        score = cand[back[t], np.arange(k)] + logp[t]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(score.argmax())
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


class ModelTagger:
    """Character-level token classifier loaded from a local directory (never downloads)."""

    def __init__(self, model_dir: str | Path = DEFAULT_MODEL, settings: Optional[InferenceSettings] = None,
                 model=None, tokenizer=None):
        import torch
        from transformers import AutoModelForTokenClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging
        hf_logging.disable_progress_bar()
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
            with warnings.catch_warnings():  # torch 2.10+ warns that this API moves to torchao; it still works
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model
        self.encoder = CharEncoder.from_tokenizer(tokenizer)
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.rule_hints = bool(getattr(model.config, "jixiao_rule_hints", False))
        self.candidate_hints = bool(getattr(model.config, "jixiao_candidate_hints", False))
        max_pos = getattr(model.config, "max_position_embeddings", 512)
        trained = getattr(model.config, "jixiao_window", None) or 256
        self.window = min(self.settings.window or trained, max_pos - 2)
        self.stride = min(self.settings.stride or max(1, self.window * 3 // 4), self.window)

    def _hints(self, texts: Sequence[str], rule_entities) -> list[list[int]]:
        """Token types from the rules' entities (run here when the caller has none)."""
        from .dataset import hints_for, rule_pipeline
        if not self.rule_hints:
            return [[0] * len(t) for t in texts]
        if rule_entities is None:
            from ..doc import Document
            rule_entities = [rule_pipeline()(Document(id="hint", text=t)).entities for t in texts]
        return [hints_for(t, ents, self.candidate_hints) for t, ents in zip(texts, rule_entities)]

    def windows_of(self, texts: Sequence[str], rule_entities=None) -> list[tuple]:
        """(text index, start, character ids, hints) of every window, shortest first so that
        a batch pads little."""
        hints = self._hints(texts, rule_entities)
        jobs = []
        for ti, t in enumerate(texts):
            ids = self.encoder.encode(t)
            for a, b in windows(len(t), self.window, self.stride):
                if b > a:
                    jobs.append((ti, a, ids[a:b], hints[ti][a:b]))
        return sorted(jobs, key=lambda j: len(j[2]))

    def inputs(self, batch: Sequence[tuple]):
        """The model's ``input_ids``, ``attention_mask`` and ``token_type_ids`` for a batch of windows."""
        import torch
        enc = self.encoder
        n = max(len(j[2]) for j in batch) + 2
        ids = torch.full((len(batch), n), enc.pad_id, dtype=torch.long)
        att = torch.zeros_like(ids)
        types = torch.zeros_like(ids)
        for i, (_, _, w, h) in enumerate(batch):
            ids[i, :len(w) + 2] = torch.tensor([enc.cls_id] + w + [enc.sep_id])
            types[i, 1:len(w) + 1] = torch.tensor(h)
            att[i, :len(w) + 2] = 1
        return ids, att, types

    def probabilities(self, texts: Sequence[str], rule_entities=None):
        """Per-character tag probabilities (numpy ``len(text) x n_tags``) for each text;
        ``rule_entities`` (one list per text) are the hints of a model trained with them."""
        import numpy as np
        import torch
        jobs = self.windows_of(texts, rule_entities)
        n_tags = len(self.id2label)
        sums = [np.zeros((len(t), n_tags), dtype=np.float32) for t in texts]
        counts = [np.zeros((len(t), 1), dtype=np.float32) for t in texts]
        bf16 = self.settings.quantize == "bf16"
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for k in range(0, len(jobs), self.settings.batch_size):
                batch = jobs[k:k + self.settings.batch_size]
                ids, att, types = self.inputs(batch)
                logits = self.model(input_ids=ids, attention_mask=att, token_type_ids=types).logits
                probs = torch.softmax(logits.float(), -1).numpy()
                for i, (ti, a, w, _) in enumerate(batch):
                    sums[ti][a:a + len(w)] += probs[i, 1:len(w) + 1]
                    counts[ti][a:a + len(w)] += 1
        return [s / np.maximum(c, 1) for s, c in zip(sums, counts)]

    def tag_many(self, texts: Sequence[str], rule_entities=None) -> list[list[Entity]]:
        names = [self.id2label[i] for i in range(len(self.id2label))]
        out = []
        for text, probs in zip(texts, self.probabilities(texts, rule_entities)):
            best = viterbi_bio(probs, names)
            tags = [names[int(i)] for i in best]
            ents = []
            for a, b, label in spans_from_tags(tags):
                conf = float(probs[range(a, b), best[a:b]].mean())
                ents.append(Entity(start=a, end=b, label=label, text=text[a:b], confidence=conf, source="model"))
            out.append(ents)
        return out

    def __call__(self, text: str, rule_entities=None) -> list[Entity]:
        return self.tag_many([text], None if rule_entities is None else [rule_entities])[0]
