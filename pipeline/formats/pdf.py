"""PDF reports, page by page: the text layer where there is one, OCR where there is none.

pdfplumber (MIT, on pdfminer.six) was chosen over PyMuPDF (AGPL) for equal fidelity on
Chinese (bench/bench_pdf_text.py; bench/results/ocr.md).  Each page gives its text lines and
its ruled tables (one line per row, cells separated by tabs) in top-to-bottom order, with
line boxes in PDF points.  A page whose text layer is (almost) empty is rendered with
pypdfium2 and OCR'd.  Pages are released as soon as they are read, so memory does not grow
with the page count.
"""
from __future__ import annotations

from ..doc import Document
from .failures import one_line_errors
from .layout import Line, PagedText, join_wrapped
from .ocr import Box, OcrUnavailable, arrange, get_engine, ocr_settings
from .source import ReadError, Source


@one_line_errors("PDF")
def read_pdf(source: Source) -> Document:
    try:
        import pdfplumber
    except ImportError:
        raise ReadError(source.name, "reading .pdf needs pdfplumber (pip install 'jixiao[docs]')") from None
    with source.open() as stream:
        if b"%PDF-" not in stream.read(1024):
            raise ReadError(source.name, "not a PDF (no %PDF- header)")
        stream.seek(0)
        try:
            pdf = pdfplumber.open(stream)
        except Exception as exc:
            raise ReadError(source.name, _open_error(exc)) from None
        return _read_pages(source, pdf)


def _read_pages(source: Source, pdf) -> Document:
    """Each page from its text layer, or by OCR where it has none; the PDF is closed at the end."""
    settings = ocr_settings()
    paged = PagedText()
    ocr_pages: list[int] = []
    page_errors: list[str] = []
    renderer = None
    try:
        n_pages = len(pdf.pages)
        for number in range(1, n_pages + 1):
            page = pdf.pages[number - 1]
            try:
                lines = text_layer_lines(page, settings.get("min_text_chars", 8))
                if lines is None:
                    if renderer is None:
                        renderer = _Renderer(source)
                    lines = ocr_page(renderer, number, settings.get("dpi", 200))
                    ocr_pages.append(number)
            except OcrUnavailable as exc:
                raise ReadError(source.name, f"page {number} has no text layer and OCR is unavailable: {exc}") from None
            except ReadError:
                raise
            except Exception as exc:
                page_errors.append(f"page {number}: {type(exc).__name__}: {exc}".splitlines()[0])
                lines = []
            finally:
                page.close()
            paged.add_page(number, lines)
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(source.name, f"damaged PDF: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    finally:
        pdf.close()
        if renderer is not None:
            renderer.close()
    if not paged.has_text():
        what = "OCR found no text" if ocr_pages else "no text layer and no images"
        raise ReadError(source.name, f"no text in {n_pages} page(s): {what}")
    return paged.document(source.stem, box_unit="pt", ocr_pages=ocr_pages or None,
                          ocr_engine=get_engine().name if ocr_pages else None,
                          page_errors=page_errors or None)


def _open_error(exc: Exception) -> str:
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    kind = type(inner).__name__
    if "Password" in kind or "Encrypt" in kind:
        return "encrypted PDF: a password is needed to open it"
    msg = str(inner).splitlines()[0] if str(inner) else kind
    return f"damaged PDF ({kind}: {msg})" if msg != kind else f"damaged PDF ({kind})"


def text_layer_lines(page, min_chars: int) -> list[Line] | None:
    """Lines of a page's text layer in reading order, or None if the page needs OCR."""
    printable = sum(1 for c in page.chars if c["text"].strip())
    if printable < min_chars:
        return None if page.images else []
    tables = [t for t in page.find_tables() if len(t.rows) >= 2]
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    body = page.filter(outside) if boxes else page
    text_boxes = [Box(ln["text"], ln["x0"], ln["top"], ln["x1"], ln["bottom"])
                  for ln in body.extract_text_lines(layout=False, strip=True, return_chars=False)
                  if ln["text"].strip()]
    lines = arrange(text_boxes)
    for table in tables:
        rows = table_lines(table)
        at = next((i for i, ln in enumerate(lines) if ln.box and ln.box[1] > table.bbox[1]), len(lines))
        if at < len(lines):
            lines[at].sep = "\n"
        lines[at:at] = rows
    return lines


def table_lines(table) -> list[Line]:
    """One line per table row: cells joined by tabs; a merged cell's text once, repeats empty."""
    out = []
    for row, cells in zip(table.rows, table.extract()):
        text = "\t".join(_cell(c) for c in cells)
        if text.strip():
            out.append(Line(text, list(row.bbox)))
    return out


def _cell(c) -> str:
    if not c:
        return ""
    out = ""
    for piece in c.split("\n"):
        out = join_wrapped(out, piece.strip())
    return out.replace("\t", " ")


class _Renderer:
    """Renders pages of one PDF to images for OCR (pypdfium2, opened only when needed)."""

    def __init__(self, source: Source):
        import pypdfium2
        self._pdf = pypdfium2.PdfDocument(source.data if source.data is not None else str(source.path))

    def image(self, number: int, dpi: int):
        page = self._pdf[number - 1]
        try:
            bitmap = page.render(scale=dpi / 72)
            return bitmap.to_pil()
        finally:
            page.close()

    def close(self) -> None:
        self._pdf.close()


def ocr_page(renderer: _Renderer, number: int, dpi: int) -> list[Line]:
    """OCR one rendered page; boxes converted from pixels to PDF points."""
    image = renderer.image(number, dpi)
    lines = get_engine().read(image)
    k = 72.0 / dpi
    for ln in lines:
        if ln.box:
            ln.box = [v * k for v in ln.box]
    return lines
