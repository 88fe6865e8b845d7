"""Numbers, units and qualifiers: from a tagged span to (value, canonical unit, qualifier).

13003.0764万元 → 130030764 元; 200余人次 → (200, 人次, gt); 百分之九十 → (90, %).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .config import load_config

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3,
             "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
             "九": 9, "玖": 9}
CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS) + "点點"


@dataclass(frozen=True)
class UnitEntry:
    surface: str
    unit: str
    label: str
    multiplier: float
    duration: bool = False
    requires_money_context: bool = False
    arabic_only: bool = False


def parse_number(s: str) -> Optional[float]:
    """Arabic, Chinese or mixed numerals ("1,234.5", "一百零五", "两", "1.2万", "十二") → float."""
    s = s.strip().replace(",", "").replace("，", "").replace(" ", "").replace("點", "点")
    if not s:
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([万萬亿億千百]*)", s)
    if m:
        v = float(m.group(1))
        for ch in m.group(2):
            v *= CN_BIG_UNITS.get(ch) or CN_SMALL_UNITS.get(ch, 1)
        return v
    if all(c in CN_NUMERAL_CHARS for c in s):
        return _parse_chinese(s)
    return None


def _parse_chinese(s: str) -> Optional[float]:
    if "点" in s:
        whole, frac = s.split("点", 1)
        w = _parse_chinese(whole) if whole else 0.0
        if w is None or not frac or any(c not in CN_DIGITS for c in frac):
            return None
        return w + float("0." + "".join(str(CN_DIGITS[c]) for c in frac))
    if all(c in CN_DIGITS for c in s) and len(s) > 1:  # 二〇二四 style digit strings
        return float("".join(str(CN_DIGITS[c]) for c in s))
    total, section, digit, unit = 0, 0, None, 1
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
            if digit == 0:
                unit = 1  # 一万零三: after 零 a digit is counted as written
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            section += (1 if digit is None else digit) * unit
            digit = None
        elif ch in CN_BIG_UNITS:
            section += digit or 0
            unit = CN_BIG_UNITS[ch]
            if unit > 10_000 and total:
                total = (total + section) * unit
            else:
                total += section * unit
            section, digit = 0, None
        else:
            return None
    return float(total + section + (digit or 0) * _omitted_unit(unit))


def _omitted_unit(unit: int) -> int:
    """The unit a last digit stands in when speech leaves it out: 两万三 is 两万三千, 三千二 is 三千二百
    (after 十 the next unit down is 1, so 二十三 stays 23)."""
    return unit // 10 if unit >= 100 else 1


@lru_cache(maxsize=1)
def unit_lexicon() -> dict[str, UnitEntry]:
    """Every unit surface form from ``configs/units.yaml``, with 万/亿-prefixed counts composed."""
    cfg = load_config("units")
    lex: dict[str, UnitEntry] = {}
    for label, section in (("MONEY", "money"), ("PERCENT", "percent"), ("QUANTITY", "quantity")):
        for surface, spec in cfg[section].items():
            surface = str(surface)
            if isinstance(spec, dict):
                unit = spec.get("unit", "元" if label == "MONEY" else "%" if label == "PERCENT" else surface)
                lex[surface] = UnitEntry(surface, unit, label, float(spec.get("multiplier", 1)),
                                         bool(spec.get("duration", False)),
                                         bool(spec.get("requires_money_context", False)),
                                         bool(spec.get("arabic_only", False)))
            elif label == "QUANTITY":
                lex[surface] = UnitEntry(surface, str(spec), label, 1.0)
            else:
                lex[surface] = UnitEntry(surface, "元" if label == "MONEY" else "%" if label == "PERCENT" else surface,
                                         label, float(spec))
    for word in cfg.get("measure_words") or []:
        lex.setdefault(str(word), UnitEntry(str(word), str(word), "QUANTITY", 1.0))
    for surface, entry in list(lex.items()):
        if surface.isascii() and any(c.isalpha() for c in surface):  # M2, KM, Kg as well as m2, km, kg
            for variant in (surface.upper(), surface.capitalize()):
                lex.setdefault(variant, UnitEntry(variant, entry.unit, entry.label, entry.multiplier,
                                                  entry.duration, entry.requires_money_context, entry.arabic_only))
    for prefix, factor in (cfg.get("multiplier_prefixes") or {}).items():
        for surface, entry in list(lex.items()):
            composed = f"{prefix}{surface}"
            if entry.label != "QUANTITY" or entry.duration or not is_cjk(surface) or composed in lex:
                continue
            lex[composed] = UnitEntry(composed, entry.unit, entry.label, entry.multiplier * float(factor))
    return lex


@lru_cache(maxsize=1)
def longest_unit() -> int:
    """The length of the longest unit surface: how far after a numeral its unit may reach."""
    return max(map(len, unit_lexicon()))


def is_cjk(s: str) -> bool:
    """Is every character of ``s`` a CJK ideograph?"""
    return all("\u4e00" <= c <= "\u9fff" for c in s)


@lru_cache(maxsize=1)
def qualifier_words() -> dict[str, dict[str, str]]:
    return load_config("qualifiers")


def qualifier_of(before: str = "", inside: str = "", after: str = "") -> Optional[str]:
    """The qualifier set by words inside the span (余, 多), else after it (以上), else before it (约).

    A word before the number counts only when it is not the end of another word
    (签约 is not 约, 最近 is not 近); 以上 *before* a number means "the above" and sets nothing.
    """
    q = qualifier_words()
    for word in inside:
        if word in q["inside"]:
            return q["inside"][word]
    for word in sorted(q["after"], key=len, reverse=True):
        if after.startswith(word):
            return q["after"][word]
    blocked = q.get("before_blocked_by") or {}
    for word in sorted(q["before"], key=len, reverse=True):
        if before.endswith(word):
            head = before[:len(before) - len(word)]
            if head and head[-1] in blocked.get(word, ""):
                continue
            return q["before"][word]
    return None


# -- reading a span ------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """What a number span states (GUIDELINES.md section 3): value in the canonical unit, that
    unit, the qualifier, and the label its unit gives it."""

    value: float
    unit: str
    qualifier: Optional[str]
    label: str


_CN_NUMERAL = f"[{''.join(CN_DIGITS)}{''.join(CN_SMALL_UNITS)}{''.join(CN_BIG_UNITS)}]+(?:[点點][{''.join(CN_DIGITS)}]+)?"
_SPAN_RE = re.compile(rf"(?P<minus>[-−])?(?:(?P<pct>百分之)(?P<pctnum>{_CN_NUMERAL}|\d+(?:\.\d+)?)"
                      rf"|(?P<num>\d+(?:[,，]\d{{3}})*(?:[.．]\d+)?|{_CN_NUMERAL})(?P<inside>[余多几]?))(?P<rest>.*)")


def read_span(text: str, span: tuple[int, int], label: Optional[str],
              header_unit: Optional[str] = None) -> Optional[Reading]:
    """Value, canonical unit and qualifier of the number ``text[span[0]:span[1]]`` labelled
    ``label`` (``None``: whatever its unit says), or ``None`` if the span does not read as one.

    The one reader of every number span (rule tagger, table cells, model numbers, annotations):
    a minus, a numeral (Arabic, full-width or Chinese; 百分之X), 余/多 inside, then the unit as
    written, longest surface of configs/units.yaml first.  A bare numeral takes ``header_unit``
    (the surface a table header fixes: 万元, 户); bare money is in 元.  After its unit a span may
    carry a rate or compound unit (8245吨/日, 80公里/小时), kept as written; money is always 元.
    """
    start, end = span
    m = _SPAN_RE.fullmatch(re.sub(r"\s+", "", text[start:end]))
    if m is None:
        return None
    if m.group("pct"):
        value, entry, rest = parse_number(m.group("pctnum")), unit_lexicon()["%"], m.group("rest")
        if rest:
            return None
    else:
        value = parse_number(m.group("num").replace("．", "."))
        entry, rest = _unit_of(m.group("rest"), header_unit, label)
    if value is None or entry is None or (label is not None and entry.label != label):
        return None
    unit = entry.unit if not rest or entry.label != "QUANTITY" else _compound(entry, rest)
    sign = -1 if m.group("minus") else 1
    return Reading(sign * float(round(value * entry.multiplier, 6)), unit,
                   qualifier_around(text, span, m.group("inside") or ""), entry.label)


def qualifier_around(text: str, span: tuple[int, int], inside: str = "") -> Optional[str]:
    """The qualifier of the number at ``span`` from the words inside it and around it."""
    start, end = span
    reach = qualifier_words()["reach"]
    return qualifier_of(text[max(0, start - reach["before"]):start], inside, text[end:end + reach["after"]])


def _unit_of(written: str, header_unit: Optional[str], label: Optional[str]) -> tuple[Optional[UnitEntry], str]:
    """The unit entry a span's tail names, and what follows that unit."""
    if not written:
        surface = header_unit or ("元" if label == "MONEY" else None)
        return (unit_lexicon().get(surface) if surface else None), ""
    found = unit_prefix(written)
    return (found[0], written[found[1]:]) if found else (None, written)


def unit_prefix(s: str) -> Optional[tuple[UnitEntry, int]]:
    """The longest unit surface ``s`` starts with, and how many characters it covers; a doubled
    first character (个个百分点) is a typo when the unit after it is longer."""
    lex = unit_lexicon()
    n = next((n for n in range(min(len(s), longest_unit()), 0, -1) if s[:n] in lex), 0)
    if len(s) > 2 and s[0] == s[1]:
        second = unit_prefix(s[1:])
        if second is not None and second[1] >= max(2, n):
            return second[0], second[1] + 1
    return (lex[s[:n]], n) if n else None


def _compound(entry: UnitEntry, rest: str) -> str:
    """A unit followed by more of itself: a rate or compound (吨/日, 公里/小时) keeps the canonical
    unit and the rest as written; anything else is kept whole as written (个项目)."""
    return f"{entry.unit}{rest}" if rest.startswith("/") else entry.surface + rest

