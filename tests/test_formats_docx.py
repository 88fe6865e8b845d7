"""DOCX reports: body order, tables as tab-separated rows, merged cells once, clear errors."""
from __future__ import annotations

import pytest

docx = pytest.importorskip("docx")

from pipeline.api import extract  # noqa: E402
from pipeline.reading import ReadError, read_document  # noqa: E402


def make_report(path):
    d = docx.Document()
    d.add_paragraph("2024年中心年初预算数为279.77万元，预算执行率为100%。")
    t = d.add_table(rows=4, cols=3)
    for r, row in enumerate([["金额单位：万元", "", ""], ["项目名称", "预算金额", "支出金额"],
                             ["征收项目前期工作经费", "38", "27.75"], ["合计", "38", "27.75"]]):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    title = t.cell(0, 0).merge(t.cell(0, 2))          # a title row spanning all columns
    title.text = "金额单位：万元"
    name = t.cell(2, 0).merge(t.cell(3, 0))           # a name cell spanning two rows
    name.text = "征收项目前期工作经费"
    d.add_paragraph("全年拆除房屋164栋。")
    d.save(path)
    return path


def test_paragraphs_and_table_rows_in_body_order(tmp_path):
    doc = read_document(make_report(tmp_path / "r.docx"))
    lines = doc.text.split("\n")
    assert lines[0] == "2024年中心年初预算数为279.77万元，预算执行率为100%。"
    assert lines[-1] == "全年拆除房屋164栋。"
    rows = [ln.split("\t") for ln in lines[1:-1]]
    assert rows[1] == ["项目名称", "预算金额", "支出金额"]
    assert all(len(r) == 3 for r in rows), "merged cells keep the columns aligned"
    assert rows[2][1:] == ["38", "27.75"] and rows[3][1:] == ["38", "27.75"]


def test_merged_cells_are_written_once(tmp_path):
    doc = read_document(make_report(tmp_path / "r.docx"))
    assert doc.text.count("金额单位：万元") == 1
    assert doc.text.count("征收项目前期工作经费") == 1


def test_docx_text_feeds_extraction_with_exact_offsets(tmp_path):
    doc = read_document(make_report(tmp_path / "r.docx"))
    out = extract(doc.text, "r")
    money = [e for e in out.entities if e.label == "MONEY"]
    assert any(e.text == "279.77万元" and e.value == 2797700.0 for e in money)
    assert any(e.label == "QUANTITY" and e.text == "164栋" for e in out.entities)
    assert all(doc.text[e.start:e.end] == e.text for e in out.entities)


@pytest.mark.parametrize("content, words", [(b"", "empty"), (b"not a zip at all", "not a DOCX"),
                                            (b"PK\x03\x04broken", "DOCX")])
def test_broken_docx_is_one_line_read_error(tmp_path, content, words):
    p = tmp_path / "bad.docx"
    p.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_document(p)
    assert words in str(err.value) and "\n" not in str(err.value)
