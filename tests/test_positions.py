"""Things found by position (pipeline/positions.py): the overlap test, items by start, taken stretches."""
from __future__ import annotations

from pipeline.positions import ByPosition, Occupied, overlaps


def test_overlaps_is_about_shared_characters():
    assert overlaps(0, 3, 2, 5) and overlaps(2, 5, 0, 3) and overlaps(0, 5, 1, 2)
    assert not overlaps(0, 3, 3, 5) and not overlaps(3, 5, 0, 3)


def test_items_by_start():
    by = ByPosition([(7, "c"), (1, "a"), (4, "b")], start=lambda x: x[0])
    assert [x[1] for x in by.items] == ["a", "b", "c"]
    assert [x[1] for x in by.starting_in(2, 8)] == ["b", "c"] and by.starting_in(8, 20) == []
    assert by.index(4) == 1


def test_occupied_takes_only_free_stretches():
    taken = Occupied()
    assert taken.take(10, 20) and taken.take(0, 5) and taken.take(20, 25)
    assert not taken.free(4, 6) and not taken.free(19, 21) and not taken.free(12, 13)
    assert taken.free(5, 10) and not taken.take(0, 30)
    assert taken.take(5, 10)
