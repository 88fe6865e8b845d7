"""Things found by position: sorted offsets and bisect instead of scans over every other item, so
that comparing one span with its neighbours costs the same anywhere in a long document."""
from __future__ import annotations

import bisect
from typing import Callable, Generic, Iterable, TypeVar

T = TypeVar("T")


def overlaps(a: int, b: int, c: int, d: int) -> bool:
    """Do the half-open stretches ``[a, b)`` and ``[c, d)`` share a character?"""
    return a < d and c < b


class ByPosition(Generic[T]):
    """Items sorted by where they start (``start(item)``, default ``item.start``)."""

    def __init__(self, items: Iterable[T], start: Callable[[T], int] = lambda x: x.start):
        self.items = sorted(items, key=start)
        self.starts = [start(x) for x in self.items]

    def index(self, pos: int) -> int:
        """The index of the first item that starts at or after ``pos``."""
        return bisect.bisect_left(self.starts, pos)

    def starting_in(self, a: int, b: int) -> list[T]:
        """Items that start in ``[a, b)``."""
        return self.items[self.index(a):self.index(b)]


class Occupied:
    """Stretches taken so far, none overlapping another: is a new one free?"""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def free(self, a: int, b: int) -> bool:
        i = bisect.bisect_left(self._ends, a + 1)  # the first taken stretch that ends after a
        return i == len(self._starts) or not overlaps(a, b, self._starts[i], self._ends[i])

    def take(self, a: int, b: int) -> bool:
        """Take ``[a, b)`` if it is free; whether it was."""
        if not self.free(a, b):
            return False
        i = bisect.bisect_left(self._starts, a)
        self._starts.insert(i, a)
        self._ends.insert(i, b)
        return True
