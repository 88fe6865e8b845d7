"""jixiao inside spaCy: the ``jixiao`` factory (found through its entry point), ``doc.ents`` with the
value, unit, qualifier, subject and project extensions, displaCy in the labels' colours, ``to_spacy``."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy import displacy

import jixiao

import pipeline.spacy_component  # noqa: F401  (registers the factory, as the entry point does when installed)
from pipeline.config import load_config
from pipeline.spacy_component import to_spacy

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "怀南水产品市场项目全年共拆除房屋164栋，基本支出284.32万元，占比57.23%。"


def ents(sdoc) -> list[tuple]:
    return [(e.text, e.label_, e._.value, e._.unit, e._.qualifier, e._.subject and e._.subject.text,
             e._.project and e._.project.text) for e in sdoc.ents]


def test_the_component_tags_a_sample_with_values_units_subjects_and_projects():
    nlp = spacy.blank("zh")
    nlp.add_pipe("jixiao", config={"config": "pipeline-rules"})
    sdoc = nlp(SAMPLE)
    found = ents(sdoc)
    assert ("284.32万元", "MONEY", 2843200.0, "元", None, "基本支出", "怀南水产品市场项目") in found
    assert ("57.23%", "PERCENT", 57.23, "%", None, "占比", "怀南水产品市场项目") in found
    assert ("怀南水产品市场项目", "PROJECT", None, None, None, None, None) in found
    expected = jixiao.extract(SAMPLE, config="pipeline-rules").entities
    assert found == [(e.text, e.label, e.value, e.unit, e.qualifier, e.subject and e.subject.text,
                      e.project and e.project.text) for e in expected]
    assert len(found) == 4 and sdoc._.jixiao.facts and sdoc._.jixiao.text == SAMPLE


def test_displacy_draws_the_labels_in_the_configured_colours():
    nlp = spacy.blank("zh")
    nlp.add_pipe("jixiao", config={"config": "pipeline-rules"})
    page = displacy.render(nlp(SAMPLE), style="ent")
    for label, colour in load_config("labels")["colours"].items():
        assert f"background: {colour}" in page, label


def test_to_spacy_gives_every_entity_as_a_span_of_jieba_words():
    doc = jixiao.extract(SAMPLE, config="pipeline-rules")
    sdoc = to_spacy(doc)
    assert sdoc.text == doc.text
    assert [(e.start_char, e.end_char, e.label_, e._.value) for e in sdoc.ents] == \
        [(e.start, e.end, e.label, e.value) for e in doc.entities]


@pytest.mark.integration
def test_spacy_finds_the_factory_through_the_declared_entry_point(tmp_path):
    """A fresh interpreter that never imports jixiao: spaCy loads the component from the entry point
    pyproject.toml declares (an installed distribution's metadata, written here for the checkout)."""
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = tmp_path / "jixiao_entry_points-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: jixiao-entry-points\nVersion: 0\n")
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
        for group, points in project["entry-points"].items()))
    code = ("import sys, spacy; nlp = spacy.blank('zh'); nlp.add_pipe('jixiao', config={'config': 'pipeline-rules'}); "
            "doc = nlp(sys.argv[1]); print([(e.text, e.label_, e._.value) for e in doc.ents])")
    out = subprocess.run([sys.executable, "-c", code, SAMPLE], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert "('284.32万元', 'MONEY', 2843200.0)" in out.stdout
