"""The visual report: one self-contained HTML page per document and an index page for the batch.

Each page shows the text with its entities highlighted in displaCy's style (our colours from
``configs/labels.yaml``), and beside it the consistency checks (failed ones first, each linked to
the figures it compared), the rebuilt indicator rows, the budget facts and the resolved facts.
No scripts, fonts or styles are fetched: a page opens offline.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .config import load_config
from .reading import ReadError

_STATUS_ORDER = {"fails": 0, "unknown": 1, "holds": 2}

_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:10px 18px;background:#263238;color:#fff}
header a{color:#b3e5fc}
main{display:flex;gap:16px;padding:12px 18px;align-items:flex-start}
#text{flex:3;white-space:pre-wrap;line-height:2.1;background:#fff;padding:14px;border:1px solid #ddd;
 max-height:88vh;overflow:auto;font-size:15px}
aside{flex:2;max-height:88vh;overflow:auto}
mark.entity{padding:0.15em 0.3em;margin:0 0.1em;border-radius:0.35em;line-height:1}
mark.entity .label{font-size:0.6em;font-weight:bold;vertical-align:middle;margin-left:0.3em;text-transform:uppercase}
.checked{border-bottom:3px solid #888}
.checked.fails{border-bottom-color:#d32f2f;background:#ffebee}
.checked.unknown{border-bottom-color:#f9a825}
:target{outline:3px solid #d32f2f;outline-offset:2px}
table{border-collapse:collapse;width:100%;font-size:13px;margin-bottom:14px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 5px;vertical-align:top;text-align:left}
th{background:#eceff1}
li.check{margin:4px 0;font-size:13px}
.status{font-weight:bold;padding:0 4px;border-radius:3px;color:#fff}
.status.fails{background:#d32f2f}.status.unknown{background:#f9a825}.status.holds{background:#388e3c}
h2{font-size:16px;margin:10px 0 6px}
main.index{flex-direction:column}
figure{display:inline-block;margin:0 18px 12px 0;vertical-align:top}
figcaption{font-size:12px;color:#555}
svg.chart{background:#fff;border:1px solid #ddd;font-family:inherit}
"""


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    kind: str  # "entity" | "check"
    label: str  # entity label, or check status
    anchor: str = ""


def _colours() -> dict[str, str]:
    return load_config("labels").get("colours", {})


def page_name(doc_id: str) -> str:
    return re.sub(r"[^\w.-]", "_", doc_id) + ".html"


def _render_text(text: str, entities: list[dict], checks: list[dict]) -> str:
    """The text as HTML: entity marks (displaCy markup) and check spans with anchors, nested by offsets."""
    colours = _colours()
    marks = [_Mark(e["start"], e["end"], "entity", e["label"]) for e in entities]
    for i, c in enumerate(checks):
        if c["status"] == "holds":
            continue
        for j, s in enumerate(c["spans"]):
            marks.append(_Mark(s["start"], s["end"], "check", c["status"], f"check-{i}-{j}"))
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out = []
    anchored: set[str] = set()
    for a, b in zip(cuts, cuts[1:]):
        seg = html.escape(text[a:b])
        for m in marks:
            if m.kind == "check" and m.start <= a and b <= m.end:
                anchor = ""
                if m.anchor not in anchored:
                    anchored.add(m.anchor)
                    anchor = f' id="{m.anchor}"'
                seg = f'<span class="checked {m.label}"{anchor}>{seg}</span>'
        ent = next((m for m in marks if m.kind == "entity" and m.start <= a and b <= m.end), None)
        if ent is not None:
            badge = f'<span class="label">{ent.label}</span>' if b == ent.end else ""
            seg = (f'<mark class="entity" data-label="{ent.label}" style="background:{colours.get(ent.label, "#ddd")}">'
                   f"{seg}{badge}</mark>")
        out.append(seg)
    return "".join(out)


def _span_text(s) -> str:
    return "" if not s else html.escape(s.get("text", ""))


def amount(value: Optional[float], unit: Optional[str]) -> str:
    """A figure as a reader writes it: thousands separators, no float noise (2,797,700 元, 57.23 %)."""
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 1 or value == 0 else f"{value:.4g}"
    return f"{text} {unit}" if unit else text


def _cell(v) -> str:
    if not v:
        return ""
    txt = html.escape(v["text"])
    if v.get("value") is not None:
        q = f" {v['qualifier']}" if v.get("qualifier") else ""
        txt += f"<br><small>{html.escape(amount(v['value'], v.get('unit')))}{q}</small>"
    return txt


def _section(title: str, element_id: str, header: str, rows: list[str]) -> str:
    """A titled table, or nothing when it has no rows."""
    if not rows:
        return ""
    return f'<h2>{title}</h2><table id="{element_id}"><tr>{header}</tr>{"".join(rows)}</table>'


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _statuses(checks: list[dict]) -> dict[str, int]:
    return {s: sum(c["status"] == s for c in checks) for s in STATUS_COLOURS}


def money_by_subject(docs: Iterable[dict]) -> dict[str, float]:
    """元 of the MONEY facts, summed by what they measure (their subject's text), largest first."""
    totals: dict[str, float] = {}
    for d in docs:
        for f in d.get("facts", []):
            if f["label"] == "MONEY" and f.get("unit") == "元" and f.get("value") is not None:
                subject = (f.get("subject") or {}).get("text") or "(no subject)"
                totals[subject] = totals.get(subject, 0.0) + f["value"]
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def render_document(d: dict, index_href: str = "index.html") -> str:
    """One document's page."""
    checks = d.get("checks", [])
    order = sorted(range(len(checks)), key=lambda i: (_STATUS_ORDER.get(checks[i]["status"], 3), i))
    items = []
    for i in order:
        c = checks[i]
        links = " ".join(f'<a href="#check-{i}-{j}">{html.escape(s["text"])}</a>' if c["status"] != "holds"
                         else html.escape(s["text"]) for j, s in enumerate(c["spans"]))
        items.append(f'<li class="check {c["status"]}" id="check-{i}"><span class="status {c["status"]}">'
                     f'{c["status"]}</span> <b>{html.escape(c["kind"])}</b>: {html.escape(c["message"])}'
                     f'<br><small>{links}</small></li>')
    ind_rows = [
        f"<tr><td>{_span_text(r.get('level1'))}</td><td>{_span_text(r.get('level2'))}</td>"
        f"<td>{_span_text(r['indicator'])}</td><td>{_cell(r['target'])}</td><td>{_cell(r['actual'])}</td>"
        f"<td>{amount(r['weight'], None)}</td><td>{amount(r['score'], None)}</td>"
        f"<td>{_span_text(r.get('deviation'))}</td></tr>"
        for r in d.get("indicators", [])]
    bf_rows = [
        f"<tr><td>{html.escape(b['role'])}</td><td>{b['stage']}</td><td>{b['year'] or ''}</td>"
        f"<td>{html.escape(b['number']['text'])}</td><td>{html.escape(amount(b['value'], b['unit']))}</td>"
        f"<td>{len(b['parts'])}</td></tr>"
        for b in d.get("budget_facts", [])]
    fact_rows = [
        f"<tr><td>{html.escape(f['number']['text'])}</td><td>{html.escape(amount(f['value'], f['unit']))}</td>"
        f"<td>{_span_text(f.get('subject'))}</td><td>{_span_text(f.get('project'))}</td></tr>"
        for f in d.get("facts", [])]
    n = _statuses(checks)
    title = html.escape(d["id"])
    money = money_by_subject([d])
    chart = f"<h2>Money by subject</h2>{bar_chart(money, 'money-chart')}" if money else ""
    checks_html = f'<h2>Checks</h2><ol id="checks">{"".join(items)}</ol>' if items else ""
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title><style>{_CSS}</style></head>
<body><header><a href="{index_href}">index</a> · <b>{title}</b> · {_count(len(d.get('entities', [])), 'entity', 'entities')} ·
checks: {n['fails']} fail, {n['unknown']} unknown, {n['holds']} hold</header>
<main><div id="text">{_render_text(d['text'], d.get('entities', []), checks)}</div>
<aside>
{checks_html}
{chart}
{_section("Indicators", "indicators", "<th>一级指标</th><th>二级指标</th><th>三级指标</th><th>年度指标值</th>"
          "<th>实际完成值</th><th>分值</th><th>得分</th><th>偏差原因</th>", ind_rows)}
{_section("Budget facts", "budget", "<th>role</th><th>stage</th><th>year</th><th>figure</th><th>元</th>"
          "<th>parts</th>", bf_rows)}
{_section("Facts", "facts", "<th>number</th><th>value</th><th>subject</th><th>project</th>", fact_rows)}
</aside></main></body></html>
"""


def render_index(docs: list[dict]) -> str:
    """The documents with their counts, and charts: check status per document, money by subject per
    report and across the collection (inline SVG: the page stays one offline file)."""
    rows = []
    for d in docs:
        n = _statuses(d.get("checks", []))
        rows.append(f'<tr><td><a href="{page_name(d["id"])}">{html.escape(d["id"])}</a></td>'
                    f'<td>{len(d.get("entities", []))}</td><td>{len(d.get("indicators", []))}</td>'
                    f'<td class="fails">{n["fails"]}</td><td>{n["unknown"]}</td><td>{n["holds"]}</td></tr>')
    status = {d["id"]: _statuses(d.get("checks", [])) for d in docs if d.get("checks")}
    per_report = "".join(f'<figure><figcaption>{html.escape(d["id"])}</figcaption>'
                         f'{bar_chart(dict(list(money.items())[:5]), f"money-{k}")}</figure>'
                         for k, (d, money) in enumerate((d, money_by_subject([d])) for d in docs) if money)
    collection = money_by_subject(docs)
    charts = (
        (f'<h2>Check status per document</h2>{status_chart(status)}' if status else "")
        + (f'<h2>Money by subject, all documents</h2>{bar_chart(dict(list(collection.items())[:12]), "money-all")}'
           if collection else "")
        + (f'<h2>Money by subject, per report (top 5)</h2><div class="small-multiples">{per_report}</div>'
           if per_report else ""))
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>jixiao report</title><style>{_CSS}</style></head>
<body><header><b>jixiao report</b> · {_count(len(docs), 'document', 'documents')}</header><main class="index">
<section><table id="documents">
<tr><th>document</th><th>entities</th><th>indicator rows</th><th>checks failed</th><th>unknown</th><th>hold</th></tr>
{''.join(rows)}</table></section>
<section id="charts">{charts}</section></main></body></html>
"""


# ----------------------------------------------------------------------------- charts (inline SVG)

STATUS_COLOURS = {"fails": "#d32f2f", "unknown": "#f9a825", "holds": "#388e3c"}
_BAR = "#5c6bc0"
_ROW, _LABEL_W, _BAR_W = 22, 190, 320


def _label(text: str, y: float) -> str:
    short = text if len(text) <= 14 else text[:13] + "…"
    return (f'<text x="{_LABEL_W - 6}" y="{y + _ROW * 0.68:.1f}" text-anchor="end" font-size="12">'
            f"<title>{html.escape(text)}</title>{html.escape(short)}</text>")


def status_chart(rows: dict[str, dict[str, int]]) -> str:
    """One stacked bar a document: how many of its checks fail, are unknown, hold."""
    most = max(sum(n.values()) for n in rows.values()) or 1
    parts = []
    for k, (doc_id, n) in enumerate(rows.items()):
        y, x = k * _ROW, float(_LABEL_W)
        parts.append(_label(doc_id, y))
        for status, colour in STATUS_COLOURS.items():
            w = _BAR_W * n[status] / most
            if w:
                parts.append(f'<rect class="{status}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{_ROW - 6}" '
                             f'fill="{colour}"><title>{html.escape(doc_id)}: {n[status]} {status}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + _ROW * 0.68:.1f}" font-size="11">'
                     f'{n["fails"]} / {n["unknown"]} / {n["holds"]}</text>')
    legend = "".join(f'<rect x="{_LABEL_W + 110 * i}" y="{len(rows) * _ROW + 6}" width="10" height="10" '
                     f'fill="{c}"/><text x="{_LABEL_W + 110 * i + 14}" y="{len(rows) * _ROW + 15}" font-size="11">'
                     f"{s}</text>" for i, (s, c) in enumerate(STATUS_COLOURS.items()))
    return _svg("status-chart", len(rows) * _ROW + 24, "".join(parts) + legend)


def bar_chart(values: dict[str, float], element_id: str) -> str:
    """Horizontal bars of 元 by subject, each labelled with its amount."""
    most = max(values.values()) or 1.0
    parts = []
    for k, (subject, value) in enumerate(values.items()):
        y, w = k * _ROW, max(1.0, _BAR_W * value / most)
        parts.append(_label(subject, y))
        parts.append(f'<rect class="bar" x="{_LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{_ROW - 6}" fill="{_BAR}">'
                     f"<title>{html.escape(subject)}: {amount(value, '元')}</title></rect>")
        parts.append(f'<text x="{_LABEL_W + w + 4:.1f}" y="{y + _ROW * 0.68:.1f}" font-size="11">'
                     f"{html.escape(amount(value, '元'))}</text>")
    return _svg(element_id, len(values) * _ROW + 4, "".join(parts))


def _svg(element_id: str, height: float, body: str) -> str:
    width = _LABEL_W + _BAR_W + 130
    return (f'<svg id="{html.escape(element_id)}" class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" role="img">{body}</svg>')


def write_report(docs: Iterable[dict], out: Path) -> list[Path]:
    """Write ``out/index.html`` and one page per document; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    docs = list(docs)
    paths = []
    for d in docs:
        p = out / page_name(d["id"])
        p.write_text(render_document(d), encoding="utf-8")
        paths.append(p)
    index = out / "index.html"
    index.write_text(render_index(docs), encoding="utf-8")
    return [index, *paths]


def load_inputs(paths: list[Path], on_error: Callable[[ReadError], None], nlp=None) -> list[dict]:
    """Documents from ``documents.jsonl`` files as written by ``jixiao extract``, or report files run
    through the pipeline.  A file, or a JSONL line, that cannot be read goes to ``on_error`` and the
    others are still loaded."""
    from .archives import Item
    from .batch.read import extract_item
    from .limits import DocumentLimits
    from .reading import file_bytes, iter_input_files
    docs, raw = [], []
    for p in paths:
        if p.is_file() and p.suffix == ".jsonl":
            docs.extend(_jsonl_documents(p, on_error))
        else:
            raw.append(p)
    if raw:
        from .language import Pipeline
        nlp = nlp or Pipeline.from_config()
        limits = DocumentLimits.from_config()
        for path in iter_input_files(raw, on_error):
            try:
                result, doc = extract_item(nlp, Item(str(path), None, file_bytes(path), path.suffix.lower()), limits)
            except ReadError as exc:
                on_error(exc)
                continue
            if doc is None:
                on_error(ReadError(path, result.error or "failed"))
                continue
            docs.append(doc.to_json())
    return docs


def _jsonl_documents(path: Path, on_error: Callable[[ReadError], None]) -> Iterator[dict]:
    """The documents of a documents.jsonl file; a line that is not one is reported by its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        on_error(ReadError(path, f"cannot read: {exc}"))
        return
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            on_error(ReadError(f"{path}:{n}", f"not JSON: {exc}"))
            continue
        if not (isinstance(doc, dict) and isinstance(doc.get("id"), str) and isinstance(doc.get("text"), str)):
            on_error(ReadError(f"{path}:{n}", "not a document (an object with string 'id' and 'text')"))
            continue
        yield doc
