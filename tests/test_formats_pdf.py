"""PDFs with a text layer: pages, reading order, ruled tables as rows, provenance, bad PDFs."""
from __future__ import annotations

import tracemalloc

import pytest

pytest.importorskip("pdfplumber")
pytest.importorskip("reportlab")

from pipeline.formats.provenance import attach_provenance  # noqa: E402
from pipeline.formats.synthetic import cjk_font_path, save_lines_pdf, save_text_pdf  # noqa: E402
from pipeline.api import load  # noqa: E402
from pipeline.language import Pipeline  # noqa: E402
from pipeline.reading import ReadError, read_document  # noqa: E402

pytestmark = pytest.mark.skipif(cjk_font_path() is None, reason="needs fonts-wqy-microhei (scripts/setup-system.sh)")

PAGE1 = "2024年中心年初预算数为279.77万元，全年预算数为496.77万元，年末决算数为496.77万元，预算执行率为100%。"
PAGE2 = "基本支出284.32万元，占比57.23%，预算执行率为100%。"
TABLE = [["项目名称", "预算金额", "支出金额"], ["征收项目前期工作经费", "38", "27.75"], ["合计", "38", "27.75"]]


@pytest.fixture(scope="module")
def two_pages(tmp_path_factory):
    return save_text_pdf([PAGE1, PAGE2], tmp_path_factory.mktemp("pdf") / "r.pdf", table=TABLE)


def test_pages_keep_their_text_in_order(two_pages):
    doc = read_document(two_pages)
    assert [p.number for p in doc.pages] == [1, 2]
    p1, p2 = doc.pages
    assert doc.text[p1.start:p1.end].startswith(PAGE1)  # a wrapped line is joined back into one
    assert doc.text[p2.start:p2.end] == PAGE2
    assert doc.extra["box_unit"] == "pt"


def test_ruled_table_becomes_tab_separated_rows(two_pages):
    doc = read_document(two_pages)
    p1 = doc.pages[0]
    rows = doc.text[p1.start:p1.end].split("\n")[1:]
    assert rows == ["\t".join(r) for r in TABLE]


def test_entities_say_page_and_box(two_pages):
    doc = load()(read_document(two_pages))
    attach_provenance(doc)
    by_text = {e.text: e for e in doc.entities}
    assert by_text["279.77万元"].page == 1 and by_text["284.32万元"].page == 2
    x0, y0, x1, y1 = by_text["57.23%"].box
    assert 0 <= x0 < x1 <= 595.3 and 0 <= y0 < y1 <= 841.9   # inside an A4 page, in points
    assert all(doc.text[e.start:e.end] == e.text for e in doc.entities)
    line = doc.to_json()["pages"][1]["lines"][0]
    assert doc.text[line["start"]:line["end"]] == PAGE2


def test_encrypted_pdf_is_one_line_error(two_pages, tmp_path):
    from pypdf import PdfWriter
    w = PdfWriter(clone_from=two_pages)
    w.encrypt(user_password="secret", owner_password="owner")
    w.write(tmp_path / "locked.pdf")
    with pytest.raises(ReadError, match="encrypted PDF") as err:
        read_document(tmp_path / "locked.pdf")
    assert "\n" not in str(err.value)


def test_corrupt_pdf_is_one_line_error(two_pages, tmp_path):
    data = two_pages.read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 3])
    (tmp_path / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    for name in ("cut.pdf", "fake.pdf"):
        with pytest.raises(ReadError) as err:
            read_document(tmp_path / name)
        assert "PDF" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.slow
def test_300_page_pdf_is_read_page_by_page_in_bounded_memory(tmp_path):
    pages = [f"第{i}页：项目支出{i}.5万元，预算执行率为9{i % 10}%。" for i in range(1, 301)]
    path = save_text_pdf(pages, tmp_path / "long.pdf")
    tracemalloc.start()
    try:
        doc = read_document(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(doc.pages) == 300 and doc.pages[-1].number == 300
    assert doc.text[doc.pages[299].start:doc.pages[299].end] == pages[299]
    assert peak < 100e6, f"peak Python memory {peak / 1e6:.0f} MB for a 175 kB PDF"


@pytest.mark.parametrize("lines, header", [
    # a short line whose number runs on into a longer one
    (["2024年度新建怀南水产品市场项目，安置房面积75", "00㎡，投资约5.85亿元，全年共拆除房屋164栋，签约率达到98%以上，群众满意度100%。"], None),
    # a column of text under a running header that is wider than the column
    (["2024年度本中心全力推进重点项目建设，新建怀南水产", "品市场项目安置房，全年共完成新建安置房建设面积75", "00㎡，投资约5.85亿元，签约率达到98%以上。"],
     "沅陵县国有土地上房屋征收服务中心2024年度部门整体支出绩效自评报告（公开版）第1页共3页"),
])
def test_case15_a_line_wrap_inside_a_number_or_a_name_is_joined_and_offsets_stay_exact(tmp_path, lines, header):
    # the rules-only pipeline: whether the joined name is found must not hang on a model's judgement
    doc = Pipeline.from_config("pipeline-rules")(read_document(save_lines_pdf(lines, tmp_path / "wrapped.pdf",
                                                                              header=header)))
    body = "".join(lines)
    assert body in doc.text
    found = {(e.label, e.text): e for e in doc.entities}
    assert found[("QUANTITY", "7500㎡")].value == 7500.0 and ("QUANTITY", "00㎡") not in found
    assert any(label == "PROJECT" and text.startswith("怀南水产品市场项目") for label, text in found)
    assert all(doc.text[e.start:e.end] == e.text for e in doc.entities)
    pieces = [doc.text[ln["start"]:ln["end"]] for p in doc.to_json()["pages"] for ln in p["lines"]]
    assert [x for x in pieces if x in body] == lines  # every line of the page still points at its own text
