"""The shipped model: loads offline from models/jixiao-zh-char and tags report text."""
from __future__ import annotations

import os

import pytest

from pipeline.doc import Document


@pytest.fixture(scope="module")
def model_dir(root):
    d = root / "models" / "jixiao-zh-char"
    if not (d / "model.safetensors").exists():
        pytest.fail("models/jixiao-zh-char is missing: run `jixiao train --config configs/train.yaml`")
    return d


def test_model_loads_offline_from_local_files(model_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    model = AutoModelForTokenClassification.from_pretrained(str(model_dir), local_files_only=True)
    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert [model.config.id2label[i] for i in range(model.config.num_labels)][:3] == ["O", "B-MONEY", "I-MONEY"]
    # the vocabulary splits numbers digit by digit (no [UNK] for 1200)
    assert tok.unk_token not in tok.tokenize("1200万元")
    assert (model_dir / "README.md").exists() and (model_dir / "vocab.txt").exists()
    size = sum(f.stat().st_size for f in model_dir.iterdir())
    assert size < 40_000_000


def test_model_tags_seed_reports(model_dir, gold_seeds):
    """The seed reports (part of its training data): the model finds their numbers and most of
    their project names with GUIDELINES boundaries, offsets into the original text."""
    from pipeline.model.infer import ModelTagger
    tagger = ModelTagger(model_dir)
    sentence = "基本支出284.32万元，占比57.23%。"
    assert {(e.text, e.label) for e in tagger(sentence)} >= {("284.32万元", "MONEY"), ("57.23%", "PERCENT")}
    found = tagger.tag_many([d.text for d in gold_seeds])
    hits = total = 0
    for doc, ents in zip(gold_seeds, found):
        for e in ents:
            assert doc.text[e.start:e.end] == e.text and 0 < e.confidence <= 1
        predicted = {(e.start, e.end, e.label) for e in ents}
        gold = {(e.start, e.end, e.label) for e in doc.entities if e.label == "PROJECT"}
        hits += len(gold & predicted)
        total += len(gold)
    assert total and hits / total >= 0.6


def test_model_pipeline_component_keeps_rule_values(root):
    """merged policy: numbers keep the rules' values; the model adds the project."""
    from pipeline.language import Pipeline
    nlp = Pipeline.from_config({"components": [
        {"name": "rule_tagger"}, {"name": "project_tagger"},
        {"name": "model_tagger", "settings": {"policy": "merged"}}, {"name": "resolver"}]})
    text = "怀南水产品市场项目全年共拆除房屋164栋，支付补偿资金496.77万元，签约率100%。"
    doc = nlp(Document(id="t", text=text))
    by_text = {e.text: e for e in doc.entities}
    assert by_text["164栋"].value == 164.0 and by_text["164栋"].unit == "栋"
    assert by_text["496.77万元"].value == pytest.approx(4967700.0) and by_text["496.77万元"].label == "MONEY"
    assert by_text["100%"].label == "PERCENT"
    for e in doc.entities:
        assert text[e.start:e.end] == e.text
