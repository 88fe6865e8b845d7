"""Inputs of ``jixiao batch``: directories, zip/tar archives, JSONL, path lists and ``datasets`` dirs, as items.

Nothing is ever extracted to disk: archive members are read into memory one at a time,
so a member named ``../../etc/passwd`` is only a label.  Every member is size-checked before
and after it is read (zip bombs), and names in legacy encodings (GBK zips made on Windows,
raw bytes in tar headers) are decoded by evidence.  The input is first cut into ``Unit`` s
(a chunk of files, a range of zip members, a whole tar stream, a range of dataset rows) so
that an engine can read units in parallel (Ray) or one after another (local).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .archive_limits import Limits, archive_too_large, bomb_ratio, too_compressed, too_large
from .formats.source import Source
from .zip_salvage import LocalHeaders

ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
LIST_SUFFIXES = (".lst", ".list")
JSONL_SUFFIXES = (".jsonl",)
PARQUET_SUFFIXES = (".parquet",)


@dataclass(frozen=True)
class InputError:
    """Something in the input that is not a readable document; ``str()`` is one line naming it."""

    source: str
    member: Optional[str]
    message: str

    def __str__(self) -> str:
        where = f"{self.source}!{self.member}" if self.member is not None else self.source
        return f"{where}: {self.message}"


@dataclass
class Item:
    """One document's bytes and where they came from; ``sha256`` is its identity."""

    source: str
    member: Optional[str]
    data: bytes
    suffix: str
    sha256: str = ""
    stem: str = ""  # what the document is named by: the file's (or member's) name without extension, or its id

    def __post_init__(self) -> None:
        if not self.sha256:
            self.sha256 = hashlib.sha256(self.data).hexdigest()
        if not self.stem:
            self.stem = Source(self.name).stem

    @property
    def name(self) -> str:
        return f"{self.source}!{self.member}" if self.member is not None else self.source


@dataclass(frozen=True)
class Unit:
    """A piece of input one reader goes through in order: ``kind`` is files, zip, tar or dataset."""

    kind: str
    source: str
    paths: tuple[str, ...] = ()
    start: int = 0
    stop: int = 0
    size: Optional[int] = None  # number of items, when known cheaply


OnError = Callable[[InputError], None]


def suffix_of(name: str) -> str:
    """Lower-case suffix, with the compound tar suffixes kept whole."""
    low = name.lower()
    for s in TAR_SUFFIXES:
        if low.endswith(s):
            return s
    return os.path.splitext(low)[1]


def is_dataset_dir(p: Path) -> bool:
    return p.is_dir() and ((p / "state.json").is_file() or (p / "dataset_dict.json").is_file())


def _is_list_file(p: Path, explicit: bool) -> bool:
    """``@paths.txt``, a ``.lst``/``.list`` file, or a ``.txt`` whose first lines are all existing paths."""
    if explicit or p.suffix.lower() in LIST_SUFFIXES:
        return True
    if p.suffix.lower() != ".txt" or p.stat().st_size > 50_000_000:
        return False
    lines = []
    with open(p, "rb") as f:
        for raw in f:
            line = raw.strip()
            if line:
                lines.append(line)
            if len(lines) == 5 or len(raw) > 4096:
                break
    try:
        return bool(lines) and all(_resolve_listed(ln.decode("utf-8"), p).exists() for ln in lines)
    except (UnicodeDecodeError, ValueError, OSError):
        return False


def _resolve_listed(line: str, list_file: Path) -> Path:
    p = Path(line)
    if p.is_absolute() or p.exists():
        return p
    return list_file.parent / p


def plan_units(inputs: Iterable[str | os.PathLike], on_error: OnError, unit_items: int = 256,
               text_column: str = "text", split_zips: bool = True, _depth: int = 0) -> Iterator[Unit]:
    """Cut the named inputs into units, streaming (a huge directory is walked, never listed whole).

    Zips are cut into member ranges only when units are read in parallel (``split_zips``):
    each range re-reads the zip's central directory.  A ``.txt`` is taken for a path list only
    when named on the command line, never when found in a directory.
    """
    chunk: list[str] = []

    def listed(p: Path) -> Iterator[Unit]:
        yield from flush()
        yield from plan_units(_listed_paths(p, on_error), on_error, unit_items, text_column, split_zips, _depth + 1)

    def flush() -> Iterator[Unit]:
        if chunk:
            yield Unit("files", chunk[0], tuple(chunk), size=len(chunk))
            chunk.clear()

    def file_units(p: Path, named: bool) -> Iterator[Unit]:
        suffix = suffix_of(p.name)
        if suffix in ZIP_SUFFIXES:
            yield from _zip_units(p, unit_items if split_zips else None)
        elif suffix in TAR_SUFFIXES:
            yield Unit("tar", str(p))
        elif suffix in JSONL_SUFFIXES:
            yield Unit("jsonl", str(p), paths=(text_column,))
        elif suffix in PARQUET_SUFFIXES:
            yield from _parquet_units(p, on_error, text_column)
        elif named and _depth < 2 and _is_list_file(p, False):
            yield from listed(p)
        else:
            chunk.append(str(p))
            if len(chunk) >= unit_items:
                yield from flush()

    for raw in inputs:
        s = str(raw)
        explicit_list = s.startswith("@")
        p = Path(s[1:] if explicit_list else s)
        try:
            if explicit_list:
                yield from listed(p)
            elif is_dataset_dir(p):
                yield from flush()
                yield from _dataset_units(p, on_error, unit_items, text_column)
            elif p.is_dir():
                def walk_error(exc: OSError) -> None:
                    on_error(InputError(str(exc.filename or p), None, f"cannot list directory: {exc.strerror or exc}"))
                for root, dirs, files in os.walk(p, onerror=walk_error):
                    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                    for d in list(dirs):
                        if is_dataset_dir(Path(root) / d):
                            dirs.remove(d)
                            yield from flush()
                            yield from _dataset_units(Path(root) / d, on_error, unit_items, text_column)
                    for f in sorted(files):
                        if not f.startswith("."):
                            yield from file_units(Path(root) / f, named=False)
            elif p.is_file():
                yield from file_units(p, named=True)
            else:
                on_error(InputError(s, None, "no such file or directory"))
        except OSError as exc:
            on_error(InputError(str(p), None, f"cannot read: {exc.strerror or exc}"))
    yield from flush()


def _listed_paths(p: Path, on_error: OnError) -> Iterator[str]:
    try:
        with open(p, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    yield str(_resolve_listed(line, p))
    except (OSError, UnicodeDecodeError) as exc:
        on_error(InputError(str(p), None, f"cannot read path list: {exc}"))


def _zip_units(p: Path, unit_items: Optional[int]) -> Iterator[Unit]:
    """Ranges of a zip's members; a zip without a readable central directory is one unit, read
    member by member from its local headers (``_salvaged_zip_items``)."""
    try:
        with zipfile.ZipFile(p) as zf:
            n = len(zf.infolist())
    except (zipfile.BadZipFile, OSError, EOFError):
        yield Unit("zip", str(p))
        return
    step = unit_items or max(1, n)
    for a in range(0, n, step):
        yield Unit("zip", str(p), start=a, stop=min(n, a + step), size=min(n, a + step) - a)


def _dataset_units(p: Path, on_error: OnError, unit_items: int, text_column: str) -> Iterator[Unit]:
    try:
        splits = _load_dataset_splits(p)
    except Exception as exc:  # datasets raises many kinds for a damaged directory
        on_error(InputError(str(p), None, f"not a loadable datasets directory: {type(exc).__name__}: {exc}"))
        return
    for split, ds in splits:
        if text_column not in ds.column_names:
            on_error(InputError(str(p), split, f"no column {text_column!r} (columns: {', '.join(ds.column_names)})"))
            continue
        for a in range(0, len(ds), unit_items):
            b = min(len(ds), a + unit_items)
            yield Unit("dataset", str(p), paths=(split, text_column), start=a, stop=b, size=b - a)


def _load_dataset_splits(p: Path) -> list[tuple[str, object]]:
    return _load_dataset_dir(str(p.resolve()))


@lru_cache(maxsize=4)
def _load_dataset_dir(path: str) -> list[tuple[str, object]]:
    """Memory-mapped Arrow tables; cached so the units of one dataset share one load per process."""
    import datasets
    loaded = datasets.load_from_disk(path)
    if isinstance(loaded, datasets.DatasetDict):
        return sorted(loaded.items())
    return [("", loaded)]


def count_items(unit: Unit) -> Optional[int]:
    """Items a unit will yield (upper bound), scanning a tar's headers if needed; None if unknown."""
    if unit.size is not None:
        return unit.size
    if unit.kind == "zip":  # a damaged zip: its members are known only once read
        return None
    try:
        if unit.kind == "jsonl":
            with open(unit.source, "rb") as f:
                return sum(1 for line in f if line.strip())
        n = 0
        with tarfile.open(unit.source, mode="r|*") as tf:
            for m in tf:
                n += m.isfile()
                tf.members.clear()
        return n
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        return None


def iter_items(units: Iterable[Unit], limits: Limits, on_error: OnError) -> Iterator[Item]:
    for unit in units:
        yield from iter_unit_items(unit, limits, on_error)


def iter_unit_items(unit: Unit, limits: Limits, on_error: OnError) -> Iterator[Item]:
    """The documents of one unit, in order; problems go to ``on_error`` as one-line ``InputError`` s."""
    if unit.kind == "files":
        for path in unit.paths:
            item = _read_file(path, limits, on_error)
            if item is not None:
                yield item
    elif unit.kind == "zip":
        yield from _zip_items(unit.source, unit.source, None, limits, on_error, unit.start, unit.stop, depth=0)
    elif unit.kind == "tar":
        yield from _tar_items(unit.source, unit.source, None, limits, on_error, depth=0)
    elif unit.kind == "dataset":
        yield from _dataset_items(unit, on_error)
    elif unit.kind == "jsonl":
        yield from _jsonl_items(unit, limits, on_error)
    elif unit.kind == "parquet":
        yield from _parquet_items(unit, limits, on_error)
    else:
        raise ValueError(f"unknown unit kind {unit.kind!r}")


def _read_file(path: str, limits: Limits, on_error: OnError) -> Optional[Item]:
    try:
        with open(path, "rb") as f:
            data = f.read(limits.max_member_bytes + 1)
    except OSError as exc:
        on_error(InputError(path, None, f"cannot read: {exc.strerror or exc}"))
        return None
    if len(data) > limits.max_member_bytes:
        on_error(InputError(path, None, f"larger than the {limits.max_member_bytes} byte limit (max_member_bytes)"))
        return None
    return Item(path, None, data, suffix_of(path))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def decode_member_name(raw: bytes) -> str:
    """UTF-8, else GB18030 (Windows zips of Chinese reports), else UTF-8 with the bad bytes escaped."""
    for enc in ("utf-8", "gb18030"):
        try:
            name = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        name = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", info.filename)
    return decode_member_name(info.orig_filename.encode("cp437"))


def _tar_name(member: tarfile.TarInfo) -> str:
    return decode_member_name(member.name.encode("utf-8", "surrogateescape"))


def _skip_name(name: str) -> bool:
    """Hidden files and macOS metadata; a backslash separates folders too (``..\\x.txt`` is x.txt)."""
    base = re.split(r"[/\\]", name.rstrip("/\\"))[-1]
    return base.startswith(".") or name.startswith("__MACOSX/")


def _join(outer: Optional[str], inner: str) -> str:
    return inner if outer is None else f"{outer}!/{inner}"


def _member_items(source: str, prefix: Optional[str], name: str, data: bytes, limits: Limits,
                  on_error: OnError, depth: int) -> Iterator[Item]:
    """A member read into memory: a document, or a nested archive opened in memory."""
    member = _join(prefix, name)
    suffix = suffix_of(name)
    if suffix in ZIP_SUFFIXES + TAR_SUFFIXES:
        if depth + 1 > limits.max_depth:
            on_error(InputError(source, member, f"archive nested deeper than {limits.max_depth} levels: skipped"))
        elif suffix in ZIP_SUFFIXES:
            yield from _zip_items(io.BytesIO(data), source, member, limits, on_error, 0, None, depth + 1)
        else:
            yield from _tar_items(io.BytesIO(data), source, member, limits, on_error, depth + 1)
        return
    yield Item(source, member, data, suffix)


def _salvaged_zip_items(file, source: str, prefix: Optional[str], limits: Limits, on_error: OnError,
                        depth: int, cause: str) -> Iterator[Item]:
    """The members of a zip whose central directory cannot be read, from their local headers
    (``zip_salvage``).  The archive gets one error that says how many members were read and where
    reading stopped."""
    try:
        f = open(file, "rb") if isinstance(file, str) else file
    except OSError as exc:
        on_error(InputError(source, prefix, f"cannot read: {exc.strerror or exc}"))
        return
    read, expanded = 0, 0
    with f:
        walk = LocalHeaders(f, limits)
        for raw, data, damage in walk:
            name = decode_member_name(raw)
            member = _join(prefix, name)
            if damage:
                on_error(InputError(source, member, f"unreadable member: {damage}"))
                continue
            if name.endswith("/") or _skip_name(name):
                continue
            expanded += len(data)
            if expanded > limits.max_archive_bytes:
                walk.stop(raw, archive_too_large(limits))
                break
            read += 1
            yield from _member_items(source, prefix, name, data, limits, on_error, depth)
    stopped = walk.stopped and (f"{_join(prefix, decode_member_name(walk.stopped_at))}: {walk.stopped}"
                                if walk.stopped_at is not None else walk.stopped)
    on_error(InputError(source, prefix, f"not a readable zip archive ({cause}): {read} members read from their "
                                        "local headers" + (f", then stopped at {stopped}" if stopped else "")))


def _zip_items(file, source: str, prefix: Optional[str], limits: Limits, on_error: OnError,
               start: int, stop: Optional[int], depth: int) -> Iterator[Item]:
    try:
        zf = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield from _salvaged_zip_items(file, source, prefix, limits, on_error, depth, str(exc))
        return
    with zf:
        infos = zf.infolist()
        expanded = sum(i.file_size for i in infos[:start])
        for info in infos[start:stop]:
            if info.is_dir():
                continue
            name = _zip_name(info)
            if _skip_name(name):
                continue
            member = _join(prefix, name)
            if info.file_size > limits.max_member_bytes:
                on_error(InputError(source, member, too_large(info.file_size, limits)))
                continue
            if bomb_ratio(info.file_size, info.compress_size, limits):
                on_error(InputError(source, member, too_compressed(info.file_size, info.compress_size, limits)))
                continue
            expanded += info.file_size
            if expanded > limits.max_archive_bytes:
                on_error(InputError(source, member, archive_too_large(limits)))
                return
            try:
                with zf.open(info) as f:
                    data = f.read(limits.max_member_bytes + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
                on_error(InputError(source, member, f"unreadable member: {type(exc).__name__}: {exc}"))
                continue
            if len(data) > limits.max_member_bytes or bomb_ratio(len(data), info.compress_size, limits):
                on_error(InputError(source, member, "refused: expands beyond what its header declares (zip bomb)"))
                continue
            yield from _member_items(source, prefix, name, data, limits, on_error, depth)


class _CountingReader(io.RawIOBase):
    """Counts the compressed bytes a tar stream has consumed, for its expansion ratio."""

    def __init__(self, f):
        self.f, self.n = f, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.f.read(len(b))
        b[:len(data)] = data
        self.n += len(data)
        return len(data)


def _tar_items(file, source: str, prefix: Optional[str], limits: Limits, on_error: OnError,
               depth: int) -> Iterator[Item]:
    """A tar stream (any compression) read member by member: memory holds one member at a time."""
    try:
        raw = open(file, "rb") if isinstance(file, str) else file
    except OSError as exc:
        on_error(InputError(source, prefix, f"cannot read: {exc.strerror or exc}"))
        return
    counter = _CountingReader(raw)
    member_name = prefix
    try:
        with raw, tarfile.open(fileobj=counter, mode="r|*", encoding="utf-8", errors="surrogateescape") as tf:
            expanded = 0
            for m in tf:
                tf.members.clear()  # TarFile keeps every header it has seen: memory would grow with the archive
                if not m.isfile():
                    continue
                name = _tar_name(m)
                member_name = _join(prefix, name)
                if _skip_name(name):
                    continue
                if m.size > limits.max_member_bytes:
                    on_error(InputError(source, member_name, too_large(m.size, limits)))
                    continue
                expanded += m.size
                if expanded > limits.max_archive_bytes:
                    on_error(InputError(source, member_name, archive_too_large(limits)))
                    return
                before = counter.n
                f = tf.extractfile(m)
                data = f.read() if f is not None else b""
                if bomb_ratio(len(data), counter.n - before, limits):
                    on_error(InputError(source, member_name, too_compressed(len(data), counter.n - before, limits)))
                    continue
                yield from _member_items(source, prefix, name, data, limits, on_error, depth)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        where = f"after member {member_name}" if member_name != prefix else "at its start"
        on_error(InputError(source, prefix, f"corrupt tar archive {where}: {type(exc).__name__}: {exc}"))


def _dataset_items(unit: Unit, on_error: OnError) -> Iterator[Item]:
    split, column = unit.paths
    ds = dict(_load_dataset_splits(Path(unit.source)))[split]
    id_col = "id" if "id" in ds.column_names else None
    for a in range(unit.start, unit.stop, 64):
        rows = ds[a:min(unit.stop, a + 64)]
        for k, text in enumerate(rows[column]):
            i = a + k
            key = str(rows[id_col][k]) if id_col else str(i)
            member = f"{split}/{key}" if split else key
            if not isinstance(text, str):
                on_error(InputError(unit.source, member, f"column {column!r} is not text: {type(text).__name__}"))
                continue
            yield Item(unit.source, member, text.encode("utf-8"), ".txt", stem=key if id_col else f"{Path(unit.source).name}-{key}")


def _jsonl_items(unit: Unit, limits: Limits, on_error: OnError) -> Iterator[Item]:
    """One document per line, GUIDELINES.md style (``{"id": ..., "text": ...}``); member = id or line number."""
    (column,) = unit.paths
    try:
        f = open(unit.source, "rb")
    except OSError as exc:
        on_error(InputError(unit.source, None, f"cannot read: {exc.strerror or exc}"))
        return
    with f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            member = f"line {n}"
            try:
                row = json.loads(raw)
                text = row[column]
            except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
                on_error(InputError(unit.source, member, f"not a JSON object with a {column!r} string: "
                                                         f"{type(exc).__name__}: {exc}"))
                continue
            if "id" in row:
                member = str(row["id"])
            item = _text_item(unit.source, member, text, f"{column!r} is not a string", limits, on_error,
                              stem=member if "id" in row else f"{Path(unit.source).stem}-{n}")
            if item is not None:
                yield item


def _parquet_units(p: Path, on_error: OnError, text_column: str) -> Iterator[Unit]:
    """One unit per row group of a Parquet file (the piece a reader can take without reading the rest)."""
    import pyarrow.parquet as pq
    try:
        meta = pq.ParquetFile(p).metadata
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        on_error(InputError(str(p), None, f"not a readable Parquet file: {type(exc).__name__}: {exc}"))
        return
    names = meta.schema.names
    if text_column not in names:
        on_error(InputError(str(p), None, f"no column {text_column!r} (columns: {', '.join(names)})"))
        return
    for g in range(meta.num_row_groups):
        yield Unit("parquet", str(p), paths=(text_column,), start=g, stop=g + 1, size=meta.row_group(g).num_rows)


def _parquet_items(unit: Unit, limits: Limits, on_error: OnError) -> Iterator[Item]:
    """The rows of one row group; the member is the ``id`` column, else the row number in the file."""
    import pyarrow.parquet as pq
    (column,) = unit.paths
    pf = pq.ParquetFile(unit.source)
    id_col = "id" if "id" in pf.schema_arrow.names else None
    row = sum(pf.metadata.row_group(g).num_rows for g in range(unit.start))
    for batch in pf.iter_batches(batch_size=64, row_groups=[unit.start], columns=[column] + ([id_col] if id_col else [])):
        ids = batch.column(id_col).to_pylist() if id_col else None
        for k, text in enumerate(batch.column(column).to_pylist()):
            key = str(ids[k]) if ids else str(row)
            row += 1
            item = _text_item(unit.source, key, text, f"column {column!r} is not text: {type(text).__name__}",
                              limits, on_error, stem=key if ids else f"{Path(unit.source).stem}-{key}")
            if item is not None:
                yield item


def _text_item(source: str, member: str, text, not_text: str, limits: Limits, on_error: OnError,
               stem: str) -> Optional[Item]:
    """A text value of a JSONL line or a Parquet row as an item; refused on one line when it is not
    text (``not_text`` says how) or over the member size bound."""
    if not isinstance(text, str):
        on_error(InputError(source, member, not_text))
        return None
    data = text.encode("utf-8")
    if len(data) > limits.max_member_bytes:
        on_error(InputError(source, member, f"larger than the {limits.max_member_bytes} byte limit"))
        return None
    return Item(source, member, data, ".txt", stem=stem)
