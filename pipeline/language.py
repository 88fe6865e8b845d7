"""``Pipeline``: the components of ``configs/pipeline.yaml`` applied to a document in order."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
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
        return self.run([doc])[0]

    def run(self, docs: list[Document]) -> list[Document]:
        """Run the components over ``docs`` together: a component with a ``pipe(docs, views)`` method
        (the model) gets them all at once, the others one document at a time, as in spaCy."""
        views = [normalise(d.text) for d in docs]
        for comp in self.components:
            if hasattr(comp, "pipe"):
                comp.pipe(docs, views)
            else:
                for doc, view in zip(docs, views):
                    comp(doc, view)
        for doc in docs:
            doc.assign_ids()  # the resolver numbered them before its facts; a pipeline without one, here
            if doc.pages:  # read from pages (PDF, scans): every entity and fact says where it stands
                attach_provenance(doc)
        return docs

    def pipe(self, texts_or_docs: Iterable[str | Document], batch_size: int = 32,
             n_process: int = 1) -> Iterator[Document]:
        """Documents from texts (ids ``doc0``, ``doc1``, …) or ``Document`` s, in input order and streamed,
        as spaCy's ``nlp.pipe``: inputs are read ``batch_size`` at a time, and the model reads a
        batch's windows together (bench/bench_pipeline.py measures what that gains).  With
        ``n_process`` > 1, batches go to worker processes that rebuild this pipeline from its config
        (a pipeline from ``jixiao.load``)."""
        docs = (d if isinstance(d, Document) else Document(id=f"doc{i}", text=d) for i, d in enumerate(texts_or_docs))
        if n_process <= 1:
            while batch := list(islice(docs, batch_size)):
                yield from self.run(batch)
            return
        if not hasattr(self, "source_config"):
            raise ValueError("n_process > 1 needs a pipeline loaded with jixiao.load(config)")
        from .api import parallel_pipe
        yield from parallel_pipe(self.source_config, docs, batch_size, n_process)


__all__ = ["Pipeline", "NormalisedText"]
