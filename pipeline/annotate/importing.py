"""What the Label Studio and doccano importers share.

A format parser turns each exported task into a ``TaskRecord``: the text, each annotator's
regions (``Region``) and the pre-annotations it was given.  ``finish`` then checks every task
against GUIDELINES.md, chooses one annotation, reports conflicts between annotators and the
changes against the pre-annotations, and returns the documents to write.  A task with a
problem (another labelling config, spans past the end of the text, overlapping spans, unknown
labels, span text that does not match) is reported and left out; the other tasks are imported.
Leaving out the whole task, not just the bad span, keeps the gold free of silent gaps: a
dropped span would teach the model that the number is not an entity.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..doc import LABELS, NUMERIC_LABELS
from .attributes import derive

QUALIFIERS = (None, "approx", "gt", "gte", "lt", "lte")


class ExportError(ValueError):
    """The file as a whole is not an export of the format (a number, a damaged zip): nothing is imported."""


# -- the shapes an export must have: checked, so that a bad task is reported and the others imported --
def json_kind(x: object) -> str:
    """A JSON value's kind, for messages."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(x), "a number")


def as_object(x: object, what: str, problems: list[str]) -> Optional[dict]:
    """``x`` if it is a JSON object, else None and a problem saying what it is."""
    if isinstance(x, dict):
        return x
    problems.append(f"{what} is {json_kind(x)}, not an object")
    return None


def as_list(x: object, what: str, problems: list[str]) -> list:
    """``x`` if it is a list, [] if it is absent (null), else [] and a problem saying what it is."""
    if x is None or isinstance(x, list):
        return x or []
    problems.append(f"{what} is {json_kind(x)}, not a list")
    return []


def offset(x: object) -> int:
    """A character offset: a non-negative integer (1.0 is 1).  1.7, "3", true or -1 raise ValueError:
    truncating an offset would move the span silently."""
    if x is None:
        raise ValueError("no start/end offsets")
    if isinstance(x, bool) or not isinstance(x, (int, float)) or x < 0 or (isinstance(x, float) and not x.is_integer()):
        raise ValueError(f"offset {x!r} is not a non-negative integer")
    return int(x)


def label_of(x: object) -> str:
    """A region's label: one string (ValueError otherwise)."""
    if not isinstance(x, str):
        raise ValueError(f"label {x!r} is not a string")
    return x


def one_label(labels: object) -> str:
    """The label of a Label Studio region, whose ``labels`` must hold exactly one (ValueError otherwise)."""
    if not isinstance(labels, list) or len(labels) != 1:
        raise ValueError(f"labels {labels!r}; one is expected")
    return label_of(labels[0])


@dataclass
class Region:
    """One labelled span as an annotator left it, before any check."""

    start: int
    end: int
    label: str
    text: Optional[str] = None            # the span text the tool recorded, if any
    value: Optional[float] = None
    unit: Optional[str] = None
    qualifier: Optional[str] = None
    has_attributes: bool = False          # value/unit/qualifier came with the region
    subject: Optional[tuple[int, int]] = None
    project: Optional[tuple[int, int]] = None
    score: Optional[float] = None
    key: str = ""                         # the tool's region id

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass
class Annotation:
    annotator: str
    regions: list[Region]
    updated_at: str = ""
    ground_truth: bool = False
    problems: list[str] = field(default_factory=list)   # problems found while parsing
    notes: list[str] = field(default_factory=list)


@dataclass
class TaskRecord:
    ref: str                                   # the tool's task id (or line number)
    doc_id: str
    text: Optional[str]
    annotations: list[Annotation] = field(default_factory=list)
    predictions: Optional[list[Region]] = None
    model_version: Optional[str] = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    carries_attributes: bool = True   # False: the format keeps no value/unit/qualifier (JSON-MIN, doccano)
    carries_links: bool = True        # False: no relations either (JSON-MIN, doccano's plain "label" layout)
    origin: dict = field(default_factory=dict)   # the document's title and url, kept in the gold


@dataclass
class TaskReport:
    ref: str
    doc_id: str
    imported: bool = False
    annotator: Optional[str] = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    relabelled: list[str] = field(default_factory=list)
    resized: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class ImportReport:
    tasks: list[TaskReport] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(t.imported for t in self.tasks)

    def totals(self) -> dict[str, int]:
        keys = ("added", "removed", "relabelled", "resized", "attributes", "conflicts")
        return {k: sum(len(getattr(t, k)) for t in self.tasks if t.imported) for k in keys}

    def attribute_edits(self) -> dict[str, int]:
        """Attribute edits by attribute (value, unit, qualifier, subject, project)."""
        out: dict[str, int] = {}
        for t in self.tasks:
            if t.imported:
                for a in t.attributes:
                    name = a.split(") ", 1)[1].split(":", 1)[0]
                    out[name] = out.get(name, 0) + 1
        return out

    def to_json(self) -> dict:
        return {"tasks": len(self.tasks), "imported": self.imported, "rejected": len(self.tasks) - self.imported,
                "changes": self.totals(), "attribute_edits": self.attribute_edits(),
                "per_task": [t.to_json() for t in self.tasks]}

    def format(self) -> str:
        t = self.totals()
        lines = [f"{self.imported} of {len(self.tasks)} tasks imported; against the pre-annotations: "
                 f"{t['added']} added, {t['removed']} removed, {t['relabelled']} relabelled, {t['resized']} resized, "
                 f"{t['attributes']} attribute edits"
                 + (f" {self.attribute_edits()}" if t["attributes"] else "") + "; "
                 f"{t['conflicts']} conflicts between annotators"]
        common = set.intersection(*(set(r.notes) for r in self.tasks)) if len(self.tasks) > 1 else set()
        lines.extend(f"all tasks: note: {n}" for n in sorted(common))
        for r in self.tasks:
            head = f"task {r.ref} ({r.doc_id})"
            for p in r.problems:
                lines.append(f"{head}: not imported: {p}")
            for c in r.conflicts:
                lines.append(f"{head}: conflict: {c}")
            for n in r.notes:
                if n not in common:
                    lines.append(f"{head}: note: {n}")
        return "\n".join(lines)


ORIGIN_FIELDS = ("title", "url")


def origin_of(record: dict) -> dict:
    """Where a document came from (title, url), from a task's data or a doccano line."""
    return {k: record[k] for k in ORIGIN_FIELDS if isinstance(record.get(k), str)}


def finish(records: list[TaskRecord]) -> tuple[list[dict], ImportReport]:
    """Check, choose and convert every task; return GUIDELINES.md documents and the report."""
    docs, report = [], ImportReport()
    for rec in records:
        rep = TaskReport(rec.ref, rec.doc_id, problems=list(rec.problems), notes=list(rec.notes))
        report.tasks.append(rep)
        if rec.text is None:
            rep.problems = rep.problems or ["task has no text"]
            continue
        done = [a for a in rec.annotations]
        if not done:
            rep.problems.append("no annotation")
        for a in done:
            who = f"annotator {a.annotator}: " if len(done) > 1 else ""
            rep.problems.extend(who + p for p in a.problems + check_regions(rec.text, a.regions))
            rep.notes.extend(who + n for n in a.notes)
        if rep.problems:
            continue
        chosen = choose(done)
        if not rec.carries_attributes and rec.predictions:
            inherit(rec.predictions, done, links=not rec.carries_links)
        rep.annotator = chosen.annotator
        rep.conflicts = conflicts(done)
        if rec.predictions is not None:
            diff(rec.predictions, chosen.regions, rep)
        doc, problems, derived = to_document(rec.doc_id, rec.text, chosen.regions, rec.predictions)
        if problems:
            rep.problems.extend(problems)
            continue
        if derived:
            rep.notes.append(f"value/unit/qualifier derived from the span text for {len(derived)} region(s): "
                             + ", ".join(derived[:8]) + (" ..." if len(derived) > 8 else ""))
        doc.update(rec.origin)
        doc["annotator"] = chosen.annotator
        unwritable = _unwritable(doc)
        if unwritable:
            rep.problems.append(unwritable)
            continue
        rep.imported = True
        docs.append(doc)
    return docs, report


def _unwritable(doc: dict) -> Optional[str]:
    """Why ``doc`` cannot be written as UTF-8 JSON (unpaired surrogates from ``\\ud800`` escapes), if it cannot."""
    try:
        json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError) as exc:
        return f"cannot be written as UTF-8 JSON: {exc}"
    return None


def check_regions(text: str, regions: list[Region]) -> list[str]:
    """GUIDELINES.md section 1-2 checks that make a task unusable as gold."""
    problems = []
    for r in regions:
        where = f"[{r.start},{r.end}) {r.label}"
        if r.label not in LABELS:
            problems.append(f"unknown label {r.label!r} at [{r.start},{r.end})")
        if not (0 <= r.start < r.end <= len(text)):
            problems.append(f"span {where} is outside the text (length {len(text)})")
            continue
        if r.text is not None and text[r.start:r.end] != r.text:
            problems.append(f"span {where} text {r.text!r} does not match the task text {text[r.start:r.end]!r}")
        for name, s in (("subject", r.subject), ("project", r.project)):
            if s is not None and not (0 <= s[0] < s[1] <= len(text)):
                problems.append(f"{name} of {where} is outside the text")
    ordered = sorted((r for r in regions if r.label in LABELS), key=lambda r: (r.start, r.end))
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.end:
            problems.append(f"overlapping spans [{a.start},{a.end}) {a.label} {text[a.start:a.end]!r} and "
                            f"[{b.start},{b.end}) {b.label} {text[b.start:b.end]!r}")
    return problems


def choose(annotations: list[Annotation]) -> Annotation:
    """A ground-truth annotation if one is marked, else the most recently updated one."""
    marked = [a for a in annotations if a.ground_truth]
    pool = marked or annotations
    return max(pool, key=lambda a: a.updated_at or "")


def conflicts(annotations: list[Annotation]) -> list[str]:
    """Where annotators disagree: a span one marked and another did not, or a different label or attribute."""
    out: list[str] = []
    for i, a in enumerate(annotations):
        for b in annotations[i + 1:]:
            ra, rb = {r.span: r for r in a.regions}, {r.span: r for r in b.regions}
            for span in sorted(set(ra) | set(rb)):
                x, y = ra.get(span), rb.get(span)
                if x is None or y is None:
                    has, lacks, r = (a, b, x) if y is None else (b, a, y)
                    out.append(f"{r.label} [{span[0]},{span[1]}) marked by {has.annotator}, not by {lacks.annotator}")
                elif x.label != y.label:
                    out.append(f"[{span[0]},{span[1]}) {x.label} by {a.annotator}, {y.label} by {b.annotator}")
                elif _attrs(x) != _attrs(y) and x.has_attributes and y.has_attributes:
                    out.append(f"[{span[0]},{span[1]}) attributes {_attrs(x)} by {a.annotator}, "
                               f"{_attrs(y)} by {b.annotator}")
    return out


def inherit(pre: list[Region], annotations: list[Annotation], links: bool) -> None:
    """Attributes (and links, if the format has none) of the pre-annotation for spans kept with the same label."""
    by_key = {(r.start, r.end, r.label): r for r in pre}
    for a in annotations:
        kept = {(r.start, r.end) for r in a.regions}
        projects = {(r.start, r.end) for r in a.regions if r.label == "PROJECT"}
        for r in a.regions:
            p = by_key.get((r.start, r.end, r.label))
            if p is None or r.has_attributes:
                continue
            r.value, r.unit, r.qualifier, r.has_attributes = p.value, p.unit, p.qualifier, True
            if links:
                r.subject = p.subject
                r.project = p.project if p.project in projects and p.project in kept else None


def _attrs(r: Region) -> tuple:
    return (r.value, r.unit, r.qualifier, r.subject, r.project)


def diff(pre: list[Region], post: list[Region], rep: TaskReport) -> None:
    """Added, removed, relabelled, resized spans and attribute edits against the pre-annotations."""
    def show(r: Region) -> str:
        return f"{r.label} [{r.start},{r.end})"

    by_span = {r.span: r for r in pre}
    matched_pre = set()
    for r in post:
        p = by_span.get(r.span)
        if p is not None:
            matched_pre.add(p.span)
            if p.label != r.label:
                rep.relabelled.append(f"[{r.start},{r.end}) {p.label} -> {r.label}")
            elif r.has_attributes:
                rep.attributes.extend(f"{show(r)} {name}: {old} -> {new}" for name, old, new in _changed(p, r))
            continue
        near = [q for q in pre if q.start < r.end and r.start < q.end and q.span not in matched_pre
                and q.span not in {x.span for x in post}]
        if near:
            q = near[0]
            matched_pre.add(q.span)
            rep.resized.append(f"{show(q)} -> {show(r)}" + ("" if q.label == r.label else " (relabelled)"))
        else:
            rep.added.append(show(r))
    rep.removed.extend(show(p) for p in pre if p.span not in matched_pre)


def _changed(p: Region, r: Region) -> list[tuple[str, object, object]]:
    """(attribute, before, after) for each attribute the annotator changed."""
    out = []
    same_value = (p.value is None and r.value is None) or (
        p.value is not None and r.value is not None and math.isclose(p.value, r.value, rel_tol=1e-6))
    if not same_value:
        out.append(("value", p.value, r.value))
    for name in ("unit", "qualifier", "subject", "project"):
        if getattr(p, name) != getattr(r, name):
            out.append((name, getattr(p, name), getattr(r, name)))
    return out


def to_document(doc_id: str, text: str, regions: list[Region],
                pre: Optional[list[Region]] = None) -> tuple[dict, list[str], list[str]]:
    """A GUIDELINES.md document; problems that make it invalid gold; regions whose attributes were derived.

    Attributes the tool carried are kept, unless they are the pre-annotation's own attributes
    on a span the annotator moved or relabelled (then they are stale and derived again)."""
    pre_by_key = {r.key: r for r in (pre or []) if r.key}
    entities, problems, derived = [], [], []
    for i, r in enumerate(sorted(regions, key=lambda r: (r.start, r.end)), 1):
        e = {"id": f"e{i}", "start": r.start, "end": r.end, "label": r.label, "text": text[r.start:r.end],
             "value": None, "unit": None, "qualifier": None, "subject": None, "project": None}
        if r.label in NUMERIC_LABELS:
            value, unit, qualifier = r.value, r.unit, r.qualifier
            old = pre_by_key.get(r.key)
            stale = old is not None and (old.span != r.span or old.label != r.label) and \
                (r.value, r.unit, r.qualifier) == (old.value, old.unit, old.qualifier)
            if not r.has_attributes or stale or value is None or not unit:
                d = derive(text, r.start, r.end, r.label)
                value = d.value if (value is None or stale) else value
                unit = d.unit if (not unit or stale) else unit
                qualifier = d.qualifier if (not r.has_attributes or stale) else qualifier
                derived.append(f"{e['text']}")
            e.update(value=value, unit=unit, qualifier=qualifier)
            for name in ("subject", "project"):
                s = getattr(r, name)
                if s is not None:
                    e[name] = {"start": s[0], "end": s[1], "text": text[s[0]:s[1]]}
        entities.append(e)
    doc = {"id": doc_id, "text": text, "entities": entities}
    problems.extend(gold_problems(doc))
    return doc, problems, derived


def gold_problems(doc: dict) -> list[str]:
    """The rules of annotations/verify_gold.py that concern one entity's attributes."""
    out = []
    projects = {(e["start"], e["end"]) for e in doc["entities"] if e["label"] == "PROJECT"}
    for e in doc["entities"]:
        if e["label"] == "PROJECT":
            continue
        where = f"{e['label']} {e['text']!r} [{e['start']},{e['end']})"
        if not isinstance(e["value"], (int, float)) or isinstance(e["value"], bool):
            out.append(f"{where}: value missing (type it in the value field)")
        elif not math.isfinite(e["value"]):
            out.append(f"{where}: value {e['value']} is not a finite number")
        if e["qualifier"] not in QUALIFIERS:
            out.append(f"{where}: qualifier {e['qualifier']!r} is not one of approx, gt, gte, lt, lte")
        if e["unit"] is not None and not isinstance(e["unit"], str):
            out.append(f"{where}: unit {e['unit']!r} is not text")
        if e["label"] == "MONEY" and e["unit"] != "元":
            out.append(f"{where}: MONEY unit must be 元, not {e['unit']!r}")
        if e["label"] == "PERCENT" and e["unit"] != "%":
            out.append(f"{where}: PERCENT unit must be %, not {e['unit']!r}")
        if e["label"] == "QUANTITY" and not e["unit"]:
            out.append(f"{where}: QUANTITY without unit (type it in the unit field)")
        p = e["project"]
        if p and (p["start"], p["end"]) not in projects:
            out.append(f"{where}: project link does not point at a PROJECT span")
    return out


def entities_to_regions(entities) -> list[Region]:
    """Pipeline or gold entities as regions (for pre-annotations carried outside the tool)."""
    return [Region(e.start, e.end, e.label, e.text, e.value, e.unit, e.qualifier, True,
                   (e.subject.start, e.subject.end) if e.subject else None,
                   (e.project.start, e.project.end) if e.project else None, e.confidence, e.id)
            for e in entities]


def write_documents(docs: list[dict], out: Path) -> None:
    """Write the documents as JSONL all at once (a temporary file renamed over ``out``): a file
    is never left half-written, and never holds NaN or Infinity, which are not JSON."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(d, ensure_ascii=False, allow_nan=False) + "\n" for d in docs)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(lines, encoding="utf-8")
    tmp.replace(out)

