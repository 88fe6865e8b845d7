#!/usr/bin/env python3
"""Which documents of ``unlabelled/excerpts2.jsonl`` to annotate, and which of them are the frozen test split.

Run once, before any rule, hint or model change (issue 12), and kept so that the choice can be
checked and repeated:

1. ``jixiao annotate rank`` orders all 642 documents by how much their labels would teach the
   model (``--json`` output given as RANKING);
2. in that order, a document is taken while its search query (a genre) has fewer than
   ``--per-query`` documents and its site (a county or city: a province's share) fewer than
   ``--per-site``, until ``--n`` are taken: spread over genres and provinces;
3. a seeded random ``--test`` of them become the test split (``annotations/gold/test/``); no
   decision is made by looking at it;
4. all are shuffled (seeded) into batches of ``--batch`` for the annotators, test and
   training documents mixed, so nobody annotates the two differently; a seeded random
   ``--second`` share is annotated again by a second, independent annotator.

A second round (``--rest``) annotates the documents the first plan left out, all for training,
in the same kind of batches; the test split is not touched.

usage: select_excerpts2.py RANKING.json [-o annotations/excerpts2_plan.json]
       select_excerpts2.py --rest [-o annotations/excerpts2_plan2.json]
"""
from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ranking", type=Path, nargs="?", help="`jixiao annotate rank ... --json` over unlabelled/excerpts2.jsonl")
    ap.add_argument("--rest", action="store_true", help="plan the documents the first plan left out")
    ap.add_argument("--corpus", type=Path, default=HERE / "unlabelled" / "excerpts2.jsonl")
    ap.add_argument("-o", "--out", type=Path, default=HERE / "excerpts2_plan.json")
    ap.add_argument("--n", type=int, default=360)
    ap.add_argument("--test", type=int, default=110)
    ap.add_argument("--second", type=float, default=0.17, help="share annotated twice")
    ap.add_argument("--batch", type=int, default=15)
    ap.add_argument("--per-query", type=int, default=1)
    ap.add_argument("--per-site", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261203)
    args = ap.parse_args()

    docs = {}
    for line in args.corpus.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        docs[d["id"]] = d
    if args.rest:
        return plan_rest(docs, args)
    ranking = json.loads(args.ranking.read_text(encoding="utf-8"))
    ranked = ranking["chosen"] + ranking["not_chosen"]

    def site(url: str) -> str:
        return re.sub(r"^https?://", "", url).split("/")[0].removeprefix("www.")

    chosen, per_query, per_site = [], Counter(), Counter()
    for cap_q in (args.per_query, args.per_query + 1, 10 ** 6):   # relax the genre cap only if needed
        for r in ranked:
            d = docs[r["id"]]
            if d["id"] in {c["id"] for c in chosen} or len(chosen) >= args.n:
                continue
            if per_query[d["query"]] < cap_q and per_site[site(d["url"])] < args.per_site:
                chosen.append({"id": d["id"], "rank": len(chosen) + 1, "score_per_1000_chars": r["per_1000_chars"],
                               "chars": len(d["text"]), "query": d["query"], "site": site(d["url"]), "url": d["url"]})
                per_query[d["query"]] += 1
                per_site[site(d["url"])] += 1
    rng = random.Random(args.seed)
    test = set(rng.sample([c["id"] for c in chosen], args.test))
    order = [c["id"] for c in chosen]
    rng.shuffle(order)
    second = set(rng.sample(order, round(args.second * len(order))))
    batch_of = {doc_id: f"b{i // args.batch + 1:02d}" for i, doc_id in enumerate(order)}
    for c in chosen:
        c.update(split="test" if c["id"] in test else "train", batch=batch_of[c["id"]], second=c["id"] in second)
    plan = {"seed": args.seed, "ranking_model": ranking.get("model"), "n": len(chosen), "test": len(test),
            "second_annotator": len(second), "batches": len(set(batch_of.values())),
            "queries": len({c["query"] for c in chosen}), "sites": len({c["site"] for c in chosen}),
            "chars": sum(c["chars"] for c in chosen), "documents": chosen}
    args.out.write_text(json.dumps(plan, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(chosen)} documents ({plan['chars']} chars, {plan['queries']} queries, {plan['sites']} sites), "
          f"{len(test)} test, {len(second)} twice, {plan['batches']} batches -> {args.out}")


def plan_rest(docs: dict, args) -> None:
    first = json.loads((HERE / "excerpts2_plan.json").read_text(encoding="utf-8"))
    done = {d["id"] for d in first["documents"]}
    order = [i for i in docs if i not in done]
    random.Random(args.seed + 1).shuffle(order)
    rows = [{"id": i, "chars": len(docs[i]["text"]), "query": docs[i]["query"], "url": docs[i]["url"],
             "split": "train", "batch": f"c{k // args.batch + 1:02d}", "second": False} for k, i in enumerate(order)]
    out = args.out if args.out.name != "excerpts2_plan.json" else HERE / "excerpts2_plan2.json"
    out.write_text(json.dumps({"seed": args.seed + 1, "n": len(rows), "chars": sum(r["chars"] for r in rows),
                               "documents": rows}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(rows)} more documents for training, {len({r['batch'] for r in rows})} batches -> {out}")


if __name__ == "__main__":
    main()
