"""Segmentation: the domain dictionary keeps budget vocabulary whole; spaCy sees our entities."""
from pipeline import extract
from pipeline.segmenting import segment, to_spacy


def test_domain_words_stay_whole_and_tokens_cover_the_text():
    text = "年初预算数279.77万元，预算执行率100%，被征收户完成签约。"
    tokens = segment(text)
    words = [t.text for t in tokens]
    for word in ("年初预算数", "预算执行率", "被征收户"):
        assert word in words
    assert "".join(words) == text
    assert all(text[t.start:t.end] == t.text for t in tokens)


def test_spacy_doc_carries_the_entities_as_ents():
    doc = extract("基本支出284.32万元，占比57.23%，征收房屋164栋。")
    sdoc = to_spacy(doc)
    assert sdoc.text == doc.text
    assert [(e.start_char, e.end_char, e.label_) for e in sdoc.ents] == \
        [(e.start, e.end, e.label) for e in doc.entities]
