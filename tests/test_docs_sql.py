"""Every SQL example of the docs runs against a batch database of the seed reports and answers
what its text says; the README's first query keeps units apart."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipeline.batch import run_batch
from pipeline.language import Pipeline
from pipeline.reading import read_document

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "configs" / "pipeline-rules.yaml")
pytestmark = pytest.mark.integration  # a batch run (worker processes) builds the database


def examples(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- sql: ([\w-]+) -->\s*```sql\n(.*?)```", text, re.S))


@pytest.fixture(scope="module")
def db(tmp_path_factory, seed_paths):
    path = tmp_path_factory.mktemp("sql") / "r.duckdb"
    run_batch([str(p) for p in seed_paths], path, workers=1, progress="none", config=RULES)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def seeds(seed_paths) -> dict[str, dict]:
    nlp = Pipeline.from_config(RULES)
    return {p.stem: nlp(read_document(p)).to_json() for p in seed_paths}


SQL = examples(ROOT / "docs" / "sql.md")


def test_the_docs_have_the_examples_the_tests_run():
    assert {"units", "failed-checks", "check-status", "indicators-short", "budget-lines", "budget-vs-final",
            "money-per-project", "same-content"} <= set(SQL)


@pytest.mark.parametrize("name", sorted(SQL))
def test_every_example_runs_and_finds_rows(db, name):
    assert db.execute(SQL[name]).fetchall(), name


def test_units_are_summed_apart(db, seeds):
    rows = db.execute(SQL["units"]).fetchall()
    assert len({(label, unit) for label, unit, _, _ in rows}) == len(rows)
    quantity_units = {unit for label, unit, _, _ in rows if label == "QUANTITY"}
    assert {"亩", "户"} <= quantity_units
    valued = sum(1 for d in seeds.values() for e in d["entities"] if e["value"] is not None)
    assert sum(n for _, _, n, _ in rows) == valued


def test_failed_checks_and_status_counts_are_the_checkers(db, seeds):
    failed = db.execute(SQL["failed-checks"]).fetchall()
    expected = [(doc_id, c["kind"], c["message"], [s["text"] for s in c["spans"]])
                for doc_id, d in sorted(seeds.items()) for c in d["checks"] if c["status"] == "fails"]
    assert [tuple(r) for r in failed] == expected
    status = {r[0]: r[1:] for r in db.execute(SQL["check-status"]).fetchall()}
    for doc_id, d in seeds.items():
        assert status[doc_id] == tuple(sum(c["status"] == s for c in d["checks"])
                                       for s in ("fails", "unknown", "holds"))


def test_the_readme_query_groups_by_unit(db):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (sql,) = re.findall(r"\.sql\('([^']+)'\)", readme)
    assert "GROUP BY label, unit" in sql
    assert db.execute(sql).fetchall() == db.execute(SQL["units"]).fetchall()


def test_the_batch_guide_totals_mu_per_agency_and_year(tmp_path):
    agency = "沅陵县国有土地上房屋征收服务中心"
    texts = {
        "a.txt": f"{agency}\n2021年度部门整体支出绩效自评报告\n全年完成征收土地33亩，另完成集体土地征收12亩。",
        "b.txt": f"{agency}\n2022年度部门整体支出绩效自评报告\n全年完成征收土地20亩。",
        "c.txt": "怀化市征地事务所\n2021年度部门整体支出绩效自评报告\n完成征地7亩，补偿资金284.32万元。",
    }
    d = tmp_path / "in"
    d.mkdir()
    for name, text in texts.items():
        (d / name).write_text(text, encoding="utf-8")
    run_batch([str(d)], tmp_path / "r.duckdb", workers=1, progress="none")
    guide = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    sql = guide.split("<!-- mu-per-agency-year -->")[1].split("```sql")[1].split("```")[0]
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    assert [tuple(r[:3]) for r in con.execute(sql).fetchall()] == [
        ("怀化市征地事务所", 2021, 7.0),
        ("沅陵县国有土地上房屋征收服务中心", 2021, 45.0),
        ("沅陵县国有土地上房屋征收服务中心", 2022, 20.0),
    ]
