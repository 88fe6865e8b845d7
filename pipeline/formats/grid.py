"""Ruled tables on scanned pages: find the cells from the ruling lines, and erase the lines.

OCR engines read a ruled table badly: Tesseract takes the lines for characters, and both
engines read a wrapped cell's second line after the whole row.  The grid's cells let the
layout write each table row as one line of tab-separated cells (as the DOCX and PDF readers
do), and a page with the lines erased is what the engine sees.  Needs OpenCV (installed with
the ``ocr`` extra); without it pages are read as they are.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    x0: int
    y0: int
    x1: int
    y1: int

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1


def find_grid(image):
    """(cells, image with ruling lines erased); ([], image) when the page has no ruled table."""
    try:
        import cv2
        import numpy as np
    except ImportError:
        return [], image
    from PIL import Image
    gray = np.asarray(image.convert("L"))
    h, w = gray.shape
    ink = (gray < 160).astype(np.uint8) * 255
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))  # mend speckled lines
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(40, w // 25), 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(30, h // 60))))
    lines = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))
    if not vert.any() or not horiz.any():
        return [], image
    contours, hierarchy = cv2.findContours(lines, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    cells = []
    for k, c in enumerate(contours):
        if hierarchy[0][k][3] < 0:  # an outer contour (the grid itself), not a hole in it
            continue
        x, y, cw, ch = cv2.boundingRect(c)
        if cw > 8 and ch > 8 and cw < 0.95 * w:
            cells.append(Cell(x, y, x + cw, y + ch))
    if len(cells) < 2:
        return [], image
    cleaned = np.where(lines > 0, 255, np.asarray(image.convert("RGB")).transpose(2, 0, 1)).transpose(1, 2, 0)
    return cells, Image.fromarray(cleaned.astype(np.uint8))


def table_rows(cells: list[Cell]) -> list[list[Cell]]:
    """Cells grouped into rows (top to bottom), each row left to right."""
    rows: list[list[Cell]] = []
    for c in sorted(cells, key=lambda c: (c.y0, c.x0)):
        if rows and abs(c.y0 - rows[-1][0].y0) < 0.5 * min(c.y1 - c.y0, rows[-1][0].y1 - rows[-1][0].y0):
            rows[-1].append(c)
        else:
            rows.append([c])
    return [sorted(r, key=lambda c: c.x0) for r in rows]
