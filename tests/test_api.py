"""The library as users import it: ``jixiao.extract``, ``load``, ``pipe`` (streaming, in order, across
processes), ``Document``; ``import jixiao`` itself loads nothing heavy."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import jixiao
from pipeline.config import apply_overrides, load_config

ROOT = Path(__file__).resolve().parent.parent
RULES = "pipeline-rules"
TEXTS = ["基本支出284.32万元，占比57.23%", "全年完成征收土地33亩。", "（无数字的段落）"]


def test_extract_and_the_public_names():
    doc = jixiao.extract(TEXTS[0], config=RULES)
    assert isinstance(doc, jixiao.Document)
    assert [(e.text, e.label, e.value) for e in doc.entities] == [("284.32万元", "MONEY", 2843200.0),
                                                                  ("57.23%", "PERCENT", 57.23)]
    assert jixiao.load(RULES) is jixiao.load(RULES)
    assert set(jixiao.__all__) <= set(dir(jixiao)) and jixiao.__version__


def test_pipe_streams_in_order_and_reads_a_batch_only_when_its_turn_comes():
    read = []

    def texts():
        for t in TEXTS:
            read.append(t)
            yield t

    stream = jixiao.pipe(texts(), batch_size=2, config=RULES)
    first = next(stream)
    assert read == TEXTS[:2] and first.id == "doc0"
    rest = list(stream)
    assert [d.id for d in rest] == ["doc1", "doc2"]
    assert [e.text for e in rest[0].entities] == ["33亩"] and rest[1].entities == []


def test_pipe_runs_the_model_on_a_batch_as_on_each_document_alone():
    """Documents extracted together get what each gets alone (the model batches their windows).
    Exact in fp32; int8, as shipped, scales a batch's activations together, and bench_pipeline.py
    counts the entities that then differ."""
    nlp = jixiao.load(apply_overrides(load_config("pipeline"), ["--components.model_tagger.inference.quantize", "null"]))
    texts = [TEXTS[0], "2023年城区道路改造工程完成投资1200万元。", TEXTS[1]]
    alone = [nlp(jixiao.Document(id=f"doc{i}", text=t)).to_json() for i, t in enumerate(texts)]
    together = [d.to_json() for d in nlp.pipe(texts, batch_size=3)]
    assert together == alone
    assert ("城区道路改造工程", "PROJECT") in {(e["text"], e["label"]) for e in together[1]["entities"]}


@pytest.mark.integration
def test_pipe_on_two_processes_gives_what_one_gives():
    docs = [jixiao.Document(id=f"d{i}", text=TEXTS[i % 3]) for i in range(7)]
    one = [d.to_json() for d in jixiao.load(RULES).pipe([jixiao.Document(d.id, d.text) for d in docs])]
    two = [d.to_json() for d in jixiao.pipe(docs, batch_size=2, n_process=2, config=RULES)]
    assert two == one


@pytest.mark.integration
def test_import_jixiao_imports_no_heavy_library():
    code = ("import sys, jixiao; heavy = [m for m in ('torch', 'transformers', 'jieba', 'spacy', 'duckdb') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
