"""jixiao (绩效): structured, checkable facts from Chinese budget-performance reports.

>>> from pipeline import extract
>>> doc = extract("基本支出284.32万元，占比57.23%")
>>> [(e.text, e.label, e.value) for e in doc.entities]
[('284.32万元', 'MONEY', 2843200.0), ('57.23%', 'PERCENT', 57.23)]
"""
from .doc import Document, Entity, Fact, Page, Span
from .api import extract
from .language import Pipeline

__version__ = "0.1.0"
__all__ = ["Document", "Entity", "Fact", "Page", "Span", "Pipeline", "extract", "__version__"]
