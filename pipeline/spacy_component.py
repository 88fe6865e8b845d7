"""jixiao in spaCy: the ``jixiao`` pipeline component, the ``Span`` and ``Doc`` extensions it fills, and
displaCy's colours for the labels (configs/labels.yaml).

``spacy.blank("zh").add_pipe("jixiao")`` finds the factory through the ``spacy_factories`` entry
point (pyproject.toml); displaCy finds the colours through ``spacy_displacy_colors``.  The component
runs the jixiao pipeline on ``doc.text`` and sets ``doc.ents``; each entity's ``Span._.value``,
``unit``, ``qualifier``, ``subject`` and ``project`` (the last two as ``Span`` s of the same doc), and
``Doc._.jixiao``, the whole ``Document`` (facts, checks, indicator rows).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, registry

from .doc import Document

SPAN_ATTRS = ("value", "unit", "qualifier", "subject", "project")


def register_extensions() -> None:
    for name in SPAN_ATTRS:
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    if not Doc.has_extension("jixiao"):
        Doc.set_extension("jixiao", default=None)


@registry.displacy_colors("jixiao_colours")
def displacy_colours() -> dict[str, str]:
    from .config import load_config
    return dict(load_config("labels")["colours"])


def _span(sdoc: Doc, start: int, end: int, label: str = "") -> Optional[Span]:
    """The span of those characters, widened to whole tokens where the tokenizer cut elsewhere."""
    return sdoc.char_span(start, end, label=label) or sdoc.char_span(start, end, label=label, alignment_mode="expand")


def annotate(sdoc: Doc, doc: Document) -> Doc:
    """Set ``sdoc.ents`` and the extensions from a jixiao ``Document`` of the same text."""
    register_extensions()
    spans = []
    for e in doc.entities:
        span = _span(sdoc, e.start, e.end, e.label)
        if span is None:
            continue
        span._.value, span._.unit, span._.qualifier = e.value, e.unit, e.qualifier
        span._.subject = _span(sdoc, e.subject.start, e.subject.end) if e.subject else None
        span._.project = _span(sdoc, e.project.start, e.project.end) if e.project else None
        spans.append(span)
    sdoc.ents = filter_spans(spans)
    sdoc._.jixiao = doc
    return sdoc


class JixiaoComponent:
    """Runs a jixiao pipeline (``config``: a name in configs/ or a YAML path) on each spaCy ``Doc``."""

    def __init__(self, config: Optional[str]):
        from .api import load
        register_extensions()
        self.nlp = load(config)

    def __call__(self, sdoc: Doc) -> Doc:
        return annotate(sdoc, self.nlp(Document(id="doc", text=sdoc.text)))


@Language.factory("jixiao", default_config={"config": None})
def make_jixiao(nlp: Language, name: str, config: Optional[str]) -> JixiaoComponent:
    return JixiaoComponent(config)


@lru_cache(maxsize=1)
def spacy_nlp() -> Language:
    """spaCy's blank Chinese pipeline with the jieba segmenter and the domain dictionary (no download)."""
    import spacy
    from .segmenting import _jieba
    _jieba()
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def to_spacy(doc: Document, nlp: Optional[Language] = None) -> Doc:
    """A spaCy ``Doc`` of a jixiao document: jieba words cut at every entity edge, so every entity is a span."""
    from .segmenting import segment
    cuts = {0, len(doc.text)}
    for e in doc.entities:
        cuts.update((e.start, e.end))
    words = []
    for tok in segment(doc.text):
        edges = [tok.start, *sorted(c for c in cuts if tok.start < c < tok.end), tok.end]
        words.extend(doc.text[a:b] for a, b in zip(edges, edges[1:]))
    return annotate(Doc((nlp or spacy_nlp()).vocab, words=words, spaces=[False] * len(words)), doc)
