"""The two public peers, mapped onto our labels with offsets into the original text."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("recognizers_text")
pytest.importorskip("jionlp")

from pipeline.peers import PEERS, jionlp_money, recognizers_text  # noqa: E402

TEXT = "基本支出284.32万元，占比57.23%，征收土地33.288亩，面积61534.77平方米，满意度百分之九十，约5万元左右。"


def _check_offsets(doc):
    for e in doc.entities:
        assert doc.text[e.start:e.end] == e.text


def test_recognizers_text_labels_and_canonical_values():
    doc = recognizers_text("d", TEXT)
    _check_offsets(doc)
    got = {(e.text, e.label): (e.value, e.unit) for e in doc.entities}
    assert got[("284.32万元", "MONEY")] == (2843200.0, "元")
    assert got[("57.23%", "PERCENT")] == (57.23, "%")
    assert got[("百分之九十", "PERCENT")] == (90.0, "%")
    assert got[("33.288亩", "QUANTITY")] == (33.288, "亩")
    assert got[("61534.77平方米", "QUANTITY")] == (61534.77, "平方米")


def test_jionlp_money_cut_to_number_and_unit():
    doc = jionlp_money("d", TEXT)
    _check_offsets(doc)
    got = {e.text: e for e in doc.entities}
    assert got["284.32万元"].value == 2843200.0
    assert got["284.32万元"].unit == "元"
    assert "5万元" in got                       # 约 and 左右 stay outside the span (GUIDELINES.md)
    assert got["5万元"].qualifier == "approx"
    assert {e.label for e in doc.entities} == {"MONEY"}


def test_jionlp_import_prints_nothing(capsys):
    jionlp_money("d", "支出5万元")
    assert capsys.readouterr().out == ""


def test_peers_registry():
    assert set(PEERS) == {"recognizers-text", "jionlp"}
    for peer in PEERS.values():
        doc = peer("x", "")
        assert doc.id == "x" and doc.entities == []


def test_evaluate_with_peers_prints_all_systems(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app
    text = "基本支出284.32万元，占比57.23%。"

    def ent(i, span, label, value, unit, subj):
        a, sa = text.index(span), text.index(subj)
        return {"id": f"e{i}", "start": a, "end": a + len(span), "label": label, "text": span, "value": value,
                "unit": unit, "qualifier": None, "project": None,
                "subject": {"start": sa, "end": sa + len(subj), "text": subj}}
    gold = {"id": "g1", "text": text, "entities": [ent(1, "284.32万元", "MONEY", 2843200.0, "元", "基本支出"),
                                                   ent(2, "57.23%", "PERCENT", 57.23, "%", "占比")]}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(gold, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "--gold", str(path), "--peers", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output[result.output.index("{"):])
    assert set(scores) == {"jixiao (default pipeline)", "recognizers-text", "jionlp"}
    assert scores["jixiao (default pipeline)"]["labels"]["MONEY"]["f1"] == 1.0
    assert scores["recognizers-text"]["labels"]["PERCENT"]["tp"] == 1
    assert scores["jionlp"]["labels"]["MONEY"]["tp"] == 1
