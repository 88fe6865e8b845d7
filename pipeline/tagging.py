"""Rule tagger for MONEY, PERCENT and QUANTITY, driven by the unit lexicon in ``configs/``.

It reads the normalised view and emits entities whose offsets point into the original
text.  Four passes, each claiming the characters it labels so later passes skip them:

1. tables: bare cells whose unit a header fixes (金额单位：万元, 项目资金（万元） with its
   columns, a row header 征收工作经费（万元）, a slashed header （场次/人数） over ``1/160``);
2. free text: a numeral with its own unit (284.32万元, 200余人次, 两个, 百分之九十);
3. shared units: a bare number that takes the unit of its neighbours in an enumeration
   (物业管理费0.05、差旅费0.68万元) or in an arithmetic expression (15652人（5032+11361-741=15652）);
4. qualifiers: a final 以下/以上 after a list applies to each item (4%、3%、2%以下).

Exclusions follow GUIDELINES.md section 2 ("What is not an entity").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Iterator, Optional

from .config import load_config
from .doc import Entity
from .normalising import NormalisedText
from .values import CN_BIG_UNITS, CN_DIGITS, CN_SMALL_UNITS, UnitEntry, read_span, unit_lexicon

_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_BIG_UNITS)
_CN = f"[{_CN_CHARS}]+(?:[点點][{''.join(CN_DIGITS)}]+)?"
_NUMBER_RE = re.compile(rf"(?P<pct>百分之(?P<pctnum>{_CN}|{_ARABIC}))|(?P<num>{_ARABIC}|{_CN})")
_BARE_RE = re.compile(rf"{_ARABIC}")
_WHOLE_TABLE_UNIT_RE = re.compile(r"(?:金额单位|计量单位|单位)\s*[:：]\s*(万元|元|亿元|千元)")
_UNIT_PAREN_RE = re.compile(r"[（(]\s*([^（）()\n]{1,14}?)\s*[)）]")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_CLAUSE_END = "，,。；;：:！？!?\n"


@dataclass
class _Hit:
    """A labelled number in the normalised view (offsets are view indices)."""

    a: int
    b: int
    label: str
    value: Optional[float]
    unit: str
    qualifier: Optional[str] = None
    own_unit: bool = True
    entry: Optional[UnitEntry] = None  # the written unit, lent to bare neighbours
    subject: Optional[tuple[int, int]] = None  # a table's row or column title, when the table says it


@dataclass
class _Cell:
    start: int
    end: int
    text: str

    @property
    def compact(self) -> str:
        return re.sub(r"\s+", "", self.text)


@lru_cache(maxsize=1)
def _rules() -> dict:
    return load_config("rules")


@lru_cache(maxsize=1)
def _unit_regex() -> re.Pattern:
    """Unit surfaces, longest first; layout spaces may sit between the characters of a CJK unit."""
    parts = []
    for s in sorted(unit_lexicon(), key=len, reverse=True):
        if len(s) > 1 and all("\u4e00" <= c <= "\u9fff" for c in s):
            parts.append(" ?".join(map(re.escape, s)))
        else:
            parts.append(re.escape(s))
    return re.compile("|".join(parts))


def _minus_before(text: str, a: int) -> bool:
    """A minus sign that belongs to the number at ``a``: not a range (2020-2022) or a code (P-3)."""
    if a == 0 or text[a - 1] not in "-−":
        return False
    prev = text[a - 2] if a >= 2 else ""
    return not (prev.isdigit() or prev.isascii() and prev.isalpha() or prev in "~～")


def _unit_at(text: str, j: int) -> Optional[tuple[UnitEntry, int, int]]:
    """The unit starting at ``j`` (a doubled first character, 个个百分点, is read as a typo)."""
    m = _unit_regex().match(text, j)
    if j + 1 < len(text) and text[j] == text[j + 1]:
        m2 = _unit_regex().match(text, j + 1)
        if m2 and len(m2.group(0)) >= 2 and (m is None or m2.end() > m.end()):
            return unit_lexicon()[m2.group(0).replace(" ", "")], j, m2.end()
    if not m:
        return None
    return unit_lexicon()[m.group(0).replace(" ", "")], j, m.end()


class RuleTagger:
    """Finds numbers with units, and bare numbers whose unit a header or a neighbour fixes."""

    name = "rule_tagger"

    def __init__(self, settings: Optional[dict] = None):
        self.rules = _rules()
        self.table = self.rules["table"]
        self.followers_stop = {
            unit: re.compile("|".join(f"(?:{p})" for p in pats)) for unit, pats in self.rules["unit_followers_stop"].items() if pats
        }
        columns = sorted(self.table["value_columns"] + self.table["other_columns"], key=len, reverse=True)
        rates = load_config("units").get("rate_time_units") or []
        self.rate_re = re.compile("/(?:" + "|".join(map(re.escape, sorted(rates, key=len, reverse=True))) + ")" if rates else "(?!)")
        self.column_re = re.compile(r"(" + "|".join(map(re.escape, columns)) + r")(?:[(（][A-Za-z/+\-]+[)）])?")

    def __call__(self, nt: NormalisedText) -> list[Entity]:
        text = nt.text
        # view positions where the normaliser joined digits across a space ("10 100%"): in a
        # space-separated table these are still cell boundaries
        self._joined = {k + 1 for k in range(len(text) - 1)
                        if nt.ends[k] - nt.starts[k] > 1 and nt.original[nt.ends[k] - 1].isspace()}
        # table cells whose title the table pass knows (row label, indicator name, rate column)
        self._titles: dict[int, tuple[int, int]] = {}
        taken = bytearray(len(text) + 1)
        hits: list[_Hit] = []

        def claim(hs: Iterable[_Hit]) -> None:
            for h in hs:
                if any(taken[h.a:h.b]):
                    continue
                taken[h.a:h.b] = b"\x01" * (h.b - h.a)
                hits.append(h)

        claim(self._table_hits(text))
        claim(self._free_hits(text, taken))
        claim(self._shared_unit_hits(text, hits, taken))
        hits = [_percent_without_layout_space(nt, h) for h in hits if h.value is not None]
        for h in hits:
            if h.subject is None and h.a in self._titles:
                h.subject = self._titles[h.a]
        hits.sort(key=lambda h: h.a)
        self._distribute_qualifiers(text, hits)
        return [self._entity(nt, h) for h in hits]

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
        entry, us, end = found
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
        if re.fullmatch(r"\d", numeral) and any(text[:a].endswith(p) for p in self.rules["numbering_prefixes"]):
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

    # == pass 1: tables ===================================================================
    def _table_hits(self, text: str) -> Iterator[_Hit]:
        for m in _UNIT_PAREN_RE.finditer(text):
            entries = _header_units(m.group(1))
            if entries is None:
                continue
            yield from self._under_header(text, m.start(), m.end(), entries)
        for m in _WHOLE_TABLE_UNIT_RE.finditer(text):
            entries = [unit_lexicon()[m.group(1)]]
            cells = self._cells(text, m.end(), _table_end(text, m.end()))
            yield from self._table_rows(text, cells, entries, whole_table=True)

    def _under_header(self, text: str, hs: int, he: int, entries: list[UnitEntry]) -> Iterator[_Hit]:
        """Cells that follow a header cell ending in a unit: its row (row header) or its table."""
        tail = re.match(r"[ \t]*[:：]?[ \t]*", text[he:])
        glued = he + tail.end() if tail else he
        if glued < len(text) and text[glued].isdigit():
            cells = self._cells(text, glued, min(len(text), he + 3000), glued_first=True)
        else:
            if he < len(text) and not text[he].isspace() and text[he] != "|":
                return  # the paren sits inside running prose
            cells = self._cells(text, he, min(len(text), he + 3000))
        first = next((c for c in cells if c.text), None)
        if first is None:
            return
        kind = self._cell_kind(first)
        if kind in ("num", "slash", "valued", "placeholder"):
            columns = self._indicator_columns(text, hs)
            yield from self._row_cells(text, cells, entries, columns, _title_parts(text, hs))
        elif kind in ("column", "label"):
            yield from self._table_rows(text, cells, entries, whole_table=False)

    def _row_cells(self, text: str, cells: list[_Cell], entries: list[UnitEntry], columns: list[str],
                   titles: list[tuple[int, int]]) -> Iterator[_Hit]:
        """The value cells of one row after its header; the header's unit fills value columns,
        and its name (split at / for a slashed header) is their subject.

        Without a known header row only the first cell takes the unit.
        """
        width = max(1, len(columns))
        k = 0
        for c in cells:
            if k >= width:
                return
            if not c.text:
                k += 1  # an empty cell keeps its column (tab and pipe tables)
                continue
            kind = self._cell_kind(c)
            if kind not in ("num", "slash", "valued", "placeholder"):
                return
            col = columns[k] if columns else None
            if titles:
                self._titles.setdefault(_first_digit(c), titles[0])
            if col is None or col in self.table["value_columns"]:
                yield from self._cell_hits(text, c, kind, entries, titles)
            k += 1

    def _table_rows(self, text: str, cells: list[_Cell], entries: list[UnitEntry], whole_table: bool) -> Iterator[_Hit]:
        """A table under one unit: columns from its header row, then rows of label + values."""
        columns: list[str] = []
        column_cells: list[_Cell] = []
        row_title: Optional[tuple[int, int]] = None
        idx: Optional[int] = None
        seen_value = False
        n_cells = 0
        for c in cells:
            n_cells += 1
            if n_cells > self.table["max_cells"]:
                return
            if not c.text:
                if idx is not None and seen_value:
                    idx += 1
                continue
            kind = self._cell_kind(c)
            if kind == "end" or (kind == "header" and seen_value):
                return
            if not whole_table and self._leaves_table(c, kind, entries):
                return
            if kind == "column":
                if not seen_value:
                    names = self._column_names(c.compact)
                    columns.extend(names)
                    column_cells.extend([c] * len(names))
                continue
            if kind in ("label", "header"):
                idx = 0
                row_title = _clean_title(c)
                lab = re.match(rf"(.*?[^\d.,%\s])\s*({_ARABIC}%?|[\d.]+%)$", c.text)
                if lab and _CJK_RE.search(lab.group(1)) and len(c.text) > len(lab.group(2)):
                    # label glued to its first value (年度资金总额:40004000100%)
                    c = _Cell(c.start + lab.start(2), c.end, lab.group(2))
                    kind = self._cell_kind(c)
                else:
                    continue
            if kind == "placeholder" or kind == "valued":
                seen_value = True
                i = idx or 0
                if kind == "valued" and columns:
                    col = columns[i % len(columns)]
                    # a rate in the 执行率 column is about the rate; an amount, about its row
                    if col in self.table["other_columns"]:
                        self._titles.setdefault(_first_digit(c), _clean_title(column_cells[i % len(columns)]))
                    elif row_title:
                        self._titles.setdefault(_first_digit(c), row_title)
                idx = i + 1
                continue
            if kind not in ("num", "slash", "glued"):
                continue
            seen_value = True
            i = idx or 0
            col = columns[i % len(columns)] if columns else None
            if kind == "glued":
                rate_col = next((cc for name, cc in zip(columns, column_cells) if "执行率" in name), None)
                yield from self._glued_hits(text, c, entries, row_title, _clean_title(rate_col) if rate_col else None)
                idx = i + 3
                continue
            if col is None or col in self.table["value_columns"] or (whole_table and col not in self.table["other_columns"]):
                yield from self._cell_hits(text, c, kind, entries, [row_title] if row_title and not whole_table else [])
            idx = i + 1

    def _leaves_table(self, c: _Cell, kind: str, entries: list[UnitEntry]) -> bool:
        """A cell that cannot belong to a table under ``entries``: an indicator title, or a value
        measured in another dimension (38508人 after a money table)."""
        t = c.compact
        if kind == "label" and (t.startswith("指标") or t.endswith("指标") or t.endswith("目标")):
            return True
        if kind == "valued":
            m = re.match(r"[≥≤<>=＜＞约近超]*[\d.,]+\s*(.*)$", t)
            found = _unit_at(m.group(1), 0) if m and m.group(1) else None
            if found and found[0].label not in (entries[0].label, "PERCENT"):
                return True
        return False

    def _cell_hits(self, text: str, c: _Cell, kind: str, entries: list[UnitEntry],
                   titles: list[tuple[int, int]]) -> Iterator[_Hit]:
        if kind == "num":
            m = _BARE_RE.search(c.text)
            hits = [_header_hit(text, c.start + m.start(), c.start + m.end(), entries[0], titles[0] if titles else None)]
        elif kind == "slash":
            nums = list(_BARE_RE.finditer(c.text))
            if len(nums) != len(entries):
                return
            hits = [_header_hit(text, c.start + m.start(), c.start + m.end(), e,
                                titles[k] if len(titles) == len(nums) else (titles[0] if titles else None))
                    for k, (m, e) in enumerate(zip(nums, entries))]
        else:
            return
        yield from (h for h in hits if h is not None)

    def _glued_hits(self, text: str, c: _Cell, entries: list[UnitEntry], row_title: Optional[tuple[int, int]],
                    rate_title: Optional[tuple[int, int]]) -> Iterator[_Hit]:
        """Budget, execution and rate cells printed without separators (40004000100%)."""
        m = re.search(r"([\d.]+)%$", c.text)
        split = _split_glued(m.group(1))
        if split is None:
            return
        a_txt, b_txt, r_txt = split
        a = c.start + m.start(1)
        b = a + len(a_txt)
        r = b + len(b_txt)
        hits = [_header_hit(text, a, b, entries[0], row_title), _header_hit(text, b, r, entries[0], row_title),
                _read(text, r, r + len(r_txt) + 1, "PERCENT", subject=rate_title)]
        yield from (h for h in hits if h is not None)

    def _cell_kind(self, c: _Cell) -> str:
        t = c.compact
        if not t:
            return "empty"
        if re.fullmatch(_ARABIC, t):
            return "num"
        if re.fullmatch(rf"{_ARABIC}(?:[/／]{_ARABIC})+", t):
            return "slash"
        if re.fullmatch(r"\d{7,}(?:\.\d+)?%", t) or re.fullmatch(r"\d+\.\d+\d*\.\d+%", t):
            return "glued"
        if t in self.table["placeholder_cells"]:
            return "placeholder"
        if _UNIT_PAREN_RE.search(t) and _header_units(_UNIT_PAREN_RE.search(t).group(1)):
            return "header"
        if self._column_names(t):
            return "column"
        if any(t.startswith(e) for e in self.table["end_cells"]):
            return "end"
        if re.fullmatch(r"[≥≤<>=＜＞约近超]*[\d.,]+[^\s]{0,8}", t):
            return "valued"
        return "label"

    def _column_names(self, compact: str) -> list[str]:
        """The column titles a header cell holds (one, or several glued: 全年预算数(A)全年执行数(B))."""
        names, pos = [], 0
        for m in self.column_re.finditer(compact):
            if m.start() != pos:
                return []
            names.append(m.group(1))
            pos = m.end()
        return names if pos == len(compact) else []

    def _indicator_columns(self, text: str, hs: int) -> list[str]:
        """The value columns after the indicator-name column of the nearest header row above."""
        lo = max(0, hs - 6000)
        best = None
        for name in self.table["name_columns"]:
            pat = r"\s*".join(map(re.escape, name))
            for m in re.finditer(pat, text[lo:hs]):
                if best is None or lo + m.end() > best:
                    best = lo + m.end()
        if best is None:
            return []
        columns: list[str] = []
        for c in self._cells(text, best, min(hs, best + 400)):
            if not c.text:
                continue
            names = self._column_names(c.compact)
            if names:
                columns.extend(names)
            elif len(c.compact) > 3 or columns and len(columns) >= 2:
                break
        return columns

    def _cells(self, text: str, start: int, stop: int, glued_first: bool = False) -> list[_Cell]:
        """Cells of a flattened table: tab- or pipe-separated when the region uses them, else by spaces."""
        region = text[start:stop]
        head = region[:200]
        if "\t" in head:
            sep = r"\t"
        elif "|" in head:
            sep = r"\|"
        else:
            sep = r"\s+"
        cuts = [(m.start(), m.end()) for m in re.finditer(sep, region)]
        if sep == r"\s+":
            joined = getattr(self, "_joined", ())
            cuts = sorted(cuts + [(k - start, k - start) for k in joined if start < k < stop])
        cells = []
        pos = 0
        for a, b in cuts:
            cells.append((pos, a))
            pos = b
        cells.append((pos, len(region)))
        out = []
        for i, (a, b) in enumerate(cells):
            piece = region[a:b]
            stripped = piece.strip(" \n\r\u3000")
            if i == 0 and not glued_first and sep != r"\s+":
                continue  # the rest of the header cell
            off = piece.find(stripped) if stripped else 0
            out.append(_Cell(start + a + off, start + a + off + len(stripped), stripped))
        return out

    # == pass 3: shared units =============================================================
    def _shared_unit_hits(self, text: str, hits: list[_Hit], taken: bytearray) -> Iterator[_Hit]:
        yield from self._enumeration_hits(text, hits, taken)
        yield from self._arithmetic_hits(text, hits, taken)

    def _enumeration_hits(self, text: str, hits: list[_Hit], taken: bytearray) -> Iterator[_Hit]:
        """物业管理费0.05、差旅费0.68万元: bare items of an enumeration take the unit of the item after them."""
        item_re = re.compile(rf"({_ARABIC})(\s*、\s*(?:和|及|以及|与)?\s*)([\u4e00-\u9fff]{{0,10}})$")
        for h in [h for h in hits if h.own_unit and h.label in ("MONEY", "PERCENT", "QUANTITY")]:
            chain: list[_Hit] = []
            pos = h.a
            while True:
                m = item_re.search(text, max(0, pos - 40), pos)
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
                entry = _entry_of(h)
                if entry is None:
                    break
                hit = _read(text, a, b, h.label, header=entry, own_unit=False)
                if hit is not None:
                    chain.append(hit)
                pos = a
            yield from chain

    def _arithmetic_hits(self, text: str, hits: list[_Hit], taken: bytearray) -> Iterator[_Hit]:
        """15652人（5032+11361-741=15652）: the terms of a sum take the unit of the total it explains."""
        expr_re = re.compile(rf"[（(]\s*({_ARABIC}(?:\s*[+\-×*÷=]\s*{_ARABIC})+)\s*[)）]")
        by_end = {h.b: h for h in hits if h.own_unit}
        for m in expr_re.finditer(text):
            body = m.group(1)
            if not re.search(r"[+=×]", body):
                continue
            owner = by_end.get(m.start())
            if owner is None:
                continue
            entry = _entry_of(owner)
            if entry is None:
                continue
            for t in _BARE_RE.finditer(body):
                a, b = m.start(1) + t.start(), m.start(1) + t.end()
                if any(taken[a:b]):
                    continue
                hit = _read(text, a, b, owner.label, header=entry, own_unit=False)
                if hit is not None:
                    yield hit

    # == pass 4: qualifiers over lists ====================================================
    @staticmethod
    def _distribute_qualifiers(text: str, hits: list[_Hit]) -> None:
        """4%、3%、2%、8%以下: the final 以下/以上 applies to each item of the list."""
        after_words = load_config("qualifiers")["after"]
        for i in range(len(hits) - 1, 0, -1):
            last = hits[i]
            tail = text[last.b:last.b + 4]
            word = next((w for w in sorted(after_words, key=len, reverse=True) if tail.startswith(w)), None)
            if word is None:
                continue
            j = i
            while j > 0 and re.fullmatch(r"\s*、\s*(?:和|及)?\s*", text[hits[j - 1].b:hits[j].a]) \
                    and hits[j - 1].label == last.label:
                j -= 1
                if hits[j].qualifier is None:
                    hits[j].qualifier = after_words[word]

    # -- entity construction ---------------------------------------------------------
    @staticmethod
    def _entity(nt: NormalisedText, h: _Hit) -> Entity:
        o = nt.to_original(h.a, h.b)
        subject = nt.to_original(*h.subject) if h.subject and h.subject[1] > h.subject[0] else None
        return Entity(start=o.start, end=o.end, label=h.label, text=o.text, value=h.value, unit=h.unit,
                      qualifier=h.qualifier, subject=subject, source="rules")


def _percent_without_layout_space(nt: NormalisedText, h: _Hit) -> _Hit:
    """A percentage never has digit groups: ``10 100%`` (two table cells) is ``100%``."""
    if h.label != "PERCENT":
        return h
    for k in range(h.b - 2, h.a - 1, -1):
        if nt.ends[k] - nt.starts[k] > 1 and nt.original[nt.ends[k] - 1].isspace():
            r = read_span(nt.text, (k + 1, h.b), "PERCENT")
            return replace(h, a=k + 1, value=r.value) if r is not None else h
    return h


def _entry_of(h: _Hit) -> Optional[UnitEntry]:
    """The unit a bare neighbour borrows from a hit: the one written in it (万元 keeps its × 10000)."""
    return h.entry


def _header_units(content: str) -> Optional[list[UnitEntry]]:
    """Units named by a header parenthesis: （万元）, （户）, （场次/人数）, (≥**人); None if it is not one."""
    lex = unit_lexicon()
    body = re.sub(r"[≥≤<>=＜＞*＊\s]", "", content)
    if not body:
        return None
    out = []
    for part in re.split(r"[/／]", body):
        e = lex.get(part)
        if e is None and part.endswith("数"):
            e = lex.get(part[:-1])
        if e is None or e.duration:
            return None
        out.append(e)
    return out


def _header_hit(text: str, a: int, b: int, entry: UnitEntry, subject: Optional[tuple[int, int]] = None) -> Optional[_Hit]:
    """A bare cell number under a header that names its unit."""
    return _read(text, a, b, entry.label, header=entry, own_unit=False, subject=subject)


def _read(text: str, a: int, b: int, label: str, entry: Optional[UnitEntry] = None, header: Optional[UnitEntry] = None,
          own_unit: bool = True, subject: Optional[tuple[int, int]] = None) -> Optional[_Hit]:
    """A hit for ``text[a:b]`` with its value, unit and qualifier from ``values.read_span``."""
    r = read_span(text, (a, b), label, header.surface if header else None)
    if r is None:
        return None
    return _Hit(a, b, label, r.value, r.unit, r.qualifier, own_unit=own_unit, entry=entry, subject=subject)


def _first_digit(c: _Cell) -> int:
    m = re.search(r"\d", c.text)
    return c.start + (m.start() if m else 0)


def clean_label(text: str, a: int, b: int) -> tuple[int, int]:
    """A label cell's title within ``text[a:b]``: without stars, 其中：, trailing colons and a
    trailing parenthesis (征收工作经费（万元） → 征收工作经费).  Shared with the resolver."""
    seg = text[a:b]
    m = re.match(r"[\s★☆*\u3000]*(?:其中\s*[:：]\s*)?", seg)
    a += m.end()
    seg = seg[m.end():]
    p = re.search(r"[(（]", seg)
    if p and p.start() >= 2:
        seg = seg[:p.start()]
    seg = seg.rstrip(" :：\u3000\n")
    return a, a + len(seg)


def _clean_title(c: _Cell) -> tuple[int, int]:
    a, b = clean_label(c.text, 0, len(c.text))
    return c.start + a, c.start + b


def _title_parts(text: str, hs: int) -> list[tuple[int, int]]:
    """The name of a row header cell that ends at its unit parenthesis, split at / when slashed."""
    a = hs
    while a > 0 and text[a - 1] not in "\t\n|" and hs - a < 60:
        a -= 1
    cell = _Cell(a, hs, text[a:hs])
    s, e = _clean_title(cell)
    while s < e and text[s] in " \u3000":
        s += 1
    if e - s < 2:
        return []
    parts, pos = [], s
    for m in re.finditer(r"[/／]", text[s:e]):
        parts.append((pos, s + m.start()))
        pos = s + m.end()
    parts.append((pos, e))
    return [p for p in parts if p[1] > p[0]]


def _split_glued(s: str) -> Optional[tuple[str, str, str]]:
    """Split ``A B R`` (budget, execution, rate) printed together so that B / A = R %.

    A rate of 0 needs an execution of 0; among several splits the one with A and B of
    the most similar length wins (they are two amounts of the same budget line).
    """
    num = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")
    found = []
    for i in range(1, len(s) - 1):
        for j in range(i + 1, len(s)):
            a, b, r = s[:i], s[i:j], s[j:]
            if not (num.fullmatch(a) and num.fullmatch(b) and num.fullmatch(r)):
                continue
            av, bv, rv = float(a), float(b), float(r)
            dec = len(r.split(".")[1]) if "." in r else 0
            if rv == 0:
                ok = bv == 0
            else:
                ok = av > 0 and abs(bv / av * 100 - rv) <= 0.5 * 10 ** -dec + 1e-9
            if ok:
                found.append((abs(len(a) - len(b)), a, b, r))
    if not found:
        return None
    found.sort()
    if len(found) > 1 and found[0][0] == found[1][0]:
        return None
    return found[0][1:]


def _table_end(text: str, start: int) -> int:
    """A header's unit holds until a blank-line-separated heading that starts a new section."""
    m = re.search(r"\n\s*\n(?=[（(]?[一二三四五六七八九十]+[、)）])|\n[一二三四五六七八九十]+、", text[start:])
    return start + m.start() if m else len(text)
