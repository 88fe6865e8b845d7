"""What makes a stretch of text a project name: the edges of a name (stop words, years and places
cut off) and the judgements (long enough, ends like a name, holds a specific word).  The rules
read ``configs/projects.yaml``; jieba's part-of-speech tags tell places and proper names."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..config import load_config
from ..segmenting import pos_tagger

NAME_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9#（）()“”\-·]")
_YEAR_RE = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})(?:\s*[-—至]\s*\d{4})?\s*年度?")
_MEASURES = {"个", "项", "批", "户", "套", "栋", "家", "处", "宗", "亩", "人", "名", "年", "月", "日", "年度", "万元", "元"}
_NAMED_FLAGS = ("ns", "nr", "nz", "nt", "nrt", "nrfg")
PLACE_FOLLOWERS = "年度省市县区镇乡州旗"  # a mention may follow a year or a place (汉阴县城西…项目)


@dataclass(frozen=True)
class Name:
    """A name found, before it is an entity: where, and how it was found (its ``kind``)."""

    start: int
    end: int
    kind: str


class NameRules:
    """The configuration of the PROJECT rules and the judgements every finder shares."""

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

    def _after_leading_stop(self, text: str, a: int, b: int, verbs: bool = False) -> int:
        """包括X经费 / 完成X项目: a name never starts with a stop word; in prose not with a verb
        either (打造卓越工程), while budget lines may (征收工作经费)."""
        for w, flag in pos_words(text[a:b]):
            if (w in self.left_stops or (verbs and flag in self.not_first and len(w) > 1)) \
                    and b - a - len(w) >= self.min_chars:
                a += len(w)
                continue
            break
        return self._strip(text, a, b, places=False)[0]

    def _run_start(self, text: str, end: int, allow_break: bool) -> int:
        """Where the run of name characters that ends at ``end`` begins."""
        i = end
        broke = False
        while i > 0 and end - i < self.max_chars + 20:
            ch = text[i - 1]
            if NAME_CHAR.match(ch):
                i -= 1
            elif ch == "\n" and allow_break and not broke and i > 1 and NAME_CHAR.match(text[i - 2]):
                broke = True
                i -= 1
            else:
                break
        return i

    def _left_edge(self, text: str, a: int, end: int, site: bool = False,
                   suffix_at: Optional[int] = None) -> Optional[tuple[int, int]]:
        """The name inside ``text[a:end]``: after the last stop word (before the suffix), year and place."""
        words = pos_words(text[a:end])
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
        for w, _ in pos_words(token + rest[:6]):
            pos += len(w)
            if pos >= len(token):
                return pos == len(token)
        return True

    def _stop_before(self, text: str, a: int, short: bool = False) -> bool:
        return any(text.endswith(w, 0, a) for w in self.left_stops if short or len(w) > 1)

    def _has_stop(self, name: str) -> bool:
        return any(w in self.left_stops and len(w) > 1 for w, _ in pos_words(name))

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
        for w, flag in pos_words(body):
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

    def _listable(self, name: str) -> bool:
        compact = re.sub(r"\s+", "", name)
        return 2 <= len(compact) <= 20 and bool(re.match(r"[\u4e00-\u9fffA-Za-z]", compact)) \
            and compact[-1] not in self.cfg["not_listed_endings"] \
            and compact not in self.generic and not self._has_stop(compact) \
            and not re.search(r"\d+(?:\.\d+)?(?:万元|元|%|个|户|套|亩|栋|人)", compact)

    def _site_like(self, name: str) -> bool:
        """Does an item name a place or a work (大米厂, 谷山片区, 京沪高铁) rather than a programme?"""
        if name[-1] in self.place_chars or self._ends_like_name(name):
            return True
        return any(flag in _NAMED_FLAGS for _, flag in pos_words(name))

    def _place_before(self, text: str, a: int) -> int:
        """Where an item starts when a place was cut off its name (、岳麓街道|湘江科创基地)."""
        for k in range(2, 8):
            if a - k >= 1 and text[a - k - 1] == "、":
                p = self.place_re.fullmatch(text, a - k, a)
                return a - k if p and self._is_place(p.group(0), text[a:a + 6]) else a
        return a


def pos_words(s: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.word, p.flag) for p in pos_tagger().cut(s))


def _freq(w: str) -> Optional[int]:
    from ..segmenting import _jieba
    return _jieba().get_FREQ(w)
