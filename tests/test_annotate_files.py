"""doccano round trips (file formats), agreement, ranking and the import checks, without servers."""
from __future__ import annotations

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

ROOT = Path(__file__).resolve().parent.parent
TEXT = "怀南水产品市场项目全年共拆除房屋164栋，投资约5.85亿元，签约率达到98%以上。"


def span(text: str, s: str, occurrence: int = 0) -> dict:
    a = -1
    for _ in range(occurrence + 1):
        a = text.index(s, a + 1)
    return {"start": a, "end": a + len(s), "text": s}


def gold() -> list[dict]:
    """GUIDELINES.md annotation of TEXT, by hand."""
    p = span(TEXT, "怀南水产品市场项目")

    def num(s, label, value, unit, q, subj, proj):
        return {**span(TEXT, s), "label": label, "value": value, "unit": unit, "qualifier": q,
                "subject": span(TEXT, subj), "project": proj}
    return [{**p, "label": "PROJECT", "value": None, "unit": None, "qualifier": None, "subject": None, "project": None},
            num("164栋", "QUANTITY", 164.0, "栋", None, "拆除房屋", p),
            num("5.85亿元", "MONEY", 585000000.0, "元", "approx", "投资", p),
            num("98%", "PERCENT", 98.0, "%", "gte", "签约率", None)]


def doccano_line(example_id: int, entities: list[dict], meta: dict) -> dict:
    """A line of a doccano export of a span project with relations, for these entities."""
    ents, rels, ids = [], [], {}
    for e in entities:
        ids[(e["start"], e["end"])] = len(ids) + 500
        ents.append({"id": ids[(e["start"], e["end"])], "label": e["label"], "start_offset": e["start"],
                     "end_offset": e["end"]})
    for e in entities:
        if e.get("project"):
            rels.append({"id": len(rels) + 1, "from_id": ids[(e["start"], e["end"])],
                         "to_id": ids[(e["project"]["start"], e["project"]["end"])], "type": "project"})
        if e.get("subject"):
            key = (e["subject"]["start"], e["subject"]["end"])
            if key not in ids:
                ids[key] = len(ids) + 500
                ents.append({"id": ids[key], "label": "SUBJECT", "start_offset": key[0], "end_offset": key[1]})
            rels.append({"id": len(rels) + 1, "from_id": ids[(e["start"], e["end"])], "to_id": ids[key],
                         "type": "subject"})
    return {"id": example_id, "text": TEXT, "entities": ents, "relations": rels, "Comments": [], **meta}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def verify(path: Path) -> None:
    r = subprocess.run([sys.executable, str(ROOT / "annotations" / "verify_gold.py"), str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def key(e: dict) -> tuple:
    return tuple(e.get(k) for k in ("start", "end", "label", "text", "value", "unit", "qualifier", "subject", "project"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("doccano")
    src = tmp / "docs.jsonl"
    src.write_text(json.dumps({"id": "d1", "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")
    r = cli("annotate", "export", str(src), "--format", "doccano", "-o", str(tmp / "tasks.jsonl"))
    assert r.returncode == 0, r.stderr
    line = json.loads((tmp / "tasks.jsonl").read_text(encoding="utf-8"))
    return {"tmp": tmp, "line": line}


def test_doccano_export_is_a_span_and_relation_example(exported):
    line = exported["line"]
    assert line["text"] == TEXT and line["doc_id"] == "d1"
    labels = {e["label"] for e in line["entities"]}
    assert labels <= {"MONEY", "PERCENT", "QUANTITY", "PROJECT", "SUBJECT"}
    for e in line["entities"]:
        assert 0 <= e["start_offset"] < e["end_offset"] <= len(TEXT)
    ids = {e["id"] for e in line["entities"]}
    assert all(r["from_id"] in ids and r["to_id"] in ids and r["type"] in ("project", "subject")
               for r in line["relations"])


def test_doccano_round_trip_gives_what_the_annotator_marked(exported, tmp_path):
    meta = {k: exported["line"][k] for k in ("doc_id", "jixiao")}  # doccano keeps unknown fields as meta
    path = tmp_path / "admin.jsonl"
    path.write_text(json.dumps(doccano_line(3, gold(), meta), ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = cli("annotate", "import", str(path), "--format", "doccano", "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["id"] == "d1" and doc["text"] == TEXT
    assert sorted(map(key, doc["entities"])) == sorted(map(key, gold()))
    verify(out)


def test_doccano_changes_against_the_pre_annotation_are_reported(exported, tmp_path):
    pre = [e for e in exported["line"]["jixiao"]["entities"]]
    assert pre, "the pipeline should pre-annotate the numbers of TEXT"
    kept = [dict(e) for e in pre if e["label"] != "PROJECT"]
    before = kept[0]["label"]
    kept[0]["label"] = "MONEY" if before != "MONEY" else "QUANTITY"           # relabelled
    dropped = kept.pop()                                                     # removed
    added = {**span(TEXT, "全年"), "label": "QUANTITY"}                         # added (nonsense, but a span)
    lines = [{"id": 1, "text": TEXT, "label": [[e["start"], e["end"], e["label"]] for e in kept + [added]],
              "doc_id": "d1", "jixiao": exported["line"]["jixiao"]}]
    path = tmp_path / "plain.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    from pipeline.annotate.roundtrip import import_file
    imp = import_file(path, "doccano")
    rep = imp.report.tasks[0]
    assert rep.relabelled == [f"[{kept[0]['start']},{kept[0]['end']}) {before} -> {kept[0]['label']}"]
    assert f"{dropped['label']} [{dropped['start']},{dropped['end']})" in rep.removed
    assert f"QUANTITY [{added['start']},{added['end']})" in rep.added


def test_doccano_zip_of_two_annotators_reports_conflicts(exported, tmp_path):
    meta = {k: exported["line"][k] for k in ("doc_id", "jixiao")}
    bob = [dict(e) for e in gold()]
    bob[3] = dict(bob[3], label="QUANTITY", unit="%")     # 98% relabelled by bob
    del bob[1]                                            # 164栋 missed by bob
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("alice.jsonl", json.dumps(doccano_line(1, gold(), meta), ensure_ascii=False) + "\n")
        f.writestr("bob.jsonl", json.dumps(doccano_line(1, bob, meta), ensure_ascii=False) + "\n")
    from pipeline.annotate.roundtrip import import_file
    imp = import_file(z, "doccano")
    conflicts = imp.report.tasks[0].conflicts
    a164, a98 = span(TEXT, "164栋"), span(TEXT, "98%")
    assert any(f"[{a164['start']},{a164['end']})" in c and "marked by alice, not by bob" in c for c in conflicts)
    assert any(f"[{a98['start']},{a98['end']}) PERCENT by alice, QUANTITY by bob" in c for c in conflicts)
    assert len(conflicts) == 2


def test_blind_export_pre_annotates_numbers_and_hides_project_names(tmp_path):
    """--labels MONEY,PERCENT,QUANTITY: the annotator marks PROJECT without the tool's names or links."""
    src = tmp_path / "docs.jsonl"
    src.write_text(json.dumps({"id": "d1", "text": TEXT, "url": "https://example.gov.cn/a.html"},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    r = cli("annotate", "export", str(src), "--format", "label-studio", "--labels", "MONEY,PERCENT,QUANTITY",
            "-o", str(tmp_path / "tasks.json"))
    assert r.returncode == 0, r.stderr
    task = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))[0]
    assert task["data"]["url"] == "https://example.gov.cn/a.html"
    result = task["predictions"][0]["result"]
    labels = sorted(x["value"]["text"] for x in result if x.get("from_name") == "label")
    assert labels == ["164栋", "5.85亿元", "98%"]
    assert not [x for x in result if x.get("type") == "relation" and x["labels"] == ["project"]]
    assert cli("annotate", "export", str(src), "--format", "doccano", "--labels", "AREA",
               "-o", str(tmp_path / "x.jsonl")).returncode == 2


def test_import_keeps_where_the_document_came_from(exported, tmp_path):
    meta = {k: exported["line"][k] for k in ("doc_id", "jixiao")}
    line = doccano_line(1, gold(), {**meta, "url": "https://example.gov.cn/a.html", "title": "报告"})
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "reviewed.jsonl"
    assert cli("annotate", "import", str(path), "--format", "doccano", "-o", str(out)).returncode == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (doc["url"], doc["title"]) == ("https://example.gov.cn/a.html", "报告")


def test_bad_doccano_lines_are_reported_and_the_rest_imported(tmp_path):
    good = {"id": 1, "doc_id": "ok", "text": TEXT, "label": [[span(TEXT, "164栋")["start"], span(TEXT, "164栋")["end"], "QUANTITY"]]}
    past = {"id": 2, "doc_id": "past", "text": TEXT, "label": [[10, 400, "MONEY"]]}
    overlap = {"id": 3, "doc_id": "overlap", "text": TEXT, "label": [[16, 20, "QUANTITY"], [18, 20, "QUANTITY"]]}
    unknown = {"id": 4, "doc_id": "unknown", "text": TEXT, "label": [[16, 20, "AREA"]]}
    foreign = {"id": 5, "doc_id": "foreign", "sentence": TEXT, "label": ["positive"]}
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in (good, past, overlap, unknown, foreign))
                    + "{not json\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = cli("annotate", "import", str(path), "--format", "doccano", "-o", str(out))
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["ok"]
    text = r.stdout
    assert "(past): not imported: span [10,400) MONEY is outside the text" in text
    assert "(overlap): not imported: overlapping spans" in text
    assert "(unknown): not imported: unknown label 'AREA'" in text
    assert "no 'text'" in text and "not JSON" in text
    verify(out)


def test_import_output_feeds_training_and_evaluation(exported, tmp_path):
    """The imported file is GUIDELINES.md JSONL: the evaluation loader (and train) read it as gold."""
    meta = {k: exported["line"][k] for k in ("doc_id", "jixiao")}
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(doccano_line(1, gold(), meta), ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "reviewed.jsonl"
    assert cli("annotate", "import", str(path), "--format", "doccano", "-o", str(out)).returncode == 0
    from pipeline.evaluation import load_documents
    docs = load_documents(out)
    assert [(e.start, e.end, e.label) for e in docs[0].entities] == [(g["start"], g["end"], g["label"]) for g in gold()]
    r = cli("evaluate", "--gold", str(out), str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[f"predictions {out}"]["micro"]["f1"] == 1.0


# -- agreement ------------------------------------------------------------------------------
def _doc(entities):
    return {"id": "x", "text": "0123456789", "entities": [
        {"id": f"e{i}", "start": s, "end": e, "label": lab, "text": "0123456789"[s:e], "value": 1.0,
         "unit": "元" if lab == "MONEY" else "%", "qualifier": None, "subject": None, "project": None}
        for i, (s, e, lab) in enumerate(entities)]}


def test_agreement_span_f1_and_kappa_by_hand(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(_doc([(0, 4, "MONEY"), (6, 8, "PERCENT")])) + "\n", encoding="utf-8")
    b.write_text(json.dumps(_doc([(0, 4, "MONEY"), (6, 9, "PERCENT")])) + "\n", encoding="utf-8")
    r = cli("annotate", "agreement", str(a), str(b), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["span_f1"]["f1"] == 0.5
    # characters A: MMMMOOPPOO, B: MMMMOOPPPO -> observed 0.9, chance (4*4 + 4*3 + 2*3) / 100 = 0.34
    assert res["observed"] == 0.9 and res["expected"] == 0.34
    assert math.isclose(res["kappa"], (0.9 - 0.34) / (1 - 0.34), abs_tol=1e-4)
    same = cli("annotate", "agreement", str(a), str(a), "--json")
    assert json.loads(same.stdout)["kappa"] == 1.0 and json.loads(same.stdout)["span_f1"]["f1"] == 1.0


# -- ranking --------------------------------------------------------------------------------
def test_rank_stays_within_the_budget_and_prefers_doubtful_text(tmp_path):
    docs = [{"id": "plain", "text": "本单位认真贯彻落实各项工作要求，加强内部管理。" * 5},
            {"id": "table", "text": "指标\t目标值\t完成值\n拆迁\t120\t118\n安置\t35\t35\n验收\t7\t6\n"},
            {"id": "clean", "text": "基本支出284.32万元，占比57.23%。" * 3}]
    src = tmp_path / "u.jsonl"
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    from pipeline.annotate.rank import rank
    from pipeline.annotate.source import load_inputs
    loaded = list(load_inputs([src]))
    full = rank(loaded, budget=10_000, use_model=False)
    assert full.model is None
    order = [d.id for d in full.chosen]
    assert order[0] == "table"                      # bare numbers no rule explains: most to learn
    assert "plain" not in order                     # nothing uncertain there
    small = rank(loaded, budget=60, use_model=False)
    assert small.used <= 60 and [d.id for d in small.chosen] == ["table"]
    r = cli("annotate", "rank", str(src), "--budget", "60", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["used"] <= 60


def test_model_uncertainty_is_entropy_plus_disagreement():
    import numpy as np
    from pipeline.annotate.rank import LN2, model_score
    from pipeline.doc import Document, Entity
    names = ["O", "B-MONEY", "I-MONEY"]
    text = "支出5万元"
    p = np.full((len(text), 3), 1 / 3)               # the model knows nothing: ln 3 per character
    doc = Document("d", text, entities=[Entity(2, 5, "MONEY", "5万元", 50000.0, "元")])
    s = model_score(doc, lambda t: (names, p))
    assert math.isclose(s.entropy, len(text) * math.log(3))
    # argmax of a uniform row is O everywhere, so the rule's MONEY span is disputed (3 characters)
    assert s.disagreement == 3 and math.isclose(s.score, s.entropy + 3 * LN2)


@given(st.text(alphabet=st.sampled_from("a中𠀀😀\n"), max_size=30))
def test_utf16_offsets_round_trip(text):
    from pipeline.annotate.labelstudio import from_js, to_js
    for i in range(len(text) + 1):
        assert from_js(text, to_js(text, i)) == i
        assert to_js(text, i) == len(text[:i].encode("utf-16-le")) // 2


@pytest.mark.slow
def test_rank_uses_a_trained_model_when_there_is_one(tmp_path):
    """The loop: a model trained with `jixiao train` is what `annotate rank` asks about."""
    model = tmp_path / "tiny"
    r = cli("train", "--config", "configs/train-tiny.yaml", "--out", str(model))
    assert r.returncode == 0, r.stderr[-2000:]
    src = ROOT / "annotations" / "unlabelled" / "excerpts.jsonl"
    r = cli("annotate", "rank", str(src), "--budget", "2000", "--model", str(model), "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout)
    assert res["model"] == str(model) and res["used"] <= 2000 and res["chosen"]
    assert all(d["source"] == "model" and d["entropy"] > 0 for d in res["chosen"])
    densities = [d["per_1000_chars"] for d in res["chosen"]]
    assert densities == sorted(densities, reverse=True)


def test_serve_ls_command_binds_loopback_and_wants_the_token(tmp_path):
    import os
    import socket
    import time
    import requests
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JIXIAO_LS_TOKEN="cli-token-42")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve-ls", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/health"
        for _ in range(600):
            try:
                r = requests.get(url, headers={"Authorization": "Bearer cli-token-42"}, timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["status"] == "UP"
        assert requests.get(url, timeout=2).status_code == 401
        listening = [c for c in open("/proc/net/tcp").read().splitlines()[1:] if c.split()[1].endswith(f":{port:04X}")]
        assert listening and all(c.split()[1].startswith("0100007F:") for c in listening)  # 127.0.0.1 only
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_json_min_with_pre_annotations_keeps_their_attributes_for_unchanged_spans(tmp_path):
    """JSON-MIN loses per-region fields; spans the annotator kept take value/unit/qualifier/links
    from the pre-annotation given with --pre, new spans get them derived from the text."""
    pre = {"id": "d1", "text": TEXT, "entities": [e for e in gold() if e["text"] != "98%"]}
    pre["entities"][2] = dict(pre["entities"][2], value=123.0)          # a value only the pre-annotation has
    (tmp_path / "pre.jsonl").write_text(json.dumps(pre, ensure_ascii=False) + "\n", encoding="utf-8")
    kept = [e for e in gold() if e["text"] != "98%"]
    record = {"text": TEXT, "doc_id": "d1", "id": 1, "annotator": 1, "annotation_id": 5,
              "created_at": "2026-11-21T10:00:00Z", "updated_at": "2026-11-21T10:00:00Z", "lead_time": 3.0,
              "label": [{"start": e["start"], "end": e["end"], "text": e["text"], "labels": [e["label"]]}
                        for e in kept] + [{**span(TEXT, "98%"), "labels": ["PERCENT"]}],
              "value": ["164", "585000000"], "qualifier": "approx"}
    path = tmp_path / "min.json"
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = cli("annotate", "import", str(path), "--format", "label-studio", "-o", str(out), "--pre", str(tmp_path / "pre.jsonl"))
    assert r.returncode == 0, r.stdout + r.stderr
    got = {e["text"]: e for e in json.loads(out.read_text(encoding="utf-8"))["entities"]}
    assert got["5.85亿元"]["value"] == 123.0 and got["5.85亿元"]["project"] == span(TEXT, "怀南水产品市场项目")
    assert got["164栋"]["subject"] == span(TEXT, "拆除房屋")
    assert (got["98%"]["value"], got["98%"]["unit"], got["98%"]["qualifier"]) == (98.0, "%", "gte")  # derived
    assert "derived from the span text" in r.stdout and "1 added, 0 removed" in r.stdout
