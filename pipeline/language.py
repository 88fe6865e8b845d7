"""``Pipeline``: the components of ``configs/pipeline.yaml`` applied to a document in order."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

from . import registry
from .config import load_config
from .doc import Document
from .formats.provenance import attach_provenance
from .normalising import NormalisedText, normalise


@dataclass
class Pipeline:
    """Runs each component as ``component(doc, view)``; components add to ``doc`` in place."""

    components: list = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @classmethod
    def from_config(cls, config: Optional[str | dict] = None) -> "Pipeline":
        cfg = config if isinstance(config, dict) else load_config(config or "pipeline")
        comps, names = [], []
        for spec in cfg["components"]:
            comps.append(registry.create(spec["name"], spec.get("settings")))
            names.append(spec["name"])
        return cls(comps, names)

    def __call__(self, doc: Document) -> Document:
        view = normalise(doc.text)
        for comp in self.components:
            comp(doc, view)
        doc.assign_ids()  # the resolver numbered them before its facts; a pipeline without one, here
        if doc.pages:  # read from pages (PDF, scans): every entity and fact says where it stands
            attach_provenance(doc)
        return doc

    def pipe(self, texts_or_docs: Iterable[str | Document], batch_size: int = 32,
             n_process: int = 1) -> Iterator[Document]:
        """Documents from texts (ids ``doc0``, ``doc1``, …) or ``Document`` s, in input order and streamed,
        as spaCy's ``nlp.pipe``: an input is read only when its turn comes.  With ``n_process`` > 1,
        batches of ``batch_size`` go to worker processes that rebuild this pipeline from its config
        (a pipeline from ``jixiao.load``)."""
        docs = (d if isinstance(d, Document) else Document(id=f"doc{i}", text=d) for i, d in enumerate(texts_or_docs))
        if n_process <= 1:
            yield from map(self, docs)
            return
        if not hasattr(self, "source_config"):
            raise ValueError("n_process > 1 needs a pipeline loaded with jixiao.load(config)")
        from .api import parallel_pipe
        yield from parallel_pipe(self.source_config, docs, batch_size, n_process)


_DEFAULT: Optional[Pipeline] = None


def default_pipeline() -> Pipeline:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Pipeline.from_config()
    return _DEFAULT


def extract(text: str, doc_id: str = "doc", pipeline: Optional[Pipeline] = None) -> Document:
    """Extract entities and facts from a report's text: the library's main entry point."""
    return (pipeline or default_pipeline())(Document(id=doc_id, text=text))


__all__ = ["Pipeline", "extract", "default_pipeline", "NormalisedText"]
