"""Helpers for the batch tests: distinct report documents built from the project's own texts,
and a view of a results database that two runs can be compared by."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JIXIAO = [sys.executable, "-m", "pipeline.cli"]


def report_texts(seeds_only: bool = False) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples/reports").glob("*.txt"))]
    if not seeds_only:
        with open(ROOT / "annotations/unlabelled/excerpts.jsonl", encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    return texts


def long_line_report(chars: int) -> str:
    """The seed reports without their line breaks, repeated: one line of ``chars`` characters."""
    text = "".join(report_texts(seeds_only=True)).replace("\n", "").replace("\t", "")
    return (text * (chars // len(text) + 1))[:chars]


def letters(i: int) -> str:
    """A counter in letters: a distinct header line that adds no number to the document."""
    s = ""
    while True:
        s = chr(ord("A") + i % 26) + s
        i = i // 26 - 1
        if i < 0:
            return s


def distinct_docs(n: int, seeds_only: bool = False) -> list[tuple[str, bytes]]:
    texts = report_texts(seeds_only)
    return [(f"doc{i:05d}.txt", (f"样本{letters(i)}\n" + texts[i % len(texts)]).encode("utf-8")) for i in range(n)]


def write_docs(directory: Path, docs: list[tuple[str, bytes]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in docs:
        (directory / name).write_bytes(data)
    return directory


def snapshot(db: Path) -> dict:
    """What must be identical between a clean run and an interrupted-and-resumed one."""
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "doc_ids": con.execute("SELECT id, count(*) FROM documents GROUP BY id ORDER BY id").fetchall(),
            "statuses": dict(con.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall()),
            "facts": con.execute("SELECT * FROM facts ORDER BY ALL").fetchall(),
            "entities": con.execute("SELECT * FROM entities ORDER BY ALL").fetchall(),
            "orphans": con.execute("SELECT count(*) FROM entities WHERE doc_id NOT IN (SELECT id FROM documents)"
                                   ).fetchone()[0],
            "counts_match": con.execute(
                "SELECT bool_and(d.n_facts = coalesce(f.n, 0)) FROM documents d "
                "LEFT JOIN (SELECT doc_id, count(*) n FROM facts GROUP BY doc_id) f ON f.doc_id = d.id").fetchone()[0],
        }
    finally:
        con.close()


def cli_env(tmp: Path) -> dict:
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    return dict(os.environ, HOME=str(home), RAY_USAGE_STATS_ENABLED="0", PYTHONPATH=str(ROOT))
