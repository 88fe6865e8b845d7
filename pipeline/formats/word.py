"""DOCX reports: paragraphs and tables in body order, each table row as tab-separated cells.

A merged cell's text is written once: python-docx repeats a horizontally merged cell for each
grid column it spans and a vertically merged cell for each row; the repeats become empty
cells, so the columns stay aligned with the header and no number is counted twice.
"""
from __future__ import annotations

import zipfile

from ..doc import Document
from .failures import one_line_errors
from .layout import join_wrapped
from .source import ReadError, Source


@one_line_errors("DOCX")
def read_docx(source: Source) -> Document:
    try:
        import docx
    except ImportError:
        raise ReadError(source.name, "reading .docx needs python-docx (pip install 'jixiao[docs]')") from None
    with source.open() as f:
        is_zip = zipfile.is_zipfile(f)
    if not is_zip:
        raise ReadError(source.name, "not a DOCX file (not a ZIP package); an old binary .doc must be converted first")
    try:
        with source.open() as f:
            d = docx.Document(f)
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors... on broken packages
        raise ReadError(source.name, f"damaged DOCX: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                        .rstrip(": ")) from None
    blocks = list(_blocks(d))
    text = "\n".join(blocks)
    if not text.strip():
        raise ReadError(source.name, "no text in the DOCX body")
    return Document(id=source.stem, text=text)


def _blocks(container):
    """Paragraph texts and table rows in reading order (nested tables are flattened in place)."""
    from docx.table import Table
    for item in container.iter_inner_content():
        if isinstance(item, Table):
            yield from table_rows(item)
        else:
            yield item.text


def table_rows(table) -> list[str]:
    """One string per row: cells joined by tabs, merged-cell repeats left empty."""
    rows: list[str] = []
    seen: list = []  # the <w:tc> elements already written (kept alive so identity holds)
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            tc = cell._tc
            if any(tc is s for s in seen):
                cells.append("")
            else:
                cells.append(cell_text(cell))
                seen.append(tc)
        rows.append("\t".join(cells))
    return rows


def cell_text(cell) -> str:
    """A cell's paragraphs (and nested tables) on one line, so a row stays one line."""
    from docx.table import Table
    out = ""
    for item in cell.iter_inner_content():
        if isinstance(item, Table):
            piece = " ".join(r.replace("\t", " ") for r in table_rows(item))
        else:
            piece = item.text
        out = join_wrapped(out, piece.replace("\t", " ").replace("\n", " ").strip())
    return out
