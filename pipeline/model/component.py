"""The ``model_tagger`` pipeline component: the token classifier over what the components before
it found (numbers in ``doc.entities``, cues in ``doc.spans``), combined with them under the
policy of ``configs/model.yaml``.

The model reads only where it can change the answer (``gate``): around the structural cues of a
name and around numerals no rule explained.  It is loaded once, when the first document needs it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

from ..config import load_config, settings
from ..cues import SPAN_GROUP
from ..doc import Document
from ..normalising import NormalisedText
from .combine import Policy, combine
from .infer import InferenceSettings

_NUMERAL = re.compile(r"\d+(?:[.,，]\d+)*")


@dataclass
class ModelSettings:
    """configs/model.yaml."""

    model_dir: str
    policy: dict
    cues: bool
    gate: bool
    context: int
    inference: dict


def reading_spans(doc: Document, context: int) -> list[tuple[int, int]]:
    """Merged stretches around each cue and each numeral outside the rules' entities."""
    n = len(doc.text)
    marks = [(c.start, c.end) for c in doc.spans.get(SPAN_GROUP, [])]
    taken = sorted((e.start, e.end) for e in doc.entities)
    import bisect
    starts = [a for a, _ in taken]
    for m in _NUMERAL.finditer(doc.text):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i >= 0 and taken[i][0] <= m.start() < taken[i][1]:
            continue
        marks.append((m.start(), m.end()))
    out: list[tuple[int, int]] = []
    for a, b in sorted((max(0, a - context), min(n, b + context)) for a, b in marks):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class ModelComponent:
    """Replaces ``doc.entities`` (the rule components' output) by the policy's combination."""

    name = "model_tagger"

    def __init__(self, s: ModelSettings):
        self.settings = s
        self.policy = settings(Policy, s.policy)
        self._tagger = None

    @property
    def tagger(self):
        if self._tagger is None:
            from .infer import ModelTagger
            self._tagger = ModelTagger(self.settings.model_dir, settings(InferenceSettings, self.settings.inference))
        return self._tagger

    def __call__(self, doc: Document, view: Optional[NormalisedText] = None) -> None:
        self.pipe([doc])

    def pipe(self, docs: Sequence[Document], views: Optional[Sequence[NormalisedText]] = None) -> None:
        """All of ``docs`` at once: their windows share the model's batches."""
        if self.policy.name == "rules":
            return
        spans = [reading_spans(d, self.settings.context) if self.settings.gate else [(0, len(d.text))] for d in docs]
        found = self.tagger.tag_many(docs, spans, cues=self.settings.cues) if any(spans) else [[] for _ in docs]
        for doc, ents in zip(docs, found):
            doc.entities[:] = combine(doc.text, doc.entities, ents, self.policy)


def from_settings(**overrides) -> ModelComponent:
    """``configs/model.yaml`` with the pipeline entry's ``settings`` over it (key by key inside
    ``policy`` and ``inference``)."""
    base = load_config("model")
    merged = {k: {**base[k], **v} if isinstance(v, dict) and isinstance(base.get(k), dict) else v
              for k, v in overrides.items()}
    return ModelComponent(settings(ModelSettings, "model", **merged))
