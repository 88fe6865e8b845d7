"""What the token classifier reads (pipeline/model/features.py): one token per character, the
same from the fast tokenizer and from CharEncoder, and the cue channels from the Document."""
from __future__ import annotations

import pytest

from pipeline.doc import Document, Entity, Span
from pipeline.model.features import (CUE_CHANNELS, NUMBER_TAGS, REGION_TAGS, WORD_TAGS, CharEncoder, collate,
                                     cue_ids, encode_windows, windows)
from pipeline.model.tokenizer import make_tokenizer

VOCAB = ["[PAD]", "[UNK]", "\n", "\t", " ", "项", "目", "1", "2", "万", "元", "a", "%", "."]


@pytest.fixture(scope="module")
def tokenizer():
    return make_tokenizer(VOCAB)


def test_every_character_is_one_token_newlines_tabs_and_digits_included(tokenizer):
    text = "项目12万元\n\t１２Ａ%x"
    ids = tokenizer(text)["input_ids"]
    assert len(ids) == len(text)
    assert ids == CharEncoder(tokenizer).encode(text)
    tokens = tokenizer.convert_ids_to_tokens(ids)
    # full-width digits and upper case read as their plain forms; an unknown character is [UNK]
    assert tokens == ["项", "目", "1", "2", "万", "元", "\n", "\t", "1", "2", "a", "%", "[UNK]"]


def test_any_space_or_line_break_reads_as_a_layout_token(tokenizer):
    assert tokenizer.convert_ids_to_tokens(tokenizer("\u3000\r\u00a0")["input_ids"]) == [" ", "\n", " "]


def test_windows_cover_every_character_with_overlap():
    for n in (0, 5, 256, 257, 1000, 7538):
        covered = set()
        for a, b in windows(n, 256, 192):
            assert 0 <= a < b <= n or n == 0
            covered.update(range(a, b))
        assert covered == set(range(n))


def test_cue_channels_come_from_the_numbers_and_the_cue_spans():
    text = "项目名称：村道硬化项目，投资20万元"
    doc = Document(id="d", text=text)
    a = text.index("20万元")
    doc.entities = [Entity(a, a + 4, "MONEY", "20万元")]
    f = text.index("村道硬化项目")
    doc.spans["project_cues"] = [Span(f, f + 6, text[f:f + 6], "field"), Span(f + 4, f + 6, "项目", "word")]
    ids = cue_ids(doc)
    assert ids.shape == (len(text), len(CUE_CHANNELS))
    assert [NUMBER_TAGS[i] for i in ids[a:a + 4, 0]] == ["B-MONEY"] + ["I-MONEY"] * 3
    assert [REGION_TAGS[i] for i in ids[f:f + 6, 1]] == ["B-field"] + ["I-field"] * 5
    assert [WORD_TAGS[i] for i in ids[f + 3:f + 6, 2]] == ["O", "B-word", "I-word"]
    assert ids[:f, 1].sum() == 0


def test_windows_carry_gold_tags_and_pad_into_a_batch(tokenizer):
    docs = [Document(id="a", text="项目12万元"), Document(id="b", text="12%")]
    gold = [[(2, 6, "MONEY")], [(0, 3, "PERCENT")]]
    names = ["O", "B-MONEY", "I-MONEY", "B-PERCENT", "I-PERCENT"]
    ws = encode_windows(docs, CharEncoder(tokenizer), 256, 192, gold=gold, label_names=names)
    assert [w.labels for w in ws] == [[0, 0, 1, 2, 2, 2], [3, 4, 4]]
    batch = collate(ws, pad_id=0)
    assert batch["input_ids"].shape == (2, 6) and batch["attention_mask"][1].tolist() == [1, 1, 1, 0, 0, 0]
    assert batch["labels"][1].tolist() == [3, 4, 4, -100, -100, -100]
