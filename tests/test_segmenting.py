"""Segmentation: one definition of sentences and clauses; the domain dictionary keeps budget
vocabulary whole; spaCy sees our entities."""
from pipeline import extract
from pipeline.segmenting import Sentences, segment, to_spacy


def test_a_sentence_ends_at_a_full_stop_or_a_line_break_and_a_semicolon_ends_a_clause():
    text = "基本支出100万元；项目支出50万元。合计150万元\n下一段"
    s = Sentences(text)
    at = text.index("50万元")
    assert text[slice(*s.sentence(at))] == "基本支出100万元；项目支出50万元"
    assert text[slice(*s.clause(at))] == "项目支出50万元"
    assert text[slice(*s.sentence(text.index("150")))] == "合计150万元"
    assert s.ends_between(0, text.index("合计")) and not s.ends_between(0, text.index("；"))
    assert s.clause_ends_between(0, text.index("项目"))


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
    assert [(e.text, e.label_) for e in sdoc.ents] == [("284.32万元", "MONEY"), ("57.23%", "PERCENT"),
                                                      ("164栋", "QUANTITY")]
    assert [(e.start_char, e.end_char) for e in sdoc.ents] == [(e.start, e.end) for e in doc.entities]
