"""Resolver, version 2: each number's subject and project, within its clause, sentence, row or paragraph.

Subject (GUIDELINES.md sections 3 and 5): the shortest phrase naming what is measured.

- a table cell takes the title its table gives it (``Document.tables``: row header, row label,
  the 执行率 column); a cell no header placed takes the nearest label cell before it;
- a count followed by what it counts takes that phrase (14户贫困户, 1434户的前期调查摸底工作,
  707户入户调查);
- otherwise the phrase before the number in its clause, after the previous number there and
  trimmed of times, scopes, verbs and connectives (基本支出, 预算执行率);
- with nothing of its own, a number shares the subject of the number before it in the same
  sentence (死亡率分别制在4%、3%; 扫尾项目任务11个，涉及4062亩).

Project: the project named before the number in the same sentence and close to it (not one of
an enumeration of projects); else the one the sentence before names when this sentence
refers back (该项目).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Optional

from .config import load_config
from .doc import NUMERIC_LABELS, Document, Entity, Fact, Span
from .normalising import NormalisedText
from .positions import ByPosition
from .segmenting import Sentences
from .tables.header import label_before

_PHRASE_BREAK = re.compile(r"[，,；;。：:！？!?\n\t|、]")  # where the phrase naming a number may begin
_OPEN_BRACKET = re.compile(r"\s*[（(]\s*")
_AFTER_NUMBER = re.compile(r"(?:以上|以下|左右|之多|余|多)?(?:的)?")
_RATE_UNIT = re.compile(r"[/／][^\s|]{1,6}")
_CELL_SEPARATOR = re.compile(r"[\t|]")


@dataclass
class _Indexed:
    """One document's text with its sentences, numbers, projects and refer-back words by position."""

    text: str
    sentences: Sentences
    numbers: ByPosition
    projects: ByPosition
    refers: list[int]

    def refers_in(self, a: int, b: int) -> bool:
        """Does a refer-back word (该项目) start in ``[a, b)``?"""
        return bisect.bisect_left(self.refers, a) < bisect.bisect_left(self.refers, b)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LEADING_TIME = re.compile(r"^(?:(?:截至|截止|到|至|自|从|在)?\s*\d{2,4}\s*年(?:度|底|末|初)?|\d{1,2}\s*月(?:\d{1,2}\s*日)?"
                           r"|\d{1,2}\s*日|年底|年末|年初|上半年|下半年|前|后|底)\s*")
_MARKER_BEFORE = re.compile(r"(?:\d{1,2}[、.．]|[；;]|[（(]\d{1,2}[)）])\s*$")


class Resolver:
    name = "resolver"

    def __init__(self, config: Optional[dict] = None):
        cfg = config or load_config("resolver")
        self.drop_tail = sorted(cfg["drop_tail"], key=len, reverse=True)
        self.drop_head = sorted(cfg["drop_head"], key=len, reverse=True)
        self.after_stops = sorted(cfg["after_stops"], key=len, reverse=True)
        self.refer_back_re = re.compile("|".join(map(re.escape, cfg["refer_back"])))
        self.max_subject = cfg["max_subject_chars"]
        self.max_after = cfg["max_after_chars"]
        self.max_link = cfg["max_link_chars"]
        self.link_verbs = set(cfg["link_verbs"])
        self.fund_endings = tuple(cfg["fund_endings"])

    def __call__(self, doc: Document, view: NormalisedText) -> None:
        """Subjects and projects of the numbers, then the facts (entity ids are assigned first)."""
        doc.assign_ids()
        d = _Indexed(doc.text, Sentences(doc.text),
                     ByPosition(e for e in doc.entities if e.label in NUMERIC_LABELS),
                     ByPosition(e for e in doc.entities if e.label == "PROJECT"),
                     [m.start() for m in self.refer_back_re.finditer(doc.text)])
        titles = doc.tables.titles if doc.tables is not None else {}
        previous: Optional[Entity] = None
        for e in d.numbers.items:
            if e.subject is None:
                e.subject = titles.get(e.start) or self.resolve_subject(d, e, previous)
            if e.project is None:
                e.project = self.resolve_project(d, e)
            previous = e
        doc.facts = [Fact(e.value, e.unit, e.qualifier, e.label, e.span, e.subject, e.project, e.id)
                     for e in d.numbers.items if e.value is not None]

    # -- subject ---------------------------------------------------------------------------
    def resolve_subject(self, d: "_Indexed", e: Entity, previous: Optional[Entity]) -> Optional[Span]:
        """The phrase naming what ``e`` measures, or None."""
        text, projects = d.text, d.projects
        left = self._clause_start(text, e, d.numbers)
        raw_before = text[left:e.start]
        if not raw_before.strip() and left > 0 and text[left - 1] in "\t\n|" and _ends_cell(text, e.end):
            cell = label_before(text, left)
            if cell is not None:
                return Span(cell[0], cell[1], text[cell[0]:cell[1]])
        before = self._trim(text, left, e.start)
        if text[before[0]:before[1]] in self.link_verbs:
            before = (before[0], before[0])  # 涉及4062亩: a linking verb names nothing
        after = self._after(text, e)
        chosen: Optional[tuple[int, int]] = None
        if after and (e.label == "QUANTITY" or (e.label == "MONEY" and (text[e.end:e.end + 1] == "的"
                                                                        or text[after[0]:after[1]].endswith(self.fund_endings)))):
            chosen = after
        elif before[1] - before[0] >= 2:
            a, b = before
            chosen = (max(a, b - self.max_subject), b)
        elif previous is not None and previous.subject is not None and e.start - previous.end < 40 \
                and not d.sentences.clause_ends_between(previous.end, e.start):
            return previous.subject
        elif after:
            chosen = after
        if chosen is None:
            return None
        a, b = chosen
        if self._only_listed_project(text, a, b, projects):
            return None
        return Span(a, b, text[a:b])

    def _clause_start(self, text: str, e: Entity, numbers: ByPosition) -> int:
        left = e.start
        while left > 0 and not _PHRASE_BREAK.match(text[left - 1]) and e.start - left < 40:
            left -= 1
        for n in numbers.starting_in(left - 40, e.start):
            if left <= n.end <= e.start and n is not e and n.start < e.start:
                # 比预算2.00万元减少2.00万元: the phrase starts after the other number, unless that
                # number only counts the noun before this one (年初批复预算8个项目985万元)
                if n.label == "QUANTITY" and len(_CJK.findall(text[n.end:e.start])) <= 2:
                    continue
                left = n.end
        return left

    def _after(self, text: str, e: Entity) -> Optional[tuple[int, int]]:
        """What a count counts, written right after it (14户贫困户, 1434户的前期调查摸底工作)."""
        j = e.end
        j = _AFTER_NUMBER.match(text, j).end()
        if j >= len(text) or not _CJK.match(text[j]):
            return None
        if any(text.startswith(w, j) for w in self.after_stops):
            return None
        k = j
        while k < len(text) and not _PHRASE_BREAK.match(text[k]) and not text[k].isdigit() and k - j < self.max_after:
            k += 1
        a, b = self._trim(text, j, k)
        return (a, b) if b - a >= 2 else None

    @staticmethod
    def _only_listed_project(text: str, a: int, b: int, projects: ByPosition) -> bool:
        """1、城市之光二期828套: a list item's project is not what its count measures."""
        for p in projects.starting_in(a - 200, a + 1):
            if p.start <= a and b <= p.end and _MARKER_BEFORE.search(text[max(0, p.start - 6):p.start]):
                return True
        return False

    def _trim(self, text: str, a: int, b: int) -> tuple[int, int]:
        changed = True
        while changed and a < b:
            changed = False
            seg = text[a:b]
            stripped = seg.strip(" \u3000\xa0“”\"'：:*★").lstrip("（(").rstrip("（(")
            if stripped != seg:
                a += seg.index(stripped) if stripped else len(seg)
                b = a + len(stripped)
                changed = True
                continue
            t = _LEADING_TIME.match(text[a:b])
            if t and t.end() > 0 and t.end() < b - a:
                a += t.end()
                changed = True
                continue
            for w in self.drop_tail:
                if text[a:b].endswith(w) and b - a > len(w):
                    b -= len(w)
                    changed = True
                    break
            for w in self.drop_head:
                if text[a:b].startswith(w) and b - a > len(w):
                    a += len(w)
                    changed = True
                    break
            m = re.search(r"\d+(?:\.\d+)?[\d.万元%亿个户人]*$", text[a:b])
            if m and m.start() > 0:
                b = a + m.start()
                changed = True
        return a, b

    # -- project -----------------------------------------------------------------------------
    def resolve_project(self, d: "_Indexed", e: Entity) -> Optional[Span]:
        """The project the number's sentence (or table row) is about, if the text says so."""
        text, projects = d.text, d.projects
        if e.subject is not None:
            for p in projects.starting_in(e.subject.start - 200, e.subject.start + 1):
                if p.start <= e.subject.start and e.subject.end <= p.end and p.end <= e.start:
                    return p.span  # the row is titled by the project (征收工作经费（万元） 38)
        s = d.sentences.clause(e.start)[0]
        in_sentence = [p for p in projects.starting_in(s, e.start) if p.end <= e.start]
        row = self._row_project(text, e, s, in_sentence)
        if row is not None:
            return row
        if in_sentence:
            p = in_sentence[-1]
            if len(in_sentence) > 1 and _OPEN_BRACKET.fullmatch(text, in_sentence[-2].end, p.start):
                p = in_sentence[-2]  # 雪枫家园三期（北郊庄园）360套: the bracket holds the other name
            if _OPEN_BRACKET.fullmatch(text, p.end, e.start):
                return p.span  # 湘江科创基地三期（1078亩…）: the parenthesis is about the project
            if e.start - p.end > self.max_link:
                return None  # far away
            between = text[p.end:e.start]
            if re.search(r"[\t|]| {2,}", between) or between.count(" ") >= 3:
                return None  # across the cells of a flattened table
            if _enumerated(text, p):
                return None
            return p.span
        # a sentence that refers back (…，该项目已顺利开工建设。) is about the project before it
        fs, fe = d.sentences.sentence(e.start)
        if fs > 0 and d.refers_in(fs, fe):
            ps, _ = d.sentences.sentence(fs - 1)
            prev = [p for p in projects.starting_in(ps, fs) if p.end <= fs]
            if prev:
                return prev[-1].span  # named in the sentence right before
        return None

    @staticmethod
    def _row_project(text: str, e: Entity, s: int, in_line: list[Entity]) -> Optional[Span]:
        """序号 | X项目 | 20 |: in a table row on one line, the one project of the row owns its numbers
        (``in_line``: the projects of the clause from ``s`` on)."""
        if not in_line:
            return None
        line_start = text.rfind("\n", s, e.start) + 1
        row = [p for p in in_line if p.start >= line_start]
        if len(row) == 1 and _CELL_SEPARATOR.search(text, row[0].end, e.start):
            return row[0].span  # (no line break between: the row starts after the last one)
        return None



def _enumerated(text: str, p: Entity) -> bool:
    """A、B等项目: a project in a list of projects speaks for none of the list's numbers."""
    after = text[p.end:p.end + 4]
    before = text[max(0, p.start - 2):p.start]
    if after.startswith(("、", "等", "和", "及")):
        return True
    return before.endswith("、") and not before[:1].isdigit()  # 2、X项目 is a list marker


def _ends_cell(text: str, end: int) -> bool:
    """Does a number end its table cell (only a rate unit like /人*月 may follow it)?"""
    m = _RATE_UNIT.match(text, end)
    j = end + (m.end() if m else 0)
    while j < len(text) and text[j] in " \u3000":
        j += 1
    return j >= len(text) or text[j] in "\t\n|"
