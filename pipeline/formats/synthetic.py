"""Rendered test pages: report text drawn as a scan (PNG, image-only PDF) or as a text PDF.

Tests and ``bench/bench_ocr.py`` need pages whose true text is known.  Text is laid out on an
A4 page at a scan resolution with a CJK font from Debian's packages, then degraded the way
a desk scanner does (slight rotation, blur, speckle noise), deterministically by seed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def cjk_font_path() -> Optional[str]:
    for p in FONT_CANDIDATES:
        if Path(p).exists():
            return p
    return None


@dataclass
class ScanQuality:
    dpi: int = 200
    rotation: float = 0.4   # degrees
    blur: float = 0.6       # Gaussian radius in pixels
    noise: float = 0.02     # share of pixels flipped to speckle
    seed: int = 0


def _wrap(text: str, font, width: int, draw) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for ch in para:
            if draw.textlength(cur + ch, font=font) > width and cur:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        lines.append(cur)
    return lines


def render_page(text: str = "", table: Optional[Sequence[Sequence[str]]] = None,
                quality: ScanQuality = ScanQuality(), font_pt: float = 11.0,
                table_scale: float = 0.85, max_cell_chars: int = 12):
    """An A4 page image with ``text`` (paragraphs split on newlines) then an optional ruled table
    whose long cells wrap (top-aligned, as word processors lay them out)."""
    from PIL import Image, ImageDraw, ImageFont
    font_file = cjk_font_path()
    if font_file is None:
        raise FileNotFoundError("no CJK font: install fonts-wqy-microhei (scripts/setup-system.sh)")
    dpi = quality.dpi
    w, h = int(8.27 * dpi), int(11.69 * dpi)
    px = int(font_pt / 72 * dpi)
    font = ImageFont.truetype(font_file, px)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    margin = int(0.9 * dpi)
    y = margin
    line_h = int(px * 1.6)
    for line in _wrap(text, font, w - 2 * margin, draw) if text else []:
        draw.text((margin, y), line, font=font, fill=0)
        y += line_h
    if table:
        y += line_h
        tfont = ImageFont.truetype(font_file, int(px * table_scale))
        pad = tfont.size // 2
        ncol = max(len(r) for r in table)
        limit = max_cell_chars * tfont.size
        col_w = [min(limit, max(draw.textlength(r[c], font=tfont) if c < len(r) else 0 for r in table)) + 2 * pad
                 for c in range(ncol)]
        for row in table:
            wrapped = [_wrap(row[c], tfont, col_w[c] - 2 * pad, draw) if c < len(row) else [] for c in range(ncol)]
            row_h = max(len(w) for w in wrapped) * int(tfont.size * 1.4) + 2 * pad
            x = margin
            for c in range(ncol):
                draw.rectangle([x, y, x + col_w[c], y + row_h], outline=0, width=2)
                for k, piece in enumerate(wrapped[c]):
                    draw.text((x + pad, y + pad + k * int(tfont.size * 1.4)), piece, font=tfont, fill=0)
                x += col_w[c]
            y += row_h
    return degrade(img, quality)


def degrade(img, quality: ScanQuality):
    """Rotate, blur and speckle a clean page like a flat-bed scan."""
    from PIL import ImageFilter
    rnd = random.Random(quality.seed)
    if quality.rotation:
        img = img.rotate(quality.rotation, resample=3, fillcolor=255, expand=False)
    if quality.blur:
        img = img.filter(ImageFilter.GaussianBlur(quality.blur))
    if quality.noise:
        px = img.load()
        w, h = img.size
        for _ in range(int(w * h * quality.noise / 50)):
            x, y = rnd.randrange(w), rnd.randrange(h)
            px[x, y] = 0 if rnd.random() < 0.3 else 255
    return img


def save_scan_pdf(images: Sequence, path: str | Path, dpi: int = 200) -> Path:
    """Image-only PDF (no text layer), one page per image, like a scanner's output."""
    first, *rest = [im.convert("RGB") for im in images]
    first.save(path, "PDF", resolution=float(dpi), save_all=True, append_images=rest)
    return Path(path)


def save_text_pdf(pages: Sequence[str], path: str | Path, font_pt: float = 11.0,
                  table: Optional[Sequence[Sequence[str]]] = None) -> Path:
    """A PDF with a real text layer (embedded CJK font), one page per string; an optional ruled table on page 1."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas
    _register_cjk_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    margin = 72
    lead = font_pt * 1.6
    for n, text in enumerate(pages):
        c.setFont("JixiaoCJK", font_pt)
        y = h - margin
        for para in text.replace("\t", "    ").split("\n"):
            cur = ""
            for ch in para:
                if pdfmetrics.stringWidth(cur + ch, "JixiaoCJK", font_pt) > w - 2 * margin and cur:
                    c.drawString(margin, y, cur)
                    y -= lead
                    cur = ch
                else:
                    cur += ch
            c.drawString(margin, y, cur)
            y -= lead
        if table and n == 0:
            y -= lead
            ncol = max(len(r) for r in table)
            col_w = [max(pdfmetrics.stringWidth(r[k], "JixiaoCJK", font_pt) if k < len(r) else 0 for r in table)
                     + font_pt for k in range(ncol)]
            scale = min(1.0, (w - 2 * margin) / sum(col_w))
            col_w = [k * scale for k in col_w]
            row_h = font_pt * 1.8
            for row in table:
                x = margin
                for k in range(ncol):
                    c.rect(x, y - row_h, col_w[k], row_h)
                    if k < len(row):
                        c.drawString(x + font_pt / 2, y - row_h + font_pt * 0.5, row[k])
                    x += col_w[k]
                y -= row_h
        c.showPage()
    c.save()
    return Path(path)


def save_lines_pdf(lines: Sequence[str], path: str | Path, font_pt: float = 11.0,
                   header: Optional[str] = None) -> Path:
    """A one-page text PDF whose lines break exactly where given (as a converter breaks them), under an
    optional ``header`` line in a smaller font (a running header, often wider than the text)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    _register_cjk_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    y = A4[1] - 72
    if header:
        c.setFont("JixiaoCJK", font_pt * 0.8)
        c.drawString(72, y, header)
        y -= font_pt * 2.4
    c.setFont("JixiaoCJK", font_pt)
    for line in lines:
        c.drawString(72, y, line)
        y -= font_pt * 1.6
    c.showPage()
    c.save()
    return Path(path)


def _register_cjk_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    font_file = cjk_font_path()
    if font_file is None:
        raise FileNotFoundError("no CJK font: install fonts-wqy-microhei (scripts/setup-system.sh)")
    if "JixiaoCJK" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("JixiaoCJK", font_file, subfontIndex=0))
