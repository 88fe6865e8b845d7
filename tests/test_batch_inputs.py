"""Batch input: archives, lists, JSONL and datasets dirs read as streams of documents, hostile archives refused."""
from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from batch_corpus import distinct_docs, snapshot
from pipeline.archive_limits import Limits
from pipeline.archives import InputError, iter_items, plan_units
from pipeline.batch import BatchSettings, run_batch

REPORT = ("沅陵县国有土地上房屋征收服务中心\n2021年度部门整体支出绩效自评报告\n"
          "全年完成征收土地33亩，支付补偿资金284.32万元。")


def items_of(*inputs, limits: Limits | None = None, text_column: str = "text"):
    errors: list[InputError] = []
    items = list(iter_items(plan_units([str(i) for i in inputs], errors.append, text_column=text_column),
                            limits or BatchSettings.load().limits, errors.append))
    return items, errors


def zip_with(path: Path, members: dict[str, bytes], raw_names: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    if raw_names:  # rewrite names as legacy (non-UTF-8, flag bit 11 clear) bytes, as Windows zip tools do
        blob = bytearray(path.read_bytes())
        for name, raw in raw_names.items():
            assert len(raw) == len(name.encode("utf-8"))
            blob = blob.replace(name.encode("utf-8"), raw)
        for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
            at = blob.find(signature)
            while at >= 0:
                blob[at + flags_at + 1] &= ~0x08 & 0xFF  # bit 11 of the little-endian flags word
                at = blob.find(signature, at + 4)
        path.write_bytes(bytes(blob))
    return path


def test_directory_zip_tar_and_nested_archives_all_yield_documents(tmp_path):
    docs = distinct_docs(6)
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / docs[0][0]).write_bytes(docs[0][1])
    (d / ".hidden.txt").write_bytes(b"not a report")
    zip_with(d / "a.zip", dict(docs[1:3]))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr(docs[5][0], docs[5][1])
    with tarfile.open(d / "b.tar.gz", "w:gz") as tf:
        for name, data in docs[3:5] + [("inner.zip", inner.getvalue())]:
            info = tarfile.TarInfo(f"reports/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    items, errors = items_of(d)
    assert errors == []
    assert sorted(i.data for i in items) == sorted(data for _, data in docs)
    members = {i.member for i in items}
    assert "reports/inner.zip!/" + docs[5][0] in members
    assert all(i.sha256 and len(i.sha256) == 64 for i in items)


def test_gbk_zip_member_names_and_raw_tar_names_are_decoded_not_fatal(tmp_path):
    name = "征收报告.txt"
    gbk = name.encode("gb18030")
    padded = gbk + b"_" * (len(name.encode("utf-8")) - len(gbk))
    z = zip_with(tmp_path / "win.zip", {name: REPORT.encode("utf-8")}, raw_names={name: padded})
    items, errors = items_of(z)
    assert errors == [] and len(items) == 1
    assert items[0].member.startswith("征收报告.txt")
    t = tmp_path / "raw.tar"
    with tarfile.open(t, "w", encoding="utf-8", errors="surrogateescape") as tf:
        info = tarfile.TarInfo(b"bad\xff\xfename.txt".decode("utf-8", "surrogateescape"))
        info.size = len(REPORT.encode())
        tf.addfile(info, io.BytesIO(REPORT.encode()))
    items, errors = items_of(t)
    assert errors == [] and items[0].member == "bad\\xff\\xfename.txt"
    items[0].member.encode("utf-8")  # storable as VARCHAR


def test_zip_bombs_are_refused_with_one_line_naming_the_member(tmp_path):
    limits = BatchSettings.load().limits
    z = zip_with(tmp_path / "bomb.zip", {
        "ok.txt": REPORT.encode("utf-8"),
        "huge.txt": b"0" * (limits.max_member_bytes + 1),
        "ratio.txt": b"\x00" * max(limits.ratio_min_bytes, 2_000_000),
    })
    items, errors = items_of(z)
    assert [i.member for i in items] == ["ok.txt"]
    by_member = {e.member: str(e) for e in errors}
    assert set(by_member) == {"huge.txt", "ratio.txt"}
    assert "max_member_bytes" in by_member["huge.txt"] and "max_ratio" in by_member["ratio.txt"]
    assert all("\n" not in m and m.startswith(str(z)) for m in by_member.values())


def test_gzip_bomb_inside_tar_is_refused(tmp_path):
    limits = BatchSettings.load().limits
    t = tmp_path / "bomb.tar.gz"
    with tarfile.open(t, "w:gz") as tf:
        for name, data in (("zeros.txt", b"\x00" * 3_000_000), ("ok.txt", REPORT.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    assert t.stat().st_size * limits.max_ratio < 3_000_000
    items, errors = items_of(t)
    assert [i.member for i in items] == ["ok.txt"]
    assert [e.member for e in errors] == ["zeros.txt"] and "max_ratio" in errors[0].message


def test_corrupt_member_and_truncated_archive_keep_the_readable_members(tmp_path):
    docs = distinct_docs(3)
    z = zip_with(tmp_path / "c.zip", dict(docs))
    blob = bytearray(z.read_bytes())
    at = blob.find(b"PK\x03\x04", 10)  # second member's local header; damage its compressed data
    blob[at + 60:at + 90] = b"\xff" * 30
    z.write_bytes(bytes(blob))
    items, errors = items_of(z)
    assert len(items) == 2 and len(errors) == 1
    assert errors[0].member == docs[1][0] and "unreadable member" in errors[0].message

    t = tmp_path / "t.tar.gz"
    with tarfile.open(t, "w:gz") as tf:
        for name, data in docs:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    raw = gzip.decompress(t.read_bytes())
    cut = tmp_path / "cut.tar.gz"
    second = 512 + -(-len(docs[0][1]) // 512) * 512  # header + padded data of the first member
    cut.write_bytes(gzip.compress(raw[:second + 512 + 1000]))  # ends inside the second member
    items, errors = items_of(cut)
    assert [i.member for i in items] == [docs[0][0]]
    assert len(errors) == 1 and "corrupt tar archive" in str(errors[0]) and docs[1][0] in str(errors[0])


@pytest.mark.integration  # worker processes
def test_path_traversal_names_are_labels_never_files(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    z = zip_with(tmp_path / "evil.zip", {"../../escape.txt": REPORT.encode(), "/tmp/abs-escape.txt": REPORT.encode()
                                         + b"\n"})
    summary = run_batch([str(z)], work / "r.duckdb", workers=1, progress="none")
    assert summary.ok == 2
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/abs-escape.txt").exists()
    assert sorted(p.name for p in work.iterdir() if not p.name.startswith("r.duckdb")) == []
    import duckdb
    con = duckdb.connect(str(work / "r.duckdb"), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT member FROM documents").fetchall()) == [
        "../../escape.txt", "/tmp/abs-escape.txt"]
    con.close()


def test_path_lists_and_jsonl_documents(tmp_path):
    docs = distinct_docs(4)
    d = tmp_path / "files"
    for name, data in docs[:2]:
        d.mkdir(exist_ok=True)
        (d / name).write_bytes(data)
    lst = tmp_path / "paths.lst"
    lst.write_text(f"{d / docs[0][0]}\n# a comment\n{docs[1][0]}\n".replace(docs[1][0], str(d / docs[1][0])),
                   encoding="utf-8")
    jl = tmp_path / "docs.jsonl"
    jl.write_text("\n".join(json.dumps({"id": f"r{i}", "text": data.decode()}, ensure_ascii=False)
                            for i, (_, data) in enumerate(docs[2:])) + "\n{broken\n", encoding="utf-8")
    items, errors = items_of(lst, jl)
    assert sorted(i.data for i in items) == sorted(data for _, data in docs)
    assert {i.member for i in items if i.source == str(jl)} == {"r0", "r1"}
    assert len(errors) == 1 and errors[0].member == "line 3"
    items2, _ = items_of(f"@{lst}")
    assert len(items2) == 2


@pytest.mark.integration  # worker processes
def test_datasets_dir_in_and_predictions_dataset_out(tmp_path):
    datasets = pytest.importorskip("datasets")
    ds_dir = tmp_path / "ds"
    datasets.Dataset.from_dict({"id": ["a", "b"], "body": [REPORT, "（无数字的段落）"]}).save_to_disk(str(ds_dir))
    out = tmp_path / "pred"
    summary = run_batch([str(ds_dir)], tmp_path / "r.duckdb", workers=1, progress="none", text_column="body",
                        to_dataset=str(out))
    assert summary.ok == 2
    pred = datasets.load_from_disk(str(out))
    rows = {r["member"]: r for r in pred}
    assert set(rows) == {"a", "b"} and {r["id"] for r in pred} == {"a", "b"}
    labels = pred.features["entities"].feature["label"]
    assert isinstance(labels, datasets.ClassLabel) and labels.names == ["MONEY", "PERCENT", "QUANTITY", "PROJECT"]
    assert pred.features["status"].names == ["ok", "failed"]
    assert "null" not in repr(pred.features)  # every column typed, even one empty in every row
    mu = [e for e in rows["a"]["entities"] if e["text"] == "33亩"]
    assert mu and labels.int2str(mu[0]["label"]) == "QUANTITY" and mu[0]["value"] == 33 and mu[0]["unit"] == "亩"
    money = [f for f in rows["a"]["facts"] if pred.features["facts"].feature["label"].int2str(f["label"]) == "MONEY"]
    assert money and money[0]["value"] == 2843200 and money[0]["unit"] == "元"
    assert rows["b"]["entities"] == [] and rows["b"]["facts"] == []
    assert snapshot(tmp_path / "r.duckdb")["statuses"] == {"ok": 2}


@pytest.mark.integration  # worker processes
def test_parquet_files_are_read_a_row_group_at_a_time(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    path = tmp_path / "reports.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2", "p3"], "body": [REPORT, REPORT + "\n", None]}), path, row_group_size=2)
    items, errors = items_of(path, text_column="body")
    assert [(i.member, i.stem) for i in items] == [("p1", "p1"), ("p2", "p2")]
    assert [(e.member, e.message) for e in errors] == [("p3", "column 'body' is not text: NoneType")]
    summary = run_batch([str(path)], tmp_path / "r.duckdb", workers=1, progress="none", text_column="body")
    assert (summary.ok, summary.input_errors) == (2, 1)
    assert snapshot(tmp_path / "r.duckdb")["doc_ids"] == [("p1", 1), ("p2", 1)]


def test_case06_zip_member_named_with_backslashes_is_a_document_not_dropped(tmp_path):
    z = zip_with(tmp_path / "win.zip", {"..\\x.txt": REPORT.encode(), "..\\sub\\.hidden.txt": b"not a report"})
    items, errors = items_of(z)
    assert [i.member for i in items] == ["..\\x.txt"] and errors == []


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_case07_truncated_zip_keeps_the_members_before_the_cut(tmp_path, compression):
    docs = distinct_docs(4)
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", compression) as zf:
        for name, data in docs:
            zf.writestr(name, data)
    blob = whole.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(blob[:blob.find(docs[2][0].encode()) + 200])  # ends inside the third member
    items, errors = items_of(cut)
    assert [(i.member, i.data) for i in items] == docs[:2]
    assert [str(e) for e in errors] == [
        f"{cut}: not a readable zip archive (File is not a zip file): 2 members read from their local headers, "
        f"then stopped at {docs[2][0]}: cut off by the end of the archive"]
    inner = tmp_path / "outer.tar"
    with tarfile.open(inner, "w") as tf:
        tf.add(cut, arcname="cut.zip")
    nested, errors = items_of(inner)
    assert [i.member for i in nested] == [f"cut.zip!/{name}" for name, _ in docs[:2]] and len(errors) == 1


def test_archives_nested_too_deep_and_bombs_inside_nested_archives_are_refused(tmp_path):
    limits = BatchSettings.load().limits
    level = REPORT.encode()
    for depth in range(limits.max_depth + 1):  # ok.txt inside max_depth + 1 levels of zips
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("ok.txt" if depth == 0 else f"level{depth}.zip", level)
        level = buffer.getvalue()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.txt", b"\x00" * max(limits.ratio_min_bytes, 2_000_000))
    z = zip_with(tmp_path / "nested.zip", {"deep.zip": level, "bomb.zip": bomb.getvalue()})
    items, errors = items_of(z)
    assert items == []
    by_member = {e.member: e.message for e in errors}
    assert "max_ratio" in by_member["bomb.zip!/zeros.txt"]
    assert any("nested deeper than" in m for k, m in by_member.items() if k.startswith("deep.zip!/"))
