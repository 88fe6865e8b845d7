"""`annotate import` of hostile exports: every bad task is reported and the others imported, and every
file written is strict JSON that passes annotations/verify_gold.py.  The import runs in-process (typer's
runner), with the rules-only pipeline for tasks that carry no pre-annotation."""
from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from pipeline.annotate.source import Prelabeller
from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
TEXT = "基本支出284.32万元，占比57.23%，拆除房屋164栋。"
MONEY = (4, 12)  # 284.32万元

_spec = importlib.util.spec_from_file_location("verify_gold", ROOT / "annotations" / "verify_gold.py")
verify_gold = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verify_gold)
RULES = Prelabeller(config=str(ROOT / "configs" / "pipeline-rules.yaml"))


def run_import(path: Path, fmt: str, out: Path):
    """``jixiao annotate import`` in-process; the current pipeline is the rules-only one (fast)."""
    with mock.patch("pipeline.annotate.roundtrip.Prelabeller", lambda config=None: RULES):
        return CliRunner().invoke(app, ["annotate", "import", str(path), "--format", fmt, "-o", str(out)])


def strict_documents(out: Path) -> list[dict]:
    """The written documents, parsed as strict JSON (NaN and Infinity refused), each passing verify_gold."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    docs = [json.loads(line, parse_constant=refuse) for line in out.read_text(encoding="utf-8").splitlines()]
    for d in docs:
        assert verify_gold.check(d) == [], d
    return docs


def region(rid: str, start, end, label="MONEY", text=None, **extra) -> dict:
    value = {"start": start, "end": end, "labels": [label], **extra}
    if text is not None:
        value["text"] = text
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "value": value}


def attribute(rid: str, name: str, typed, kind: str = "textarea") -> dict:
    key = "choices" if kind == "choices" else "text"
    return {"id": rid, "from_name": name, "to_name": "text", "type": kind,
            "value": {"start": MONEY[0], "end": MONEY[1], key: typed}}


def ls_task(doc_id: str, result, **task) -> dict:
    """A Label Studio task with one annotation, and an (empty) prediction so no pipeline has to run."""
    return {"id": doc_id, "data": {"text": TEXT, "doc_id": doc_id}, "predictions": [{"result": []}],
            "annotations": [{"completed_by": 1, "result": result}], **task}


GOOD = [region("r1", *MONEY, text="284.32万元"), attribute("r1", "value", ["2843200"]), attribute("r1", "unit", ["元"])]


def test_case03_malformed_tasks_are_reported_and_the_rest_imported(tmp_path):
    tasks = [
        ls_task("good", GOOD),
        ["a task that is a list"],
        {"id": "data-string", "data": "text only", "annotations": []},
        ls_task("annotation-string", GOOD, annotations=["not an annotation"]),
        ls_task("result-object", {"r1": GOOD[0]}),
        ls_task("subject-no-offsets", GOOD + [{"id": "s1", "from_name": "subject", "to_name": "text", "type": "labels",
                                               "value": {"labels": ["SUBJECT"], "text": "基本支出"}}]),
        ls_task("textarea-list", [GOOD[0], {**GOOD[1], "value": ["2843200"]}]),
        ls_task("labels-object", [region("r1", *MONEY, label={"MONEY": 1})]),
        ls_task("relation-string", GOOD + ["project"]),
    ]
    path, out = tmp_path / "export.json", tmp_path / "gold.jsonl"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    r = run_import(path, "label-studio", out)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code == 0, r.output
    assert [d["id"] for d in strict_documents(out)] == ["good"]
    reported: dict[str, str] = {}
    for line in r.stdout.splitlines():
        if "not imported" in line:
            doc_id = line.split(")", 1)[0].split("(", 1)[1]
            reported[doc_id] = reported.get(doc_id, "") + line
    assert set(reported) == {"task-2", "task-data-string", "annotation-string", "result-object", "subject-no-offsets",
                             "textarea-list", "labels-object", "relation-string"}
    assert "task 2 is a list, not an object" in reported["task-2"]
    assert "task data is a string, not an object" in reported["task-data-string"]
    assert "annotation 1 is a string, not an object" in reported["annotation-string"]
    assert "result is an object, not a list" in reported["result-object"]
    assert "no start/end offsets" in reported["subject-no-offsets"]
    assert "value of region r1 is a list, not an object" in reported["textarea-list"]
    assert "is not a string" in reported["labels-object"]
    assert "result item 4 is a string, not an object" in reported["relation-string"]

    scalar = tmp_path / "scalar.json"
    scalar.write_text("42", encoding="utf-8")
    r = run_import(scalar, "label-studio", tmp_path / "none.jsonl")
    assert r.exit_code == 2 and not (tmp_path / "none.jsonl").exists()
    assert r.stderr.strip() == f"jixiao: error: {scalar}: not a label-studio export: the file holds a number, " \
                               "not a list of tasks"

    lines = [{"id": 1, "doc_id": "ok", "text": TEXT, "label": [[*MONEY, "MONEY"]], "jixiao": {"entities": []}},
             {"id": 2, "doc_id": "label-object", "text": TEXT, "label": [{"start": 4, "end": 12, "label": "MONEY"}],
              "jixiao": {"entities": []}},
             {"id": 3, "doc_id": "meta-list", "text": TEXT, "meta": ["x"], "label": [[*MONEY, "MONEY"]],
              "jixiao": {"entities": [{"start": "4"}]}}]
    jsonl = tmp_path / "doccano.jsonl"
    jsonl.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    r = run_import(jsonl, "doccano", out)
    assert r.exit_code == 0, r.output
    assert [d["id"] for d in strict_documents(out)] == ["ok", "meta-list"]
    assert "(label-object): not imported: label {'start': 4, 'end': 12, 'label': 'MONEY'}: not [start, end, label]" \
        in r.stdout
    assert "(meta-list): note: pre-annotation entity 1 left out" in r.stdout


@pytest.mark.parametrize("typed", ["nan", "1e999", "-inf"])
def test_case04_a_typed_value_that_is_not_finite_is_refused_not_written_as_nan(tmp_path, typed):
    tasks = [ls_task("good", GOOD), ls_task("typed", [GOOD[0], attribute("r1", "value", [typed]), GOOD[2]])]
    path, out = tmp_path / "export.json", tmp_path / "gold.jsonl"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    r = run_import(path, "label-studio", out)
    assert r.exit_code == 0, r.output
    assert [d["id"] for d in strict_documents(out)] == ["good"]
    assert "(typed): not imported: MONEY '284.32万元' [4,12): value" in r.stdout
    assert "is not a finite number" in r.stdout


def test_case05_float_offsets_are_refused_not_truncated(tmp_path):
    tasks = [ls_task("integral", [region("r1", 4.0, 12.0, text="284.32万元")] + GOOD[1:]),
             ls_task("fraction", [region("r1", 4.7, 12, text="284.32万元")] + GOOD[1:])]
    path, out = tmp_path / "export.json", tmp_path / "gold.jsonl"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    r = run_import(path, "label-studio", out)
    assert [(d["id"], [(e["start"], e["end"]) for e in d["entities"]]) for d in strict_documents(out)] == [
        ("integral", [MONEY])]
    assert "(fraction): not imported: region r1: offset 4.7 is not a non-negative integer" in r.stdout

    line = {"id": 1, "doc_id": "d", "text": TEXT, "label": [[4, 12.5, "MONEY"]], "jixiao": {"entities": []}}
    jsonl = tmp_path / "doccano.jsonl"
    jsonl.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    r = run_import(jsonl, "doccano", out)
    assert strict_documents(out) == []
    assert "offset 12.5 is not a non-negative integer" in r.stdout


# -- fuzzing: arbitrary JSON where the export has structure, and structure where it has values ----------------
JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 50) | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=8)
TEXTS = st.sampled_from([TEXT, "𠀀" + TEXT, "\ud800" + TEXT, ""])
IDS = st.sampled_from(["d1", "d2", "\ud800", "文档"])  # "\ud800": an unpaired surrogate, as a JSON escape gives


def anything_or(strategy):
    """The intended shape most of the time, any JSON value sometimes."""
    return st.one_of(strategy, strategy, JSON)


OFFSETS = anything_or(st.integers(-2, 40) | st.floats(-1, 40) | st.sampled_from([4, 12, 14, 20]))
LABELS = anything_or(st.sampled_from(["MONEY", "PERCENT", "QUANTITY", "PROJECT", "SUBJECT", "AREA"]))
TYPED = anything_or(st.lists(st.sampled_from(["2843200", "元", "nan", "1e999", "-0", "abc", " "]), max_size=2))
LS_VALUE = st.fixed_dictionaries({}, optional={
    "start": OFFSETS, "end": OFFSETS, "labels": anything_or(st.lists(LABELS, max_size=2)), "text": TYPED,
    "choices": anything_or(st.lists(st.sampled_from(["gt", "approx", "zz"]), max_size=2))})
LS_ITEM = st.fixed_dictionaries({
    "id": anything_or(st.sampled_from(["r1", "r2", "s1"])),
    "type": anything_or(st.sampled_from(["labels", "textarea", "choices", "relation"])),
    "from_name": anything_or(st.sampled_from(["label", "subject", "value", "unit", "qualifier", "ner"])),
    "to_name": anything_or(st.just("text")), "value": anything_or(LS_VALUE)},
    optional={"from_id": anything_or(st.sampled_from(["r1", "r2", "s1"])),
              "to_id": anything_or(st.sampled_from(["r1", "r2", "s1"])),
              "labels": anything_or(st.lists(st.sampled_from(["project", "subject", "other"]), max_size=2)),
              "direction": st.sampled_from(["left", "right"])})
RESULT = anything_or(st.lists(anything_or(LS_ITEM), max_size=5))
LS_TASK = st.fixed_dictionaries({
    "id": anything_or(st.integers(1, 5)),
    "data": anything_or(st.fixed_dictionaries({"text": anything_or(TEXTS)}, optional={"doc_id": anything_or(IDS),
                                                                                       "title": anything_or(IDS)})),
    "annotations": anything_or(st.lists(anything_or(st.fixed_dictionaries(
        {"result": RESULT}, optional={"completed_by": anything_or(IDS), "ground_truth": JSON, "updated_at": JSON,
                                      "was_cancelled": JSON})), max_size=2))},
    optional={"predictions": anything_or(st.lists(anything_or(st.fixed_dictionaries({"result": RESULT})), max_size=2))})
JSON_MIN = st.fixed_dictionaries({"text": anything_or(TEXTS), "annotation_id": JSON},
                                 optional={"id": JSON, "label": anything_or(st.lists(anything_or(LS_VALUE), max_size=3))})
LS_EXPORT = anything_or(st.lists(anything_or(LS_TASK), max_size=4) | st.lists(JSON_MIN, min_size=1, max_size=3))

PRE_ENTITY = st.fixed_dictionaries({}, optional={
    "start": OFFSETS, "end": OFFSETS, "label": LABELS, "value": JSON, "unit": anything_or(st.just("元")),
    "subject": anything_or(st.fixed_dictionaries({"start": OFFSETS, "end": OFFSETS}))})
DOCCANO_LINE = st.fixed_dictionaries({"text": anything_or(TEXTS)}, optional={
    "id": JSON, "doc_id": anything_or(IDS), "meta": JSON,
    "label": anything_or(st.lists(anything_or(st.tuples(OFFSETS, OFFSETS, LABELS).map(list)), max_size=3)),
    "entities": anything_or(st.lists(anything_or(st.fixed_dictionaries({
        "id": anything_or(st.integers(1, 4)), "start_offset": OFFSETS, "end_offset": OFFSETS, "label": LABELS})),
        max_size=3)),
    "relations": anything_or(st.lists(anything_or(st.fixed_dictionaries({
        "from_id": JSON, "to_id": JSON, "type": anything_or(st.sampled_from(["project", "subject"]))})), max_size=2)),
    "jixiao": anything_or(st.fixed_dictionaries({"entities": anything_or(st.lists(anything_or(PRE_ENTITY),
                                                                                  max_size=2))}))})


def check_import(tmp_path: Path, fmt: str, data: bytes) -> None:
    """Never a traceback; exit 0/1 with strict, verified JSON written, or exit 2 with one error line and nothing."""
    path, out, report = tmp_path / "export", tmp_path / "gold.jsonl", tmp_path / "report.json"
    for p in (out, report):
        p.unlink(missing_ok=True)
    path.write_bytes(data)
    with mock.patch("pipeline.annotate.roundtrip.Prelabeller", lambda config=None: RULES):
        r = CliRunner().invoke(app, ["annotate", "import", str(path), "--format", fmt, "-o", str(out),
                                     "--report", str(report)])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    if r.exit_code == 2:
        assert not out.exists() and len(r.stderr.splitlines()) == 1 and r.stderr.startswith("jixiao: error:")
        return
    assert r.exit_code in (0, 1), r.output
    strict_documents(out)
    json.loads(report.read_text(encoding="utf-8"))


FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(LS_EXPORT)
def test_label_studio_import_of_any_json_never_fails_and_writes_only_valid_gold(tmp_path, export):
    check_import(tmp_path, "label-studio", json.dumps(export).encode())


@FUZZ
@given(st.lists(anything_or(DOCCANO_LINE) | st.text(max_size=10), max_size=4), st.booleans())
def test_doccano_import_of_any_json_lines_never_fails_and_writes_only_valid_gold(tmp_path, lines, zipped):
    data = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines).encode("utf-8", "surrogatepass")
    if zipped:  # a doccano export zip: one JSONL per annotator, the second one cut short
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("alice.jsonl", data)
            z.writestr("bob.jsonl", data[:-3])
        data = buffer.getvalue()
    check_import(tmp_path, "doccano", data)
