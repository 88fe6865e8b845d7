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
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Optional

from .config import load_config
from .doc import Entity
from .normalising import NormalisedText

_NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9#（）()“”\-·]")
_YEAR_RE = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})(?:\s*[-—至]\s*\d{4})?\s*年度?")
_CLOSERS = {"”": "“", ")": "(", "）": "（"}

# how a name was found, strongest first: it wins an overlap against weaker kinds
_PRIORITY = {"field": 0, "title": 1, "heading": 2, "mention": 3, "site": 4, "prose": 5, "listed": 6}
# how sure a name of each kind is (Entity.confidence)
_CONFIDENCE = {"field": 0.95, "title": 0.9, "heading": 0.85, "mention": 0.85, "site": 0.8, "prose": 0.7,
               "listed": 0.6}
_MEASURES = {"个", "项", "批", "户", "套", "栋", "家", "处", "宗", "亩", "人", "名", "年", "月", "日", "年度", "万元", "元"}
_NAMED_FLAGS = ("ns", "nr", "nz", "nt", "nrt", "nrfg")
_PLACE_FOLLOWERS = "年度省市县区镇乡州旗"  # a mention may follow a year or a place (汉阴县城西…项目)


@dataclass(frozen=True)
class _Name:
    start: int
    end: int
    kind: str


@lru_cache(maxsize=1)
def _posseg():
    from .segmenting import _jieba
    _jieba()  # the domain dictionary
    import jieba.posseg as posseg
    return posseg


class ProjectTagger:
    name = "project_tagger"

    def __init__(self, config: Optional[dict] = None):
        cfg = config or load_config("projects")
        self.cfg = cfg
        self.suffixes = sorted(cfg["suffixes"], key=len, reverse=True)
        self.site_suffixes = sorted(cfg["site_suffixes"], key=len, reverse=True)
        self.weak_sites = set(cfg["weak_site_suffixes"])
        self.left_stops = set(cfg["left_stops"])
        self.soft_stops = set(cfg["soft_stops"])
        self.generic = set(cfg["generic"])
        self.scope = set(cfg["scope_words"])
        self.generic_words = set(cfg["generic_words"])
        self.not_first = set(cfg["not_first_flags"])
        self.weak_eval = set(cfg["weak_evaluation_words"])
        self.heading_suffixes = sorted(cfg["heading_suffixes"], key=len, reverse=True)
        self.place_chars = cfg["place_chars"]
        self.not_places = sorted(cfg["not_places"], key=len, reverse=True)
        self.min_chars, self.max_chars = cfg["min_chars"], cfg["max_chars"]
        fields = sorted(cfg["name_fields"], key=len, reverse=True)
        self.field_re = re.compile("(?:" + "|".join(r"\s*".join(map(re.escape, f)) for f in fields) + r")([ \t|:：]*\n?[ \t|]*)")
        self.next_field_re = re.compile("|".join(map(re.escape, sorted(cfg["next_fields"], key=len, reverse=True))))
        self.eval_re = re.compile("|".join(map(re.escape, sorted(cfg["evaluation_words"], key=len, reverse=True))))
        self.place_re = re.compile(r"([\u4e00-\u9fff]{1,6}?)(" + "|".join(map(re.escape, cfg["place_suffixes"])) + ")")
        self.phase_re = re.compile(cfg["phase_re"])
        self.suffix_re = re.compile("|".join(map(re.escape, self.suffixes)))
        self.site_re = re.compile("(?:" + "|".join(map(re.escape, self.site_suffixes)) + ")(?:" + cfg["phase_re"] + ")?")
        marker = r"(?:[（(]\d{1,2}[)）]|\d{1,2}(?:[、．]|\.(?=\d{4}年|\D))|[①-⑳]|[一二三四五六七八九十]{1,2}[、.])"
        self.heading_re = re.compile(r"(?:^|(?<=[\n。；;]))[ \t]*" + marker + r"[ \t]*")
        # inside a line a numbered item counts only when a colon follows its name (…共有5个项目1、X项目：预算…)
        self.inline_heading_re = re.compile(r"(?<=[\u4e00-\u9fff])" + marker + r"(?=[^，,。；;：:\n]{3,40}[：:])")
        self.use_re = re.compile(r"(?:[\d.]+\s*万?元)?\s*[，,]?\s*(?:主要|全部|专项)?用于")

    def __call__(self, nt: NormalisedText) -> list[Entity]:
        return [self._entity(nt, n) for n in self._names(nt.text)]

    def _names(self, text: str) -> list[_Name]:
        found: list[_Name] = []
        for finder in (self._field_names, self._evaluated_names, self._title_lines, self._heading_names,
                       self._budget_lines, self._site_names, self._prose_names):
            found.extend(finder(text))
        found.extend(self._mentions(text, found))
        names = _non_overlapping(found)
        return _non_overlapping(names + self._coordinated(text, names))

    # -- names by position ---------------------------------------------------------------
    def _field_names(self, text: str) -> Iterator[_Name]:
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
                yield _Name(a, b, "field")

    def _evaluated_names(self, text: str) -> Iterator[_Name]:
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
                if a >= 0 and "\n" not in text[a:e] and (a == 0 or not _NAME_CHAR.match(text[a - 1]) or opener == "“"):
                    s, t = self._strip(text, a + 1, e - 1, places=True)
                    if self._acceptable(text[s:t], need_suffix=False):
                        yield _Name(s, t, "title")
                    continue
            a = self._run_start(text, e, allow_break=in_title)
            span = self._left_edge(text, a, e)
            if span and self._acceptable(text[span[0]:span[1]], need_suffix=True) \
                    and (not weak or self._specific(text[span[0]:span[1]], strict=True)):
                yield _Name(*span, "title")

    def _heading_names(self, text: str) -> Iterator[_Name]:
        """1、X项目：… / （1）X经费。: a numbered item headed by a name and nothing else."""
        marks = [(m.end(), False) for m in self.heading_re.finditer(text)]
        marks += [(m.end(), True) for m in self.inline_heading_re.finditer(text)]
        for a, inline in marks:
            b = a
            while b < len(text) and (_NAME_CHAR.match(text[b])) and b - a <= self.max_chars:
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
                yield _Name(a, b, "heading")

    def _after_leading_stop(self, text: str, a: int, b: int, verbs: bool = False) -> int:
        """包括X经费 / 完成X项目: a name never starts with a stop word; in prose not with a verb
        either (打造卓越工程), while budget lines may (征收工作经费)."""
        for w, flag in _words(text[a:b]):
            if (w in self.left_stops or (verbs and flag in self.not_first and len(w) > 1)) \
                    and b - a - len(w) >= self.min_chars:
                a += len(w)
                continue
            break
        return self._strip(text, a, b, places=False)[0]

    def _heading_cut(self, text: str, a: int, b: int) -> Optional[int]:
        pos = a
        for w, _ in _words(text[a:b]):
            if w in self.left_stops and len(w) > 1 and pos > a:
                return pos if any(text[a:pos].endswith(x) for x in self.heading_suffixes) else None
            pos += len(w)
        return None

    def _title_lines(self, text: str) -> Iterator[_Name]:
        """A line of the title that is only a name (…绩效自评报告 / 2021年城乡临时救助备用金)."""
        pos = 0
        for line in text[:self.cfg["title_chars"]].split("\n"):
            a, b = pos, pos + len(line)
            pos = b + 1
            if not line.strip() or not all(_NAME_CHAR.match(c) or c in " \u3000" for c in line.strip()):
                continue
            s, t = self._strip(text, a, b, places=True)
            name = text[s:t]
            if any(name.endswith(x) for x in self.suffixes) and self._acceptable(name, need_suffix=True) \
                    and not self._has_stop(name) and not self.eval_re.search(name):
                yield _Name(s, t, "title")

    def _budget_lines(self, text: str) -> Iterator[_Name]:
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
                yield _Name(a, end, "heading")

    def _site_names(self, text: str) -> Iterator[_Name]:
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
            yield _Name(*span, "site")
            yield from self._alias(text, span[1])
        # 6、城市之光二期828套: a numbered item whose name ends in a phase and is followed by its count
        for m in re.finditer(r"(?:^|(?<=[；;:：\s]))\d{1,2}[、.．]\s*([\u4e00-\u9fff]{2,10}?" + self.cfg["phase_re"] + r")"
                             r"(?=\s*[（(]|\s*\d+(?:\.\d+)?\s*(?:套|户|栋|亩))", text):
            a, b = m.span(1)
            if self._acceptable(text[a:b], need_suffix=False, site=True) \
                    and self._specific(text[a:b], strict=False, strip=self.phase_re):
                yield _Name(a, b, "site")
                yield from self._alias(text, b)

    def _alias(self, text: str, end: int) -> Iterator[_Name]:
        """雪枫家园三期（北郊庄园）: the other name of a site, in brackets right after it."""
        m = re.match(r"\s*[（(]([\u4e00-\u9fff]{2,10})[)）]", text[end:end + 14])
        if not m:
            return
        inner = m.group(1)
        if (any(inner.endswith(x) for x in self.site_suffixes) or self.phase_re.search(inner[-2:])) \
                and self._acceptable(inner, need_suffix=False, site=True):
            yield _Name(end + m.start(1), end + m.end(1), "site")

    def _prose_names(self, text: str) -> Iterator[_Name]:
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
                yield _Name(*span, "prose")

    def _coordinated(self, text: str, anchors: list[_Name]) -> list[_Name]:
        """Items listed with a name (北京公馆、古城南路、辰州中央广场回迁安置) and before 等 and a
        project word (机械化、大米厂等棚户区改造民生项目): coordinated items are of one kind."""
        out: list[_Name] = []
        taken = {(n.start, n.end) for n in anchors}
        queue = [(n.start, n.end) for n in anchors if n.kind not in self.cfg["unlisted_kinds"]]
        for m in re.finditer("等", text):
            if re.match(self.cfg["listed_before"], text[m.end():m.end() + 16]):
                items = self._list_items(text, m.start())
                # a list of programmes (工业强基、智能制造等重大工程) names no site: skip it
                if any(self._site_like(text[a:b]) for a, b in items):
                    for item in items:
                        if not any(item[0] < d and c < item[1] for c, d in taken):
                            taken.add(item)
                            out.append(_Name(*item, "listed"))
        while queue:
            a, b = queue.pop()
            a = self._place_before(text, a)
            for item in (self._item_before(text, a - 1) if _joined_on_left(text, a) else None,
                         self._item_after(text, b + 1) if b < len(text) and text[b] in "、和及与" else None):
                if item and not any(item[0] < d and c < item[1] for c, d in taken):
                    taken.add(item)
                    queue.append(item)
                    out.append(_Name(*item, "listed"))
        return out

    def _list_items(self, text: str, end: int) -> list[tuple[int, int]]:
        """The items of the list that ends at ``end`` (A、B和C等), last first."""
        items = []
        item = self._item_before(text, end)
        while item and item not in items:
            items.append(item)
            a = self._place_before(text, item[0])
            if not _joined_on_left(text, a):
                break
            item = self._item_before(text, a - 1)
        return items

    def _site_like(self, name: str) -> bool:
        """Does an item name a place or a work (大米厂, 谷山片区, 京沪高铁) rather than a programme?"""
        if name[-1] in self.place_chars or self._ends_like_name(name):
            return True
        return any(flag in _NAMED_FLAGS for _, flag in _words(name))

    def _place_before(self, text: str, a: int) -> int:
        """Where an item starts when a place was cut off its name (、岳麓街道|湘江科创基地)."""
        for k in range(2, 8):
            if a - k >= 1 and text[a - k - 1] == "、":
                p = self.place_re.fullmatch(text, a - k, a)
                return a - k if p and self._is_place(p.group(0), text[a:a + 6]) else a
        return a

    def _item_before(self, text: str, end: int) -> Optional[tuple[int, int]]:
        """The listed item that ends at ``end``: after the last stop word, year or place."""
        if end and text[end - 1] in ")）":  # 湘江科创基地三期（1078亩二期）等: the remark is not the name
            opener = max(text.rfind("(", 0, end), text.rfind("（", 0, end))
            if opener >= 0 and end - opener <= 16:
                end = opener
        a = end
        while a > 0 and end - a < 24 and _NAME_CHAR.match(text[a - 1]) and text[a - 1] not in "、等":
            a -= 1
        span = self._left_edge(text, a, end, site=True)
        if not span:
            return None
        named = any(text[span[0]:span[1]].endswith(x) for x in self.suffixes)  # 征收工作经费 keeps its verb
        span = (self._after_leading_stop(text, span[0], span[1], verbs=not named), span[1])  # 加紧南水北调
        pos = span[0]
        for w, _ in _words(text[span[0]:span[1]]):
            pos += len(w)
            if w in self.soft_stops:  # 西气东输和三峡输变电: the last item starts after the conjunction
                span = (pos, span[1])
        return span if self._listable(text[span[0]:span[1]]) else None

    def _item_after(self, text: str, a: int) -> Optional[tuple[int, int]]:
        """The listed item that starts at ``a``; an item that runs on into its sentence
        (辰州中央广场回迁安置) ends after its last name-like ending."""
        b = a
        while b < len(text) and b - a < 24 and _NAME_CHAR.match(text[b]) and text[b] not in "、等":
            b += 1
        pos, end, ran_on = a, a, False
        for w, _ in _words(text[a:b]):
            if (w in self.left_stops and len(w) > 1) or w in self.soft_stops:
                ran_on = True
                break
            pos += len(w)
            end = pos
        ends = self.suffixes + self.site_suffixes
        if ran_on or end == b and b < len(text) and text[b] not in "、，,。；;：:）)\n\t 等":
            while end > a and text[end - 1] not in self.place_chars and not any(text[a:end].endswith(x) for x in ends):
                end -= 1
        a, end = self._strip(text, a, end, places=True)
        return (a, end) if end - a >= 2 and self._listable(text[a:end]) else None

    def _listable(self, name: str) -> bool:
        compact = re.sub(r"\s+", "", name)
        return 2 <= len(compact) <= 20 and bool(re.match(r"[\u4e00-\u9fffA-Za-z]", compact)) \
            and compact[-1] not in self.cfg["not_listed_endings"] \
            and compact not in self.generic and not self._has_stop(compact) \
            and not re.search(r"\d+(?:\.\d+)?(?:万元|元|%|个|户|套|亩|栋|人)", compact)

    def _mentions(self, text: str, names: list[_Name]) -> Iterator[_Name]:
        """Every other mention of a name found by position or wording (layout breaks allowed inside)."""
        seen = set()
        for n in names:
            if n.kind == "prose":
                continue  # prose finds each of its mentions itself
            name = re.sub(r"\s+", "", text[n.start:n.end])
            if len(name) < 4 or name in seen:
                continue
            seen.add(name)
            pat = re.compile(r"\s?".join(map(re.escape, name)) + "(?:项目)?")
            for m in pat.finditer(text):
                a = m.start()
                if a and _NAME_CHAR.match(text[a - 1]) and text[a - 1] not in _PLACE_FOLLOWERS + "“”（()）" \
                        and not self._stop_before(text, a):
                    continue  # inside a longer word (扶贫临时救助人数)
                yield _Name(a, m.end(), "mention")

    # -- edges -----------------------------------------------------------------------------
    def _run_start(self, text: str, end: int, allow_break: bool) -> int:
        """Where the run of name characters that ends at ``end`` begins."""
        i = end
        broke = False
        while i > 0 and end - i < self.max_chars + 20:
            ch = text[i - 1]
            if _NAME_CHAR.match(ch):
                i -= 1
            elif ch == "\n" and allow_break and not broke and i > 1 and _NAME_CHAR.match(text[i - 2]):
                broke = True
                i -= 1
            else:
                break
        return i

    def _left_edge(self, text: str, a: int, end: int, site: bool = False,
                   suffix_at: Optional[int] = None) -> Optional[tuple[int, int]]:
        """The name inside ``text[a:end]``: after the last stop word (before the suffix), year and place."""
        words = _words(text[a:end])
        limit = (suffix_at if suffix_at is not None else end) - a
        start = 0
        soft_at = []
        pos = 0
        for i, (w, flag) in enumerate(words):
            pos += len(w)
            if pos > limit:
                break
            counted = flag == "m" and not w.startswith("第") and i + 1 < len(words) \
                and words[i + 1][0] in _MEASURES  # 8个项目, 2021年: a count or a date, not part of a name
            if w in self.left_stops or counted:
                start = pos + (len(words[i + 1][0]) if counted else 0)
                soft_at = []
            elif w in self.soft_stops and not site:
                soft_at.append(pos)
            elif w in self.soft_stops and site and self._ends_like_name(text[a:a + pos - len(w)]):
                start = pos  # 新拆项目和安置房: two things, the second one alone is the site
                soft_at = []
        start = a + start
        s, t = self._strip(text, start, end, places=True)
        if t - s < self.min_chars:
            return None
        for cut in reversed(soft_at):
            s2, t2 = self._strip(text, a + cut, end, places=True)
            if t2 - s2 >= self.min_chars and self._acceptable(text[s2:t2], need_suffix=False, site=site) \
                    and self._specific(text[s2:t2], strict=not site):
                return s2, t2
        return s, t

    def _ends_like_name(self, s: str) -> bool:
        return any(s.endswith(x) for x in self.suffixes + self.site_suffixes) or bool(self.phase_re.search(s[-2:]))

    def _strip(self, text: str, a: int, b: int, places: bool) -> tuple[int, int]:
        """Cut blanks, quotes that open nothing, leading years and (optionally) places."""
        while True:
            while a < b and text[a] in " \t\n\u3000:：|-—、,，“\"" and not (text[a] == "“" and "”" in text[a:b]):
                a += 1
            while b > a and text[b - 1] in " \t\n\u3000|" or (b > a and text[b - 1] == "”" and "“" not in text[a:b - 1]):
                b -= 1
            while a < b and text[a] in "（(" and not re.search(r"[)）]", text[a:b]):
                a += 1  # an opening bracket that closes after the name
            while b > a and text[b - 1] in ")）" and not re.search(r"[(（]", text[a:b - 1]):
                b -= 1
            last_year = None
            for y in _YEAR_RE.finditer(text, a, b):
                last_year = y
            if last_year is not None and last_year.end() < b and last_year.start() > a:
                a = last_year.end()  # 住房和城乡建设局2023年X项目: a year never sits inside a name
                continue
            m = _YEAR_RE.match(text, a, b) or re.compile(r"[（(][\d一二三四五六七八九十]{1,3}[)）]|年(?:度|末|初|底)?").match(text, a, b)
            if m and m.end() < b and (m.group(0)[0] != "年" or (a and text[a - 1].isdigit())):
                a = m.end()
                continue
            if places:
                p = self.place_re.match(text, a, b)
                if p and b - p.end() >= self.min_chars and self._is_place(p.group(0), text[p.end():b]):
                    a = p.end()
                    continue
            return a, b

    def _is_place(self, token: str, rest: str = "") -> bool:
        """汤阴县, 望岳街道, 三县一区 are places; 城镇, 怀南水产品市(场), 利率市(场化) are not.

        The place must end where a word ends when read with what follows it.
        """
        if any(token.endswith(w) or w in token for w in self.not_places):
            return False
        if re.search(r"[\d及和与的、]", token) or any(w in token for w in self.scope if len(w) > 1):
            return False
        pos = 0
        for w, _ in _words(token + rest[:6]):
            pos += len(w)
            if pos >= len(token):
                return pos == len(token)
        return True

    def _stop_before(self, text: str, a: int, short: bool = False) -> bool:
        return any(text[:a].endswith(w) for w in self.left_stops if short or len(w) > 1)

    def _has_stop(self, name: str) -> bool:
        return any(w in self.left_stops and len(w) > 1 for w, _ in _words(name))

    # -- judgements ------------------------------------------------------------------------
    def _acceptable(self, name: str, need_suffix: bool, site: bool = False) -> bool:
        compact = re.sub(r"\s+", "", name)
        if len(compact) < self.min_chars or len(compact) > self.max_chars:
            return False
        if not re.search(r"[\u4e00-\u9fff]", compact) or compact in self.generic:
            return False
        if self.next_field_re.fullmatch(compact):
            return False
        core = compact
        for w in sorted(self.scope, key=len, reverse=True):
            if core.startswith(w):
                core = core[len(w):]
        if core in self.generic or len(core) < 2:
            return False
        if re.match(r"[\d.%]", compact) or re.search(r"\d+(?:\.\d+)?(?:万元|元|%|个|户|套|亩)$", compact):
            return False
        if need_suffix and not (any(compact.endswith(s) for s in self.suffixes + self.site_suffixes)
                                or self.phase_re.search(compact[-2:])):
            return False
        if compact.count("“") != compact.count("”") or compact.count("(") + compact.count("（") != compact.count(")") + compact.count("）"):
            return False
        return True

    def _specific(self, name: str, strict: bool, strip: Optional[re.Pattern] = None) -> bool:
        """Does the name hold a word that picks out one thing (a place, a proper name, a code)?

        Strict (prose): a place or proper name by jieba's tags, an unknown noun, a code or an
        ordinal batch.  Lenient (listed sites): also a rare word, or characters jieba cannot
        join into words (藕塘).
        """
        compact = re.sub(r"\s+", "", name)
        if re.search(r"[A-Za-z0-9#]|第[一二三四五六七八九十\d]+[批期]", compact):
            return True
        body = re.sub("(?:" + (strip or self.suffix_re).pattern + ")$", "", compact)  # only the name's own ending
        if not strict:
            rest = body
            for w in sorted(self.generic_words | self.scope, key=len, reverse=True):
                rest = rest.replace(w, "")
            return len(re.findall(r"[\u4e00-\u9fff]", rest)) >= 2
        singles = ""
        for w, flag in _words(body):
            if w in self.scope or w in self.generic_words:
                singles = ""
                continue
            if len(w) < 2:
                singles += w
                if not strict and len(singles) >= 2:
                    return True
                continue
            singles = ""
            freq = _freq(w)
            if flag in _NAMED_FLAGS or (freq is None and flag.startswith("n")):
                return True
            if w[-1] in self.place_chars and (freq or 0) < (5000 if not strict else 1000):
                return True
            if not strict and (freq or 0) < 1000:
                return True
        return False

    @staticmethod
    def _entity(nt: NormalisedText, n: _Name) -> Entity:
        o = nt.to_original(n.start, n.end)
        return Entity(start=o.start, end=o.end, label="PROJECT", text=o.text, source="rules",
                      confidence=_CONFIDENCE[n.kind])


def _words(s: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.word, p.flag) for p in _posseg().cut(s))


def _freq(w: str) -> Optional[int]:
    from .segmenting import _jieba
    return _jieba().get_FREQ(w)


def _joined_on_left(text: str, a: int) -> bool:
    """Is the item at ``a`` the later one of a list (A、B / A和B)?  1、X is a numbered item instead."""
    return a > 1 and text[a - 1] in "、和及与" and not (text[a - 1] == "、" and text[a - 2].isdigit())


def _non_overlapping(names: list[_Name]) -> list[_Name]:
    out: list[_Name] = []
    for n in sorted(set(names), key=lambda n: (_PRIORITY[n.kind], -(n.end - n.start), n.start)):
        if n.end > n.start and not any(n.start < o.end and o.start < n.end for o in out):
            out.append(n)
    return sorted(out, key=lambda n: n.start)
