"""A few-step fine-tuning run on the tiny config, from scratch and from a local checkpoint."""
from __future__ import annotations

import pytest

from pipeline.doc import LABELS


@pytest.fixture()
def hf_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


def _check_tags(model_dir, text):
    from pipeline.model.infer import InferenceSettings, ModelTagger
    tagger = ModelTagger(model_dir, InferenceSettings(window=64, stride=48, batch_size=4))
    ents = tagger(text)
    for e in ents:
        assert text[e.start:e.end] == e.text and e.label in LABELS and 0.0 <= e.confidence <= 1.0
    return ents


@pytest.mark.slow
def test_tiny_training_run_saves_a_loadable_model(root, hf_home):
    from transformers import AutoModelForTokenClassification

    from pipeline.model.train import TrainSettings, train
    settings = TrainSettings.from_yaml(str(root / "configs" / "train-tiny.yaml"), out_dir=str(hf_home / "tiny"))
    out = train(settings, log=lambda m: None)
    for name in ("config.json", "model.safetensors", "vocab.txt", "tokenizer.json"):
        assert (out / name).exists()
    model = AutoModelForTokenClassification.from_pretrained(str(out), local_files_only=True)
    assert model.config.id2label[0] == "O" and model.config.num_labels == 9
    _check_tags(out, "基本支出284.32万元，占比57.23%。\n完成迎丰组团10#安置区二期征地拆迁工作" * 3)


@pytest.mark.slow
def test_a_local_checkpoint_can_be_the_base(root, hf_home):
    """Any local HF checkpoint dir (here a tiny one made on the spot) serves as base for MLM and
    for fine-tuning; its own vocabulary is used."""
    from transformers import BertConfig, BertForMaskedLM

    from pipeline.model.chars import build_vocab
    from pipeline.model.pretrain import PretrainSettings, make_tokenizer, pretrain, save_tokenizer
    from pipeline.model.train import TrainSettings, train
    seed_text = (root / "samples" / "reports" / "003_b2570951c4ea1818.txt").read_text(encoding="utf-8")
    vocab = build_vocab([seed_text], 400)
    base = hf_home / "tiny-base"
    BertForMaskedLM(BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                               intermediate_size=64, max_position_embeddings=130)).save_pretrained(str(base))
    save_tokenizer(make_tokenizer(vocab), base)

    corpus = hf_home / "corpus.txt"
    corpus.write_text(seed_text, encoding="utf-8")
    pre = PretrainSettings.from_yaml(str(root / "configs" / "pretrain.yaml"), corpus=[str(corpus)], base=str(base),
                                     out_dir=str(hf_home / "continued"), max_steps=2, batch_size=4, seq_len=64,
                                     resume=False, bf16=False, log_every=1, checkpoint_every=1)
    continued = pretrain(pre, log=lambda m: None)
    assert (continued / "model.safetensors").exists()

    settings = TrainSettings.from_yaml(str(root / "configs" / "train-tiny.yaml"), base=str(continued),
                                       out_dir=str(hf_home / "tuned"), window=64, stride=48)
    out = train(settings, log=lambda m: None)
    assert (out / "vocab.txt").read_text(encoding="utf-8").split("\n")[:len(vocab)] == vocab
    _check_tags(out, seed_text[:300])
