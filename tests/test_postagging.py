"""The PROJECT rules' part-of-speech tagger: jieba.posseg with its HMM decoded in numpy must give
jieba's own words and tags, character for character."""
import re
from pathlib import Path

import jieba.posseg as posseg
from hypothesis import given, settings, strategies as st
from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P
from jieba.posseg.viterbi import viterbi

from pipeline.segmenting import pos_tagger

ROOT = Path(__file__).resolve().parent.parent
# characters of the genre, and some jieba's HMM never saw (every state is a candidate for them)
CHARS = "藕塘谷峰燕子山岳麓湘江科创基地安置小区片区项目工程经费资金改造建设县乡镇村的了和与及" + "䶮𠀀龘"


def words(tagger, s):
    return [(p.word, p.flag) for p in tagger.cut(s)]


def test_an_unknown_name_gets_jiebas_words_and_tags():
    # 谷峰 is in no dictionary: the HMM joins it into one word and tags it a proper name
    s = "藕塘安置小区和谷峰安置小区"
    assert words(pos_tagger(), s) == words(posseg.dt, s)
    assert ("谷峰", "nr") in words(pos_tagger(), s)


def test_the_seed_reports_get_jiebas_words_and_tags():
    lines = [ln for f in sorted((ROOT / "samples" / "reports").glob("*.txt"))
             for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) > 100
    differ = [ln for ln in lines if words(pos_tagger(), ln) != words(posseg.dt, ln)]
    assert differ == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CHARS, min_size=1, max_size=14))
def test_the_decoder_takes_jiebas_path_ties_included(s):
    for run in re.findall(r"[\u4e00-\u9fd5]+", s):
        assert pos_tagger().hmm.route(run) == viterbi(run, char_state_tab_P, start_P, trans_P, emit_P)[1]
