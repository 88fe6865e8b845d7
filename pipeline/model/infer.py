"""Tagging documents with the fine-tuned token classifier.

The stretches to read (whole documents, or only where a cue says a name or a number may stand)
are cut into overlapping windows, run in batches of similar length under ``inference_mode``,
and the windows' emission scores are averaged per character.  Characters no window read are
``O``.  Decoding is constrained Viterbi with the model's CRF transitions (no ``I-X`` after
``O`` or after another label).  An entity's confidence is the mean softmax probability of its
characters' tags.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..config import project_path
from ..doc import Document, Entity
from .bio import allowed_transitions, spans_from_tags, viterbi
from .features import CharEncoder, collate, encode_windows


DECODE_PIECES = 512  # pieces decoded in one batch (memory: 512 x window x tags scores and back-pointers)


@dataclass
class InferenceSettings:
    """configs/model.yaml ``inference``."""

    batch_size: int
    threads: int
    quantize: Optional[str]      # None | dynamic-int8


class ModelTagger:
    """The token classifier loaded once from a local directory (never downloads)."""

    def __init__(self, model_dir: str | Path, settings: InferenceSettings, model=None, tokenizer=None):
        import torch
        self.settings = settings
        if settings.threads:
            torch.set_num_threads(settings.threads)
        if model is None:
            model, tokenizer = load_tagger(project_path(model_dir))
        model.eval()
        self.transitions = model.transition_scores() if hasattr(model, "transition_scores") else None
        if settings.quantize == "dynamic-int8":
            with warnings.catch_warnings():  # torch 2.10+ says this API moves to torchao; it still works
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear, torch.nn.GRU},
                                                               dtype=torch.qint8)
        self.model = model
        self.encoder = CharEncoder(tokenizer)
        self.names = [model.config.id2label[i] for i in range(len(model.config.id2label))]
        self.window = int(getattr(model.config, "window", 256))
        self.stride = int(getattr(model.config, "stride", self.window * 3 // 4))
        self.uses_cues = bool(getattr(model.config, "cue_channels", None))

    def emissions(self, docs: Sequence[Document], spans: Optional[Sequence[Sequence[tuple[int, int]]]] = None,
                  cues: bool = True):
        """Per document a ``[len(text), n_tags]`` array of averaged emission scores, and a
        ``[len(text)]`` bool array of the characters some window read.  Without ``cues`` the
        model reads the characters alone."""
        import numpy as np
        import torch
        jobs = encode_windows(docs, self.encoder, self.window, self.stride, spans=spans)
        jobs.sort(key=lambda w: len(w.ids))
        k = len(self.names)
        sums = [np.zeros((len(d.text), k), dtype=np.float32) for d in docs]
        counts = [np.zeros(len(d.text), dtype=np.float32) for d in docs]
        with torch.inference_mode():
            for i in range(0, len(jobs), self.settings.batch_size):
                batch = jobs[i:i + self.settings.batch_size]
                inputs = collate(batch, self.encoder.pad_id)
                if not (self.uses_cues and cues):
                    inputs.pop("cue_ids")
                scores = self._scores(inputs).float().numpy()
                for j, w in enumerate(batch):
                    n = len(w.ids)
                    sums[w.doc][w.start:w.start + n] += scores[j, :n]
                    counts[w.doc][w.start:w.start + n] += 1
        return [s / np.maximum(c, 1)[:, None] for s, c in zip(sums, counts)], [c > 0 for c in counts]

    def _scores(self, inputs: dict):
        """Emission scores of a jixiao tagger, or the logits of any other token classifier."""
        if hasattr(self.model, "emissions"):
            return self.model.emissions(**inputs)
        return self.model(**inputs).logits

    def tag_many(self, docs: Sequence[Document], spans: Optional[Sequence[Sequence[tuple[int, int]]]] = None,
                 cues: bool = True) -> list[list[Entity]]:
        """Entities of each document (only inside ``spans[i]`` when given)."""
        import numpy as np
        allowed, start = allowed_transitions(self.names)
        trans, first = np.where(allowed, 0.0, -np.inf), np.where(start, 0.0, -np.inf)
        if self.transitions is not None:
            trans, first = trans + self.transitions[0], first + self.transitions[1]
        o = self.names.index("O")
        ems, reads = self.emissions(docs, spans, cues)
        best = [np.full(len(em), o, dtype=np.int64) for em in ems]
        pieces = [(i, a, b) for i, (em, read) in enumerate(zip(ems, reads))
                  for a, b in decoding_pieces(read, em.argmax(1) == o, self.window)]
        for c in range(0, len(pieces), DECODE_PIECES):  # the pieces of all documents, decoded together
            chunk = pieces[c:c + DECODE_PIECES]
            batch = np.zeros((len(chunk), max(b - a for _, a, b in chunk), len(self.names)), dtype=np.float32)
            for j, (i, a, b) in enumerate(chunk):
                batch[j, :b - a] = ems[i][a:b]
            paths = viterbi(batch, [b - a for _, a, b in chunk], trans, first)
            for j, (i, a, b) in enumerate(chunk):
                best[i][a:b] = paths[j, :b - a]
        out = []
        for doc, em, tags in zip(docs, ems, best):
            z = em - em.max(1, keepdims=True)
            probs = np.exp(z) / np.exp(z).sum(1, keepdims=True)
            ents = []
            for a, b, label in spans_from_tags([self.names[t] for t in tags]):
                conf = float(probs[np.arange(a, b), tags[a:b]].mean())
                ents.append(Entity(start=a, end=b, label=label, text=doc.text[a:b], confidence=conf, source="model"))
            out.append(ents)
        return out


def load_tagger(model_dir: Path):
    """The model and tokenizer of a local directory (never downloaded).  A jixiao tagger with its own
    encoder loads in plain torch (``network.CharTagger``, the tokenizer through ``tokenizers``);
    any other checkpoint through the ``transformers`` Auto classes."""
    from .network import CharTagger
    model = CharTagger.from_dir(model_dir)
    if model is not None:
        from tokenizers import Tokenizer
        return model, Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging
    from .modeling import register
    hf_logging.disable_progress_bar()
    register()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return (AutoModelForTokenClassification.from_pretrained(str(model_dir), local_files_only=True),
            AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True))


def decoding_pieces(read, outside, max_len: int) -> list[tuple[int, int]]:
    """Stretches to decode on their own: runs of read characters, cut where the emissions say
    ``O`` (``outside``) so no piece is longer than ``max_len``, unless no ``O`` is in reach.  An
    entity never spans a cut, so decoding the pieces apart equals decoding the run whole where
    those ``O`` hold, and costs ``max_len`` steps instead of the document's length."""
    import numpy as np
    out = []
    idx = np.flatnonzero(read)
    if not len(idx):
        return out
    breaks = np.flatnonzero(np.diff(idx) > 1)
    for a, b in zip(np.r_[idx[0], idx[breaks + 1]], np.r_[idx[breaks] + 1, idx[-1] + 1]):
        while b - a > max_len:
            cut = a + max_len
            os_ = np.flatnonzero(outside[a + max_len // 2:cut])
            if len(os_):
                cut = a + max_len // 2 + int(os_[-1]) + 1
            out.append((int(a), int(cut)))
            a = cut
        out.append((int(a), int(b)))
    return out
