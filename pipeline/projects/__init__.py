"""PROJECT by rules, version 2: names that the layout or the wording marks as names.

Precision first (the learned tagger adds recall).  A name is taken where

- a form field holds it (项目名称 | 临时救助 |);
- the report says it evaluates it (…城镇保障性安居工程项目支出绩效评价报告, 对X项目进行自评);
- a numbered item is headed by it (1、烈士纪念设施维修项目：预算…);
- it is a listed site: a community, resettlement area or plot with its phase or count
  (有岳华新苑二期、洋湖明园二期…, 2、运河南苑500套);
- in prose, it ends in 项目/工程 and holds a specific word (a place, a road, a proper name),
  as in 正清路延长线项目, 火车站提质改造项目;

and every later mention of a name found so is a PROJECT too, as are the items listed beside a
name found so, or before 等 and a project word (机械化、大米厂等棚户区改造民生项目).
Names the rules doubt (unspecific X项目, sites with no count or phase) are not output.  These
are the rules of the rules-only pipeline (configs/pipeline-rules.yaml); the default pipeline lets
the token classifier decide from structural cues instead (pipeline/cues.py).  Leading years and
administrative places (汤阴县, 2023年度) are cut off; verbs and prepositions never start
a name; generic mentions (该项目, 老旧小区, 基建工程项目) are not names.

``names``: the edges of a name and the judgements; ``lists``: listed items and later mentions;
this module: the finders by position and wording.
"""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..doc import Entity
from ..normalising import NormalisedText
from ..positions import Occupied
from .lists import ListedNames
from .names import NAME_CHAR, Name, pos_words

_CLOSERS = {"”": "“", ")": "(", "）": "（"}

# how a name was found, strongest first: it wins an overlap against weaker kinds
_PRIORITY = {"field": 0, "title": 1, "heading": 2, "mention": 3, "site": 4, "prose": 5, "listed": 6}
# how sure a name of each kind is (Entity.confidence)
_CONFIDENCE = {"field": 0.95, "title": 0.9, "heading": 0.85, "mention": 0.85, "site": 0.8, "prose": 0.7,
               "listed": 0.6}


class ProjectTagger(ListedNames):
    """PROJECT entities from the view, by the rules of configs/projects.yaml."""

    name = "project_tagger"

    def __call__(self, nt: NormalisedText) -> list[Entity]:
        return [self._entity(nt, n) for n in self._names(nt.text)]

    def _names(self, text: str) -> list[Name]:
        found: list[Name] = []
        for finder in (self._field_names, self._evaluated_names, self._title_lines, self._heading_names,
                       self._budget_lines, self._site_names, self._prose_names):
            found.extend(finder(text))
        found.extend(self._mentions(text, found))
        names = _non_overlapping(found)
        return _non_overlapping(names + self._coordinated(text, names))

    def _field_names(self, text: str) -> Iterator[Name]:
        """项目名称 | X |: the cell after a name field (tab, pipe, colon or space separated)."""
        for m in self.field_re.finditer(text):
            sep = m.group(1)
            a = m.end()
            stops = "\t\n|" if re.search(r"[\t\n|]", sep) else "\t\n| "
            b = a
            while b < len(text) and text[b] not in stops and b - a <= self.max_chars + 20:
                b += 1
            nf = self.next_field_re.search(text, a, b)
            if nf:
                b = nf.start()
            a, b = self._strip(text, a, b, places=True)
            if self._acceptable(text[a:b], need_suffix=False):
                yield Name(a, b, "field")

    def _evaluated_names(self, text: str) -> Iterator[Name]:
        """Names the report says it evaluates: titles and 对X进行自评."""
        for m in self.eval_re.finditer(text):
            e = m.start()
            while e > 0 and text[e - 1] == " ":
                e -= 1
            in_title = e < self.cfg["title_chars"]
            weak = m.group(0) in self.weak_eval and not in_title
            if e and text[e - 1] in _CLOSERS:
                opener = _CLOSERS[text[e - 1]]
                a = text.rfind(opener, max(0, e - self.max_chars), e - 1)
                if a >= 0 and "\n" not in text[a:e] and (a == 0 or not NAME_CHAR.match(text[a - 1]) or opener == "“"):
                    s, t = self._strip(text, a + 1, e - 1, places=True)
                    if self._acceptable(text[s:t], need_suffix=False):
                        yield Name(s, t, "title")
                    continue
            a = self._run_start(text, e, allow_break=in_title)
            span = self._left_edge(text, a, e)
            if span and self._acceptable(text[span[0]:span[1]], need_suffix=True) \
                    and (not weak or self._specific(text[span[0]:span[1]], strict=True)):
                yield Name(*span, "title")

    def _heading_names(self, text: str) -> Iterator[Name]:
        """1、X项目：… / （1）X经费。: a numbered item headed by a name and nothing else."""
        marks = [(m.end(), False) for m in self.heading_re.finditer(text)]
        marks += [(m.end(), True) for m in self.inline_heading_re.finditer(text)]
        for a, inline in marks:
            b = a
            while b < len(text) and (NAME_CHAR.match(text[b])) and b - a <= self.max_chars:
                b += 1
            if b - a > self.max_chars or (inline and (b >= len(text) or text[b] not in ":：")):
                continue
            if b >= len(text) or text[b] not in ":：。，,；;\n" \
                    or not any(text[a:b].endswith(x) for x in self.heading_suffixes):
                # 2、正清路延长线项目全年共参与…: the heading name runs until a stop word
                cut = self._heading_cut(text, a, b)
                if cut is None:
                    continue
                b = cut
                if self._has_stop(text[a:b]) or not self._specific(text[a:b], strict=True):
                    continue  # a heading that runs on into its sentence must name something specific
            a, b = self._strip(text, a, b, places=False)
            a = self._after_leading_stop(text, a, b)
            if any(text[a:b].endswith(x) for x in self.heading_suffixes) \
                    and self._acceptable(text[a:b], need_suffix=True):
                yield Name(a, b, "heading")

    def _heading_cut(self, text: str, a: int, b: int) -> Optional[int]:
        pos = a
        for w, _ in pos_words(text[a:b]):
            if w in self.left_stops and len(w) > 1 and pos > a:
                return pos if any(text[a:pos].endswith(x) for x in self.heading_suffixes) else None
            pos += len(w)
        return None

    def _title_lines(self, text: str) -> Iterator[Name]:
        """A line of the title that is only a name (…绩效自评报告 / 2021年城乡临时救助备用金)."""
        pos = 0
        for line in text[:self.cfg["title_chars"]].split("\n"):
            a, b = pos, pos + len(line)
            pos = b + 1
            if not line.strip() or not all(NAME_CHAR.match(c) or c in " \u3000" for c in line.strip()):
                continue
            s, t = self._strip(text, a, b, places=True)
            name = text[s:t]
            if any(name.endswith(x) for x in self.suffixes) and self._acceptable(name, need_suffix=True) \
                    and not self._has_stop(name) and not self.eval_re.search(name):
                yield Name(s, t, "title")

    def _budget_lines(self, text: str) -> Iterator[Name]:
        """Budget lines listed with their use: 律师代理及诉讼费经费，主要用于…; 临聘人员经费25.12万元，主要用于…."""
        for m in re.finditer(r"经费|项目|费", text):
            u = self.use_re.match(text, m.end())
            if not u:
                continue
            end = m.end()
            a = self._run_start(text, end, allow_break=False)
            for w in self.cfg["budget_line_stops"]:
                k = text.rfind(w, a, m.start())
                if k >= 0:
                    a = max(a, k + len(w))  # 项目支出包括X经费: the line's name follows 包括
            a, end = self._strip(text, a, end, places=True)
            a = self._after_leading_stop(text, a, end)
            name = text[a:end]
            before = text[a - 1] if a else "\n"
            if before not in "、，,：:；;\n\t 。" and not self._stop_before(text, a, short=True):
                continue
            if 4 <= len(name) <= 24 and self._acceptable(name, need_suffix=False):
                yield Name(a, end, "heading")

    def _site_names(self, text: str) -> Iterator[Name]:
        """Listed sites: 岳华新苑二期、洋湖明园二期; 2、运河南苑500套; 白庙安置区(锦绣山庄一期)."""
        for m in self.site_re.finditer(text):
            end = m.end()
            suffix = re.sub(self.cfg["phase_re"] + "$", "", m.group(0))
            has_phase = end - m.start() > len(suffix)
            if has_phase and end < len(text) and text[end] in "一二三四五六七八九十":
                continue
            nxt = text[end:end + 8]
            nxt = text[end:end + 12]
            counted = re.match(r"\s*[（(]?\s*[\u4e00-\u9fff]{0,3}\d+(?:\.\d+)?\s*(?:套|户|栋|亩|间)", nxt) \
                or re.match(r"\s*[（(][^（）()]{2,8}[)）]", nxt)
            weak = suffix in self.weak_sites and not (has_phase or counted)
            listed = re.match(r"\s*(?:[、，,；;。）)]|等|\d|[（(])", nxt) or end >= len(text)
            a = self._run_start(text, m.start(), allow_break=False)
            span = self._left_edge(text, a, end, site=True, suffix_at=m.start())
            if not span:
                continue
            span = (self._after_leading_stop(text, span[0], span[1]), span[1])
            before = text[span[0] - 1] if span[0] else "\n"
            named_after_verb = has_phase and self._stop_before(text, span[0])
            if not (listed or counted or named_after_verb or (before == "、" and not text[span[0] - 2:span[0] - 1].isdigit())):
                continue
            if not (before in "、，,：:；;（(\n\t 。" or before.isdigit() or self._stop_before(text, span[0], short=True)):
                continue
            name = text[span[0]:span[1]]
            if len(name) > 24 or not self._acceptable(name, need_suffix=False, site=True):
                continue
            if weak or not self._specific(name, strict=False, strip=self.site_re):
                continue  # an unmarked site: too doubtful for the rules
            yield Name(*span, "site")
            yield from self._alias(text, span[1])
        # 6、城市之光二期828套: a numbered item whose name ends in a phase and is followed by its count
        for m in re.finditer(r"(?:^|(?<=[；;:：\s]))\d{1,2}[、.．]\s*([\u4e00-\u9fff]{2,10}?" + self.cfg["phase_re"] + r")"
                             r"(?=\s*[（(]|\s*\d+(?:\.\d+)?\s*(?:套|户|栋|亩))", text):
            a, b = m.span(1)
            if self._acceptable(text[a:b], need_suffix=False, site=True) \
                    and self._specific(text[a:b], strict=False, strip=self.phase_re):
                yield Name(a, b, "site")
                yield from self._alias(text, b)

    def _alias(self, text: str, end: int) -> Iterator[Name]:
        """雪枫家园三期（北郊庄园）: the other name of a site, in brackets right after it."""
        m = re.match(r"\s*[（(]([\u4e00-\u9fff]{2,10})[)）]", text[end:end + 14])
        if not m:
            return
        inner = m.group(1)
        if (any(inner.endswith(x) for x in self.site_suffixes) or self.phase_re.search(inner[-2:])) \
                and self._acceptable(inner, need_suffix=False, site=True):
            yield Name(end + m.start(1), end + m.end(1), "site")

    def _prose_names(self, text: str) -> Iterator[Name]:
        """X项目 / X工程 in running text, when X holds a specific word (正清路延长线项目)."""
        for m in re.finditer(r"项目|工程", text):
            end = m.end()
            ph = self.phase_re.match(text, end)
            if ph and not re.match(r"[一二三四五六七八九十]", text[ph.end():ph.end() + 1]):
                end = ph.end()
            if end < len(text) and text[end] in "经资建管" + self.cfg["not_after_suffix"]:
                continue  # 项目部, 项目经费, 项目资金, 项目制: the name goes on or is something else
            if m.group(0) == "工程" and text[max(0, m.start() - 2):m.start()] == "项目":
                continue  # X项目工程尾款: the name ends at 项目
            a = self._run_start(text, m.start(), allow_break=False)
            span = self._left_edge(text, a, end, suffix_at=m.start())
            if not span:
                continue
            span = (self._after_leading_stop(text, span[0], span[1], verbs=True), span[1])
            name = text[span[0]:span[1]]
            if re.search(r"\d+\s*个\s*$", text[max(0, span[0] - 6):span[0]]):
                continue  # 47个经开区项目: a category that is counted, not a name
            if not 4 <= len(name) <= 30 or not self._acceptable(name, need_suffix=True):
                continue
            if 5 <= len(name) <= 22 and self._specific(name, strict=True):
                yield Name(*span, "prose")

    @staticmethod
    def _entity(nt: NormalisedText, n: Name) -> Entity:
        o = nt.to_original(n.start, n.end)
        return Entity(start=o.start, end=o.end, label="PROJECT", text=o.text, source="rules",
                      confidence=_CONFIDENCE[n.kind])



def _non_overlapping(names: list[Name]) -> list[Name]:
    """The strongest, then longest, names that do not overlap one taken before them."""
    taken = Occupied()
    out = [n for n in sorted(set(names), key=lambda n: (_PRIORITY[n.kind], -(n.end - n.start), n.start))
           if n.end > n.start and taken.take(n.start, n.end)]
    return sorted(out, key=lambda n: n.start)
