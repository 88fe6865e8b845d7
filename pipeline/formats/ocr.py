"""Offline OCR: Tesseract (chi_sim) or RapidOCR (ONNX models inside its wheel), one interface.

An engine turns a page image into boxes of text; ``arrange`` puts the boxes in reading order,
joins boxes on one visual row with tabs (table cells) and glues the lines of a wrapped
paragraph back together, keeping every box for provenance.  Settings live in
``configs/ocr.yaml``; ``JIXIAO_OCR_ENGINE`` or ``jixiao extract --ocr-engine`` picks the engine.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from ..config import load_config
from .layout import Line, join_wrapped

_ENGINES: dict[str, Callable[[dict], "OcrEngine"]] = {}
_CACHE: dict[str, "OcrEngine"] = {}
_CHOSEN: Optional[str] = None


class OcrUnavailable(RuntimeError):
    """The engine's program or package is not installed."""


@dataclass
class Box:
    """One recognised piece of text and its axis-aligned box in image pixels."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float = 1.0
    table_row: bool = False  # a whole ruled-table row, cells already joined by tabs

    @property
    def height(self) -> float:
        return self.y1 - self.y0


class OcrEngine:
    name = ""
    erase_lines = True  # read ruled tables with their lines erased

    def boxes(self, image) -> list[Box]:
        raise NotImplementedError

    def read(self, image) -> list[Line]:
        """The page's lines in reading order; ruled tables are read with their lines erased."""
        from .grid import find_grid
        rgb = image.convert("RGB")
        cells, erased = find_grid(rgb)
        return arrange(self.boxes(erased if self.erase_lines else rgb), cells)


def engine(name: str) -> Callable:
    def wrap(cls):
        _ENGINES[name] = cls
        cls.name = name
        return cls
    return wrap


def ocr_settings() -> dict:
    return load_config("ocr")


def engine_names() -> list[str]:
    return sorted(_ENGINES)


def choose_engine(name: Optional[str]) -> None:
    """Select the engine for this process (the CLI's ``--ocr-engine``)."""
    global _CHOSEN
    if name is not None and name not in _ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(engine_names())}")
    _CHOSEN = name


def get_engine(name: Optional[str] = None) -> OcrEngine:
    """The named engine, else the chosen one, else ``$JIXIAO_OCR_ENGINE``, else configs/ocr.yaml's default."""
    cfg = ocr_settings()
    name = name or _CHOSEN or os.environ.get("JIXIAO_OCR_ENGINE") or cfg["default_engine"]
    if name not in _ENGINES:
        raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(engine_names())}")
    if name not in _CACHE:
        _CACHE[name] = _ENGINES[name](cfg.get("engines", {}).get(name, {}))
    return _CACHE[name]


_CJK_CHAR = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@engine("tesseract")
class TesseractEngine(OcrEngine):
    """Tesseract 5 LSTM with Debian's chi_sim model, through pytesseract (word boxes → lines)."""

    def __init__(self, settings: dict):
        import shutil
        if shutil.which("tesseract") is None:
            raise OcrUnavailable("tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-chi-sim; "
                                 "see scripts/setup-system.sh)")
        self.lang = settings.get("lang", "chi_sim")
        self.config = settings.get("config", "--psm 3")
        self.threads = str(settings.get("threads", 1))

    def boxes(self, image) -> list[Box]:
        import pytesseract
        os.environ.setdefault("OMP_THREAD_LIMIT", self.threads)
        d = pytesseract.image_to_data(image, lang=self.lang, config=self.config,
                                      output_type=pytesseract.Output.DICT)
        lines: dict[tuple, list[int]] = {}
        for i, word in enumerate(d["text"]):
            if word.strip() and float(d["conf"][i]) >= 0:
                lines.setdefault((d["block_num"][i], d["par_num"][i], d["line_num"][i]), []).append(i)
        out = []
        for idx in lines.values():
            idx.sort(key=lambda i: d["left"][i])
            text = ""
            for i in idx:
                text = _join_words(text, d["text"][i].strip())
            x0 = min(d["left"][i] for i in idx)
            y0 = min(d["top"][i] for i in idx)
            x1 = max(d["left"][i] + d["width"][i] for i in idx)
            y1 = max(d["top"][i] + d["height"][i] for i in idx)
            conf = sum(float(d["conf"][i]) for i in idx) / len(idx) / 100.0
            out.append(Box(text, x0, y0, x1, y1, conf))
        return out


def _join_words(a: str, b: str) -> str:
    """Tesseract splits Chinese into one-character 'words': glue them, keep spaces between Latin words."""
    if not a:
        return b
    if _CJK_CHAR.match(a[-1]) or _CJK_CHAR.match(b[0]):
        return a + b
    return a + " " + b


@engine("rapidocr")
class RapidOcrEngine(OcrEngine):
    """PP-OCRv4 detection + recognition through onnxruntime; the models ship in the wheel."""

    erase_lines = False  # its detector keeps cells apart by the lines; without them boxes span cells

    def __init__(self, settings: dict):
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError:
            raise OcrUnavailable("rapidocr-onnxruntime is not installed (pip install 'jixiao[ocr]')") from None
        threads = int(settings.get("threads", 2))
        self._ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1,
                             **{k: v for k, v in settings.items() if k != "threads"})

    def boxes(self, image) -> list[Box]:
        import numpy as np
        result, _ = self._ocr(np.asarray(image))
        out = []
        for pts, text, score in result or []:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            if text.strip():
                out.append(Box(text.strip(), min(xs), min(ys), max(xs), max(ys), float(score)))
        return out


def arrange(boxes: list[Box], cells: Sequence = ()) -> list[Line]:
    """Reading order: rows top to bottom, boxes in a row left to right joined by tabs;
    a line that runs to the right margin continues on the next line (wrapped paragraph);
    boxes inside ruled-table cells become one line per table row."""
    if cells:
        boxes = _table_rows(boxes, cells)
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b.y0 + b.y1) / 2):
        if rows and not b.table_row and not rows[-1][0].table_row and _same_row(rows[-1], b):
            rows[-1].append(b)
        else:
            rows.append([b])
    if not rows:
        return []
    left = min(b.x0 for b in boxes)
    right = _right_margin(rows, left)
    lines: list[Line] = []
    prev: Optional[tuple[list[Box], float]] = None  # the previous row and its line height
    for row in rows:
        row.sort(key=lambda b: b.x0)
        height = sorted(b.height for b in row)[len(row) // 2]
        for k, b in enumerate(row):
            if k:
                gap = b.x0 - row[k - 1].x1
                sep = "\t" if gap > 0.6 * height else ("" if _glues(row[k - 1].text, b.text) else " ")
            elif prev and b.x0 <= left + 1.5 * prev[1] and _wraps(*prev, b.text, left, right):
                sep = "" if _glues(lines[-1].text, b.text) else " "
            else:
                sep = "\n"
            lines.append(Line(b.text, [b.x0, b.y0, b.x1, b.y1], b.score, sep))
        prev = (row, height)
    return lines


def _right_margin(rows: list[list[Box]], left: float) -> float:
    """Where the lines of text end: the furthest right edge that two rows reach (within a line height),
    so that one wider line (a header, a stamp) does not move it; the furthest edge if no two agree,
    and never less than half the way to it."""
    ends = sorted((max(b.x1 for b in row), max(b.height for b in row)) for row in rows if not row[0].table_row)
    if not ends:
        return max(b.x1 for row in rows for b in row)
    furthest = ends[-1][0]
    for x1, height in reversed(ends):
        if x1 < left + 0.5 * (furthest - left):
            break
        if sum(abs(x1 - other) <= height for other, _ in ends) >= 2:
            return x1
    return furthest


def _wraps(row: list[Box], height: float, after: str, left: float, right: float) -> bool:
    """Whether a one-box row runs on into the next line (whose text is ``after``): it reaches the right
    margin without ending a sentence, or it is long and a number runs across the break (75 ⏎ 00㎡)."""
    if len(row) != 1 or row[0].table_row or _ends_sentence(row[0].text):
        return False
    b = row[0]
    if b.x1 >= right - 2.0 * height:
        return True
    return b.text[-1:].isdecimal() and after[:1].isdecimal() and b.x1 - left >= 0.5 * (right - left)


def _table_rows(boxes: list[Box], cells: Sequence) -> list[Box]:
    """Replace the boxes inside table cells by one box per table row (cells joined by tabs)."""
    from .grid import table_rows
    inside: dict = {}
    rest = []
    for b in boxes:
        cx, cy = (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
        cell = next((c for c in cells if c.contains(cx, cy)), None)
        if cell is None:
            rest.append(b)
        else:
            inside.setdefault(cell, []).append(b)
    for row in table_rows(list(cells)):
        texts = []
        for c in row:
            text = ""
            for ln in arrange(inside.get(c, [])):
                text = join_wrapped(text, ln.text)
            texts.append(text)
        if any(texts):
            found = [b for c in row for b in inside.get(c, [])]
            rest.append(Box("\t".join(texts), min(c.x0 for c in row), min(c.y0 for c in row),
                            max(c.x1 for c in row), max(c.y1 for c in row),
                            min(b.score for b in found), table_row=True))
    return rest


def _same_row(row: list[Box], b: Box) -> bool:
    top, bottom = min(r.y0 for r in row), max(r.y1 for r in row)
    overlap = min(bottom, b.y1) - max(top, b.y0)
    return overlap > 0.5 * min(b.height, bottom - top)


def _glues(a: str, b: str) -> bool:
    return join_wrapped(a, b) == a + b


def _ends_sentence(text: str) -> bool:
    return text[-1:] in "。：:；;！!？?"
