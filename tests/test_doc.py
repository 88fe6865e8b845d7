"""The shared data model (pipeline/doc.py): ids in text order, tables written out with the document."""
from __future__ import annotations

from pipeline.doc import Document, Entity
from pipeline.normalising import normalise
from pipeline.tables import read_tables


def test_ids_follow_the_text():
    doc = Document(id="t", text="164栋，33亩", entities=[Entity(5, 8, "QUANTITY", "33亩"), Entity(0, 4, "QUANTITY", "164栋")])
    doc.assign_ids()
    assert [(e.id, e.text) for e in doc.entities] == [("e1", "164栋"), ("e2", "33亩")]


def test_the_tables_are_written_as_indicators_and_budget_lines():
    text = ("\t一级指标\n\t二级指标\n\t三级指标\n\t年度指标值\n\t实际完成值\n\t分值\n\t得分\n\n"
            "\t产出指标\n\t数量指标\n\t入户调查（户）\n\t1434\n\t1434\n\t5\n\t5\n\n")
    doc = Document(id="t", text=text, tables=read_tables(normalise(text)))
    d = doc.to_json()
    (row,) = d["indicators"]
    assert (row["indicator"]["text"], row["target"]["value"], row["target"]["unit"], row["weight"]) == \
        ("入户调查（户）", 1434.0, "户", 5.0)
    assert d["budget_lines"] == []
    assert "indicators" not in Document(id="t", text=text).to_json()  # no tables read, none written
