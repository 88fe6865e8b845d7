"""Segmentation: one definition of sentences and clauses; the domain dictionary keeps budget
vocabulary whole."""
from pipeline.segmenting import Sentences, segment


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

