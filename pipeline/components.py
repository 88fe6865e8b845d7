"""The built-in components, registered by name for ``configs/pipeline.yaml``."""
from __future__ import annotations

from .doc import Document
from .normalising import NormalisedText
from .registry import component


@component("tables")
def make_tables(**settings):
    """Flattened tables, read once into ``doc.tables`` (configs/tables.yaml): the components after
    it read their cells, units and titles from there."""
    from .tables import read_tables

    def tables(doc: Document, view: NormalisedText) -> None:
        doc.tables = read_tables(view)
    return tables


@component("rule_tagger")
def make_rule_tagger(**settings):
    """MONEY, PERCENT and QUANTITY by rules; the header-unit numbers of ``doc.tables`` first (with no
    ``tables`` component before it, bare table cells stay unlabelled)."""
    from .tables import Tables
    from .tagging import RuleTagger
    tagger = RuleTagger(settings)

    def rule_tagger(doc: Document, view: NormalisedText) -> None:
        doc.entities.extend(tagger(view, doc.tables or Tables()))
    return rule_tagger


@component("project_tagger")
def make_project_tagger(**settings):
    """PROJECT by rules (configs/projects.yaml), where no number holds the characters."""
    from .positions import Occupied
    from .projects import ProjectTagger
    tagger = ProjectTagger(settings or None)

    def project_tagger(doc: Document, view: NormalisedText) -> None:
        taken = Occupied()
        for e in doc.entities:
            taken.take(e.start, e.end)
        doc.entities.extend(p for p in tagger(view) if taken.free(p.start, p.end))
    return project_tagger


@component("project_cues")
def make_project_cues(**settings):
    """Structural evidence of project names into ``doc.spans["project_cues"]`` (configs/cues.yaml)."""
    from .config import load_config
    from .cues import SPAN_GROUP, CueFinder, find_cues
    finder = CueFinder({**load_config("cues"), **settings})

    def project_cues(doc: Document, view: NormalisedText) -> None:
        doc.spans[SPAN_GROUP] = find_cues(doc, finder)
    return project_cues


@component("resolver")
def make_resolver(**settings):
    from .resolving import Resolver
    return Resolver(**settings)


@component("checker")
def make_checker(**settings):
    """Budget facts and consistency checks into ``doc.extra["budget_facts"]`` and ``doc.extra["checks"]``."""
    from .checks import check_document

    def checker(doc: Document, view: NormalisedText) -> None:
        result = check_document(doc)
        doc.extra["budget_facts"] = [b.to_json() for b in result.budget_facts]
        doc.extra["checks"] = [c.to_json() for c in result.checks]
    return checker


@component("model_tagger")
def make_model_tagger(**settings):
    """The character model combined with the rule entities before it (configs/model.yaml)."""
    from .model.component import from_settings
    return from_settings(**settings)


@component("project_rule_cues")
def make_project_rule_cues(**settings):
    """The PROJECT rules' names (configs/projects.yaml) as evidence for the model, into
    ``doc.spans["project_rules"]``: the model weighs them; they decide nothing themselves."""
    from .doc import Span
    from .projects import ProjectTagger
    tagger = ProjectTagger(settings or None)

    def project_rule_cues(doc: Document, view: NormalisedText) -> None:
        doc.spans["project_rules"] = [Span(p.start, p.end, p.text, "rule") for p in tagger(view)]
    return project_rule_cues
