"""The shipped model (models/jixiao-zh): loads offline, fits the size budget, and in the default
pipeline tags sentences written for this test (in no gold document) as GUIDELINES.md says."""
from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.doc import Document

# Written for this test; GUIDELINES.md: the name without a leading year, division or verb.
SENTENCES = [
    ("项目名称\t青石镇农村饮水安全巩固提升工程\n项目资金\t386.5万元", "农村饮水安全巩固提升工程"),
    ("2025年白沙河综合治理项目完成投资1250万元，治理河道4.6公里。", "白沙河综合治理项目"),
]


@pytest.fixture(scope="module")
def model_dir(root):
    d = root / "models" / "jixiao-zh"
    if not (d / "model.safetensors").exists():
        pytest.fail("models/jixiao-zh is missing: `jixiao pretrain --lac && jixiao train` builds it")
    return d


def test_model_loads_offline_and_fits_the_budget(model_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from pipeline.model.modeling import register
    register()
    model = AutoModelForTokenClassification.from_pretrained(str(model_dir), local_files_only=True)
    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    assert [model.config.id2label[i] for i in range(3)] == ["O", "B-MONEY", "I-MONEY"]
    assert tok.convert_ids_to_tokens(tok("1200万元")["input_ids"]) == list("1200万元")
    assert tok.unk_token not in tok.convert_ids_to_tokens(tok("１２００万元，占比57.23％")["input_ids"])
    assert (model_dir / "README.md").exists()
    assert sum(f.stat().st_size for f in model_dir.iterdir()) <= 60_000_000


def test_transformers_pipeline_runs_the_model_with_its_cues(model_dir):
    """``transformers.pipeline`` loads it from the directory and the tokenizer hands it the cue
    channels, so a Hugging Face user gets the numbers jixiao's tagger gets."""
    from transformers import pipeline

    from pipeline.model.modeling import register
    register()
    tagger = pipeline("token-classification", model=str(model_dir), aggregation_strategy="simple")
    text = "基本支出284.32万元，占比57.23%。"
    found = {(text[g["start"]:g["end"]], g["entity_group"]) for g in tagger(text)}
    assert {("284.32万元", "MONEY"), ("57.23%", "PERCENT")} <= found


@pytest.mark.parametrize("text,name", SENTENCES)
def test_default_pipeline_tags_numbers_and_the_project(text, name):
    from pipeline.language import Pipeline
    nlp = Pipeline.from_config(None)
    doc = nlp(Document(id="t", text=text))
    for e in doc.entities:
        assert text[e.start:e.end] == e.text
    projects = [e.text for e in doc.entities if e.label == "PROJECT"]
    assert projects == [name]
    money = [e for e in doc.entities if e.label == "MONEY"]
    assert len(money) == 1 and money[0].value == pytest.approx(
        {"386.5万元": 3865000.0, "1250万元": 12500000.0}[money[0].text])


def test_inference_loads_it_in_plain_torch_with_the_scores_of_the_transformers_model(model_dir):
    """jixiao's tagger reads the saved directory without importing transformers (4 s of every
    start), with the layers and tokens of the PreTrainedModel."""
    code = ("import sys, pathlib\n"
            "from pipeline.model.infer import load_tagger\n"
            f"model, tok = load_tagger(pathlib.Path({str(model_dir)!r}))\n"
            "print(type(model).__name__, 'transformers' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=model_dir.parent.parent).stdout.split()
    assert out == ["CharTagger", "False"]

    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from pipeline.model.features import CharEncoder
    from pipeline.model.infer import load_tagger
    from pipeline.model.modeling import register
    register()
    plain, plain_tok = load_tagger(model_dir)
    hf = AutoModelForTokenClassification.from_pretrained(str(model_dir), local_files_only=True).eval()
    text = "项目名称\t１２Ａ城区道路改造工程\n完成投资1200万元。"
    ids = CharEncoder(plain_tok).encode(text)
    assert ids == CharEncoder(AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)).encode(text)
    ids = torch.tensor([ids])
    cues = torch.randint(0, 2, (1, ids.shape[1], len(hf.config.cue_channels)))
    with torch.inference_mode():
        assert torch.allclose(plain(ids, None, cues), hf(input_ids=ids, cue_ids=cues).logits, atol=1e-5)


def test_the_model_card_example_runs_as_written(model_dir):
    """The card's "Use" snippet, run as a user would copy it, from the checkout's root."""
    import ast
    import re
    card = (model_dir / "README.md").read_text(encoding="utf-8")
    (snippet,) = re.findall(r"## Use\n```python\n(.*?)```", card, re.S)
    text = "基本支出284.32万元，占比57.23%。"
    code = snippet + f"print(sorted((g['entity_group'], {text!r}[g['start']:g['end']]) for g in tagger({text!r})))\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=model_dir.parent.parent)
    assert run.returncode == 0, run.stderr[-2000:]
    found = set(ast.literal_eval(run.stdout.strip().splitlines()[-1]))
    assert {("MONEY", "284.32万元"), ("PERCENT", "57.23%")} <= found
