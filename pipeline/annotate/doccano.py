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

import json
import zipfile
import zlib
from pathlib import Path
from typing import Iterable, Optional

from ..doc import NUMERIC_LABELS, Document
from .importing import (ORIGIN_FIELDS, Annotation, ExportError, Region, TaskRecord, as_list, as_object, json_kind,
                        label_of, offset, origin_of)

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
        by_id: dict[str, Region] = {}
        subjects: dict[str, tuple[int, int]] = {}
        for n, item in enumerate(line["entities"], 1):
            ent = as_object(item, f"entity {n}", problems)
            if ent is None:
                continue
            key = str(ent.get("id"))
            try:
                s, e, lab = offset(ent.get("start_offset")), offset(ent.get("end_offset")), label_of(ent.get("label"))
            except ValueError as exc:
                problems.append(f"entity {key}: {exc} (start_offset, end_offset, label)")
                continue
            if lab == SUBJECT:
                subjects[key] = (s, e)
            else:
                by_id[key] = Region(s, e, lab, None, key=key)
        for n, item in enumerate(as_list(line.get("relations"), "relations", problems), 1):
            rel = as_object(item, f"relation {n}", problems)
            if rel is not None:
                _link(rel, by_id, subjects, problems)
        return list(by_id.values())
    out = []
    for item in as_list(line.get("label", line.get("labels")), "label", problems):
        try:
            if not isinstance(item, list) or len(item) < 3:
                raise ValueError("not [start, end, label]")
            s, e, lab = offset(item[0]), offset(item[1]), label_of(item[2])
        except ValueError as exc:
            problems.append(f"label {item!r}: {exc}")
            continue
        if lab != SUBJECT:
            out.append(Region(s, e, lab, None))
    return out


def _link(rel: dict, by_id: dict[str, Region], subjects: dict[str, tuple[int, int]], problems: list[str]) -> None:
    """A doccano relation as the project or subject link of the number it starts from."""
    a, b, kind = str(rel.get("from_id")), str(rel.get("to_id")), rel.get("type")
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


def _pre_regions(pre: dict, notes: list[str]) -> list[Region]:
    """The pre-annotation kept in the ``jixiao`` field; an entity of the wrong shape is left out, with a note."""
    out = []
    for n, item in enumerate(as_list(pre.get("entities"), "pre-annotation entities", notes), 1):
        try:
            out.append(_pre_region(item))
        except (ValueError, TypeError, KeyError) as exc:
            notes.append(f"pre-annotation entity {n} left out: {type(exc).__name__}: {exc}")
    return out


def _pre_region(e: object) -> Region:
    """A pre-annotated entity (GUIDELINES.md section 1) as a region; raises if it lacks that shape."""
    if not isinstance(e, dict):
        raise TypeError(f"{json_kind(e)}, not an object")
    value, unit, qualifier = e.get("value"), e.get("unit"), e.get("qualifier")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"value {value!r} is not a number")
    if not all(x is None or isinstance(x, str) for x in (unit, qualifier)):
        raise ValueError(f"unit {unit!r} or qualifier {qualifier!r} is not text")

    def link(s: object) -> Optional[tuple[int, int]]:
        return (offset(s["start"]), offset(s["end"])) if s else None
    return Region(offset(e.get("start")), offset(e.get("end")), label_of(e.get("label")), e.get("text"), value, unit,
                  qualifier, True, link(e.get("subject")), link(e.get("project")), e.get("confidence"),
                  str(e.get("id", "")))


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
    if not zipfile.is_zipfile(path):
        yield from parse("annotator", path.read_text(encoding="utf-8"))
        return
    try:
        with zipfile.ZipFile(path) as z:
            for member in sorted(z.namelist()):
                if not member.endswith((".jsonl", ".json")):
                    continue
                try:
                    raw = z.read(member).decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield Path(member).stem, 0, f"{member} is not UTF-8 text: {exc}"
                    continue
                yield from parse(Path(member).stem, raw)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise ExportError(f"a damaged zip: {type(exc).__name__}: {exc}") from None


def read_export(path: Path) -> list[TaskRecord]:
    """Tasks from doccano JSONL; lines of several annotators (zip members) about one text are one task."""
    tasks: dict[str, TaskRecord] = {}
    for who, n, line in _lines(path):
        if isinstance(line, str) or not isinstance(line.get("text") if isinstance(line, dict) else None, str):
            ref = f"{who}:{n}"
            rec = tasks.setdefault(ref, TaskRecord(ref, f"line-{n}", None))
            rec.problems.append(line if isinstance(line, str) else "line has no 'text' (not a doccano span export?)")
            continue
        meta = line.get("meta") if isinstance(line.get("meta"), dict) else {}
        doc_id = str(line.get("doc_id") or meta.get("doc_id") or line.get("id") or f"line-{n}")
        rec = tasks.get(doc_id)
        if rec is None:
            rec = tasks[doc_id] = TaskRecord(str(line.get("id", n)), doc_id, line["text"], carries_attributes=False,
                                             origin=origin_of({**meta, **line}))
            pre = line.get("jixiao") or meta.get("jixiao")
            if isinstance(pre, dict):
                rec.predictions, rec.model_version = _pre_regions(pre, rec.notes), pre.get("model_version")
        elif rec.text != line["text"]:
            rec.problems.append(f"{who} line {n}: the text differs from another annotator's copy of {doc_id}")
            continue
        problems: list[str] = []
        regions = _regions(line, problems)
        rec.carries_links = isinstance(line.get("entities"), list)
        rec.annotations.append(Annotation(who, regions, "", False, problems))
    return list(tasks.values())
