"""Write bench/results/evaluation.md: jixiao against the two peers on the development gold.

    .venv/bin/python bench/evaluation_table.py            # all gold, seeds only, corpus only

Scores come from ``pipeline.evaluation.score`` (the same as ``jixiao evaluate``); peers need the
``peers`` extra.  The rules were tuned on the seeds and on the corpus, so the two splits show how
far a rule written for one half carries to the other.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.doc import Document  # noqa: E402
from pipeline.evaluation import Scores, load_documents, score  # noqa: E402
from pipeline.language import Pipeline  # noqa: E402

NUMERIC = ("MONEY", "PERCENT", "QUANTITY")


def _systems(gold: list[Document]) -> dict[str, Scores]:
    from pipeline.peers import PEERS
    nlp = Pipeline.from_config()
    out = {"jixiao": score(gold, [nlp(Document(id=g.id, text=g.text)) for g in gold])}
    for name, peer in PEERS.items():
        out[name] = score(gold, [peer(g.id, g.text) for g in gold], labels=NUMERIC)
    return out


def _label_table(systems: dict[str, Scores]) -> list[str]:
    rows = ["| system | label | precision | recall | F1 | tp | fp | fn |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in systems.items():
        for lab in NUMERIC:
            p = s.labels[lab]
            rows.append(f"| {name} | {lab} | {p.precision:.3f} | {p.recall:.3f} | **{p.f1:.3f}** | {p.tp} | {p.fp} | {p.fn} |")
    return rows


def _attribute_table(systems: dict[str, Scores]) -> list[str]:
    rows = ["| system | value acc. | unit acc. | qualifier acc. | subject overlap | fact F1 |",
            "|---|---:|---:|---:|---:|---:|"]
    for name, s in systems.items():
        rows.append(f"| {name} | {s.value.value:.3f} ({s.value.right}/{s.value.total}) | {s.unit.value:.3f} | "
                    f"{s.qualifier.value:.3f} | {s.subject.value:.3f} | {s.facts.f1:.3f} |")
    return rows


def _ours(splits: dict[str, Scores]) -> list[str]:
    rows = ["| gold | MONEY F1 | PERCENT F1 | QUANTITY F1 | PROJECT P / R / F1 | value acc. | subject overlap | "
            "project-link P / R / F1 | fact P / R / F1 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for split, s in splits.items():
        L, pl, fa = s.labels, s.project_link, s.facts
        rows.append(f"| {split} ({s.documents} docs) | {L['MONEY'].f1:.3f} | {L['PERCENT'].f1:.3f} | {L['QUANTITY'].f1:.3f} | "
                    f"{L['PROJECT'].precision:.3f} / {L['PROJECT'].recall:.3f} / {L['PROJECT'].f1:.3f} | "
                    f"{s.value.value:.3f} | {s.subject.value:.3f} | {pl.precision:.3f} / {pl.recall:.3f} / {pl.f1:.3f} | "
                    f"{fa.precision:.3f} / {fa.recall:.3f} / {fa.f1:.3f} |")
    return rows


def main() -> None:
    t0 = time.perf_counter()
    gold_dir = ROOT / "annotations" / "gold"
    all_gold = load_documents(gold_dir)
    systems = _systems(all_gold)
    nlp = Pipeline.from_config()
    splits = {"all": systems["jixiao"]}
    for split in ("seeds", "corpus"):
        gold = load_documents(gold_dir / split)
        splits[split] = score(gold, [nlp(Document(id=g.id, text=g.text)) for g in gold])
    lines = [
        "# Evaluation: jixiao and two public peers on the development gold",
        "",
        "Reproduce: `.venv/bin/python bench/evaluation_table.py` (writes this file), or print the same",
        "figures with `.venv/bin/jixiao evaluate --gold annotations/gold --peers`",
        "(`--gold annotations/gold/seeds` or `annotations/gold/corpus` for one half).",
        "Gold: `annotations/gold` (5 seed reports + 50 corpus excerpts, GUIDELINES.md). Strict span and label;",
        "attribute accuracies are over strictly matched numbers; facts as GUIDELINES.md section 4.",
        "Peers (extra `peers`): Microsoft Recognizers-Text (zh-cn currency, dimension, percentage) and",
        "jionlp (`extract_money`), mapped onto our labels by `pipeline/peers.py`; they have no counts",
        "(户, 人, 个), no subjects and no projects, so their QUANTITY recall and fact F1 are low by design.",
        "",
        "## Numeric labels, all gold",
        "",
        *_label_table(systems),
        "",
        "## Attributes and facts, all gold",
        "",
        *_attribute_table(systems),
        "",
        "## jixiao by split (the pipeline of `configs/pipeline.yaml`)",
        "",
        *_ours(splits),
        "",
        "Before this round of rules (commit 8757e0b) the pipeline scored, on all gold: MONEY 0.967,",
        "PERCENT 0.957, QUANTITY 0.917, PROJECT 0.111, subject overlap 0.792, project-link F1 0.213, fact F1 0.671.",
        "",
        "How far this carries: the rules were written while reading errors on both halves, so the split",
        "figures are not a held-out estimate. They are structural (table headers and columns, enumerations,",
        "list markers, name fields, report titles) and lexical (configs/*.yaml), never one document's string.",
        "As a check on text no rule was written for, the tagger was run on the 72 State Council Government",
        "Work Reports in `annotations/unlabelled/` (1.1 M characters, no gold): no bare number was labelled",
        "there (no table header fixes one), and 58 of 60 randomly drawn numeric entities were right by",
        "GUIDELINES.md (the two misses: a slogan 四个现代化 and a traditional-script decimal 點, both since fixed).",
        "",
        f"Run took {time.perf_counter() - t0:.0f} s on this machine.",
        "",
    ]
    out = ROOT / "bench" / "results" / "evaluation.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
