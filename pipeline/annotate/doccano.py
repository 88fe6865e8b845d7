"""doccano: JSONL out (sequence labelling with relations), JSONL / export zip back in.

doccano's span formats carry labels and relations but no per-span attributes, so the export
keeps the pre-annotation in a ``jixiao`` field (doccano stores unknown fields as the example's
meta and exports them again).  On import, spans kept with the same label keep the
pre-annotation's value, unit and qualifier; new or changed spans get them derived from the text.
Project and subject links travel as doccano relations (``project``, ``subject``); subjects are
spans labelled SUBJECT (create the doccano project as sequence labelling with relation labelling
and overlapping spans allowed, with labels MONEY, PERCENT, QUANTITY, PROJECT, SUBJECT).

Both doccano layouts are read: ``{"text", "label": [[start, end, label], ...]}`` and
``{"text", "entities": [{"id", "label", "start_offset", "end_offset"}], "relations": [...]}``.
A doccano export zip (one JSONL per annotator) gives one annotation per annotator.
"""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Iterable, Optional

from ..doc import NUMERIC_LABELS, Document
from .importing import ORIGIN_FIELDS, Annotation, Region, TaskRecord, origin_of

SUBJECT = "SUBJECT"


def document_to_line(doc: Document, model_version: str) -> dict:
    """One doccano example with the pre-annotation as spans and relations (entity ids are ints)."""
    ids: dict[tuple[int, int], int] = {}
    entities, relations, pre = [], [], []
    for e in doc.entities:
        ids[(e.start, e.end)] = len(ids) + 1
        entities.append({"id": ids[(e.start, e.end)], "label": e.label, "start_offset": e.start, "end_offset": e.end})
        pre.append(e.to_json())
    for e in doc.entities:
        if e.label not in NUMERIC_LABELS:
            continue
        if e.project is not None and (e.project.start, e.project.end) in ids:
            relations.append({"id": len(relations) + 1, "from_id": ids[(e.start, e.end)],
                              "to_id": ids[(e.project.start, e.project.end)], "type": "project"})
        if e.subject is not None:
            key = (e.subject.start, e.subject.end)
            if key not in ids:
                ids[key] = len(ids) + 1
                entities.append({"id": ids[key], "label": SUBJECT, "start_offset": key[0], "end_offset": key[1]})
            relations.append({"id": len(relations) + 1, "from_id": ids[(e.start, e.end)], "to_id": ids[key],
                              "type": "subject"})
    line = {"text": doc.text, "doc_id": doc.id, "entities": entities, "relations": relations,
            "jixiao": {"model_version": model_version, "entities": pre}}
    line.update({k: v for k, v in doc.extra.items() if k in ORIGIN_FIELDS})
    return line


def export_lines(docs: Iterable[Document], out: Path, model_version: str) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(document_to_line(d, model_version), ensure_ascii=False) + "\n")
            n += 1
    return n


def _regions(line: dict, problems: list[str]) -> list[Region]:
    """Entity regions with subject/project links from either doccano layout."""
    if isinstance(line.get("entities"), list):
        by_id: dict = {}
        subjects: dict = {}
        for ent in line["entities"]:
            try:
                s, e, lab = int(ent["start_offset"]), int(ent["end_offset"]), str(ent["label"])
            except (KeyError, TypeError, ValueError):
                problems.append(f"entity {ent!r} lacks start_offset/end_offset/label")
                continue
            if lab == SUBJECT:
                subjects[ent.get("id")] = (s, e)
            else:
                by_id[ent.get("id")] = Region(s, e, lab, None, key=str(ent.get("id")))
        for rel in line.get("relations") or []:
            a, b, kind = rel.get("from_id"), rel.get("to_id"), rel.get("type")
            if a not in by_id or by_id[a].label not in NUMERIC_LABELS:
                a, b = b, a
            num = by_id.get(a)
            if num is None or num.label not in NUMERIC_LABELS:
                problems.append(f"relation {rel.get('id')} ({kind}) does not start at a number")
            elif kind == "project" and b in by_id and by_id[b].label == "PROJECT":
                num.project = by_id[b].span
            elif kind == "subject" and (b in subjects or b in by_id):
                num.subject = subjects[b] if b in subjects else by_id[b].span
            else:
                problems.append(f"relation {rel.get('id')} of type {kind!r} does not fit "
                                "(project -> PROJECT, subject -> SUBJECT)")
        return list(by_id.values())
    spans = line.get("label", line.get("labels"))
    if spans is None:
        return []
    out = []
    for item in spans:
        try:
            s, e, lab = int(item[0]), int(item[1]), str(item[2])
        except (IndexError, TypeError, ValueError):
            problems.append(f"label {item!r} is not [start, end, label]")
            continue
        if lab != SUBJECT:
            out.append(Region(s, e, lab, None))
    return out


def _pre_regions(line: dict) -> Optional[list[Region]]:
    meta = line.get("jixiao") or (line.get("meta") or {}).get("jixiao")
    if not isinstance(meta, dict):
        return None
    out = []
    for e in meta.get("entities") or []:
        sub, proj = e.get("subject"), e.get("project")
        out.append(Region(e["start"], e["end"], e["label"], e.get("text"), e.get("value"), e.get("unit"),
                          e.get("qualifier"), True, (sub["start"], sub["end"]) if sub else None,
                          (proj["start"], proj["end"]) if proj else None, e.get("confidence"), e.get("id", "")))
    return out


def _lines(path: Path) -> Iterable[tuple[str, int, dict | str]]:
    """(annotator, line number, parsed line or the error) from a JSONL file or a doccano export zip."""
    def parse(name: str, raw: str):
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield name, n, json.loads(line)
            except json.JSONDecodeError as exc:
                yield name, n, f"not JSON: {exc.msg}"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for member in sorted(z.namelist()):
                if member.endswith((".jsonl", ".json")):
                    raw = io.TextIOWrapper(z.open(member), encoding="utf-8").read()
                    yield from parse(Path(member).stem, raw)
    else:
        yield from parse("annotator", path.read_text(encoding="utf-8"))


def read_export(path: Path) -> list[TaskRecord]:
    """Tasks from doccano JSONL; lines of several annotators (zip members) about one text are one task."""
    tasks: dict[str, TaskRecord] = {}
    for who, n, line in _lines(path):
        if isinstance(line, str) or not isinstance(line.get("text") if isinstance(line, dict) else None, str):
            ref = f"{who}:{n}"
            rec = tasks.setdefault(ref, TaskRecord(ref, f"line-{n}", None))
            rec.problems.append(line if isinstance(line, str) else "line has no 'text' (not a doccano span export?)")
            continue
        doc_id = str(line.get("doc_id") or (line.get("meta") or {}).get("doc_id") or line.get("id") or f"line-{n}")
        rec = tasks.get(doc_id)
        if rec is None:
            rec = tasks[doc_id] = TaskRecord(str(line.get("id", n)), doc_id, line["text"], carries_attributes=False,
                                             origin=origin_of({**(line.get("meta") or {}), **line}))
            rec.predictions = _pre_regions(line)
            if rec.predictions is not None:
                rec.model_version = (line.get("jixiao") or {}).get("model_version")
        elif rec.text != line["text"]:
            rec.problems.append(f"{who} line {n}: the text differs from another annotator's copy of {doc_id}")
            continue
        problems: list[str] = []
        regions = _regions(line, problems)
        rec.carries_links = isinstance(line.get("entities"), list)
        rec.annotations.append(Annotation(who, regions, "", False, problems))
    return list(tasks.values())
