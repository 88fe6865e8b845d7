"""Rule tagger for MONEY, PERCENT and QUANTITY, driven by the unit lexicon in ``configs/``.

It reads the normalised view and emits entities whose offsets point into the original
text.  Exclusions follow GUIDELINES.md section 2 ("What is not an entity").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

from .config import load_config
from .doc import Entity
from .normalising import NormalisedText
from .values import CN_BIG_UNITS, CN_DIGITS, CN_SMALL_UNITS, parse_number, qualifier_of, unit_lexicon, UnitEntry

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN = "[" + "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS) + "]+(?:点[" + "".join(CN_DIGITS) + "]+)?"
_HEADER_UNIT_RE = re.compile(r"(?:金额|资金|单位|预算|数额|金额单位|计量单位)[^\n]{0,12}?[(（:：]\s*(万元|元|亿元|千元)\s*[)）]?|(?:单位|金额单位)\s*[:：]\s*(万元|元|亿元|千元)")


@dataclass(frozen=True)
class RuleSettings:
    max_before: int = 4
    max_after: int = 3


@lru_cache(maxsize=1)
def _unit_regex() -> re.Pattern:
    surfaces = sorted(unit_lexicon(), key=len, reverse=True)
    return re.compile("|".join(re.escape(s) for s in surfaces))


@lru_cache(maxsize=1)
def _rules() -> dict:
    return load_config("rules")


class RuleTagger:
    """Finds numbers with units (and bare numbers under a money header) in the normalised view."""

    name = "rule_tagger"

    def __init__(self, settings: Optional[dict] = None):
        self.rules = _rules()
        self.number_re = re.compile(
            rf"(?P<pct>百分之(?P<pctnum>{_CN}|{_ARABIC}))|(?P<num>{_ARABIC}|{_CN})"
        )

    def __call__(self, nt: NormalisedText) -> list[Entity]:
        text = nt.text
        found: list[Entity] = []
        taken = [False] * (len(text) + 1)
        for m in self.number_re.finditer(text):
            ent = self._match_at(nt, m)
            if ent is None:
                continue
            a, b = ent
            if any(taken[a:b]):
                continue
            for k in range(a, b):
                taken[k] = True
            found.append(self._entity(nt, a, b))
        found.extend(self._header_money(nt, taken))
        found = [e for e in found if e is not None]
        found.sort(key=lambda e: e.start)
        return found

    # -- number with a unit ---------------------------------------------------------
    def _match_at(self, nt: NormalisedText, m: re.Match) -> Optional[tuple[int, int]]:
        text = nt.text
        if m.group("pct"):
            return (m.start(), m.end())
        a, b = m.start("num"), m.end("num")
        numeral = text[a:b]
        is_cn = not numeral[0].isdigit()
        if is_cn and not self._chinese_numeral_ok(text, a, b):
            return None
        if not is_cn and self._excluded_arabic(text, a, b):
            return None
        j = b
        if j < len(text) and text[j] in "余多":
            j += 1
        if j < len(text) and text[j] == " ":
            j += 1
        um = _unit_regex().match(text, j)
        if not um:
            return None
        entry = unit_lexicon()[um.group(0)]
        if entry.duration:
            return None
        end = um.end()
        if not self._unit_boundary_ok(text, entry, um.start(), end, is_cn):
            return None
        if entry.requires_money_context and not self._money_context(text, a, end):
            return None
        for compound in self.rules.get("compound_kept", []):
            if text.startswith(compound, um.start()):
                end = um.start() + len(compound)
        return (a, end)

    def _chinese_numeral_ok(self, text: str, a: int, b: int) -> bool:
        """Chinese numerals count only with a measure word and outside names, slogans and ordinals."""
        numeral = text[a:b]
        if numeral in self.rules["cn_numeral_stop"]:
            return False
        prev = text[a - 1] if a else ""
        if prev in "第周初" or prev in CN_DIGITS:
            return False
        after = text[b:b + 6]
        for stop in self.rules["cn_numeral_followers_stop"]:
            if after.startswith(stop):
                return False
        window = text[max(0, a - 2):b + 4]
        return not any(s in window for s in self.rules["slogans"])

    def _excluded_arabic(self, text: str, a: int, b: int) -> bool:
        prev = text[a - 1] if a else ""
        prev2 = text[max(0, a - 2):a]
        nxt = text[b] if b < len(text) else ""
        if prev in "第[〔【(#" and nxt in "号]〕】)":
            return True
        if prev == "第" or prev2 in ("指标",) or (prev.isascii() and prev.isalpha()):
            return True
        if text[a:b].count(".") == 1 and nxt in "、" and not text[a:b].split(".")[1]:
            return True
        return False

    def _unit_boundary_ok(self, text: str, entry: UnitEntry, us: int, ue: int, is_cn: bool) -> bool:
        after = text[ue:ue + 4]
        for nxt in self.rules["unit_followers_stop"].get(entry.surface, []):
            if after.startswith(nxt):
                return False
        if entry.surface.isascii() and entry.surface.isalpha():
            # latin units (m, km, t) must not run into more latin letters
            if ue < len(text) and text[ue].isascii() and text[ue].isalpha():
                return False
        return True

    def _money_context(self, text: str, a: int, b: int) -> bool:
        window = text[max(0, a - 12):a]
        return any(w in window for w in self.rules["money_context_words"])

    # -- bare numbers whose unit a header fixes --------------------------------------
    def _header_money(self, nt: NormalisedText, taken: list[bool]) -> Iterable[Entity]:
        text = nt.text
        for hm in _HEADER_UNIT_RE.finditer(text):
            unit = hm.group(1) or hm.group(2)
            start = hm.end()
            stop = _table_end(text, start)
            for m in re.finditer(rf"(?<![\d.\w]){_ARABIC}(?![\d.%\w])", text[start:stop]):
                a, b = start + m.start(), start + m.end()
                if any(taken[a:b]) or not _is_cell(text, a, b):
                    continue
                for k in range(a, b):
                    taken[k] = True
                yield self._entity(nt, a, b, unit_surface=unit)

    # -- entity construction ---------------------------------------------------------
    def _entity(self, nt: NormalisedText, a: int, b: int, unit_surface: Optional[str] = None) -> Entity:
        text = nt.text
        span_text = text[a:b]
        before = text[max(0, a - 6):a]
        after = text[b:b + 4]
        if span_text.startswith("百分之"):
            value = parse_number(span_text[3:])
            label, unit, q = "PERCENT", "%", qualifier_of(before, "", after)
        else:
            m = re.match(rf"({_ARABIC}|{_CN})(余|多)?\s?(.*)$", span_text)
            numeral, inside, surface = m.group(1), m.group(2) or "", m.group(3)
            surface = surface or unit_surface
            entry = unit_lexicon()[_longest_unit(surface)]
            value = parse_number(numeral)
            value = None if value is None else round(value * entry.multiplier, 6)
            label, unit = entry.label, entry.unit
            if surface not in unit_lexicon():  # compound unit kept as written (公里/小时)
                unit = surface
            q = qualifier_of(before, inside, after)
        o = nt.to_original(a, b)
        return Entity(start=o.start, end=o.end, label=label, text=o.text, value=value, unit=unit,
                      qualifier=q, source="rules")


def _longest_unit(surface: str) -> str:
    lex = unit_lexicon()
    if surface in lex:
        return surface
    m = _unit_regex().match(surface)
    return m.group(0)


def _table_end(text: str, start: int) -> int:
    """A header's unit holds until a blank-line-separated heading that starts a new section."""
    m = re.search(r"\n\s*\n(?=[（(]?[一二三四五六七八九十]+[、)）])|\n[一二三四五六七八九十]+、", text[start:])
    return start + m.start() if m else len(text)


def _is_cell(text: str, a: int, b: int) -> bool:
    """A bare number that fills a table cell on its own (flattened with tabs/newlines)."""
    left = text[max(0, a - 3):a]
    right = text[b:b + 3]
    return bool(re.search(r"[\t\n]\s*$", left) or left == "") and bool(re.match(r"\s*(?:[\t\n]|$)", right))
