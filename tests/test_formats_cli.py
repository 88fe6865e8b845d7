"""`jixiao extract` on a directory mixing .txt, .docx, .pdf and .png, good and broken files."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("docx")
pytest.importorskip("pdfplumber")

from pipeline.formats.synthetic import ScanQuality, cjk_font_path, render_page, save_text_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(cjk_font_path() is None, reason="needs fonts-wqy-microhei (scripts/setup-system.sh)")]

PNG_TEXT = "项目支出212.44万元，占比42.77%，预算执行率为100%。"


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    import docx
    from PIL import Image
    from pypdf import PdfWriter
    inp = tmp_path_factory.mktemp("in")
    shutil.copy(ROOT / "samples" / "reports" / "003_b2570951c4ea1818.txt", inp / "report.txt")
    d = docx.Document()
    d.add_paragraph("2021年末结余0元，公务接待费0.67万元。")
    d.save(inp / "word.docx")
    save_text_pdf(["2024年中心年初预算数为279.77万元。", "资产利用率100%。"], inp / "text.pdf")
    render_page(PNG_TEXT, quality=ScanQuality(dpi=200, seed=5)).save(inp / "scan.png")
    w = PdfWriter(clone_from=inp / "text.pdf")
    w.encrypt(user_password="secret", owner_password="owner")
    w.write(inp / "locked.pdf")
    (inp / "cut.pdf").write_bytes((inp / "text.pdf").read_bytes()[:900])
    (inp / "empty.docx").write_bytes(b"")
    Image.new("RGB", (500, 300), "white").save(inp / "blank.png")
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", str(inp), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    docs = {d["id"]: d for d in map(json.loads, (out / "documents.jsonl").read_text(encoding="utf-8").splitlines())}
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    return proc, out, docs, errors


def test_good_files_of_every_kind_are_extracted(mixed_run):
    proc, _, docs, _ = mixed_run
    assert set(docs) == {"report", "word", "text", "scan"}, proc.stderr
    money = {d: {e["text"] for e in doc["entities"] if e["label"] == "MONEY"} for d, doc in docs.items()}
    assert "0.67万元" in money["word"]
    assert "279.77万元" in money["text"]
    assert "212.44万元" in money["scan"]
    for doc in docs.values():
        assert all(doc["text"][e["start"]:e["end"]] == e["text"] for e in doc["entities"])


def test_bad_files_fail_alone_with_one_line_each(mixed_run):
    proc, _, _, errors = mixed_run
    assert proc.returncode == 1
    failed = {Path(e["source"]).name: e["error"] for e in errors}
    assert set(failed) == {"locked.pdf", "cut.pdf", "empty.docx", "blank.png"}
    assert "encrypted" in failed["locked.pdf"]
    assert "empty" in failed["empty.docx"]
    assert "no text" in failed["blank.png"]
    err_lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("jixiao: error:")]
    assert len(err_lines) == 4 and "Traceback" not in proc.stderr
    assert "4 extracted" in proc.stderr and "4 failed" in proc.stderr


def test_paged_outputs_carry_pages_lines_and_entity_provenance(mixed_run):
    _, out, docs, _ = mixed_run
    text_pdf, scan = docs["text"], docs["scan"]
    assert [p["number"] for p in text_pdf["pages"]] == [1, 2]
    assert {e["text"]: e["page"] for e in text_pdf["entities"]}["100%"] == 2
    assert scan["ocr_engine"] and scan["box_unit"] == "px"
    assert all(len(line["box"]) == 4 for line in scan["pages"][0]["lines"])
    assert all(e["page"] == 1 and len(e["box"]) == 4 for e in scan["entities"])
    import duckdb
    con = duckdb.connect(str(out / "jixiao.duckdb"), read_only=True)
    pages = con.execute("SELECT DISTINCT page FROM entities WHERE doc_id = 'text' ORDER BY page").fetchall()
    con.close()
    assert pages == [(1,), (2,)]
