"""jixiao (绩效): structured, checkable facts from Chinese budget-performance reports.

>>> import jixiao
>>> doc = jixiao.extract("基本支出284.32万元，占比57.23%")
>>> [(e.text, e.label, e.value) for e in doc.entities]
[('284.32万元', 'MONEY', 2843200.0), ('57.23%', 'PERCENT', 57.23)]

``load(config)`` gives a ``Pipeline`` (``configs/pipeline.yaml`` by default; ``"pipeline-rules"`` for
the rules alone); ``pipe(texts, batch_size=…, n_process=…)`` streams documents as spaCy's ``nlp.pipe``
does.  The attributes are imported on first use, so ``import jixiao`` costs nothing.  The package
also carries the data the pipeline reads (``configs/``, ``models/``) when installed from a wheel.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Document", "Entity", "Fact", "Pipeline", "Span", "extract", "load", "pipe", "__version__"]

if TYPE_CHECKING:
    from pipeline import __version__
    from pipeline.api import extract, load, pipe
    from pipeline.doc import Document, Entity, Fact, Span
    from pipeline.language import Pipeline

_WHERE = {"extract": "pipeline.api", "load": "pipeline.api", "pipe": "pipeline.api",
          "Document": "pipeline.doc", "Entity": "pipeline.doc", "Fact": "pipeline.doc", "Span": "pipeline.doc",
          "Pipeline": "pipeline.language", "__version__": "pipeline"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'jixiao' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
