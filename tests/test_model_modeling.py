"""The token classifier as a transformers model (pipeline/model/modeling.py)."""
from __future__ import annotations

import itertools

import torch

from pipeline.model.modeling import CRF, JixiaoTaggerConfig, JixiaoTaggerForTokenClassification, register

NAMES = ["O", "B-PROJECT", "I-PROJECT"]


def tiny(**kw) -> JixiaoTaggerForTokenClassification:
    cfg = JixiaoTaggerConfig(vocab_size=20, embedding_dim=8, hidden_size=8, num_layers=1, cue_channels=[3, 2],
                             id2label=dict(enumerate(NAMES)), label2id={n: i for i, n in enumerate(NAMES)}, **kw)
    torch.manual_seed(0)
    return JixiaoTaggerForTokenClassification(cfg).eval()


def test_saves_and_loads_through_the_auto_classes(tmp_path):
    from transformers import AutoConfig, AutoModelForTokenClassification
    register()
    model = tiny()
    model.save_pretrained(str(tmp_path))
    assert AutoConfig.from_pretrained(str(tmp_path)).model_type == "jixiao-tagger"
    again = AutoModelForTokenClassification.from_pretrained(str(tmp_path), local_files_only=True).eval()
    ids = torch.tensor([[3, 4, 5, 0]])
    cues = torch.tensor([[[1, 0], [2, 1], [0, 0], [0, 0]]])
    with torch.no_grad():
        a = model(input_ids=ids, attention_mask=(ids > 0).long(), cue_ids=cues).logits
        b = again(input_ids=ids, attention_mask=(ids > 0).long(), cue_ids=cues).logits
    assert torch.allclose(a, b)


def test_new_cue_embeddings_start_silent():
    """A pretrained encoder with new cue channels starts from exactly what it knew."""
    model = tiny()
    ids = torch.tensor([[3, 4, 5]])
    with torch.no_grad():
        plain = model(input_ids=ids).logits
        with_cues = model(input_ids=ids, cue_ids=torch.tensor([[[1, 1], [2, 0], [1, 1]]])).logits
    assert torch.allclose(plain, with_cues)


def test_padding_does_not_change_a_sequence():
    model = tiny()
    with torch.no_grad():
        alone = model(input_ids=torch.tensor([[3, 4, 5]])).logits[0]
        padded = model(input_ids=torch.tensor([[3, 4, 5, 0, 0], [6, 7, 8, 9, 10]]),
                       attention_mask=torch.tensor([[1, 1, 1, 0, 0], [1] * 5])).logits[0, :3]
    assert torch.allclose(alone, padded, atol=1e-6)


def test_crf_likelihood_is_the_normalised_path_score():
    """NLL = log Z - score(gold), with Z summed by brute force over every path."""
    crf = CRF(NAMES)
    torch.manual_seed(1)
    with torch.no_grad():
        crf.transitions.normal_()
        crf.start.normal_()
        crf.end.normal_()
    em = torch.randn(1, 3, 3)
    gold = torch.tensor([[1, 2, 0]])
    trans, _, end = crf.scores()
    start = crf.start

    def path_score(p):
        s = start[p[0]] + em[0, 0, p[0]]
        for t in range(1, 3):
            s = s + trans[p[t - 1], p[t]] + em[0, t, p[t]]
        return s + end[p[-1]]

    log_z = torch.logsumexp(torch.stack([path_score(p) for p in itertools.product(range(3), repeat=3)]), 0)
    expected = log_z - path_score(gold[0].tolist())
    got = crf.nll(em, gold, torch.ones(1, 3, dtype=torch.bool))
    assert torch.allclose(got, expected, atol=1e-4)


def test_a_crf_model_trains_with_labels():
    model = tiny(use_crf=True).train()
    ids = torch.tensor([[3, 4, 5, 6]])
    out = model(input_ids=ids, labels=torch.tensor([[0, 1, 2, -100]]))
    assert out.loss is not None and torch.isfinite(out.loss)
    assert model.transition_scores()[0].shape == (3, 3)
