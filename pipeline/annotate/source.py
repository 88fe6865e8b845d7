"""Documents to label and their pre-annotations from the current pipeline (rules, and the model if configured).

Inputs are report files or directories (read as ``jixiao extract`` reads them) or JSONL/JSON files
of documents with ``id`` and ``text`` (annotations/unlabelled/excerpts.jsonl, documents.jsonl).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..doc import Document, Entity
from ..reading import read_json_records
from .importing import origin_of


def model_version(names: Iterable[str], config: Optional[str] = None) -> str:
    """A readable version for predictions: package version, the components that made them and, with
    the character model, its directory and save time (Label Studio re-predicts when this changes)."""
    from .. import __version__
    names = list(names)
    version = f"jixiao-{__version__}:{'+'.join(names)}"
    if "model_tagger" in names:
        weights = _model_dir(config) / "model.safetensors"
        if weights.exists():
            import time
            stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(weights.stat().st_mtime))
            version += f"({weights.parent.name}@{stamp})"
    return version


def _components(config: Optional[str]) -> list[dict]:
    """The component specs of a pipeline config, read without building the pipeline."""
    from ..config import load_config
    return load_config(config or "pipeline")["components"]


def _model_dir(config: Optional[str]) -> Path:
    from ..config import PROJECT_ROOT, load_config
    settings = next((c.get("settings") or {} for c in _components(config) if c["name"] == "model_tagger"), {})
    d = Path(settings.get("model_dir") or load_config("model")["model_dir"])
    return d if d.is_absolute() else PROJECT_ROOT / d


def load_inputs(paths: Iterable[str | Path], max_mb: float = 20.0) -> Iterator[Document]:
    """Documents from JSONL/JSON document files and from report files; unreadable ones are reported."""
    from ..reading import ReadError, iter_input_files, read_document

    def fail(exc: ReadError) -> None:
        print(f"jixiao: error: {exc}", file=sys.stderr)

    for path in iter_input_files([Path(p) for p in paths], fail):
        if path.suffix.lower() in (".jsonl", ".json"):
            yield from _documents_file(path)
            continue
        try:
            yield read_document(path, max_bytes=int(max_mb * 1024 * 1024))
        except ReadError as exc:
            fail(exc)


def _documents_file(path: Path) -> Iterator[Document]:
    for n, rec in enumerate(read_json_records(path), 1):
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            print(f"jixiao: error: {path}: record {n} has no 'text'", file=sys.stderr)
            continue
        doc = Document.from_json({"id": rec.get("id") or rec.get("doc_id") or f"{path.stem}-{n}",
                                  "text": rec["text"], "entities": rec.get("entities") or []})
        doc.source = str(path)
        doc.extra = origin_of(rec)
        yield doc


@dataclass
class Prelabeller:
    """Runs the configured pipeline on a document to give annotators something to correct."""

    config: Optional[str] = None
    keep_entities: bool = False
    _pipeline: object = field(default=None, repr=False)

    @property
    def pipeline(self):
        if self._pipeline is None:
            from ..language import Pipeline
            self._pipeline = Pipeline.from_config(self.config)
        return self._pipeline

    @property
    def model_version(self) -> str:
        """Known from the config alone, so asking it (an ML backend's /health) never loads the model."""
        if self.keep_entities:
            return "input-entities"
        return model_version([c["name"] for c in _components(self.config)], self.config)

    def __call__(self, doc: Document) -> Document:
        if self.keep_entities:
            return doc
        fresh = self.pipeline(Document(id=doc.id, text=doc.text, source=doc.source))
        fresh.extra = dict(doc.extra)
        return fresh

    def entities(self, text: str, doc_id: str = "doc") -> list[Entity]:
        return self(Document(id=doc_id, text=text)).entities
