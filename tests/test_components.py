"""The built-in components (pipeline/components.py) as the shipped configs assemble them: tables
first, and components that talk only through the Document."""
from __future__ import annotations

import pytest

from pipeline import registry
from pipeline.config import load_config
from pipeline.doc import Document
from pipeline.language import Pipeline


@pytest.mark.parametrize("config", ["pipeline", "pipeline-rules", "pipeline-model-alone"])
def test_tables_are_read_first_in_every_shipped_pipeline(config):
    names = [c["name"] for c in load_config(config)["components"]]
    assert names[0] == "tables" and "table_reader" not in names
    assert set(names) <= set(registry.names())


def test_the_project_rules_leave_numbers_alone():
    text = "配套三号地块拆迁3户，配套三号地块已交付。"
    doc = Pipeline.from_config("pipeline-rules")(Document(id="t", text=text))
    spans = sorted((e.start, e.end) for e in doc.entities)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
