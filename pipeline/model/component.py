"""The ``model_tagger`` pipeline component: the character model combined with what the rules
found before it, under the policy of ``configs/model.yaml``."""
from __future__ import annotations

from typing import Optional

from ..config import load_config
from ..doc import Document
from ..normalising import NormalisedText
from .combine import Policy, combine


class ModelComponent:
    """Replaces ``doc.entities`` (the rule components' output) by the policy's combination."""

    name = "model_tagger"

    def __init__(self, tagger, policy: Policy):
        self.tagger = tagger
        self.policy = policy

    def __call__(self, doc: Document, view: Optional[NormalisedText] = None) -> None:
        if self.policy.name == "rules":
            return
        model_entities = self.tagger(doc.text, list(doc.entities))
        doc.entities[:] = combine(doc.text, doc.entities, model_entities, self.policy)


def policy_from(cfg: dict) -> Policy:
    return Policy(name=cfg.get("policy", "merged"), model_labels=list(cfg.get("model_labels", ["PROJECT"])),
                  min_confidence=float(cfg.get("min_confidence", 0.5)),
                  model_numbers_min_confidence=float(cfg.get("model_numbers_min_confidence", 0.8)),
                  propagate_projects=bool(cfg.get("propagate_projects", False)),
                  rule_min_confidence=float(cfg.get("rule_min_confidence", 1.01)),
                  min_propagated_chars=int(cfg.get("min_propagated_chars", 4)),
                  min_project_chars=int(cfg.get("min_project_chars", 2)))


def from_settings(**settings) -> ModelComponent:
    """``configs/model.yaml`` overridden by the pipeline entry's ``settings``."""
    from .infer import InferenceSettings, ModelTagger
    cfg = dict(load_config("model"))
    cfg.update(settings)
    inference = InferenceSettings(**{**cfg.get("inference", {}), **settings.get("inference", {})})
    policy = policy_from(cfg)
    tagger = None if policy.name == "rules" else ModelTagger(cfg["model_dir"], inference)
    return ModelComponent(tagger, policy)
