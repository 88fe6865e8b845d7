"""The two ends of a labelling round: export pre-annotated tasks, import what annotators made of them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from ..doc import Document
from . import doccano, labelstudio
from .importing import ImportReport, entities_to_regions, finish, write_documents
from .source import Prelabeller, load_inputs

FORMATS = ("label-studio", "doccano")


def export(inputs: Iterable[str | Path], fmt: str, out: Path, limit: Optional[int] = None,
           config: Optional[str] = None, keep_entities: bool = False,
           labels: Optional[Sequence[str]] = None) -> int:
    """Write tasks for ``fmt`` with the current pipeline's pre-annotations; return how many.

    ``labels`` keeps only those labels in the pre-annotations, and no link to a label left out:
    annotators then mark the others blind, without the tool's answer in view."""
    pre = Prelabeller(config=config, keep_entities=keep_entities)

    def docs() -> Iterable[Document]:
        for n, doc in enumerate(load_inputs(inputs)):
            if limit is not None and n >= limit:
                return
            yield only_labels(pre(doc), labels) if labels is not None else pre(doc)

    if fmt == "label-studio":
        return labelstudio.export_tasks(docs(), out, pre.model_version)
    if fmt == "doccano":
        return doccano.export_lines(docs(), out, pre.model_version)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def only_labels(doc: Document, labels: Sequence[str]) -> Document:
    """``doc`` with the entities of ``labels`` only; project links go when PROJECT does."""
    doc.entities = [e for e in doc.entities if e.label in labels]
    if "PROJECT" not in labels:
        for e in doc.entities:
            e.project = None
    doc.facts = []
    return doc


@dataclass
class Imported:
    documents: list[dict]
    report: ImportReport


def import_file(path: Path, fmt: str, pre: Optional[Path] = None, config: Optional[str] = None) -> Imported:
    """GUIDELINES.md documents from an export, with the per-task report.

    Pre-annotations to compare against come from the export itself (Label Studio JSON
    predictions, the doccano ``jixiao`` field); where it has none (JSON-MIN), from ``pre``
    (a JSONL of documents with entities, e.g. from ``jixiao extract``) or else from running the
    current pipeline again, which the report notes."""
    if fmt == "label-studio":
        records = labelstudio.read_export(path)
    elif fmt == "doccano":
        records = doccano.read_export(path)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    missing = [r for r in records if r.predictions is None and r.text is not None]
    if missing:
        given = {d.id: d for d in load_inputs([pre])} if pre is not None else {}
        labeller = Prelabeller(config=config)
        for r in missing:
            doc = given.get(r.doc_id)
            if doc is not None and doc.text == r.text:
                r.predictions = entities_to_regions(doc.entities)
            else:
                r.predictions = entities_to_regions(labeller.entities(r.text, r.doc_id))
                r.notes.append(f"no pre-annotation in the export: compared with the current pipeline "
                               f"({labeller.model_version})")
    docs, report = finish(records)
    return Imported(docs, report)


def write(imported: Imported, out: Path) -> None:
    write_documents(imported.documents, out)
