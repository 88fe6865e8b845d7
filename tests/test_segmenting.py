"""Segmentation: the domain dictionary keeps budget vocabulary whole."""
from pipeline.segmenting import segment


def test_domain_words_stay_whole_and_tokens_cover_the_text():
    text = "年初预算数279.77万元，预算执行率100%，被征收户完成签约。"
    tokens = segment(text)
    words = [t.text for t in tokens]
    for word in ("年初预算数", "预算执行率", "被征收户"):
        assert word in words
    assert "".join(words) == text
    assert all(text[t.start:t.end] == t.text for t in tokens)
