"""Fine-tuning (pipeline/model/train.py): a small run learns what the gold says, saves a model
that loads offline, takes any local checkpoint as its base, and never trains on the test split."""
from __future__ import annotations

import json

import pytest

from pipeline.doc import Document, Entity

SENTENCES = [("基本支出{}万元，占比{}%。", ("284.32", "57.23")), ("项目资金{}万元，完成率{}%。", ("96.5", "100")),
             ("支付补偿款{}万元，签约率{}%。", ("13003.0764", "98")), ("拨付经费{}万元，执行率{}%。", ("12", "87.5"))]


def _gold() -> list[Document]:
    """Short documents whose gold marks every money amount and percentage (GUIDELINES: the unit
    belongs to the span)."""
    docs = []
    for i, (pattern, (money, rate)) in enumerate(SENTENCES * 3):
        text = pattern.format(money, rate)
        m, p = text.index(money), text.index(rate)
        ents = [Entity(start=m, end=m + len(money) + 2, label="MONEY", text=money + "万元"),
                Entity(start=p, end=p + len(rate) + 1, label="PERCENT", text=rate + "%")]
        docs.append(Document(id=f"g{i}", text=text, entities=ents))
    return docs


@pytest.fixture()
def tiny(root, tmp_path, monkeypatch):
    from pipeline.model.train import TrainSettings
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    return TrainSettings.load(str(root / "configs" / "train-tiny.yaml"), out_dir=str(tmp_path / "tiny"))


@pytest.mark.slow
def test_a_small_run_learns_the_gold_labels(tiny):
    """Trained long enough on a few sentences, the model tags their money and percentages with
    the gold boundaries: the data -> features -> model path carries the labels end to end."""
    from dataclasses import replace

    from pipeline.model.infer import InferenceSettings, ModelTagger
    from pipeline.model.train import train_on
    gold = _gold()
    model, tok = train_on(gold, replace(tiny, epochs=60, cues=False), log=lambda m: None)
    tagger = ModelTagger(None, InferenceSettings(batch_size=8, threads=1, quantize=None), model=model, tokenizer=tok)
    found = tagger.tag_many([Document(id=d.id, text=d.text) for d in gold[:4]], cues=False)
    for doc, ents in zip(gold[:4], found):
        assert {(e.text, e.label) for e in ents} == {(e.text, e.label) for e in doc.entities}
        assert all(doc.text[e.start:e.end] == e.text and 0 < e.confidence <= 1 for e in ents)


@pytest.mark.slow
def test_train_saves_a_model_that_loads_offline(tiny):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from pipeline.model.modeling import register
    from pipeline.model.train import train
    out = train(tiny, log=lambda m: None)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "training_settings.json"):
        assert (out / name).exists()
    register()
    model = AutoModelForTokenClassification.from_pretrained(str(out), local_files_only=True)
    tok = AutoTokenizer.from_pretrained(str(out), local_files_only=True)
    assert model.config.id2label[0] == "O" and model.config.num_labels == 9 and model.config.use_crf
    assert type(tok).__name__ == "JixiaoTokenizer" and "cue_ids" in tok("基本支出1200万元")
    assert json.loads((out / "training_settings.json").read_text(encoding="utf-8"))["documents"] == 1


@pytest.mark.slow
def test_any_local_checkpoint_can_be_the_base(tiny, tmp_path):
    """A Hugging Face encoder saved in a local directory (a tiny BERT made on the spot) goes under
    the cue embeddings and the tagging head, with its own vocabulary."""
    from dataclasses import replace

    from transformers import BertConfig, BertModel, BertTokenizer

    from pipeline.model.train import init_model
    base = tmp_path / "tiny-bert"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list("基本支出万元，占比%。0123456789.")
    BertTokenizer(vocab={t: i for i, t in enumerate(vocab)}).save_pretrained(str(base))
    BertModel(BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=300)).save_pretrained(str(base))
    model, tok = init_model(replace(tiny, base=str(base)), [], log=lambda m: None)
    assert model.config.encoder == "hf" and model.config.vocab_size == len(vocab)
    assert tok.convert_ids_to_tokens(tok("基本支出")["input_ids"]) == list("基本支出")


def test_the_frozen_test_split_is_refused(tiny):
    from dataclasses import replace

    from pipeline.model.train import gold_documents
    with pytest.raises(ValueError, match="frozen test split"):
        gold_documents(replace(tiny, gold=["annotations/gold/test"]).gold)
