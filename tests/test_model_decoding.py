"""Constrained BIO decoding of the character model's probabilities (pipeline/model/infer.py)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model.dataset import bio_names, spans_from_tags
from pipeline.model.infer import viterbi_bio

NAMES = bio_names()


def _probs(rows: list[dict[str, float]]) -> np.ndarray:
    p = np.full((len(rows), len(NAMES)), 1e-4, dtype=np.float32)
    for i, row in enumerate(rows):
        for tag, v in row.items():
            p[i, NAMES.index(tag)] = v
    return p / p.sum(1, keepdims=True)


def _valid(tags: list[str]) -> bool:
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def test_a_name_whose_first_character_is_doubted_comes_out_whole():
    # argmax would read O, I, I, I (a stray fragment 村危房); the valid reading is one name
    p = _probs([{"O": 0.55, "B-PROJECT": 0.45}, {"I-PROJECT": 0.9, "O": 0.1},
                {"I-PROJECT": 0.9, "O": 0.1}, {"I-PROJECT": 0.9, "O": 0.1}])
    tags = [NAMES[i] for i in viterbi_bio(p, NAMES)]
    assert tags == ["B-PROJECT", "I-PROJECT", "I-PROJECT", "I-PROJECT"]


def test_a_lone_weak_inside_tag_is_dropped():
    p = _probs([{"O": 0.9}, {"O": 0.45, "I-PROJECT": 0.55}, {"O": 0.9}])
    assert [NAMES[i] for i in viterbi_bio(p, NAMES)] == ["O", "O", "O"]


def test_confident_tags_are_kept_as_they_are():
    p = _probs([{"B-MONEY": 0.9}, {"I-MONEY": 0.9}, {"O": 0.9}, {"B-PROJECT": 0.9}, {"I-PROJECT": 0.9}])
    tags = [NAMES[i] for i in viterbi_bio(p, NAMES)]
    assert spans_from_tags(tags) == [(0, 2, "MONEY"), (3, 5, "PROJECT")]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_decoded_tags_are_always_valid_bio(n, seed):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(len(NAMES), 0.3), size=n).astype(np.float32)
    tags = [NAMES[i] for i in viterbi_bio(p, NAMES)]
    assert len(tags) == n and _valid(tags)
