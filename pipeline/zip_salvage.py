"""Reading a zip whose central directory is lost (a truncated download, a damaged end): its
members are found from their local headers one after another, as far as the bytes go."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Iterator, Optional

from .archive_limits import Limits, bomb_ratio, too_compressed, too_large

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # signature ... name length, extra length
_DESCRIPTOR = struct.Struct("<III")               # crc-32, compressed size, size (after an optional signature)
_ZIP_ENDS = (b"", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06")  # central directory records, or no more bytes


class Damaged(Exception):
    """A member of a damaged zip that cannot be read; ``lost`` when its end is unknown too, so
    nothing after it can be found."""

    def __init__(self, message: str, lost: bool):
        super().__init__(message)
        self.lost = lost



class LocalHeaders:
    """Iterates ``(raw_name, data, damage)`` over the members of ``f`` from their local headers:
    ``damage`` is the reason a member could not be read (``data`` is then ``b""``).  When the walk
    ends early, ``stopped`` says where (``stopped_at`` is the raw name of the member it stopped at,
    when there is one) and why."""

    def __init__(self, f, limits: Limits):
        self.f, self.limits = f, limits
        self.stopped, self.stopped_at = "", None

    def __iter__(self) -> Iterator[tuple[bytes, bytes, Optional[str]]]:
        f = self.f
        size = f.seek(0, io.SEEK_END)
        f.seek(0)
        while True:
            at = f.tell()
            header = f.read(_LOCAL_HEADER.size)
            if header[:4] in _ZIP_ENDS:
                return
            if header[:4] != b"PK\x03\x04":
                self.stopped = f"byte {at}: no zip header there"
                return
            if len(header) < _LOCAL_HEADER.size:
                self.stopped = f"byte {at}: a local header cut off by the end of the archive"
                return
            _, _, flags, method, _, _, crc, csize, _, name_len, extra_len = _LOCAL_HEADER.unpack(header)
            name = f.read(name_len)
            f.seek(extra_len, io.SEEK_CUR)
            try:
                yield name, _local_member_data(f, flags, method, crc, csize, size, self.limits), None
            except Damaged as exc:
                if exc.lost:
                    self.stopped, self.stopped_at = str(exc), name
                    return
                yield name, b"", str(exc)

    def stop(self, name: bytes, why: str) -> None:
        """The caller ends the walk at member ``name`` (a limit reached)."""
        self.stopped, self.stopped_at = why, name


def _local_member_data(f, flags: int, method: int, crc: int, csize: int, size: int, limits: Limits) -> bytes:
    """The bytes of the member whose local header was just read, leaving ``f`` after it (``size``:
    the archive's length, to tell a member cut off from a damaged one)."""
    described = bool(flags & 0x08)  # CRC and sizes come after the data (zips written as a stream)
    start = f.tell()
    end = None if described else start + csize

    def unreadable(message: str) -> Damaged:
        if end is None or end > size:
            return Damaged("cut off by the end of the archive" if end is not None else message, lost=True)
        f.seek(end)
        return Damaged(message, lost=False)

    if flags & 0x01:
        raise unreadable("encrypted")
    if method == zipfile.ZIP_STORED and end is None:
        raise unreadable("stored with its size after the data, so its end cannot be found")
    if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise unreadable(f"compression method {method} in a damaged archive")
    if method == zipfile.ZIP_STORED and csize > limits.max_member_bytes:
        raise unreadable(too_large(csize, limits))
    try:
        data = f.read(csize) if method == zipfile.ZIP_STORED else _inflate(f, limits.max_member_bytes)
    except zlib.error as exc:
        raise unreadable(f"damaged deflate data: {exc}") from None
    if len(data) > limits.max_member_bytes:
        raise unreadable(f"refused: expands beyond the {limits.max_member_bytes} byte limit (max_member_bytes)")
    if end is not None and f.tell() != end:
        raise unreadable("the data does not end where its header says")
    if described:
        crc = _descriptor_crc(f)
    if zlib.crc32(data) != crc:
        raise Damaged("CRC-32 does not match: damaged data", lost=False)
    if bomb_ratio(len(data), f.tell() - start, limits):
        raise Damaged(too_compressed(len(data), f.tell() - start, limits), lost=False)
    return data


def _inflate(f, limit: int) -> bytes:
    """A raw deflate stream from ``f``, to its end or to just over ``limit`` bytes, leaving ``f`` after
    what was used; a stream the bytes end inside raises ``zlib.error``."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    while not d.eof and len(out) <= limit:
        chunk = d.unconsumed_tail or f.read(65536)
        if not chunk:
            raise zlib.error("the data ends inside the deflate stream")
        out += d.decompress(chunk, limit + 1 - len(out))
    f.seek(-len(d.unused_data), io.SEEK_CUR)
    return bytes(out)


def _descriptor_crc(f) -> int:
    """The CRC-32 of the data descriptor after a member's data (with or without its signature)."""
    at = f.tell()
    signed = f.read(4) == b"PK\x07\x08"
    f.seek(at + 4 if signed else at)
    body = f.read(_DESCRIPTOR.size)
    if len(body) < _DESCRIPTOR.size:
        raise Damaged("cut off by the end of the archive", lost=True)
    return _DESCRIPTOR.unpack(body)[0]


