"""Bad input gets a clear one-line error naming the file and the cause; nothing is lost."""
from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from pipeline.reading import ReadError, decode_text, read_document

REPORT = "沅陵县国有土地上房屋征收服务中心2024年度基本支出284.32万元，占比57.23%。\n"


@pytest.mark.parametrize("encoding,prefix", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("gbk", b""), ("utf-16", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
])
def test_common_encodings_decode_to_the_original_text(tmp_path, encoding, prefix):
    path = tmp_path / "r.txt"
    path.write_bytes(prefix + REPORT.encode(encoding))
    assert read_document(path).text == REPORT


@pytest.mark.parametrize("name,data,cause", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\t\n", "no text"),
    ("binary.txt", bytes(range(256)) * 40, "binary"),
    ("truncated.txt", REPORT.encode()[:-2], "truncated UTF-8"),
    ("latin1.txt", "Résumé café naïve".encode("latin-1"), "not UTF-8"),
    ("big5.txt", (REPORT * 20).encode("big5", errors="ignore"), "mojibake"),
])
def test_unreadable_files_raise_one_line_error_naming_file_and_cause(tmp_path, name, data, cause):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as info:
        read_document(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message and cause in message


def test_mojibake_is_caught_not_passed_on():
    # UTF-8 bytes of Chinese decoded as Latin-1 and saved again as UTF-8: classic mojibake.
    mangled = REPORT.encode("utf-8").decode("latin-1").encode("utf-8")
    with pytest.raises(ReadError):
        decode_text(mangled, "mangled.txt")


def test_huge_file_is_refused_with_its_size(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse 50 MB file
    with pytest.raises(ReadError) as info:
        read_document(path)
    assert "MB" in str(info.value) and "limit" in str(info.value)


def test_missing_and_special_files(tmp_path):
    with pytest.raises(ReadError, match="cannot open"):
        read_document(tmp_path / "nope.txt")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(ReadError, match="not a regular file"):
        read_document(fifo)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_case08_utf16_without_bom_is_read_and_offsets_stay_exact(tmp_path, encoding):
    from pipeline import extract
    seed = Path(__file__).resolve().parent.parent / "samples" / "reports" / "003_b2570951c4ea1818.txt"
    text = seed.read_text(encoding="utf-8").replace("\n", "\r\n")  # a real report: about one character in ten is ASCII
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode(encoding))
    doc = read_document(path)
    assert (doc.text, doc.encoding) == (text, encoding)
    entities = extract(doc.text).entities
    assert entities and all(doc.text[e.start:e.end] == e.text for e in entities)


# -- fuzzing the readers: any bytes are a document or one ReadError; a document's spans are exact ------------
FRAGMENTS = ["沅陵县国有土地上房屋征收服务中心", "2024年度基本支出284.32万元，占比57.23%。", "全年共拆除房屋164栋，面积61534.77平方米",
             "金额单位：万元", "项目\t年初预算数\t全年预算数", "征收工作经费\t38\t27.75", "组织培训两万三人次，满意度99%以上",
             "", "   ", "总建筑面积约1000㎡，投资5.85亿元"]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be"]


@st.composite
def report_bytes(draw) -> tuple[str, str, bytes]:
    """(text, encoding, bytes): report lines joined by any line break, some lines very long."""
    lines = [draw(st.sampled_from(FRAGMENTS)) * draw(st.sampled_from([1, 1, 1, 40]))
             for _ in range(draw(st.integers(1, 8)))]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines) + draw(st.sampled_from(["", "\n"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    return text, encoding, text.encode(encoding)


def _rules_pipeline():
    from pipeline.language import Pipeline
    return Pipeline.from_config(str(Path(__file__).resolve().parent.parent / "configs" / "pipeline-rules.yaml"))


RULES = _rules_pipeline()


def read_extract_and_write(tmp_path: Path, name: str, data: bytes):
    """Read bytes as a file; a Document must have exact spans and be written whole, a failure be one line."""
    from pipeline.output import JsonlWriter
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "documents.jsonl"
    out.unlink(missing_ok=True)
    try:
        doc = read_document(path)
    except ReadError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"{path}: ")
        return None
    RULES(doc)
    for e in doc.entities:
        assert doc.text[e.start:e.end] == e.text
        for s in (e.subject, e.project):
            assert s is None or doc.text[s.start:s.end] == s.text
    writer = JsonlWriter(out)
    writer.write(doc)
    writer.close()
    assert out.read_text(encoding="utf-8").splitlines() == [json.dumps(doc.to_json(), ensure_ascii=False)]
    return doc


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])


@FUZZ
@given(report_bytes())
def test_reports_in_any_encoding_and_line_structure_read_back_whole(tmp_path, sample):
    text, encoding, data = sample
    assume(text.strip())
    # UTF-16 without BOM is told by the NUL bytes of its ASCII characters (digits, line breaks): a text
    # without a single one has no such evidence, and is refused rather than guessed
    assume(not encoding.startswith("utf-16-") or any(c.isascii() for c in text))
    doc = read_extract_and_write(tmp_path, "r.txt", data)
    assert doc is not None and doc.text == text  # never a guess, never half a document


@FUZZ
@given(report_bytes(), st.integers(0, 10**6), st.binary(max_size=4), st.booleans())
def test_damaged_reports_are_one_line_errors_or_whole_documents(tmp_path, sample, where, junk, cut):
    _, _, data = sample
    at = where % (len(data) + 1)
    read_extract_and_write(tmp_path, "r.txt", data[:at] if cut else data[:at] + junk + data[at + len(junk):])


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([(".txt", b""), (".pdf", b"%PDF-1.4\n"), (".docx", b"PK\x03\x04"),
                                                  (".png", b"\x89PNG\r\n\x1a\n")]))
def test_random_bytes_under_any_reader_are_one_line_errors_or_documents(tmp_path, data, kind):
    suffix, magic = kind
    read_extract_and_write(tmp_path, "r" + suffix, magic + data)
