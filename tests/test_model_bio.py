"""BIO tags and their decoding (pipeline/model/bio.py)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.evaluation import load_documents
from pipeline.model.bio import bio_names, constrained_decode, spans_from_tags, tags_for, viterbi

NAMES = bio_names(["MONEY", "PERCENT", "QUANTITY", "PROJECT"])


def _logp(rows: list[dict[str, float]]) -> np.ndarray:
    p = np.full((len(rows), len(NAMES)), 1e-4)
    for i, row in enumerate(rows):
        for tag, v in row.items():
            p[i, NAMES.index(tag)] = v
    return np.log(p / p.sum(1, keepdims=True))


def _valid(tags: list[str]) -> bool:
    prev = "O"
    for t in tags:
        if t.startswith("I-") and prev[2:] != t[2:]:
            return False
        prev = t
    return True


def test_gold_spans_survive_the_round_trip_through_tags(root):
    docs = load_documents(root / "annotations" / "gold" / "seeds")
    assert len(docs) == 5
    for doc in docs:
        spans = sorted((e.start, e.end, e.label) for e in doc.entities)
        assert sorted(spans_from_tags(tags_for(len(doc.text), spans))) == spans, doc.id


def test_adjacent_entities_stay_apart():
    # `1/160` under （场次/人数）: two QUANTITY spans side by side must not merge
    tags = ["B-QUANTITY", "B-QUANTITY", "I-QUANTITY", "I-QUANTITY", "O", "I-PROJECT", "I-PROJECT"]
    assert spans_from_tags(tags) == [(0, 1, "QUANTITY"), (1, 4, "QUANTITY"), (5, 7, "PROJECT")]


def test_a_name_whose_first_character_is_doubted_comes_out_whole():
    # argmax reads O, I, I, I (a stray fragment); the valid reading is one name
    lp = _logp([{"O": 0.55, "B-PROJECT": 0.45}, {"I-PROJECT": 0.9, "O": 0.1},
                {"I-PROJECT": 0.9, "O": 0.1}, {"I-PROJECT": 0.9, "O": 0.1}])
    assert [NAMES[i] for i in constrained_decode(lp, NAMES)] == ["B-PROJECT"] + ["I-PROJECT"] * 3


def test_a_lone_weak_inside_tag_is_dropped():
    lp = _logp([{"O": 0.9}, {"O": 0.45, "I-PROJECT": 0.55}, {"O": 0.9}])
    assert [NAMES[i] for i in constrained_decode(lp, NAMES)] == ["O", "O", "O"]


def test_learned_transitions_change_the_path():
    lp = _logp([{"B-MONEY": 0.6, "O": 0.4}, {"I-MONEY": 0.5, "O": 0.5}])
    trans = np.zeros((len(NAMES), len(NAMES)))
    trans[NAMES.index("B-MONEY"), NAMES.index("I-MONEY")] = 2.0
    assert [NAMES[i] for i in constrained_decode(lp, NAMES, trans)] == ["B-MONEY", "I-MONEY"]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_decoding_is_valid_bio_and_keeps_a_clear_name(n, seed):
    """Random emissions decode to valid BIO; a name planted with clear scores is always found."""
    rng = np.random.default_rng(seed)
    lp = np.log(rng.dirichlet(np.full(len(NAMES), 0.3), size=n + 4))
    lp[1:5] = -20.0
    lp[4, NAMES.index("O")] = 0.0
    lp[1, NAMES.index("B-PROJECT")] = lp[2, NAMES.index("I-PROJECT")] = lp[3, NAMES.index("I-PROJECT")] = 0.0
    tags = [NAMES[i] for i in constrained_decode(lp, NAMES)]
    assert len(tags) == n + 4 and _valid(tags)
    assert (1, 4, "PROJECT") in spans_from_tags(tags)


def test_batched_viterbi_decodes_each_row_to_its_own_length():
    allowed = np.zeros((len(NAMES), len(NAMES)))
    start = np.zeros(len(NAMES))
    a, b = _logp([{"B-MONEY": 0.9}, {"I-MONEY": 0.9}, {"O": 0.9}]), _logp([{"B-PERCENT": 0.9}, {"O": 0.9}, {"O": 0.9}])
    paths = viterbi(np.stack([a, b]), [3, 1], allowed, start)
    assert [NAMES[i] for i in paths[0]] == ["B-MONEY", "I-MONEY", "O"]
    assert NAMES[paths[1][0]] == "B-PERCENT"
