"""Per-document bounds: the time bound stops Python code on any thread, and never lands after its block."""
from __future__ import annotations

import threading
import time

import pytest

from pipeline.doc import Document
from pipeline.limits import DocumentLimits, DocumentTimeout, deadline
from pipeline.reading import ReadError


def spin_until_stopped(seconds: float) -> float:
    t0 = time.monotonic()
    with pytest.raises(DocumentTimeout):
        with deadline(seconds):
            while True:
                sum(range(1000))
    return time.monotonic() - t0


def test_deadline_stops_a_busy_loop_on_the_main_thread_and_on_another():
    assert 0.3 <= spin_until_stopped(0.3) < 2
    took = []
    worker = threading.Thread(target=lambda: took.append(spin_until_stopped(0.3)))  # as in a Ray actor
    worker.start()
    worker.join()
    assert took and 0.3 <= took[0] < 2


def test_deadline_never_fires_after_its_block():
    late = 0
    for _ in range(2000):
        try:
            with deadline(0.0005):
                sum(range(200))
        except DocumentTimeout:
            continue
        try:
            for _ in range(100):
                sum(range(50))
        except DocumentTimeout:
            late += 1
    assert late == 0


def test_size_bound_refuses_a_long_document_with_one_line():
    limits = DocumentLimits(max_chars=10, max_seconds=0)
    limits.check_size(Document(id="a", text="x" * 10), "a.txt")
    with pytest.raises(ReadError, match=r"^b.txt: 11 characters, over the 10 limit \(max_chars in configs/limits.yaml\)$"):
        limits.check_size(Document(id="b", text="x" * 11), "b.txt")
