"""A normalised view of the original text that the taggers read, with an exact map back.

Each character of the normalised string remembers the original characters it came from
(``starts[i]``, ``ends[i]``), so a span found in the view maps back to the original text
exactly, whatever was widened (㎡ → 平方米), narrowed (full-width digits) or dropped
(layout spaces inside a number).
"""
from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from functools import lru_cache

from .doc import Span

_WIDE_OFFSET = 0xFEE0  # U+FF01..U+FF5E -> U+0021..U+007E
_SPACES = "\u3000\u00a0\u2002\u2003\u2009\u200b\u202f\ufeff"
_SYMBOLS = {"㎡": "平方米", "㎞": "公里", "㎏": "公斤", "㎝": "厘米", "㎜": "毫米", "㏊": "公顷",
            "m²": "平方米", "m³": "立方米", "km²": "平方公里", "hm²": "公顷", "平米": "平方米",
            "·": ".", "．": "."}
_DIGIT_LIKE = {"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1"}


@dataclass
class NormalisedText:
    text: str
    starts: array  # of int, one per character of ``text`` (4 bytes each, not a list's 36)
    ends: array
    original: str

    def to_original(self, start: int, end: int) -> Span:
        """Map a span of the normalised view back onto the original text."""
        if end <= start:
            o = self.starts[start] if start < len(self.starts) else len(self.original)
            return Span(o, o, "")
        o_start, o_end = self.starts[start], self.ends[end - 1]
        return Span(o_start, o_end, self.original[o_start:o_end])


class _Builder:
    def __init__(self, original: str):
        self.original = original
        self.out: list[str] = []
        self.starts = array("i")
        self.ends = array("i")

    def emit(self, piece: str, o_start: int, o_end: int) -> None:
        """``piece``, every character of it from ``original[o_start:o_end]``."""
        self.out.append(piece)
        self.starts.extend([o_start] * len(piece))
        self.ends.extend([o_end] * len(piece))

    def copy(self, a: int, b: int, text: str) -> None:
        """``text[a:b]`` as it stands, each character from its own position."""
        self.out.append(text[a:b])
        self.starts.extend(range(a, b))
        self.ends.extend(range(a + 1, b + 1))

    def build(self) -> NormalisedText:
        return NormalisedText("".join(self.out), self.starts, self.ends, self.original)


# full-width ASCII -> half-width, exotic spaces -> space (str.translate: one character for one)
_NARROW = {**{o: o - _WIDE_OFFSET for o in range(0xFF01, 0xFF5F)}, **{ord(c): " " for c in _SPACES}}


_SYMBOL_RE = re.compile("|".join(sorted(map(re.escape, _SYMBOLS), key=len, reverse=True)))


def normalise(text: str) -> NormalisedText:
    """Return the normalised view of ``text``.

    Steps, each keeping the offset map: full-width ASCII → half-width; exotic spaces → space;
    unit symbols (㎡, m², 平米) → their Chinese names; inside numbers, OCR look-alikes
    (O→0, l→1), full-width commas between digit groups, and layout spaces are repaired.
    """
    # Pass 1: character-wise narrowing (1:1), then OCR look-alike words (1:1, configs/ocr.yaml).
    narrowed = text.translate(_NARROW)
    repairs = _ocr_repairs()
    for read, means in repairs["confusions"]:
        narrowed = narrowed.replace(read, means)
    b = _Builder(text)
    i, n = 0, len(narrowed)
    special = -1  # where the next character a step below may change stands (searched once each)
    while i < n:
        if special < i:
            at = repairs["special"].search(narrowed, i)
            special = at.start() if at else n
        if special > i:  # characters no step below changes, copied as one run
            b.copy(i, special, narrowed)
            i = special
            continue
        m = _SYMBOL_RE.match(narrowed, i)
        if m:
            piece = m.group(0)
            # "m²" etc. only as a unit after a number or space; "平米" always.
            b.emit(_SYMBOLS[piece], i, m.end())
            i = m.end()
            continue
        ch = narrowed[i]
        prev = narrowed[i - 1] if i else ""
        nxt = narrowed[i + 1] if i + 1 < n else ""
        if ch in _DIGIT_LIKE and _between_digits(narrowed, i):
            b.emit(_DIGIT_LIKE[ch], i, i + 1)
        elif ch == "," and prev.isdigit() and _is_thousands_group(narrowed, i + 1):
            b.emit(",", i, i + 1)
        elif ch == " " and prev.isdigit() and (nxt.isdigit() and _is_layout_space(narrowed, i)):
            b.starts and _extend_last(b, i + 1)
        elif ch in repairs["decimal_marks"] and prev.isdigit() and _DECIMALS_THEN_UNIT.match(narrowed, i + 1):
            b.emit(".", i, i + 1)  # OCR read the decimal point as ":" / "," / "。" ("42:77%")
        elif ch == " " and b.starts and _spurious_space(narrowed, i, repairs["unit_spaces"]):
            _extend_last(b, i + 1)
        elif ch == "." and prev.isdigit() and nxt == " " and i + 2 < n and narrowed[i + 2].isdigit():
            b.emit(".", i, i + 2)  # "35. 3" -> "35.3": the space goes with the point
            i += 2
            continue
        else:
            b.emit(ch, i, i + 1)
        i += 1
    return b.build()


_DECIMALS_THEN_UNIT = re.compile(r"(?:\d{1,2}|\d{4})(?=\s?(?:万|亿|元|%|平方|亩|公里|米|个百分点))")
_DECIMAL_SPACE = re.compile(r"\d+\.\d+ \d+\s?(?:万|亿|元|%)")


@lru_cache(maxsize=1)
def _ocr_repairs() -> dict:
    """OCR confusions, decimal marks and split units from configs/ocr.yaml (none if it is absent)."""
    from .config import load_config
    try:
        cfg = load_config("ocr").get("repairs") or {}
    except FileNotFoundError:
        cfg = {}
    decimal_marks = cfg.get("decimal_marks", "")
    # where a step of ``normalise`` may change something: a unit symbol, an OCR look-alike digit, a
    # comma, a space, a point or a decimal mark; every other character is copied unchanged
    changeable = "".join(sorted(set(_DIGIT_LIKE) | set(", .") | set(decimal_marks)))
    return {
        "confusions": [(c["read"], c["means"]) for c in cfg.get("confusions", []) if len(c["read"]) == len(c["means"])],
        "decimal_marks": decimal_marks,
        "unit_spaces": tuple(cfg.get("unit_spaces", ())),
        "special": re.compile(_SYMBOL_RE.pattern + "|[" + re.escape(changeable) + "]"),
    }


def _spurious_space(s: str, i: int, unit_spaces: tuple) -> bool:
    """A space OCR put inside a decimal number ("27.7 5万元") or inside a unit ("万 元")."""
    j = i
    while j > 0 and (s[j - 1].isdigit() or s[j - 1] == "."):
        j -= 1
    if "." in s[j:i] and s[i - 1].isdigit() and _DECIMAL_SPACE.match(s, j):
        return True
    return any(s.startswith(u, i - u.index(" ")) for u in unit_spaces if " " in u)


def _extend_last(b: _Builder, o_end: int) -> None:
    """Drop a character by folding it into the previous output character's source range."""
    b.ends[-1] = o_end


def _between_digits(s: str, i: int) -> bool:
    prev = s[i - 1] if i else ""
    nxt = s[i + 1] if i + 1 < len(s) else ""
    return prev.isdigit() and (nxt.isdigit() or nxt in ".%") or (nxt.isdigit() and prev in ".")


def _is_thousands_group(s: str, j: int) -> bool:
    return len(s) >= j + 3 and s[j:j + 3].isdigit() and (j + 3 == len(s) or not s[j + 3].isdigit())


def _is_layout_space(s: str, i: int) -> bool:
    """A single space between digits of one number ("1 234.5"), not between two numbers in a table row."""
    j = i + 1
    k = j
    while k < len(s) and s[k].isdigit():
        k += 1
    # "12 345.6万元", "30 511户" style grouping only: exactly three digits follow, then a decimal point or
    # a unit.  Never before "%": "10 100%" is two table cells (a count and a rate), not 10100%.
    return k - j == 3 and k < len(s) and (s[k] in ".万亿元" or s[k] in _unit_initials()) \
        and s[i - 1].isdigit() and s[i - 2:i - 1] != " "


@lru_cache(maxsize=1)
def _unit_initials() -> frozenset:
    """First characters of the CJK count and measure units (configs/units.yaml)."""
    from .values import unit_lexicon
    return frozenset(u[0] for u, e in unit_lexicon().items()
                     if e.label == "QUANTITY" and not e.duration and "\u4e00" <= u[0] <= "\u9fff")
