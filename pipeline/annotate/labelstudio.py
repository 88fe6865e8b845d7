"""Label Studio: tasks with predictions out, JSON / JSON-MIN exports back in.

The labelling config is ``configs/label_studio.xml``: entity regions from the ``label`` control,
SUBJECT regions from ``subject``, per-region ``value``/``unit`` text fields and a ``qualifier``
choice, relations ``project`` and ``subject`` from a number to the region it points at.
Offsets in Label Studio are JavaScript (UTF-16) string indices; ours are code points, so they
are converted whenever a text holds characters outside the Basic Multilingual Plane.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..config import config_dir
from ..doc import LABELS, NUMERIC_LABELS, Document, Entity
from .importing import (ORIGIN_FIELDS, Annotation, ExportError, Region, TaskRecord, as_list, as_object, json_kind,
                        offset, one_label, origin_of)

SUBJECT = "SUBJECT"


@dataclass
class LabelConfig:
    """The control names of a labelling config, found by their role."""

    text: str = "text"                 # the Text tag's name
    data_key: str = "text"             # the task data field it shows ($text)
    labels: str = "label"              # Labels control holding our entity labels
    label_values: tuple = LABELS
    subject: Optional[str] = "subject"  # Labels control holding SUBJECT
    value: Optional[str] = "value"
    unit: Optional[str] = "unit"
    qualifier: Optional[str] = "qualifier"
    relations: tuple = ("project", "subject")
    controls: set = field(default_factory=set)  # every control name in the config

    @classmethod
    def parse(cls, xml: str) -> "LabelConfig":
        root = ET.fromstring(xml)
        cfg = cls(labels="", subject=None, value=None, unit=None, qualifier=None, relations=())
        for el in root.iter():
            name = el.get("name")
            if el.tag == "Text" and name:
                cfg.text, cfg.data_key = name, el.get("value", "$text").lstrip("$")
            elif el.tag == "Labels" and name:
                values = tuple(lab.get("value") for lab in el.iter("Label"))
                if values == (SUBJECT,):
                    cfg.subject = name
                elif not cfg.labels:
                    cfg.labels, cfg.label_values = name, values
            elif el.tag == "TextArea" and name in ("value", "unit"):
                setattr(cfg, name, name)
            elif el.tag == "Choices" and name == "qualifier":
                cfg.qualifier = name
            elif el.tag == "Relations":
                cfg.relations = tuple(r.get("value") for r in el.iter("Relation"))
            if name and el.tag != "Text":
                cfg.controls.add(name)
        return cfg

    @classmethod
    def default(cls) -> "LabelConfig":
        return cls.parse(default_config_xml())


def default_config_xml() -> str:
    return (config_dir() / "label_studio.xml").read_text(encoding="utf-8")


# -- offsets ------------------------------------------------------------------------------
def _astral(text: str) -> bool:
    return any(ord(c) > 0xFFFF for c in text)


def to_js(text: str, i: int) -> int:
    """Code-point index -> UTF-16 index."""
    return i + sum(1 for c in text[:i] if ord(c) > 0xFFFF)


def from_js(text: str, j: int) -> int:
    """UTF-16 index -> code-point index (the first code point whose UTF-16 start reaches ``j``)."""
    u = 0
    for i, c in enumerate(text):
        if u >= j:
            return i
        u += 2 if ord(c) > 0xFFFF else 1
    return len(text) if u >= j else len(text) + (j - u)


# -- export -------------------------------------------------------------------------------
def _num(v: float) -> str:
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s


def entities_to_results(text: str, entities: Iterable[Entity], cfg: Optional[LabelConfig] = None,
                        with_scores: bool = True) -> list[dict]:
    """Label Studio result items for entities: regions, per-region attributes, subject/project relations."""
    cfg = cfg or LabelConfig.default()
    astral = _astral(text)

    def off(i: int) -> int:
        return to_js(text, i) if astral else i

    results: list[dict] = []
    region_at: dict[tuple[int, int], str] = {}
    entities = [e for e in entities if e.label in cfg.label_values]
    for e in entities:
        rid = e.id or f"e{len(region_at) + 1}"
        region_at[(e.start, e.end)] = rid
        where = {"start": off(e.start), "end": off(e.end)}
        item = {"id": rid, "from_name": cfg.labels, "to_name": cfg.text, "type": "labels",
                "value": {**where, "text": e.text, "labels": [e.label]}}
        if with_scores:
            item["score"] = round(float(e.confidence), 4)
        results.append(item)
        if e.label not in NUMERIC_LABELS:
            continue
        if cfg.value and e.value is not None:
            results.append({"id": rid, "from_name": cfg.value, "to_name": cfg.text, "type": "textarea",
                            "value": {**where, "text": [_num(e.value)]}})
        if cfg.unit and e.unit:
            results.append({"id": rid, "from_name": cfg.unit, "to_name": cfg.text, "type": "textarea",
                            "value": {**where, "text": [e.unit]}})
        if cfg.qualifier and e.qualifier:
            results.append({"id": rid, "from_name": cfg.qualifier, "to_name": cfg.text, "type": "choices",
                            "value": {**where, "choices": [e.qualifier]}})
    for e in entities:
        if e.label not in NUMERIC_LABELS:
            continue
        if e.project is not None and "project" in cfg.relations and (e.project.start, e.project.end) in region_at:
            results.append({"from_id": region_at[(e.start, e.end)], "to_id": region_at[(e.project.start, e.project.end)],
                            "type": "relation", "direction": "right", "labels": ["project"]})
        if e.subject is not None and cfg.subject and "subject" in cfg.relations:
            key = (e.subject.start, e.subject.end)
            if key not in region_at:
                sid = f"s{len(region_at) + 1}"
                region_at[key] = sid
                results.append({"id": sid, "from_name": cfg.subject, "to_name": cfg.text, "type": "labels",
                                "value": {"start": off(key[0]), "end": off(key[1]), "text": e.subject.text,
                                          "labels": [SUBJECT]}})
            results.append({"from_id": region_at[(e.start, e.end)], "to_id": region_at[key],
                            "type": "relation", "direction": "right", "labels": ["subject"]})
    return results


def document_to_task(doc: Document, model_version: str, cfg: Optional[LabelConfig] = None) -> dict:
    """One Label Studio task: the text (with the document id) and the pipeline's prediction."""
    cfg = cfg or LabelConfig.default()
    scores = [e.confidence for e in doc.entities] or [1.0]
    data = {cfg.data_key: doc.text, "doc_id": doc.id}
    data.update({k: v for k, v in doc.extra.items() if k in ORIGIN_FIELDS})
    return {"data": data,
            "predictions": [{"model_version": model_version, "score": round(min(scores), 4),
                             "result": entities_to_results(doc.text, doc.entities, cfg)}]}


def export_tasks(docs: Iterable[Document], out: Path, model_version: str) -> int:
    cfg = LabelConfig.default()
    tasks = [document_to_task(d, model_version, cfg) for d in docs]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(tasks)


# -- import -------------------------------------------------------------------------------
def results_to_regions(text: str, result: object, cfg: LabelConfig) -> tuple[list[Region], list[str], list[str]]:
    """Regions with attributes and links from one annotation's (or prediction's) result list.

    Returns (regions, problems, notes)."""
    problems: list[str] = []
    notes: list[str] = []
    astral = _astral(text)
    entity: dict[str, Region] = {}
    subjects: dict[str, tuple[int, int]] = {}
    attrs: dict[str, dict] = {}
    relations = []

    def span(v: dict) -> tuple[int, int]:
        s, e = offset(v.get("start")), offset(v.get("end"))
        return (from_js(text, s), from_js(text, e)) if astral else (s, e)

    for n, item in enumerate(as_list(result, "result", problems), 1):
        r = as_object(item, f"result item {n}", problems)
        if r is None:
            continue
        rtype, name = r.get("type"), r.get("from_name")
        if rtype == "relation":
            relations.append(r)
            continue
        if not isinstance(name, str) or name not in cfg.controls or (r.get("to_name") not in (None, cfg.text)):
            problems.append(f"result from control {name!r} to {r.get('to_name')!r} is not in configs/label_studio.xml "
                            "(an export from a different labelling config?)")
            continue
        rid = str(r.get("id", ""))
        v = as_object(r.get("value"), f"value of region {rid}", problems)
        if v is None:
            continue
        try:
            if rtype == "labels" and name == cfg.labels:
                label = one_label(v.get("labels"))
                s, e = span(v)
                entity[rid] = Region(s, e, label, v.get("text"), key=rid, score=r.get("score"))
            elif rtype == "labels" and name == cfg.subject:
                subjects[rid] = span(v)
            elif rtype == "textarea" and name in (cfg.value, cfg.unit):
                typed = [t.strip() for t in as_list(v.get("text"), f"text of {name} {rid}", problems)
                         if isinstance(t, str) and t.strip()]
                if typed:
                    attrs.setdefault(rid, {})[name] = typed[-1]
            elif rtype == "choices" and name == cfg.qualifier:
                choices = as_list(v.get("choices"), f"choices of region {rid}", problems) or [None]
                attrs.setdefault(rid, {})["qualifier"] = choices[0]
        except ValueError as exc:
            problems.append(f"region {rid}: {exc}")
    for rid, a in attrs.items():
        reg = entity.get(rid)
        if reg is None:
            notes.append(f"attributes for region {rid}, which is not an entity region, ignored")
            continue
        reg.has_attributes = True
        if cfg.value in a:
            try:
                reg.value = float(a[cfg.value].replace(",", ""))
            except ValueError:
                problems.append(f"value {a[cfg.value]!r} of {reg.label} {reg.text!r} is not a number")
        reg.unit = a.get(cfg.unit) if cfg.unit else None
        reg.qualifier = a.get("qualifier")
    for rel in relations:
        a, b = str(rel.get("from_id")), str(rel.get("to_id"))
        labels = as_list(rel.get("labels"), f"labels of relation {a}->{b}", problems)
        if rel.get("direction") == "left":
            a, b = b, a
        if a not in entity or entity[a].label not in NUMERIC_LABELS:
            a, b = b, a  # a link is read from the number, whichever way it was drawn
        num = entity.get(a)
        if num is None or num.label not in NUMERIC_LABELS:
            problems.append(f"relation {rel.get('from_id')}->{rel.get('to_id')} does not start at a number region")
            continue
        kind = labels[0] if labels else ("subject" if b in subjects else "project")
        if kind == "project":
            target = entity.get(b)
            if target is None or target.label != "PROJECT":
                problems.append(f"project relation of {num.label} {num.text!r} does not point at a PROJECT region")
                continue
            num.project = target.span
        elif kind == "subject":
            target = subjects.get(b) or (entity[b].span if b in entity else None)
            if target is None:
                problems.append(f"subject relation of {num.label} {num.text!r} points at no region")
                continue
            num.subject = target
        else:
            problems.append(f"relation label {kind!r} is not in configs/label_studio.xml")
    return list(entity.values()), problems, notes


def _annotator(ann: dict) -> str:
    who = ann.get("completed_by")
    if isinstance(who, dict):
        return str(who.get("email") or who.get("id"))
    return str(who) if who is not None else "unknown"


def read_export(path: Path, cfg: Optional[LabelConfig] = None) -> list[TaskRecord]:
    """Tasks from a Label Studio JSON export (tasks with annotations) or a JSON-MIN export."""
    cfg = cfg or LabelConfig.default()
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ExportError(f"the file holds {json_kind(data)}, not a list of tasks")
    if data and all(isinstance(t, dict) and "data" not in t and "annotations" not in t for t in data):
        return _read_json_min(data, cfg)
    return [_read_task(t, n, cfg) for n, t in enumerate(data, 1)]


def _read_task(task: object, n: int, cfg: LabelConfig) -> TaskRecord:
    problems: list[str] = []
    task = as_object(task, f"task {n}", problems)
    if task is None:
        return TaskRecord(str(n), f"task-{n}", None, problems=problems)
    data = as_object(task.get("data") or {}, "task data", problems) or {}
    ref = str(task.get("id", n))
    text = data.get(cfg.data_key)
    rec = TaskRecord(ref, str(data.get("doc_id") or f"task-{ref}"), text if isinstance(text, str) else None,
                     problems=problems, origin=origin_of(data))
    if rec.text is None:
        rec.problems.append(f"task data has no {cfg.data_key!r} text (an export from a different labelling config?)")
        return rec
    done = []
    for k, item in enumerate(as_list(task.get("annotations") or task.get("completions"), "annotations",
                                     rec.problems), 1):
        ann = as_object(item, f"annotation {k}", rec.problems)
        if ann is not None and not (ann.get("was_cancelled") or ann.get("skipped")):
            done.append(ann)
    for ann in done:
        regions, problems, notes = results_to_regions(rec.text, ann.get("result"), cfg)
        rec.annotations.append(Annotation(_annotator(ann), regions, str(ann.get("updated_at") or ann.get("created_at") or ""),
                                          bool(ann.get("ground_truth")), problems, notes))
    names = [a.annotator for a in rec.annotations]
    if len(set(names)) < len(names):  # one user saved several annotations: tell them apart
        for a, ann in zip(rec.annotations, done):
            a.annotator = f"{a.annotator}#{ann.get('id')}"
    preds = [p for p in as_list(task.get("predictions"), "predictions", rec.notes) if isinstance(p, dict)]
    if preds:
        pred = preds[-1]
        regions, _, _ = results_to_regions(rec.text, pred.get("result"), cfg)
        rec.predictions, rec.model_version = regions, pred.get("model_version")
    return rec


def _read_json_min(records: list[dict], cfg: LabelConfig) -> list[TaskRecord]:
    """JSON-MIN: one record per annotation, task data flattened in; per-region fields lose their offsets."""
    by_task: dict[str, TaskRecord] = {}
    for n, r in enumerate(records, 1):
        ref = str(r.get("id", n))
        text = r.get(cfg.data_key)
        rec = by_task.get(ref)
        if rec is None:
            rec = by_task[ref] = TaskRecord(ref, str(r.get("doc_id") or f"task-{ref}"),
                                            text if isinstance(text, str) else None,
                                            carries_attributes=False, carries_links=False, origin=origin_of(r))
            if rec.text is None:
                rec.problems.append(f"record has no {cfg.data_key!r} text (an export from a different labelling config?)")
            else:
                rec.notes.append("JSON-MIN keeps spans and labels only (no region ids, relations or per-region "
                                 "fields): value/unit/qualifier and links come from the pre-annotation where span "
                                 "and label are unchanged, else are derived; use the JSON export to keep edits")
        if rec.text is None or r.get("annotation_id") is None:
            continue  # a task nobody annotated is exported with its data only
        regions, problems = [], []
        known = set(cfg.controls) | {cfg.data_key, "id", "doc_id", "title", "url", "annotator", "annotation_id",
                                     "created_at", "updated_at", "lead_time", "agreement"}
        for key in r:
            if key not in known:
                problems.append(f"field {key!r} is not a control of configs/label_studio.xml "
                                "(an export from a different labelling config?)")
        for k, item in enumerate(as_list(r.get(cfg.labels), f"field {cfg.labels!r}", problems), 1):
            v = as_object(item, f"region {k}", problems)
            if v is not None:
                regions.extend(_json_min_region(rec.text, v, k, problems))
        rec.annotations.append(Annotation(str(r.get("annotator", "unknown")), regions,
                                          str(r.get("updated_at") or r.get("created_at") or ""), False, problems))
    return list(by_task.values())


def _json_min_region(text: str, v: dict, k: int, problems: list[str]) -> list[Region]:
    """A JSON-MIN region (offsets in UTF-16 units, one label), or a problem and none."""
    try:
        s, e, label = offset(v.get("start")), offset(v.get("end")), one_label(v.get("labels"))
    except ValueError as exc:
        problems.append(f"region {k}: {exc}")
        return []
    if _astral(text):
        s, e = from_js(text, s), from_js(text, e)
    return [Region(s, e, label, v.get("text"))]
