"""The HTML report in a real browser: headless Chromium loads a page, entities are painted in our
colours, and a failed check's link lands on the figure it is about.  Screenshots are kept in
``$JIXIAO_ARTIFACTS`` (default ``.artifacts/screenshots``)."""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.report import amount, load_inputs, money_by_subject, page_name, render_document, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/setup-system.sh)")]


def _chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


class _Dom(HTMLParser):
    """Elements of the dumped DOM: marks with their style, ids with their text, links."""

    def __init__(self):
        super().__init__()
        self.marks, self.links, self.ids, self.srcs = [], [], {}, []
        self._open: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "mark":
            self.marks.append(a)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        for key in ("src",):
            if key in a:
                self.srcs.append(a[key])
        if tag == "link" and "href" in a:
            self.srcs.append(a["href"])
        if "id" in a:
            self.ids[a["id"]] = ""
        self._open.append((tag, a.get("id", "")))

    def handle_endtag(self, tag):
        while self._open:
            t, _ = self._open.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, i in self._open:
            if i:
                self.ids[i] += data


def _raise(exc: Exception) -> None:
    raise exc


@pytest.fixture(scope="module")
def report_dir(root, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    seeds = sorted((root / "samples" / "reports").glob("00[04]_*.txt"))
    docs = load_inputs(seeds, on_error=_raise)
    write_report(docs, out)
    return out, {d["id"]: d for d in docs}


def _artifacts(root) -> Path:
    d = Path(os.environ.get("JIXIAO_ARTIFACTS", root / ".artifacts")) / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_page_loads_with_highlighted_entities_and_linked_failures(root, report_dir, tmp_path):
    out, docs = report_dir
    doc_id = next(i for i in docs if i.startswith("000"))
    doc = docs[doc_id]
    page = out / page_name(doc_id)
    dom = _Dom()
    dom.feed(_chromium(tmp_path, "--dump-dom", page.as_uri()))

    colours = load_config("labels")["colours"]
    money = [m for m in dom.marks if m.get("data-label") == "MONEY"]
    assert len(dom.marks) >= len(doc["entities"])  # a mark is cut where a check's span starts or ends
    assert money and all(colours["MONEY"] in m["style"] for m in money)
    assert not [s for s in dom.srcs if re.match(r"https?:", s)], "the page must not load anything from the network"

    failed = [i for i, c in enumerate(doc["checks"]) if c["status"] == "fails"]
    assert failed
    for i in failed:
        for j, span in enumerate(doc["checks"][i]["spans"]):
            anchor = f"check-{i}-{j}"
            assert f"#{anchor}" in dom.links
            assert dom.ids[anchor] == span["text"]  # the link lands on the figure itself

    rate = next(i for i in failed if doc["checks"][i]["kind"] == "rate")
    shot = _artifacts(root) / "report-000-failed-rate.png"
    _chromium(tmp_path, "--window-size=1400,1000", f"--screenshot={shot}", f"{page.as_uri()}#check-{rate}-0")
    assert shot.stat().st_size > 10_000
    from PIL import Image
    img = Image.open(shot).convert("RGB").resize((350, 250))
    target = tuple(int(colours["MONEY"][k:k + 2], 16) for k in (1, 3, 5))
    px = img.load()
    painted = sum(1 for x in range(img.width) for y in range(img.height)
                  if sum(abs(a - b) for a, b in zip(px[x, y], target)) < 30)
    assert painted > 20, "MONEY highlights should be visible on the screenshot"


def test_index_links_every_document(report_dir, tmp_path, root):
    out, docs = report_dir
    dom = _Dom()
    dom.feed(_chromium(tmp_path, "--dump-dom", (out / "index.html").as_uri()))
    assert sorted(dom.links) == sorted(page_name(i) for i in docs)
    _chromium(tmp_path, "--window-size=1000,400", f"--screenshot={_artifacts(root) / 'report-index.png'}",
              (out / "index.html").as_uri())


def test_index_draws_check_status_and_money_by_subject_as_inline_svg(report_dir, tmp_path):
    out, docs = report_dir
    html_text = (out / "index.html").read_text(encoding="utf-8")
    assert "2 documents" in html_text and not re.search(r"<(script|img|link)\b", html_text)  # one offline file
    dom = _Dom()
    dom.feed(_chromium(tmp_path, "--dump-dom", (out / "index.html").as_uri()))
    for chart in ("status-chart", "money-all", "money-0", "money-1"):
        assert chart in dom.ids, chart
    bars = re.findall(r'<rect class="(fails|unknown|holds)"[^>]*><title>([^:<]+): (\d+)', html_text)
    for doc_id, d in docs.items():
        drawn = {status: int(n) for status, who, n in bars if who == doc_id}
        counted = {s: sum(c["status"] == s for c in d["checks"]) for s in ("fails", "unknown", "holds")}
        assert drawn == {s: n for s, n in counted.items() if n}
    money = [f for d in docs.values() for f in d["facts"] if f["label"] == "MONEY" and f["unit"] == "元"]
    top = max(money_by_subject(docs.values()).items(), key=lambda kv: kv[1])
    assert f"{html.escape(top[0])}: {amount(top[1], '元')}</title>" in html_text and money


def test_money_reads_as_yuan_with_separators_and_empty_sections_are_hidden():
    assert amount(2797700.0, "元") == "2,797,700 元" and amount(57.23, "%") == "57.23 %"
    assert amount(0.5, None) == "0.5" and amount(None, "元") == ""
    page = render_document({"id": "x", "text": "基本支出284.32万元", "entities": [], "checks": [],
                            "facts": [{"label": "MONEY", "value": 2843200.0, "unit": "元", "number": {
                                "start": 4, "end": 12, "text": "284.32万元"}, "subject": None, "project": None}]})
    assert "2,843,200 元" in page and "e+06" not in page
    assert 'id="facts"' in page and 'id="indicators"' not in page and 'id="budget"' not in page
    assert 'id="checks"' not in page


def test_case12_report_of_a_folder_with_one_bad_file_reports_the_rest(root, tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    good = sorted((root / "samples" / "reports").glob("004_*.txt"))[0]
    (inp / good.name).write_bytes(good.read_bytes())
    (inp / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (inp / "empty.txt").write_bytes(b"")
    out = tmp_path / "report"
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "report", str(inp), "-o", str(out)], cwd=root,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("jixiao: error:")]
    assert errors == [f"jixiao: error: {inp / 'binary.txt'}: binary file (contains NUL bytes), not text",
                      f"jixiao: error: {inp / 'empty.txt'}: empty file (0 bytes)"]
    assert (out / "index.html").is_file() and (out / page_name(good.stem)).is_file()
