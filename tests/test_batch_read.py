"""Documents extracted together (pipeline/batch/read.py ``extract_items``): in input order, each
with what it gets alone, and a document that breaks the group fails alone."""
from __future__ import annotations

import time

import pytest

from pipeline.archives import Item
from pipeline.batch.read import extract_item, extract_items
from pipeline.language import Pipeline
from pipeline.limits import DocumentLimits

LIMITS = DocumentLimits(max_chars=10_000, max_seconds=0)
GOOD = ["全年完成征收土地33亩，支出300万元。", "基本支出284.32万元，占比57.23%"]


def items(*texts: bytes | str) -> list[tuple[Item, int]]:
    return [(Item(f"d{i}.txt", None, t if isinstance(t, bytes) else t.encode("utf-8"), ".txt"), 1)
            for i, t in enumerate(texts)]


@pytest.fixture(scope="module")
def nlp():
    return Pipeline.from_config("pipeline-rules")


def entities(doc):
    return [(e.text, e.label, e.value) for e in doc.entities]


def test_a_group_gives_each_document_what_it_gets_alone(nlp):
    work = items(GOOD[0], b"\x00\x01\x02binary", GOOD[1])
    got = extract_items(nlp, work, LIMITS, worker="w0")
    assert [r.status for r, _ in got] == ["ok", "failed", "ok"]
    assert got[1][0].stage == "read" and got[1][1] is None
    for (item, _), (result, doc) in zip(work, got):
        if doc is not None:
            assert entities(doc) == entities(extract_item(nlp, item, LIMITS)[1])
            assert result.worker == "w0" and result.extract_ms >= 0 and result.rows
    assert entities(got[0][1]) == [("33亩", "QUANTITY", 33.0), ("300万元", "MONEY", 3000000.0)]


def test_a_document_that_breaks_the_group_fails_alone(nlp):
    def breaks_on_marker(doc, view):
        if "故障" in doc.text:
            raise ValueError("a component fault")

    faulty = Pipeline(nlp.components + [breaks_on_marker], nlp.names + ["fault"])
    got = extract_items(faulty, items(GOOD[0], "故障：100万元", GOOD[1]), LIMITS)
    assert [(r.status, r.stage) for r, _ in got] == [("ok", None), ("failed", "extract"), ("ok", None)]
    assert got[1][0].error == "ValueError: a component fault"
    assert entities(got[2][1]) == [("284.32万元", "MONEY", 2843200.0), ("57.23%", "PERCENT", 57.23)]


def test_a_group_has_one_document_s_time_bound_and_only_the_slow_document_fails(nlp):
    def slow_on_marker(doc, view):
        if "缓慢" in doc.text:
            time.sleep(1.5)

    slow = Pipeline(nlp.components + [slow_on_marker], nlp.names + ["slow"])
    limits = DocumentLimits(max_chars=10_000, max_seconds=1)
    got = extract_items(slow, items(GOOD[0], "缓慢：100万元", GOOD[1]), limits)
    assert [(r.status, r.stage) for r, _ in got] == [("ok", None), ("failed", "limit"), ("ok", None)]
    assert got[1][0].error == limits.timed_out()
    assert entities(got[0][1]) == [("33亩", "QUANTITY", 33.0), ("300万元", "MONEY", 3000000.0)]


def test_a_failed_group_reads_no_document_twice(nlp, monkeypatch):
    """A scan is OCR'd once: the documents of a failed group are redone from copies taken as read."""
    import pipeline.batch.read as read
    reads = []
    real = read.read_item
    monkeypatch.setattr(read, "read_item", lambda item: reads.append(item.name) or real(item))

    def breaks_on_marker(doc, view):
        if "故障" in doc.text:
            raise ValueError("a component fault")

    faulty = Pipeline(nlp.components + [breaks_on_marker], nlp.names + ["fault"])
    got = extract_items(faulty, items(GOOD[0], "故障：100万元", GOOD[1]), LIMITS)
    assert sorted(reads) == ["d0.txt", "d1.txt", "d2.txt"]
    assert [r.status for r, _ in got] == ["ok", "failed", "ok"]
    # redone from the copy as read, not from the document the group had half extracted
    assert entities(got[0][1]) == [("33亩", "QUANTITY", 33.0), ("300万元", "MONEY", 3000000.0)]
