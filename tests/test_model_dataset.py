"""The dataset builder: character tokens with BIO tags that decode back to exactly the gold spans."""
from __future__ import annotations

import pytest

from pipeline.evaluation import load_documents
from pipeline.model.chars import CharEncoder, windows
from pipeline.model.dataset import bio_names, build, spans_from_tags, tags_for


@pytest.fixture(scope="module")
def gold(root):
    return load_documents(root / "annotations" / "gold")


def test_bio_tags_decode_to_the_gold_spans(gold):
    assert len(gold) == 55
    for doc in gold:
        tags = tags_for(doc.text, doc.entities)
        assert len(tags) == len(doc.text)
        decoded = sorted(spans_from_tags(tags))
        assert decoded == sorted((e.start, e.end, e.label) for e in doc.entities), doc.id
        for a, b, _ in decoded:
            assert doc.text[a:b] == next(e.text for e in doc.entities if (e.start, e.end) == (a, b))


def test_adjacent_entities_stay_apart():
    # `1/160` under （场次/人数）: two QUANTITY spans side by side must not merge
    tags = ["B-QUANTITY", "B-QUANTITY", "I-QUANTITY", "I-QUANTITY", "O", "I-PROJECT", "I-PROJECT"]
    assert spans_from_tags(tags) == [(0, 1, "QUANTITY"), (1, 4, "QUANTITY"), (5, 7, "PROJECT")]


def test_windows_cover_every_character_with_overlap():
    for n in (0, 5, 256, 257, 1000, 7538):
        ws = windows(n, 256, 192)
        covered = set()
        for a, b in ws:
            assert 0 <= a < b <= n or n == 0
            covered.update(range(a, b))
        assert covered == set(range(n))
        for (a1, b1), (a2, _) in zip(ws, ws[1:]):
            assert a2 < b1  # consecutive windows overlap


def test_dataset_dict_round_trips_through_disk(tmp_path, root, gold):
    seeds = root / "annotations" / "gold" / "seeds"
    dd = build([seeds], size=128, stride=96)
    assert dd["gold"].features["ner_tags"].feature.names == bio_names()
    dd.save_to_disk(str(tmp_path / "ds"))
    from datasets import load_from_disk
    back = load_from_disk(str(tmp_path / "ds"))
    names = back["gold"].features["ner_tags"].feature.names
    by_id = {d.id: d for d in gold}
    for ex in back["gold"]:
        doc = by_id[ex["doc_id"]]
        a = ex["start"]
        assert "".join(ex["tokens"]) == doc.text[a:a + len(ex["tokens"])]
        for s, e, label in spans_from_tags([names[t] for t in ex["ner_tags"]]):
            whole = [g for g in doc.entities if g.start <= a + s and a + e <= g.end]
            assert whole and whole[0].label == label  # a window may cut an entity, never invent one


def test_char_encoder_is_one_id_per_character():
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "[NL]": 5, "1": 6, "2": 7, "万": 8, "元": 9}
    enc = CharEncoder(vocab)
    text = "12万元\n１２x"
    ids = enc.encode(text)
    assert len(ids) == len(text)
    assert ids == [6, 7, 8, 9, 5, 6, 7, 1]  # full-width digits fall back through NFKC, unknowns to [UNK]


def test_silver_labels_come_from_the_rules_and_stay_apart(tmp_path):
    """Silver: rule entities of trusted labels become tags; untrusted ones (PROJECT here) are
    masked out of the loss rather than taught as O; the split is separate and down-weighted."""
    import json

    from pipeline.model.dataset import SilverSettings, silver_documents, silver_examples, to_dataset
    text = "全年完成征收房屋1831户，面积61534.77平方米，支付补偿资金496.77万元，正清路延长线项目签约率100%。"
    src = tmp_path / "unlabelled.jsonl"
    src.write_text(json.dumps({"text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    settings = SilverSettings(paths=[str(src)], labels=["MONEY", "PERCENT", "QUANTITY"], min_confidence=0.0,
                              weight=0.3, max_windows=10)
    docs = silver_documents(settings)
    exs = silver_examples(docs, settings, size=256, stride=192)
    assert len(exs) == 1 and exs[0]["source"] == "silver" and exs[0]["weight"] == 0.3
    spans = {text[a:b]: lab for a, b, lab in spans_from_tags(exs[0]["ner_tags"])}
    assert spans["1831户"] == "QUANTITY" and spans["496.77万元"] == "MONEY" and spans["100%"] == "PERCENT"
    assert "PROJECT" not in spans.values()
    project = text.index("正清路延长线项目")
    assert exs[0]["loss_mask"][project] == 0 and exs[0]["loss_mask"][0] == 1
    assert to_dataset(exs).features["ner_tags"].feature.names == bio_names()


def test_candidate_hints_mark_only_the_names_the_rules_doubt():
    from pipeline.model.dataset import HINT_TYPES, hints_for
    from pipeline.normalising import normalise
    from pipeline.projects import ProjectTagger
    # 国家重点投资项目 says nothing specific: the rules do not tag it, but hint it as a candidate
    text = "京沪高铁、西气东输和三峡输变电等一批国家重点投资项目陆续兴建。"
    tagger = ProjectTagger()
    sure = tagger(normalise(text))
    doubted = tagger.candidates(normalise(text))
    assert [e.text for e in sure] == ["京沪高铁", "西气东输", "三峡输变电"]
    assert [e.text for e in doubted] == ["国家重点投资项目"]
    plain, hinted = hints_for(text, sure), hints_for(text, sure, candidates=True)
    a = text.index("国家")
    assert plain[a:a + 8] == [0] * 8
    assert hinted[a:a + 8] == [HINT_TYPES] + [HINT_TYPES + 1] * 7
    assert [h for i, h in enumerate(hinted) if not a <= i < a + 8] == [h for i, h in enumerate(plain) if not a <= i < a + 8]
