"""Bad input gets a clear one-line error naming the file and the cause; nothing is lost."""
from __future__ import annotations

import codecs
import os

import pytest

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
    text = (REPORT * 3).replace("中心", "中心\r\n")
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode(encoding))
    doc = read_document(path)
    assert (doc.text, doc.encoding) == (text, encoding)
    entities = extract(doc.text).entities
    assert entities and all(doc.text[e.start:e.end] == e.text for e in entities)
