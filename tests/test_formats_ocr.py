"""Scans: seed paragraphs rendered at scan quality, OCR'd offline, extracted, compared with gold.

Kept small on purpose (CPU is shared): two paragraphs on one page per engine, one scanned PDF page.
"""
from __future__ import annotations

import shutil

import pytest

PIL = pytest.importorskip("PIL")

from pipeline.evaluation import score  # noqa: E402
from pipeline.formats import ocr  # noqa: E402
from pipeline.formats.ocr_eval import cer, onto_truth, seed_test_pages  # noqa: E402
from pipeline.formats.provenance import attach_provenance  # noqa: E402
from pipeline.formats.synthetic import ScanQuality, cjk_font_path, render_page, save_scan_pdf  # noqa: E402
from pipeline.api import load  # noqa: E402
from pipeline.reading import ReadError, read_document  # noqa: E402

pytestmark = pytest.mark.skipif(cjk_font_path() is None, reason="needs fonts-wqy-microhei (scripts/setup-system.sh)")


def have(engine: str) -> bool:
    if engine == "tesseract":
        return shutil.which("tesseract") is not None
    try:
        import rapidocr_onnxruntime  # noqa: F401
        return True
    except ImportError:
        return False


@pytest.fixture(scope="module")
def page(gold_seeds):
    """Two seed paragraphs (000: budget figures, shares and rates) with their gold."""
    return seed_test_pages(gold_seeds, pages=(0,), table=False, paragraphs_per_page=2)[0]


@pytest.fixture(scope="module")
def scan_png(page, tmp_path_factory):
    path = tmp_path_factory.mktemp("scan") / "page.png"
    render_page(page.text, quality=ScanQuality(dpi=200, rotation=0.4, blur=0.6, noise=0.02)).save(path)
    return path


@pytest.fixture
def engine_choice():
    yield ocr.choose_engine
    ocr.choose_engine(None)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["rapidocr", "tesseract"])
def test_scanned_seed_page_gives_the_gold_money_and_percent(engine, page, scan_png, engine_choice):
    if not have(engine):
        pytest.skip(f"{engine} not installed")
    engine_choice(engine)
    doc = read_document(scan_png)
    assert cer(page.gold.text, doc.text) < 0.05
    pred = load()(doc)
    s = score([page.gold], [onto_truth(pred, page.gold)], labels=("MONEY", "PERCENT"))
    direct = score([page.gold], [load()(type(doc)(id=page.gold.id, text=page.gold.text))],
                   labels=("MONEY", "PERCENT"))
    assert s.micro.f1 >= direct.micro.f1 - 0.1, (doc.text, s.to_json())
    assert s.value.value == 1.0  # every matched amount has the gold value


@pytest.mark.slow
def test_ocr_lines_and_entities_carry_page_and_pixel_box(scan_png):
    doc = read_document(scan_png)
    assert doc.extra["box_unit"] == "px" and doc.extra["ocr_engine"] == ocr.get_engine().name
    [p] = doc.pages
    assert p.number == 1 and p.lines
    w, h = PIL.Image.open(scan_png).size
    for line in p.lines:
        x0, y0, x1, y1 = line["box"]
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    attach_provenance(load()(doc))
    money = [e for e in doc.entities if e.label == "MONEY"]
    assert money and all(e.page == 1 and e.box is not None for e in money)
    # entities on the first text line sit above those on a later line
    first, last = money[0], money[-1]
    assert first.box[1] <= last.box[1]


@pytest.mark.slow
def test_pdf_page_without_text_layer_goes_to_ocr(page, tmp_path):
    img = render_page(page.text.split("\n")[0], quality=ScanQuality(dpi=200, seed=3))
    pdf = save_scan_pdf([img], tmp_path / "scan.pdf", dpi=200)
    doc = read_document(pdf)
    assert doc.extra["ocr_pages"] == [1]
    assert "279.77万元" in doc.text and "100%" in doc.text
    x0, y0, x1, y1 = doc.pages[0].lines[0]["box"]
    assert x1 <= 595.5 and y1 <= 842.0  # boxes converted to PDF points


def test_image_without_text_is_one_line_error(tmp_path):
    blank = tmp_path / "blank.png"
    PIL.Image.new("RGB", (600, 400), "white").save(blank)
    with pytest.raises(ReadError, match="found no text") as err:
        read_document(blank)
    assert "\n" not in str(err.value)


def test_damaged_image_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(ReadError) as err:
        read_document(bad)
    assert "\n" not in str(err.value)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="tesseract"):
        ocr.choose_engine("nope")


def test_ocr_repairs_keep_original_spans():
    """Decimal point read as a colon, split number, split unit, 士/土: repaired in the view only."""
    from pipeline.api import extract
    text = "占比42:77%，业务工作经费27.7 5万元，追加38万 元。国有士地上房屋征收"
    doc = extract(text)
    got = {e.text: e for e in doc.entities if e.label in ("MONEY", "PERCENT")}
    assert got["42:77%"].value == pytest.approx(42.77)
    assert got["27.7 5万元"].value == pytest.approx(277500.0)
    assert got["38万 元"].value == pytest.approx(380000.0)
    assert all(text[e.start:e.end] == e.text for e in doc.entities)
    from pipeline.normalising import normalise
    view = normalise(text)
    i = view.text.index("国有土地")
    assert view.to_original(i, i + 4).text == "国有士地"
