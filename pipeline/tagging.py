"""Rule tagger for MONEY, PERCENT and QUANTITY, driven by the unit lexicon in ``configs/``.

It reads the normalised view and the tables already read (``Document.tables``), and emits
entities whose offsets point into the original text.  Four passes, each claiming the
characters it labels so later passes skip them:

1. tables: the bare cell numbers whose unit a header fixes, as ``pipeline/tables`` read them;
2. free text: a numeral with its own unit (284.32万元, 200余人次, 两个, 百分之九十);
3. shared units: a bare number that takes the unit of its neighbours in an enumeration
   (物业管理费0.05、差旅费0.68万元) or in an arithmetic expression (15652人（5032+11361-741=15652）);
4. qualifiers: a final 以下/以上 after a list applies to each item (4%、3%、2%以下).

Exclusions follow GUIDELINES.md section 2.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Iterator, Optional

from .config import load_config
from .doc import Entity
from .normalising import NormalisedText
from .tables import Tables
from .values import (CN_BIG_UNITS, CN_DIGITS, CN_SMALL_UNITS, UnitEntry, is_cjk, longest_unit, qualifier_words, read_span,
                     unit_lexicon, unit_prefix)

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)
_CN = f"[{_CN_CHARS}]+(?:[点點][{''.join(CN_DIGITS)}]+)?"
_NUMBER_RE = re.compile(rf"(?P<pct>百分之(?P<pctnum>{_CN}|{_ARABIC}))|(?P<num>{_ARABIC}|{_CN})")
_BARE_RE = re.compile(_ARABIC)
_ITEM_RE = re.compile(rf"({_ARABIC})(\s*、\s*(?:和|及|以及|与)?\s*)([\u4e00-\u9fff]{{0,10}})$")
_EXPR_RE = re.compile(rf"[（(]\s*({_ARABIC}(?:\s*[+\-×*÷=]\s*{_ARABIC})+)\s*[)）]")
_LIST_GAP = re.compile(r"\s*、\s*(?:和|及)?\s*")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class _Hit:
    """A labelled number in the normalised view (offsets are view indices)."""

    a: int
    b: int
    label: str
    value: float
    unit: str
    qualifier: Optional[str] = None
    own_unit: bool = True
    entry: Optional[UnitEntry] = None  # the written unit, lent to bare neighbours


@lru_cache(maxsize=1)
def _rules() -> dict:
    return load_config("rules")


def _minus_before(text: str, a: int) -> bool:
    """A minus sign that belongs to the number at ``a``: not a range (2020-2022) or a code (P-3)."""
    if a == 0 or text[a - 1] not in "-−":
        return False
    prev = text[a - 2] if a >= 2 else ""
    return not (prev.isdigit() or prev.isascii() and prev.isalpha() or prev in "~～")


def _unit_at(text: str, j: int) -> Optional[tuple[UnitEntry, int]]:
    """The unit starting at ``j`` (``values.unit_prefix``) and where it ends; a layout space may sit
    between two characters of a CJK unit (万 元)."""
    window, ends = [], []
    for k in range(j, min(len(text), j + 2 * longest_unit())):  # a space may follow each character
        if text[k] == " " and window and is_cjk(window[-1]) and k + 1 < len(text) and is_cjk(text[k + 1]):
            continue
        window.append(text[k])
        ends.append(k + 1)
    found = unit_prefix("".join(window))
    return (found[0], ends[found[1] - 1]) if found else None


class RuleTagger:
    """Finds numbers with units, and bare numbers whose unit a header or a neighbour fixes."""

    name = "rule_tagger"

    def __init__(self, settings: Optional[dict] = None):
        self.rules = _rules()
        self.followers_stop = {
            unit: re.compile("|".join(f"(?:{p})" for p in pats)) for unit, pats in self.rules["unit_followers_stop"].items() if pats
        }
        rates = load_config("units").get("rate_time_units") or []
        self.rate_re = re.compile("/(?:" + "|".join(map(re.escape, sorted(rates, key=len, reverse=True))) + ")" if rates else "(?!)")
        after = qualifier_words()["after"]
        self.after_words = sorted(after.items(), key=lambda kv: -len(kv[0]))

    def __call__(self, nt: NormalisedText, tables: Tables) -> list[Entity]:
        text = nt.text
        taken = bytearray(len(text) + 1)
        hits: list[_Hit] = []

        def claim(hs: Iterable[_Hit]) -> None:
            for h in hs:
                if any(taken[h.a:h.b]):
                    continue
                taken[h.a:h.b] = b"\x01" * (h.b - h.a)
                hits.append(h)

        claim(_Hit(n.a, n.b, n.label, n.value, n.unit, n.qualifier, own_unit=False) for n in tables.numbers)
        claim(self._free_hits(text, taken))
        claim(self._shared_unit_hits(text, hits, taken))
        hits = [_percent_without_layout_space(nt, h) for h in hits]
        hits.sort(key=lambda h: h.a)
        self._distribute_qualifiers(text, hits)
        return [_entity(nt, h) for h in hits]

    # == pass 2: numbers with their own unit =============================================
    def _free_hits(self, text: str, taken: bytearray) -> Iterator[_Hit]:
        for m in _NUMBER_RE.finditer(text):
            if any(taken[m.start():m.end()]):
                continue
            hit = self._free_hit(text, m)
            if hit is not None:
                yield hit  # claimed by the caller before the next match is read

    def _free_hit(self, text: str, m: re.Match) -> Optional[_Hit]:
        if m.group("pct"):
            return _read(text, m.start(), m.end(), "PERCENT", entry=unit_lexicon()["%"])
        a, b = m.span("num")
        numeral = text[a:b]
        is_cn = not numeral[0].isdigit()
        if is_cn and not self._chinese_numeral_ok(text, a, b):
            return None
        if not is_cn and self._excluded_arabic(text, a, b):
            return None
        j = b + 1 if b < len(text) and text[b] in "余多" else b
        if j < len(text) and text[j] == " ":
            j += 1
        found = _unit_at(text, j)
        if found is None:
            return None
        entry, end = found
        if entry.duration or (entry.arabic_only and is_cn):
            return None
        if not self._unit_boundary_ok(text, entry, end):
            return None
        if entry.requires_money_context and not self._money_context(text, a):
            return None
        if is_cn and numeral == "一" and not (end >= len(text) or text[end] in self.rules["one_counts_before"]):
            return None
        rate = self.rate_re.match(text, end) if entry.label == "QUANTITY" else None
        if rate:  # 8245吨/日: a rate per time keeps its compound unit as written
            end = rate.end()
        if not is_cn and _minus_before(text, a):  # 增长-16%: a fall
            a -= 1
        return _read(text, a, end, entry.label, entry=None if rate else entry)

    def _chinese_numeral_ok(self, text: str, a: int, b: int) -> bool:
        """Chinese numerals count only with a measure word and outside names, slogans and ordinals."""
        numeral = text[a:b]
        if numeral in self.rules["cn_numeral_stop"]:
            return False
        if not any(c in self.rules["cn_numeral_digits"] for c in numeral) and not (numeral[0] == "十" and len(numeral) > 1):
            return False
        before = text[max(0, a - 4):a].rstrip(" ")
        if before and before[-1] in _CN_CHARS:
            return False
        if any(before.endswith(p) for p in self.rules["cn_numeral_preceders_stop"]):
            return False
        after = text[b:b + 6]
        if any(after.startswith(stop) for stop in self.rules["cn_numeral_followers_stop"]):
            return False
        window = text[max(0, a - 3):b + 5]
        return not any(s in window for s in self.rules["slogans"])

    def _excluded_arabic(self, text: str, a: int, b: int) -> bool:
        """Ordinals (第3), codes (P1.5, G60), numberings (指标1) and document numbers."""
        prev = text[a - 1] if a else ""
        nxt = text[b] if b < len(text) else ""
        numeral = text[a:b]
        if prev == "第" or (prev.isascii() and prev.isalpha()) or prev in "#№":
            return True
        if prev in "[〔【" and nxt in "]〕】":
            return True
        if re.fullmatch(r"\d", numeral) and any(text.endswith(p, 0, a) for p in self.rules["numbering_prefixes"]):
            return True
        return False

    def _unit_boundary_ok(self, text: str, entry: UnitEntry, ue: int) -> bool:
        stop = self.followers_stop.get(entry.surface)
        if stop is not None and stop.match(text, ue):
            return False
        if entry.surface.isascii() and entry.surface.isalpha():
            # latin units (m, km, t) must not run into more latin letters
            if ue < len(text) and text[ue].isascii() and text[ue].isalpha():
                return False
        return True

    def _money_context(self, text: str, a: int) -> bool:
        """Money is being talked about around ``a`` (收入35.27亿, 安排51.6万城维资金)."""
        window = text[max(0, a - 12):a + 16]
        return any(w in window for w in self.rules["money_context_words"])

    # == pass 3: shared units =============================================================
    def _shared_unit_hits(self, text: str, hits: list[_Hit], taken: bytearray) -> Iterator[_Hit]:
        yield from self._enumeration_hits(text, hits, taken)
        yield from self._arithmetic_hits(text, hits, taken)

    def _enumeration_hits(self, text: str, hits: list[_Hit], taken: bytearray) -> Iterator[_Hit]:
        """物业管理费0.05、差旅费0.68万元: bare items of an enumeration take the unit of the item after them."""
        for h in [h for h in hits if h.own_unit and h.label in ("MONEY", "PERCENT", "QUANTITY")]:
            chain: list[_Hit] = []
            pos = h.a
            while True:
                m = _ITEM_RE.search(text, max(0, pos - 40), pos)
                if not m:
                    break
                a, b = m.span(1)
                if any(taken[a:b]) or re.search(r"\d", text[m.end(1):pos]):
                    break
                k = a
                while k > 0 and text[k - 1] == " ":
                    k -= 1
                prev = text[k - 1] if k else "\n"
                if prev == "第":
                    chain = []
                    break
                if not (_CJK_RE.match(prev) or prev == "、"):
                    break
                if h.entry is None:
                    break
                hit = _read(text, a, b, h.label, header=h.entry, own_unit=False)
                if hit is not None:
                    chain.append(hit)
                pos = a
            yield from chain

    def _arithmetic_hits(self, text: str, hits: list[_Hit], taken: bytearray) -> Iterator[_Hit]:
        """15652人（5032+11361-741=15652）: the terms of a sum take the unit of the total it explains."""
        by_end = {h.b: h for h in hits if h.own_unit}
        for m in _EXPR_RE.finditer(text):
            body = m.group(1)
            if not re.search(r"[+=×]", body):
                continue
            owner = by_end.get(m.start())
            if owner is None:
                continue
            if owner.entry is None:
                continue
            for t in _BARE_RE.finditer(body):
                a, b = m.start(1) + t.start(), m.start(1) + t.end()
                if any(taken[a:b]):
                    continue
                hit = _read(text, a, b, owner.label, header=owner.entry, own_unit=False)
                if hit is not None:
                    yield hit

    # == pass 4: qualifiers over lists ====================================================
    def _distribute_qualifiers(self, text: str, hits: list[_Hit]) -> None:
        """4%、3%、2%、8%以下: the final 以下/以上 applies to each item of the list."""
        for i in range(len(hits) - 1, 0, -1):
            last = hits[i]
            q = next((q for w, q in self.after_words if text.startswith(w, last.b)), None)
            if q is None:
                continue
            j = i
            while j > 0 and _LIST_GAP.fullmatch(text, hits[j - 1].b, hits[j].a) and hits[j - 1].label == last.label:
                j -= 1
                if hits[j].qualifier is None:
                    hits[j].qualifier = q


def _entity(nt: NormalisedText, h: _Hit) -> Entity:
    o = nt.to_original(h.a, h.b)
    return Entity(start=o.start, end=o.end, label=h.label, text=o.text, value=h.value, unit=h.unit,
                  qualifier=h.qualifier, source="rules")


def _percent_without_layout_space(nt: NormalisedText, h: _Hit) -> _Hit:
    """A percentage never has digit groups: ``10 100%`` (two table cells) is ``100%``."""
    if h.label != "PERCENT":
        return h
    for k in range(h.b - 2, h.a - 1, -1):
        if nt.ends[k] - nt.starts[k] > 1 and nt.original[nt.ends[k] - 1].isspace():
            r = read_span(nt.text, (k + 1, h.b), "PERCENT")
            return replace(h, a=k + 1, value=r.value) if r is not None else h
    return h


def _read(text: str, a: int, b: int, label: str, entry: Optional[UnitEntry] = None, header: Optional[UnitEntry] = None,
          own_unit: bool = True) -> Optional[_Hit]:
    """A hit for ``text[a:b]`` with its value, unit and qualifier from ``values.read_span``; ``entry``
    is the unit it lends bare neighbours, ``header`` the unit it borrows."""
    r = read_span(text, (a, b), label, header.surface if header else None)
    if r is None:
        return None
    return _Hit(a, b, label, r.value, r.unit, r.qualifier, own_unit=own_unit, entry=entry)


