"""Scanned pages as images (PNG, JPEG, TIFF with one page per frame), read by OCR.

Boxes are in image pixels (``box_unit: px``); a multi-page TIFF gives one page per frame.
"""
from __future__ import annotations

from ..doc import Document
from .failures import one_line_errors
from .layout import PagedText
from .ocr import OcrUnavailable, get_engine
from .source import ReadError, Source


@one_line_errors("image")
def read_image(source: Source) -> Document:
    try:
        from PIL import Image, ImageSequence, UnidentifiedImageError
    except ImportError:
        raise ReadError(source.name, "reading images needs Pillow (pip install 'jixiao[docs]')") from None
    try:
        engine = get_engine()
    except OcrUnavailable as exc:
        raise ReadError(source.name, f"OCR is unavailable: {exc}") from None
    paged = PagedText()
    try:
        with source.open() as f, Image.open(f) as img:
            for number, frame in enumerate(ImageSequence.Iterator(img), 1):
                paged.add_page(number, engine.read(frame.convert("RGB")))
    except UnidentifiedImageError:
        raise ReadError(source.name, "not an image Pillow can read (damaged or unknown format)") from None
    except Image.DecompressionBombError as exc:
        raise ReadError(source.name, f"image too large to OCR safely: {exc}".splitlines()[0]) from None
    except OSError as exc:
        raise ReadError(source.name, f"damaged image: {exc}".splitlines()[0]) from None
    if not paged.has_text():
        raise ReadError(source.name, f"OCR ({engine.name}) found no text in the image")
    return paged.document(source.stem, box_unit="px", ocr_engine=engine.name)
