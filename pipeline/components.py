"""The built-in components, registered by name for ``configs/pipeline.yaml``."""
from __future__ import annotations

from .doc import Document
from .normalising import NormalisedText
from .registry import component


@component("rule_tagger")
def make_rule_tagger(**settings):
    from .tagging import RuleTagger
    tagger = RuleTagger(settings)

    def rule_tagger(doc: Document, view: NormalisedText) -> None:
        doc.entities.extend(tagger(view))
    return rule_tagger


@component("project_tagger")
def make_project_tagger(**settings):
    from .projects import ProjectTagger
    tagger = ProjectTagger(**settings)

    def project_tagger(doc: Document, view: NormalisedText) -> None:
        taken = [(e.start, e.end) for e in doc.entities]
        for p in tagger(view):
            if not any(p.start < b and a < p.end for a, b in taken):
                doc.entities.append(p)
    return project_tagger


@component("resolver")
def make_resolver(**settings):
    from .resolving import Resolver
    return Resolver(**settings)
