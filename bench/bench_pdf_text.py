"""Text-layer fidelity on Chinese: pdfplumber vs PyMuPDF vs pypdfium2 on seed reports as PDFs.

Each seed report (samples/reports) is typeset into a PDF with an embedded CJK font, with a
ruled table on page 1; each library's text is compared with the true text (whitespace
ignored: layout is not content).  Prints character error rate, exact-page share and
milliseconds per page.  pdfplumber is MIT, pypdfium2 Apache-2.0/BSD, PyMuPDF AGPL-3.0.

    .venv/bin/python bench/bench_pdf_text.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.formats.ocr_eval import _dense, cer  # noqa: E402
from pipeline.formats.synthetic import save_text_pdf  # noqa: E402

TABLE = [["项目名称", "预算金额（万元）", "支出金额（万元）", "执行率"],
         ["征收项目前期工作经费", "38", "27.75", "73.03%"], ["合计", "38", "27.75", "73.03%"]]


def pages_of(text: str, max_lines: int = 30, per_line: int = 38) -> list[str]:
    """Paragraphs packed into pages that fit an A4 page at 11 pt (the table takes the rest of page 1)."""
    paras, pages, cur, used = [p for p in text.split("\n") if p.strip()], [], "", 0
    for p in paras:
        p = p[: per_line * max_lines // 2]
        need = -(-len(p) // per_line)
        if used + need > max_lines and cur:
            pages.append(cur)
            cur, used = "", 0
        cur += p + "\n"
        used += need
    return pages + [cur] if cur else pages


def by_pdfplumber(path: Path) -> list[str]:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def by_pymupdf(path: Path) -> list[str]:
    import pymupdf
    with pymupdf.open(path) as doc:
        return [p.get_text() for p in doc]


def by_pypdfium2(path: Path) -> list[str]:
    import pypdfium2
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def main() -> None:
    readers = {"pdfplumber": by_pdfplumber, "pymupdf": by_pymupdf, "pypdfium2": by_pypdfium2}
    stats = {k: [0.0, 0, 0, 0, 0.0] for k in readers}  # errors, chars, exact pages, pages, seconds
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((ROOT / "samples" / "reports").glob("*.txt")):
            pages = pages_of(src.read_text(encoding="utf-8"))
            truth = [p + ("\n" + "\n".join("".join(r) for r in TABLE) if i == 0 else "") for i, p in enumerate(pages)]
            pdf = save_text_pdf(pages, Path(tmp) / f"{src.stem}.pdf", table=TABLE)
            for name, read in readers.items():
                t0 = time.perf_counter()
                got = read(pdf)
                stats[name][4] += time.perf_counter() - t0
                for t, g in zip(truth, got):
                    n = len(_dense(t)[0])
                    e = cer(t, g)
                    stats[name][0] += e * n
                    stats[name][1] += n
                    stats[name][2] += e == 0
                    stats[name][3] += 1
    print(f"{'library':<12}{'licence':<14}{'CER':>8}{'exact pages':>14}{'ms/page':>9}")
    lic = {"pdfplumber": "MIT", "pymupdf": "AGPL-3.0", "pypdfium2": "Apache/BSD"}
    for name, (err, n, exact, pages, sec) in stats.items():
        print(f"{name:<12}{lic[name]:<14}{err / n:>8.4f}{f'{exact}/{pages}':>14}{1000 * sec / pages:>9.1f}")


if __name__ == "__main__":
    main()
