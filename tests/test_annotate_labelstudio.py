"""Round trips through a real Label Studio server on 127.0.0.1, and our ML backend connected to it.

The server comes from the separate venv .ls-venv (scripts/setup-system.sh installs it; CI runs
it).  An annotator's work is entered through the REST API in the shape the labelling UI saves:
regions with UTF-16 offsets, per-region value/unit/qualifier, relations for project and subject.
What comes back out of ``jixiao annotate import`` must be exactly what was entered.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
LS_BIN = ROOT / ".ls-venv" / "bin" / "label-studio"
GOLD_IDS = ("be156ea14577", "5afc59a5da4c", "2e2bbe938827")
PASSWORD = "jixiao-test-pass-1"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabelStudio:
    """A running server and an API token for its admin."""

    def __init__(self, base: str, token: str):
        self.base, self.headers = base, {"Authorization": f"Token {token}"}

    def call(self, method: str, path: str, **kw) -> requests.Response:
        r = requests.request(method, self.base + path, headers=self.headers, timeout=120, **kw)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text[:500]}"
        return r

    def project(self, title: str, config: str) -> int:
        return self.call("POST", "/api/projects", json={"title": title, "label_config": config}).json()["id"]

    def import_tasks(self, pid: int, tasks: list) -> list[int]:
        return self.call("POST", f"/api/projects/{pid}/import?return_task_ids=true", json=tasks).json()["task_ids"]

    def annotate(self, task_id: int, result: list) -> dict:
        return self.call("POST", f"/api/tasks/{task_id}/annotations", json={"result": result, "lead_time": 12.5}).json()

    def export(self, pid: int, fmt: str = "JSON") -> bytes:
        """A snapshot export, with predictions in full (the plain export lists only their ids)."""
        ex = self.call("POST", f"/api/projects/{pid}/exports",
                       json={"title": "jixiao", "serialization_options": {"predictions": {"only_id": False}}}).json()
        for _ in range(600):
            if self.call("GET", f"/api/projects/{pid}/exports/{ex['id']}").json()["status"] == "completed":
                break
            time.sleep(0.2)
        return self.call("GET", f"/api/projects/{pid}/exports/{ex['id']}/download?exportType={fmt}").content


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    if not LS_BIN.exists():
        pytest.skip("Label Studio is not installed in .ls-venv (run scripts/setup-system.sh; CI installs it)")
    home = tmp_path_factory.mktemp("ls-home")
    data = home / "data"
    data.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO", "DJANGO"))}
    env.update(HOME=str(home), LABEL_STUDIO_BASE_DATA_DIR=str(data), LATEST_VERSION_CHECK="false",
               LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true", LABEL_STUDIO_USERNAME="admin@example.com",
               LABEL_STUDIO_PASSWORD=PASSWORD, ML_BLOCK_LOCAL_IP="false", SSRF_PROTECTION_ENABLED="false",
               PYTHONUNBUFFERED="1")
    log = open(home / "server.log", "w")
    proc = subprocess.Popen([str(LS_BIN), "start", "--no-browser", "--internal-host", "127.0.0.1",
                             "--port", str(port), "--data-dir", str(data)],
                            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # first start runs the migrations (~35 s here, more on a busy CI box)
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"label-studio exited with {proc.returncode}: {(home / 'server.log').read_text()[-2000:]}")
            try:
                if requests.get(base + "/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("label-studio did not answer /health in time")
            time.sleep(0.5)
        s = requests.Session()
        s.get(base + "/user/login/", timeout=30)
        r = s.post(base + "/user/login/", data={"email": "admin@example.com", "password": PASSWORD,
                                                "csrfmiddlewaretoken": s.cookies["csrftoken"]},
                   headers={"Referer": base + "/user/login/"}, allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.text[:300]
        h = {"X-CSRFToken": s.cookies["csrftoken"], "Referer": base}
        s.post(base + "/api/jwt/settings", json={"api_tokens_enabled": True, "legacy_api_tokens_enabled": True,
                                                 "api_token_ttl_days": 73000}, headers=h, timeout=30).raise_for_status()
        token = s.get(base + "/api/current-user/token", headers=h, timeout=30).json()["token"]
        yield LabelStudio(base, token)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


# -- what an annotator enters, written from GUIDELINES.md gold, independently of jixiao's code --
ASTRAL = "𠀀"  # outside the BMP: two UTF-16 units in the browser, one code point in Python


def js(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def annotator_result(text: str, entities: list[dict]) -> list[dict]:
    """The result list Label Studio's UI saves for these entities, in configs/label_studio.xml names."""
    out, rid = [], {}
    for n, e in enumerate(entities):
        rid[(e["start"], e["end"])] = f"r{n}"
    subjects = {}
    for e in entities:
        r = rid[(e["start"], e["end"])]
        where = {"start": js(text, e["start"]), "end": js(text, e["end"])}
        out.append({"id": r, "from_name": "label", "to_name": "text", "type": "labels",
                    "value": {**where, "text": e["text"], "labels": [e["label"]]}})
        if e["label"] == "PROJECT":
            continue
        out.append({"id": r, "from_name": "value", "to_name": "text", "type": "textarea",
                    "value": {**where, "text": [repr(e["value"])]}})
        out.append({"id": r, "from_name": "unit", "to_name": "text", "type": "textarea",
                    "value": {**where, "text": [e["unit"]]}})
        if e["qualifier"]:
            out.append({"id": r, "from_name": "qualifier", "to_name": "text", "type": "choices",
                        "value": {**where, "choices": [e["qualifier"]]}})
        if e["project"]:
            out.append({"from_id": r, "to_id": rid[(e["project"]["start"], e["project"]["end"])],
                        "type": "relation", "direction": "right", "labels": ["project"]})
        if e["subject"]:
            key = (e["subject"]["start"], e["subject"]["end"])
            target = rid.get(key) or subjects.get(key)
            if target is None:
                target = subjects[key] = f"s{len(subjects)}"
                out.append({"id": target, "from_name": "subject", "to_name": "text", "type": "labels",
                            "value": {"start": js(text, key[0]), "end": js(text, key[1]), "text": e["subject"]["text"],
                                      "labels": ["SUBJECT"]}})
            out.append({"from_id": r, "to_id": target, "type": "relation", "direction": "right", "labels": ["subject"]})
    return out


def crafted_gold() -> dict:
    """A text with a character outside the BMP before every entity, annotated by hand."""
    text = f"{ASTRAL}怀南水产品市场项目全年共拆除房屋164栋，投资约5.85亿元，签约率达到98%以上。"
    p = {"start": 1, "end": 10, "text": "怀南水产品市场项目"}

    def ent(s, label, value, unit, q, subj, proj):
        a = text.index(s)
        sa = text.index(subj)
        return {"start": a, "end": a + len(s), "label": label, "text": s, "value": value, "unit": unit,
                "qualifier": q, "subject": {"start": sa, "end": sa + len(subj), "text": subj}, "project": proj}
    ents = [{"start": 1, "end": 10, "label": "PROJECT", "text": "怀南水产品市场项目", "value": None, "unit": None,
             "qualifier": None, "subject": None, "project": None},
            ent("164栋", "QUANTITY", 164.0, "栋", None, "拆除房屋", p),
            ent("5.85亿元", "MONEY", 585000000.0, "元", "approx", "投资", p),
            ent("98%", "PERCENT", 98.0, "%", "gte", "签约率", None)]
    return {"id": "crafted-astral", "text": text, "entities": ents}


def gold_documents() -> list[dict]:
    docs = {}
    for f in sorted((ROOT / "annotations" / "gold" / "corpus").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d["id"] in GOLD_IDS:
                docs[d["id"]] = d
    return [docs[i] for i in GOLD_IDS] + [crafted_gold()]


def comparable(e: dict) -> tuple:
    return tuple(e.get(k) for k in ("start", "end", "label", "text", "value", "unit", "qualifier", "subject", "project"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def corrected_project(label_studio, tmp_path_factory):
    """A project with our config, tasks exported by jixiao with predictions, each corrected to gold."""
    tmp = tmp_path_factory.mktemp("ls-roundtrip")
    gold = gold_documents()
    src = tmp / "docs.jsonl"
    src.write_text("".join(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n" for d in gold),
                   encoding="utf-8")
    r = run_cli("annotate", "export", str(src), "--format", "label-studio", "-o", str(tmp / "tasks.json"))
    assert r.returncode == 0, r.stderr
    tasks = json.loads((tmp / "tasks.json").read_text(encoding="utf-8"))
    pid = label_studio.project("jixiao round trip", (ROOT / "configs" / "label_studio.xml").read_text(encoding="utf-8"))
    ids = label_studio.import_tasks(pid, tasks)
    assert len(ids) == len(gold)
    for task_id, doc in zip(ids, gold):
        label_studio.annotate(task_id, annotator_result(doc["text"], doc["entities"]))
    return {"pid": pid, "gold": gold, "tasks": tasks, "tmp": tmp}


def test_export_has_predictions_with_model_version_and_scores(corrected_project):
    for task in corrected_project["tasks"]:
        pred = task["predictions"][0]
        assert pred["model_version"].startswith("jixiao-")
        regions = [r for r in pred["result"] if r["type"] == "labels" and r["from_name"] == "label"]
        assert regions, task["data"]["doc_id"]
        for r in regions:
            assert 0.0 <= r["score"] <= 1.0
            assert r["value"]["labels"][0] in ("MONEY", "PERCENT", "QUANTITY", "PROJECT")


def test_json_export_imports_exactly_what_the_annotator_entered(label_studio, corrected_project, tmp_path):
    export = tmp_path / "export.json"
    export.write_bytes(label_studio.export(corrected_project["pid"], "JSON"))
    out = tmp_path / "reviewed.jsonl"
    r = run_cli("annotate", "import", str(export), "--format", "label-studio", "-o", str(out),
                "--report", str(tmp_path / "report.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    got = {d["id"]: d for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    for g in corrected_project["gold"]:
        d = got[g["id"]]
        assert d["text"] == g["text"]
        assert sorted(map(comparable, d["entities"])) == sorted(map(comparable, g["entities"])), g["id"]
    check = subprocess.run([sys.executable, str(ROOT / "annotations" / "verify_gold.py"), str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout

    # the report compares with the predictions the tasks carried
    report = {t["doc_id"]: t for t in json.loads((tmp_path / "report.json").read_text())["per_task"]}
    for task, g in zip(corrected_project["tasks"], corrected_project["gold"]):
        pred = {(r["value"]["start"], r["value"]["end"]): r["value"]["labels"][0]
                for r in task["predictions"][0]["result"] if r.get("from_name") == "label"}
        if any(ord(c) > 0xFFFF for c in g["text"]):
            continue  # prediction offsets are UTF-16 there; the crafted text is checked above
        gold = {(e["start"], e["end"]): e["label"] for e in g["entities"]}
        rep = report[g["id"]]
        relabelled = {k for k in gold.keys() & pred.keys() if gold[k] != pred[k]}
        assert len(rep["relabelled"]) == len(relabelled)
        assert len(rep["added"]) + len(rep["resized"]) == len(gold.keys() - pred.keys())
        assert len(rep["removed"]) + len(rep["resized"]) == len(pred.keys() - gold.keys())


def test_json_min_export_keeps_spans_and_labels(label_studio, corrected_project, tmp_path):
    export = tmp_path / "export-min.json"
    export.write_bytes(label_studio.export(corrected_project["pid"], "JSON_MIN"))
    out = tmp_path / "reviewed-min.jsonl"
    r = run_cli("annotate", "import", str(export), "--format", "label-studio", "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "JSON-MIN keeps spans and labels only" in r.stdout
    got = {d["id"]: d for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    for g in corrected_project["gold"]:
        spans = sorted((e["start"], e["end"], e["label"], e["text"]) for e in got[g["id"]]["entities"])
        assert spans == sorted((e["start"], e["end"], e["label"], e["text"]) for e in g["entities"])
    check = subprocess.run([sys.executable, str(ROOT / "annotations" / "verify_gold.py"), str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout


def test_bad_tasks_are_reported_and_the_rest_imported(label_studio, tmp_path):
    text = "基本支出284.32万元，占比57.23%，拆除房屋164栋。"
    pid = label_studio.project("jixiao bad input", (ROOT / "configs" / "label_studio.xml").read_text(encoding="utf-8"))
    good = annotator_result(text, [{"start": 4, "end": 12, "label": "MONEY", "text": "284.32万元", "value": 2843200.0,
                                    "unit": "元", "qualifier": None, "subject": None, "project": None}])
    past_end = [{"id": "x", "from_name": "label", "to_name": "text", "type": "labels",
                 "value": {"start": 30, "end": 45, "text": "beyond", "labels": ["MONEY"]}}]
    overlapping = [{"id": "a", "from_name": "label", "to_name": "text", "type": "labels",
                    "value": {"start": 4, "end": 12, "text": "284.32万元", "labels": ["MONEY"]}},
                   {"id": "b", "from_name": "label", "to_name": "text", "type": "labels",
                    "value": {"start": 10, "end": 12, "text": "万元", "labels": ["MONEY"]}}]
    ids = label_studio.import_tasks(pid, [{"data": {"text": text, "doc_id": f"doc{i}"}} for i in range(5)])
    for task_id, result in zip(ids, (good, past_end, overlapping)):
        label_studio.annotate(task_id, result)
    label_studio.annotate(ids[4], good)                      # two annotations that disagree on one span
    label_studio.annotate(ids[4], good + annotator_result(text, [{
        "start": 26, "end": 30, "label": "QUANTITY", "text": "164栋", "value": 164.0, "unit": "栋",
        "qualifier": None, "subject": None, "project": None}]))
    export = json.loads(label_studio.export(pid, "JSON"))
    # an unknown label and a task from another labelling config, as a hand-edited or foreign export has them
    unknown = json.loads(json.dumps(export[0]))
    unknown["id"], unknown["data"]["doc_id"] = 9001, "doc-unknown"
    unknown["annotations"][0]["result"][0]["value"]["labels"] = ["AREA"]
    foreign = {"id": 9002, "data": {"sentence": text},
               "annotations": [{"completed_by": 1, "result": [{"id": "z", "from_name": "ner", "to_name": "sentence",
                                                                "type": "labels", "value": {"start": 0, "end": 2,
                                                                                            "labels": ["PER"]}}]}]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export + [unknown, foreign], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = run_cli("annotate", "import", str(path), "--format", "label-studio", "-o", str(out))
    lines = r.stdout.splitlines()
    assert [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["doc0", "doc4"]
    assert any("doc4" in x and "conflict: QUANTITY [26,30) marked by" in x for x in lines), r.stdout
    assert any("doc1" in x and "outside the text" in x for x in lines), r.stdout
    assert any("doc2" in x and "overlapping spans" in x for x in lines), r.stdout
    assert any("doc3" in x and "no annotation" in x for x in lines), r.stdout
    assert any("doc-unknown" in x and "unknown label 'AREA'" in x for x in lines), r.stdout
    assert any("9002" in x and "different labelling config" in x for x in lines), r.stdout


# -- the ML backend ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ml_backend():
    from pipeline.annotate.server import make_server
    server, token = make_server("127.0.0.1", 0, "test-token-123")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", token
    server.shutdown()
    server.server_close()


def test_ml_backend_serves_predictions_to_a_label_studio_project(label_studio, ml_backend):
    url, token = ml_backend
    text = "怀南水产品市场项目全年共拆除房屋164栋，投资约5.85亿元，签约率达到98%以上。"
    pid = label_studio.project("jixiao ml backend", (ROOT / "configs" / "label_studio.xml").read_text(encoding="utf-8"))
    ids = label_studio.import_tasks(pid, [{"data": {"text": text, "doc_id": "ml"}}])
    refused = requests.post(label_studio.base + "/api/ml", headers=label_studio.headers, timeout=60,
                            json={"url": url, "project": pid, "title": "jixiao", "auth_method": "BASIC_AUTH",
                                  "basic_auth_user": "ls", "basic_auth_pass": "wrong-token"})
    assert refused.status_code == 400
    label_studio.call("POST", "/api/ml", json={"url": url, "project": pid, "title": "jixiao", "auth_method": "BASIC_AUTH",
                                               "basic_auth_user": "ls", "basic_auth_pass": token})
    label_studio.call("POST", f"/api/dm/actions?id=retrieve_tasks_predictions&project={pid}",
                      json={"selectedItems": {"all": True, "excluded": []}})
    preds = label_studio.call("GET", f"/api/predictions?project={pid}").json()
    assert [p["task"] for p in preds] == ids
    p = preds[0]
    assert p["model_version"].startswith("jixiao-")
    regions = {(r["value"]["start"], r["value"]["end"]): r["value"] for r in p["result"]
               if r.get("type") == "labels" and r["from_name"] == "label"}
    assert (text.index("164栋"), text.index("164栋") + 4) in regions
    assert regions[(text.index("98%"), text.index("98%") + 3)]["labels"] == ["PERCENT"]
    for (s, e), v in regions.items():
        assert text[s:e] == v["text"]


def test_ml_backend_speaks_the_protocol_and_wants_the_token(ml_backend):
    url, token = ml_backend
    assert requests.get(url + "/health", timeout=10).status_code == 401
    assert requests.get(url + "/health", headers={"Authorization": "Token nope"}, timeout=10).status_code == 401
    ok = requests.get(url + "/health", headers={"Authorization": f"Token {token}"}, timeout=10).json()
    assert ok["status"] == "UP"
    auth = ("label-studio", token)
    config = (ROOT / "configs" / "label_studio.xml").read_text(encoding="utf-8")
    setup = requests.post(url + "/setup", auth=auth, timeout=10,
                          json={"project": "1.1700000000", "schema": config, "hostname": "http://localhost:8080",
                                "access_token": "x", "extra_params": None}).json()
    assert setup["model_version"] == ok["model_version"]
    text = "基本支出284.32万元，占比57.23%"
    body = {"tasks": [{"id": 7, "data": {"text": text}}, {"id": 8, "data": {"text": "没有数字"}}],
            "project": "1.1700000000", "label_config": config, "params": {"login": None, "password": None, "context": None}}
    res = requests.post(url + "/predict", auth=auth, json=body, timeout=60).json()
    assert len(res["results"]) == 2
    first = {r["value"]["text"]: r for r in res["results"][0]["result"] if r.get("from_name") == "label"}
    assert first["284.32万元"]["value"]["labels"] == ["MONEY"]
    assert first["57.23%"]["value"]["labels"] == ["PERCENT"]
    values = {r["id"]: r["value"]["text"] for r in res["results"][0]["result"] if r.get("from_name") == "value"}
    assert values[first["284.32万元"]["id"]] == ["2843200"]
    assert res["results"][1]["result"] == []
    hook = requests.post(url + "/webhook", auth=auth, json={"action": "ANNOTATION_CREATED", "project": {"id": 1}},
                         timeout=10)
    assert hook.status_code == 201
    assert requests.post(url + "/predict", auth=auth, data=b"not json", timeout=10).status_code == 400
