#!/usr/bin/env python3
"""Gold for the excerpts2 documents from the annotation rounds, split as excerpts2_plan.json says.

Each batch went through the project's loop: ``jixiao annotate export --labels MONEY,PERCENT,QUANTITY``
(PROJECT blind), annotation, ``jixiao annotate import``.  ``rounds/excerpts2/`` keeps what the import
wrote for every annotator and batch, blind (before the tool's names were shown) and final (after
each disagreement with the tool was settled by the guidelines; the settlements are in
``rounds/excerpts2/decisions/``).  This script takes the first annotator's final annotation of
every planned document (both rounds: ``excerpts2_plan.json`` and the training-only
``excerpts2_plan2.json``), applies the conventions below uniformly (the annotators were split on
them, and the guidelines' own gold decides them), and writes

- ``gold/excerpts2/excerpts2.jsonl``: the documents of the training split;
- ``gold/test/excerpts2.jsonl``: the frozen test split (seed and draw in excerpts2_plan.json).

Conventions (GUIDELINES.md leaves them to the gold, which decides them so):
- a PROJECT inside a cited document's title 《…》 is not marked (7506be01b7ff, 7f73a6f84d5a);
- a score in points (``88.53分``) is not a QUANTITY (the seeds' ``产出指标(50分)``).

usage: assemble_excerpts2.py [--rounds rounds/excerpts2]
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def conventions(doc: dict) -> list[str]:
    """Apply the conventions to one document; return what was changed."""
    text, changed = doc["text"], []
    titles = [(m.start(), m.end()) for m in re.finditer(r"《[^《》\n]{1,200}》", text)]
    dropped = set()
    for e in doc["entities"]:
        if e["label"] == "PROJECT" and any(a < e["start"] and e["end"] < b for a, b in titles):
            dropped.add((e["start"], e["end"]))
            changed.append(f"PROJECT {e['text']!r} inside a cited title")
        elif e["label"] == "QUANTITY" and e["unit"] == "分":
            dropped.add((e["start"], e["end"]))
            changed.append(f"score {e['text']!r}")
    doc["entities"] = [e for e in doc["entities"] if (e["start"], e["end"]) not in dropped]
    for e in doc["entities"]:
        p = e.get("project")
        if p and (p["start"], p["end"]) in dropped:
            e["project"] = None
    for i, e in enumerate(doc["entities"], 1):
        e["id"] = f"e{i}"
    return changed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=Path, default=HERE / "rounds" / "excerpts2")
    args = ap.parse_args()
    planned = []
    for name in ("excerpts2_plan.json", "excerpts2_plan2.json"):   # the second round is training only
        if (HERE / name).exists():
            planned += json.loads((HERE / name).read_text(encoding="utf-8"))["documents"]
    first = {}
    for f in sorted(args.rounds.glob("ann*.final.jsonl")):
        for d in read(f):
            first.setdefault(d["id"], d)
    splits: dict[str, list[dict]] = {"train": [], "test": []}
    missing, log = [], []
    for p in planned:
        d = first.get(p["id"])
        if d is None:
            missing.append(p["id"])
            continue
        d["url"] = p["url"]
        log += [f"{d['id']}: {c}" for c in conventions(d)]
        splits[p["split"]].append(d)
    for split, folder in (("train", "excerpts2"), ("test", "test")):
        out = HERE / "gold" / folder / "excerpts2.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in splits[split]), encoding="utf-8")
        n = sum(len(d["entities"]) for d in splits[split])
        print(f"{split}: {len(splits[split])} documents, {n} entities -> {out.relative_to(HERE)}")
    print(f"conventions applied: {len(log)}" + "".join(f"\n  {x}" for x in log))
    if missing:
        print(f"not annotated yet: {len(missing)} documents")


if __name__ == "__main__":
    main()
