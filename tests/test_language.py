"""The pipeline (pipeline/language.py): the components of a config over one document, ids in text
order, facts that name their entities."""
from __future__ import annotations

from pipeline.doc import Document
from pipeline.language import Pipeline


def test_the_rules_pipeline_end_to_end():
    text = ("2、正清路延长线项目全年共参与征收房屋266户，支出合计300万元，其中基本支出100万元，项目支出200万元。\n"
            "金额单位：万元\n\t科目\t预算金额\t支出金额\n\t征收工作经费\t38\t27.75\n")
    doc = Pipeline.from_config("pipeline-rules")(Document(id="t", text=text))
    got = [(e.id, e.text, e.label, e.value) for e in doc.entities]
    assert got == [("e1", "正清路延长线项目", "PROJECT", None), ("e2", "266户", "QUANTITY", 266.0),
                   ("e3", "300万元", "MONEY", 3000000.0), ("e4", "100万元", "MONEY", 1000000.0),
                   ("e5", "200万元", "MONEY", 2000000.0), ("e6", "38", "MONEY", 380000.0),
                   ("e7", "27.75", "MONEY", 277500.0)]
    facts = {f.number.text: f for f in doc.facts}
    assert facts["266户"].entity_id == "e2" and facts["266户"].project.text == "正清路延长线项目"
    assert facts["38"].subject.text == "征收工作经费"
    assert [c["kind"] + ":" + c["status"] for c in doc.extra["checks"]] == ["parts_sum:holds"]
