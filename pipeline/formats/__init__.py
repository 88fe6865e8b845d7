"""Readers for DOCX, PDF and scanned images; importing this package registers them by suffix.

Heavy libraries (python-docx, pdfplumber, Pillow, the OCR engines) are imported only when a
file of their kind is read.
"""
from . import images, pdf, word  # noqa: F401
