"""Readers for plain text, DOCX, PDF and scanned images, chosen by suffix (``registry.reader_for``).

Each reader takes a ``Source`` (bytes or a path) and is imported, with its heavy libraries
(python-docx, pdfplumber, Pillow, the OCR engines), only when a file of its kind is read.
"""
