"""The shared data model: a `Document` owns the original text; everything else points into it.

Offsets are Python ``str`` indices into ``Document.text`` (end exclusive), as in
GUIDELINES.md section 1.  ``text[start:end] == span.text`` holds for every span.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # the tables' own types; pipeline.tables imports this module at run time
    from .tables import Tables

LABELS = ("MONEY", "PERCENT", "QUANTITY", "PROJECT")
NUMERIC_LABELS = ("MONEY", "PERCENT", "QUANTITY")


@dataclass(frozen=True)
class Span:
    """A stretch of the original text; ``label`` says what kind of stretch, in a span group."""

    start: int
    end: int
    text: str
    label: Optional[str] = None

    def to_json(self) -> dict:
        d = {"start": self.start, "end": self.end, "text": self.text}
        if self.label is not None:
            d["label"] = self.label
        return d

    @classmethod
    def from_json(cls, d: Optional[dict]) -> Optional["Span"]:
        return None if d is None else cls(int(d["start"]), int(d["end"]), d["text"], d.get("label"))


@dataclass
class Entity:
    """A labelled span with its normalised attributes (GUIDELINES.md sections 2-3)."""

    start: int
    end: int
    label: str
    text: str
    value: Optional[float] = None
    unit: Optional[str] = None
    qualifier: Optional[str] = None
    subject: Optional[Span] = None
    project: Optional[Span] = None
    id: str = ""
    confidence: float = 1.0
    source: str = "rules"
    page: Optional[int] = None
    box: Optional[list] = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.text)

    def to_json(self) -> dict:
        d = {
            "id": self.id, "start": self.start, "end": self.end, "label": self.label, "text": self.text,
            "value": self.value, "unit": self.unit, "qualifier": self.qualifier,
            "subject": self.subject.to_json() if self.subject else None,
            "project": self.project.to_json() if self.project else None,
            "confidence": round(self.confidence, 4), "source": self.source,
        }
        if self.page is not None:
            d["page"] = self.page
        if self.box is not None:
            d["box"] = self.box
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Entity":
        return cls(
            start=int(d["start"]), end=int(d["end"]), label=d["label"], text=d["text"],
            value=d.get("value"), unit=d.get("unit"), qualifier=d.get("qualifier"),
            subject=Span.from_json(d.get("subject")), project=Span.from_json(d.get("project")),
            id=d.get("id", ""), confidence=float(d.get("confidence", 1.0)), source=d.get("source", "gold"),
            page=d.get("page"), box=d.get("box"),
        )


@dataclass
class Fact:
    """One measured number resolved into what it measures and which project it belongs to."""

    value: float
    unit: str
    qualifier: Optional[str]
    label: str
    number: Span
    subject: Optional[Span]
    project: Optional[Span]
    entity_id: str = ""
    page: Optional[int] = None
    box: Optional[list] = None

    def to_json(self) -> dict:
        d = {
            "entity_id": self.entity_id, "label": self.label, "value": self.value, "unit": self.unit,
            "qualifier": self.qualifier, "number": self.number.to_json(),
            "subject": self.subject.to_json() if self.subject else None,
            "project": self.project.to_json() if self.project else None,
        }
        if self.page is not None:
            d["page"], d["box"] = self.page, self.box
        return d


@dataclass
class Page:
    """Where a stretch of text came from in a paged source (PDF, scan)."""

    number: int
    start: int
    end: int
    lines: list = field(default_factory=list)  # [{"start","end","box":[x0,y0,x1,y1]}] for OCR


@dataclass
class Document:
    """A report: the original text and what the pipeline found in it."""

    id: str
    text: str
    source: Optional[str] = None
    encoding: Optional[str] = None
    entities: list[Entity] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    spans: dict[str, list[Span]] = field(default_factory=dict)  # named span groups, as spaCy's doc.spans
    tables: Optional["Tables"] = None  # what its tables say, read once by the ``tables`` component
    extra: dict[str, Any] = field(default_factory=dict)

    def span(self, start: int, end: int) -> Span:
        return Span(start, end, self.text[start:end])

    def assign_ids(self) -> None:
        """Entities in text order, numbered e1, e2 …: done before facts are built, so a fact's
        ``entity_id`` names its entity for good."""
        self.entities.sort(key=lambda e: (e.start, e.end))
        for i, e in enumerate(self.entities, 1):
            e.id = f"e{i}"

    def to_json(self) -> dict:
        d = {"id": self.id, "text": self.text, "entities": [e.to_json() for e in self.entities]}
        if self.source is not None:
            d["source"] = self.source
        if self.encoding is not None:
            d["encoding"] = self.encoding
        d["facts"] = [f.to_json() for f in self.facts]
        if self.pages:
            d["pages"] = [{"number": p.number, "start": p.start, "end": p.end, "lines": p.lines} for p in self.pages]
        if self.tables is not None:
            d["indicators"] = [r.to_json() for r in self.tables.indicators]
            d["budget_lines"] = [b.to_json() for b in self.tables.budget_lines]
        d.update(self.extra)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Document":
        return cls(id=str(d["id"]), text=d["text"], source=d.get("source"),
                   entities=[Entity.from_json(e) for e in d.get("entities", [])])
