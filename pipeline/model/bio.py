"""BIO tags: spans to tags and back, which transitions are valid, and batched Viterbi decoding.

Pure functions over tag names and arrays; nothing here knows the pipeline.
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence


def bio_names(labels: Sequence[str]) -> list[str]:
    """``O`` then ``B-X``, ``I-X`` for each label, in order."""
    return ["O"] + [f"{k}-{lab}" for lab in labels for k in "BI"]


def tags_for(length: int, spans: Iterable[tuple[int, int, str]], labels: Optional[Sequence[str]] = None) -> list[str]:
    """BIO tag per character for (start, end, label) spans; an overlapping later span is skipped."""
    tags = ["O"] * length
    keep = set(labels) if labels is not None else None
    for a, b, lab in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if (keep is not None and lab not in keep) or b <= a or any(t != "O" for t in tags[a:b]):
            continue
        tags[a] = f"B-{lab}"
        tags[a + 1:b] = [f"I-{lab}"] * (b - a - 1)
    return tags


def spans_from_tags(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each entity in a BIO sequence; a stray I- starts an entity."""
    out: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, t in enumerate(list(tags) + ["O"]):
        kind, _, lab = t.partition("-")
        if start is not None and (kind != "I" or lab != label):
            out.append((start, i, label))
            start, label = None, None
        if kind == "B" or (kind == "I" and start is None):
            start, label = i, lab
    return out


def allowed_transitions(names: Sequence[str]):
    """Boolean ``[from, to]`` matrix of valid BIO steps (``I-X`` only after ``B-X`` or ``I-X``),
    and the tags a sequence may start with."""
    import numpy as np
    kind = [t.partition("-")[0] for t in names]
    lab = [t.partition("-")[2] for t in names]
    k = len(names)
    allowed = np.array([[kind[j] != "I" or (lab[i] == lab[j] and kind[i] in "BI") for j in range(k)]
                        for i in range(k)])
    start = np.array([kd != "I" for kd in kind])
    return allowed, start


def viterbi(scores, lengths, transitions, start):
    """Best tag paths of a batch: ``scores`` ``[B, L, K]`` (log-probabilities or CRF emissions),
    ``transitions`` ``[K, K]`` added between steps (``-inf`` where a step is invalid), ``start``
    ``[K]`` added at the first step.  Vectorised over the batch; returns ``[B, L]`` int64 (padding 0)."""
    import numpy as np
    scores = np.asarray(scores, dtype=np.float64)
    b, n, k = scores.shape
    paths = np.zeros((b, n), dtype=np.int64)
    if n == 0 or b == 0:
        return paths
    lengths = np.asarray(lengths)
    score = scores[:, 0] + start
    back = np.zeros((b, n, k), dtype=np.int64)
    for t in range(1, n):
        cand = score[:, :, None] + transitions[None]          # [B, from, to]
        best = cand.argmax(1)
        new = cand.max(1) + scores[:, t]
        live = (t < lengths)[:, None]
        score = np.where(live, new, score)                      # finished rows keep their score
        back[:, t] = np.where(live, best, np.arange(k)[None])
    tag = score.argmax(1)
    rows = np.arange(b)
    for t in range(n - 1, -1, -1):                              # back through the batch at once
        live = t < lengths
        paths[:, t] = np.where(live, tag, 0)
        tag = np.where(live, back[rows, t, tag], tag)
    return paths


def constrained_decode(log_probs, names: Sequence[str], transitions=None):
    """Most probable valid BIO path of one ``[L, K]`` array (log-probabilities or emissions),
    optionally with learned ``transitions`` scores added to the validity mask."""
    import numpy as np
    allowed, start = allowed_transitions(names)
    trans = np.where(allowed, 0.0 if transitions is None else transitions, -np.inf)
    start_scores = np.where(start, 0.0, -np.inf)
    lp = np.asarray(log_probs)[None]
    return viterbi(lp, [lp.shape[1]], trans, start_scores)[0]
