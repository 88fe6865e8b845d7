"""The scorer on small hand-made gold and prediction documents (GUIDELINES.md section 4)."""
from __future__ import annotations

import json

import pytest

from pipeline.doc import Document, Entity, Span
from pipeline.evaluation import load_documents, score

TEXT = "怀南水产品市场项目全年共拆除房屋164栋，投入资金284.32万元，签约率100%。"


def _at(span: str, nth: int = 0) -> tuple[int, int]:
    a = -1
    for _ in range(nth + 1):
        a = TEXT.index(span, a + 1)
    return a, a + len(span)


def ent(span, label, value=None, unit=None, qualifier=None, subject=None, project=None, shift=0) -> Entity:
    a, b = _at(span)
    sub = Span(*_at(subject), subject) if subject else None
    proj = Span(*_at(project), project) if project else None
    return Entity(a + shift, b + shift, label, TEXT[a + shift:b + shift], value=value, unit=unit, qualifier=qualifier,
                  subject=sub, project=proj)


PROJECT = "怀南水产品市场项目"


def gold_doc() -> Document:
    return Document(id="d1", text=TEXT, entities=[
        ent(PROJECT, "PROJECT"),
        ent("164栋", "QUANTITY", 164.0, "栋", subject="拆除房屋", project=PROJECT),
        ent("284.32万元", "MONEY", 2843200.0, "元", subject="投入资金"),
        ent("100%", "PERCENT", 100.0, "%", subject="签约率"),
    ])


def test_identical_documents_score_one():
    s = score([gold_doc()], [gold_doc()])
    for lab in ("MONEY", "PERCENT", "QUANTITY", "PROJECT"):
        assert (s.labels[lab].precision, s.labels[lab].recall, s.labels[lab].f1) == (1.0, 1.0, 1.0)
    assert s.value.value == s.unit.value == s.qualifier.value == s.subject.value == 1.0
    assert s.project_link.f1 == 1.0
    assert s.facts.f1 == 1.0


def test_strict_span_and_label():
    pred = gold_doc()
    pred.entities[2] = ent("284.32万元", "MONEY", 2843200.0, "元", shift=1)   # one character off
    pred.entities[3] = ent("100%", "QUANTITY", 100.0, "%")                   # wrong label
    s = score([gold_doc()], [pred])
    assert (s.labels["MONEY"].tp, s.labels["MONEY"].fp, s.labels["MONEY"].fn) == (0, 1, 1)
    assert (s.labels["PERCENT"].tp, s.labels["PERCENT"].fn) == (0, 1)
    assert s.labels["QUANTITY"].fp == 1 and s.labels["QUANTITY"].tp == 1


def test_value_tolerance_unit_and_qualifier_accuracy():
    pred = gold_doc()
    pred.entities[2].value = 2843200.0 * (1 + 1e-8)    # within relative tolerance 1e-6
    pred.entities[3].qualifier = "gte"
    pred.entities[1].unit = "个"
    s = score([gold_doc()], [pred])
    assert s.value.value == 1.0
    assert s.qualifier.right == 2 and s.qualifier.total == 3
    assert s.unit.right == 2


def test_subject_matches_by_overlap_or_both_null():
    pred = gold_doc()
    pred.entities[1].subject = Span(*_at("共拆除房屋"), "共拆除房屋")      # overlaps 拆除房屋
    pred.entities[2].subject = None                                     # gold has one
    gold = gold_doc()
    gold.entities[3].subject = None
    pred.entities[3].subject = None                                     # both null
    s = score([gold], [pred])
    assert (s.subject.right, s.subject.total) == (2, 3)


def test_project_links_need_the_number_and_an_overlapping_project():
    pred = gold_doc()
    pred.entities[2].project = Span(*_at(PROJECT), PROJECT)   # a link gold does not have
    s = score([gold_doc()], [pred])
    assert (s.project_link.tp, s.project_link.fp, s.project_link.fn) == (1, 1, 0)
    pred = gold_doc()
    pred.entities[1].project = Span(0, 4, TEXT[:4])           # overlapping part of the project name
    s = score([gold_doc()], [pred])
    assert s.project_link.tp == 1


def test_facts_match_on_value_unit_overlap_and_project():
    pred = gold_doc()
    # a wider number span still overlaps: the fact matches although the entity does not
    a, b = _at("164栋")
    pred.entities[1] = Entity(a - 2, b, "QUANTITY", TEXT[a - 2:b], value=164.0, unit="栋",
                              project=Span(*_at(PROJECT), PROJECT))
    pred.entities[2].value = 2843.2                                   # wrong value: no fact
    pred.entities[3].project = Span(*_at(PROJECT), PROJECT)           # gold project is null: no fact
    s = score([gold_doc()], [pred])
    assert s.labels["QUANTITY"].tp == 0
    assert (s.facts.tp, s.facts.fp, s.facts.fn) == (1, 2, 2)


def test_documents_pair_by_id_and_missing_predictions_count_as_misses():
    other = Document(id="other", text=TEXT)
    s = score([gold_doc()], [other])
    assert s.documents == 1
    assert s.labels["MONEY"].fn == 1 and s.labels["MONEY"].fp == 0
    assert s.facts.fn == 3


def test_labels_can_be_restricted():
    s = score([gold_doc()], [Document(id="d1", text=TEXT)], labels=("MONEY", "PERCENT", "QUANTITY"))
    assert s.labels["PROJECT"].fn == 0
    assert s.labels["MONEY"].fn == 1


@pytest.mark.parametrize("layout", ["json", "jsonl", "dir"])
def test_load_documents(tmp_path, layout):
    d = gold_doc().to_json()
    if layout == "json":
        path = tmp_path / "g.json"
        path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    elif layout == "jsonl":
        path = tmp_path / "g.jsonl"
        path.write_text(json.dumps(d, ensure_ascii=False) + "\n" + json.dumps({**d, "id": "d2"}, ensure_ascii=False),
                        encoding="utf-8")
    else:
        path = tmp_path / "gold"
        path.mkdir()
        (path / "a.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    docs = load_documents(path)
    assert docs[0].id == "d1"
    assert [e.text for e in docs[0].entities] == [e.text for e in gold_doc().entities]
    assert docs[0].entities[1].project.text == PROJECT
    for doc in docs:
        for e in doc.entities:
            assert doc.text[e.start:e.end] == e.text


def test_case13_gold_documents_without_prediction_are_counted_and_refused_or_skipped(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app
    gold_path, pred_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold = [{**gold_doc().to_json(), "id": f"d{i}"} for i in range(1, 6)]
    gold_path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in gold), encoding="utf-8")
    pred_path.write_text(json.dumps(gold[0], ensure_ascii=False) + "\n", encoding="utf-8")
    told = f"{pred_path}: no prediction for 4 of 5 gold documents (d2, d3, d4, ...)"

    refused = CliRunner().invoke(app, ["evaluate", "--gold", str(gold_path), str(pred_path)])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (f"jixiao: error: {told}; "
                                      "pass --missing skip to score only the documents both sides have")
    skipped = CliRunner().invoke(app, ["evaluate", "--gold", str(gold_path), str(pred_path), "--missing", "skip",
                                       "--json"])
    assert skipped.exit_code == 0
    assert skipped.stderr.strip() == f"jixiao: note: {told}; scoring the documents both sides have (1)"
    scores = json.loads(skipped.stdout)[f"predictions {pred_path}"]
    assert scores["documents"] == 1 and scores["micro"]["f1"] == 1.0
