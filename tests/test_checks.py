"""Consistency checks on the five seeds: the failures a careful reader finds, and figures that agree.

Each expectation below was worked out by hand from the seed text:
- 000: 预算控制率为1.78% — 全年预算数/年初预算数 = 496.77/279.77 = 177.56% and 追加/年初 = 77.56%; neither is 1.78%.
- 000: 工资福利支出232.51万元 broken into 88.18+34.80+26.15+13.97+33.78+10.16 = 207.04, the list ending with
  its catch-all 其他工资福利支出, so 25.47万元 are missing.
- 001: 资产总计2138.35 ≠ 负债总计2185.38 + 净资产122.48 = 2307.86.
- 004: 总分 得分 100, but the indicator scores (90) plus the 项目资金 row's 得分 7.3 give 97.3.
Figures that do agree: 002 5032+11361-741=15652; 基本支出293.56 + 项目支出129.69 = 423.25; 003 191.11 = 25.12+165.99;
000 占比57.23% = 284.32/496.77; 004 执行率73.03% = 27.75/38; 001 (616.43−601.12) = 15.31 and 15.31/601.12 = 2.55%.
"""
from __future__ import annotations

import json

import pytest

from pipeline import extract
from pipeline.checks import check_document


@pytest.fixture(scope="module")
def checked(seed_paths):
    out = {}
    for p in seed_paths:
        doc = extract(p.read_text(encoding="utf-8"), p.stem)
        out[p.stem[:3]] = (doc, check_document(doc))
    return out


EXPECTED_FAILURES = {
    "000": {("rate", "1.78%"), ("parts_sum", "232.51万元")},
    "001": {("identity", "2138.35万元")},
    "002": set(),
    "003": set(),
    "004": {("score_total", "100")},
}


def test_failures_are_the_ones_a_careful_reader_finds(checked):
    for seed, want in EXPECTED_FAILURES.items():
        _, result = checked[seed]
        got = {(c.kind, c.spans[0].text) for c in result.checks if c.status == "fails"}
        assert got == want, seed


def _find(result, kind, *texts):
    for c in result.checks:
        if c.kind == kind and all(any(s.text == t for s in c.spans) for t in texts):
            return c
    raise AssertionError(f"no {kind} check over {texts}")


def test_figures_that_agree_hold(checked):
    holds = [
        ("002", "arithmetic", ("5032", "11361", "741", "15652")),
        ("002", "parts_sum", ("423.25万元", "293.56万元", "129.69万元")),
        ("002", "parts_sum", ("293.56万元", "263.28万元", "30.29万元")),  # 293.57 within rounding
        ("002", "score_total", ("96",)),
        ("003", "parts_sum", ("191.11万元", "25.12万元", "165.99万元")),
        ("003", "parts_sum", ("165.99万元", "140.78万元", "25.21万元")),
        ("000", "share", ("57.23%", "284.32万元", "496.77万元")),
        ("000", "rate", ("100%", "496.77万元")),
        ("004", "rate", ("73.03%", "27.75 万元", "38 万元")),
        ("004", "score_from_rate", ("7.3", "10", "73.03%")),
        ("001", "change", ("616.43万元", "601.12万元", "15.31万元")),
        ("001", "change_rate", ("2.55%", "15.31万元", "601.12万元")),
    ]
    for seed, kind, texts in holds:
        assert _find(checked[seed][1], kind, *texts).status == "holds", (seed, kind, texts)


def test_rate_failure_explains_the_missing_factor_100(checked):
    c = _find(checked["000"][1], "rate", "1.78%")
    assert "177.56%" in c.message and "77.56%" in c.message


def test_incomplete_list_is_unknown_not_failed(checked):
    """002: 延期过渡人员7518人（洋湖街道2550.5人、学士街道2000人、望岳街道1314.5人…）names 3 streets only."""
    c = _find(checked["002"][1], "parts_sum", "7518人", "2550.5人")
    assert c.status == "unknown"


def test_every_check_span_points_into_the_text(checked):
    """Every seed has checks (the hand-found ones among them), and each points at the figures it compared."""
    for seed, (doc, result) in checked.items():
        assert result.checks, seed
        for c in result.checks:
            assert c.status in ("holds", "fails", "unknown") and c.spans
            for s in c.spans:
                assert s.text and doc.text[s.start:s.end] == s.text
    found = [(c.kind, c.status, [s.text for s in c.spans]) for c in checked["004"][1].checks]
    assert ("rate", "holds", ["73.03%", "27.75 万元", "38 万元"]) in found    # the sentence
    assert ("rate", "holds", ["73.03%", "27.75", "38"]) in found              # the budget table's line
    total = next(spans for kind, _, spans in found if kind == "score_total")
    assert total[0] == "100" and len(total) == 15 and total[-1] == "7.3"  # 总分, 13 rows, the fund row's 得分


def test_a_long_report_is_checked_sentence_by_sentence():
    """Each of 400 sentences compares its own figures: breakdowns and rates by position, not over the report."""
    units = [f"{2000 + i % 20}年支出合计{i + 300}万元，其中基本支出{i + 100}万元，项目支出200万元。" for i in range(400)]
    result = check_document(extract("".join(units), "t"))
    sums = [c for c in result.checks if c.kind == "parts_sum"]
    assert len(sums) == 400 and all(c.status == "holds" for c in sums)
    assert [c.spans[0].text for c in sums[:2]] == ["300万元", "301万元"]


def test_budget_facts_have_roles_years_and_parts(checked):
    doc, result = checked["000"]
    total = next(b for b in result.budget_facts if b.figure.text == "496.77万元" and b.parts)
    assert total.role == "决算数" and total.year == 2024 and total.stage == "actual"
    assert [p.text for p in total.parts] == ["284.32万元", "212.44万元"]
    _, r002 = checked["002"]
    planned = next(b for b in r002.budget_facts if b.figure.text == "272.16万元")
    assert (planned.role, planned.stage, planned.year) == ("基本支出", "budget", 2021)


def test_small_texts():
    over = extract("2023年支出合计300万元，其中基本支出100万元，项目支出250万元。", "t")
    assert [c.status for c in check_document(over).checks if c.kind == "parts_sum"] == ["fails"]
    short = extract("2023年支出合计300万元，其中基本支出100万元，项目支出150万元。", "t")
    assert [c.status for c in check_document(short).checks if c.kind == "parts_sum"] == ["unknown"]
    arith = extract("共计（12+30-2=41）人。", "t")
    assert [c.status for c in check_document(arith).checks if c.kind == "arithmetic"] == ["fails"]


def test_extract_output_matches_the_schema(root, seed_paths, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((root / "configs" / "schema" / "documents.v1.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    from typer.testing import CliRunner
    from pipeline.cli import app
    res = CliRunner().invoke(app, ["extract", *map(str, seed_paths), "-o", str(tmp_path), "--no-duckdb"])
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    for line in lines:
        d = json.loads(line)
        assert not list(validator.iter_errors(d))
        assert {"indicators", "checks"} <= set(d)
        for row in d["indicators"]:
            for key in ("indicator", "target", "actual"):
                if row[key] is not None:
                    assert d["text"][row[key]["start"]:row[key]["end"]] == row[key]["text"]
    seed4 = json.loads(lines[4])
    assert len(seed4["indicators"]) == 13 and seed4["indicators"][0]["weight"] == 5
    bad = dict(seed4, checks=[{"kind": "rate", "status": "maybe", "message": "", "spans": []}])
    assert list(validator.iter_errors(bad))


def test_full_marks_for_a_missed_target_fail():
    text = ("\t一级指标\n\t二级指标\n\t三级指标\n\t年度指标值\n\t实际完成值\n\t分值\n\t得分\n\n"
            "\t产出指标\n\t质量指标\n\t验收合格率\n\t95%\n\t90%\n\t5\n\t5\n\n"
            "\t\n\t时效指标\n\t完成及时率\n\t≥95%\n\t90%\n\t5\n\t4\n\n"
            "\t\n\t成本指标\n\t项目成本（万元）\n\t38\n\t27.75\n\t5\n\t5\n\n")
    result = check_document(extract(text, "t"))
    status = {c.message.split(":")[0]: c.status for c in result.checks if c.kind == "target_met"}
    assert status == {"验收合格率": "fails", "完成及时率": "holds", "项目成本（万元）": "holds"}
