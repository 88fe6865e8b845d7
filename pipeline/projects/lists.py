"""Names found from other names: the items listed beside a name (北京公馆、古城南路) or before 等
and a project word, and every later mention of a name found."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..positions import Occupied
from .names import NAME_CHAR, PLACE_FOLLOWERS, Name, NameRules, pos_words


class ListedNames(NameRules):
    """Finds the names coordinated with, or repeating, the names found so far."""

    def _coordinated(self, text: str, anchors: list[Name]) -> list[Name]:
        """Items listed with a name (北京公馆、古城南路、辰州中央广场回迁安置) and before 等 and a
        project word (机械化、大米厂等棚户区改造民生项目): coordinated items are of one kind."""
        out: list[Name] = []
        taken = Occupied()
        for n in anchors:
            taken.take(n.start, n.end)
        queue = [(n.start, n.end) for n in anchors if n.kind not in self.cfg["unlisted_kinds"]]
        for m in re.finditer("等", text):
            if re.match(self.cfg["listed_before"], text[m.end():m.end() + 16]):
                items = self._list_items(text, m.start())
                # a list of programmes (工业强基、智能制造等重大工程) names no site: skip it
                if any(self._site_like(text[a:b]) for a, b in items):
                    out += [Name(*item, "listed") for item in items if taken.take(*item)]
        while queue:
            a, b = queue.pop()
            a = self._place_before(text, a)
            for item in (self._item_before(text, a - 1) if _joined_on_left(text, a) else None,
                         self._item_after(text, b + 1) if b < len(text) and text[b] in "、和及与" else None):
                if item and taken.take(*item):
                    queue.append(item)
                    out.append(Name(*item, "listed"))
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

    def _item_before(self, text: str, end: int) -> Optional[tuple[int, int]]:
        """The listed item that ends at ``end``: after the last stop word, year or place."""
        if end and text[end - 1] in ")）":  # 湘江科创基地三期（1078亩二期）等: the remark is not the name
            opener = max(text.rfind("(", max(0, end - 17), end), text.rfind("（", max(0, end - 17), end))
            if opener >= 0 and end - opener <= 16:
                end = opener
        a = end
        while a > 0 and end - a < 24 and NAME_CHAR.match(text[a - 1]) and text[a - 1] not in "、等":
            a -= 1
        span = self._left_edge(text, a, end, site=True)
        if not span:
            return None
        named = any(text[span[0]:span[1]].endswith(x) for x in self.suffixes)  # 征收工作经费 keeps its verb
        span = (self._after_leading_stop(text, span[0], span[1], verbs=not named), span[1])  # 加紧南水北调
        pos = span[0]
        for w, _ in pos_words(text[span[0]:span[1]]):
            pos += len(w)
            if w in self.soft_stops:  # 西气东输和三峡输变电: the last item starts after the conjunction
                span = (pos, span[1])
        return span if self._listable(text[span[0]:span[1]]) else None

    def _item_after(self, text: str, a: int) -> Optional[tuple[int, int]]:
        """The listed item that starts at ``a``; an item that runs on into its sentence
        (辰州中央广场回迁安置) ends after its last name-like ending."""
        b = a
        while b < len(text) and b - a < 24 and NAME_CHAR.match(text[b]) and text[b] not in "、等":
            b += 1
        pos, end, ran_on = a, a, False
        for w, _ in pos_words(text[a:b]):
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

    def _mentions(self, text: str, names: list[Name]) -> Iterator[Name]:
        """Every other mention of a name found by position or wording (layout breaks allowed inside)."""
        found = {re.sub(r"\s+", "", text[n.start:n.end]) for n in names if n.kind != "prose"}  # prose finds its own
        for a, b in occurrences(text, [name for name in found if len(name) >= 4]):
            if a and NAME_CHAR.match(text[a - 1]) and text[a - 1] not in PLACE_FOLLOWERS + "“”（()）" \
                    and not self._stop_before(text, a):
                continue  # inside a longer word (扶贫临时救助人数)
            yield Name(a, b, "mention")


def _joined_on_left(text: str, a: int) -> bool:
    """Is the item at ``a`` the later one of a list (A、B / A和B)?  1、X is a numbered item instead."""
    return a > 1 and text[a - 1] in "、和及与" and not (text[a - 1] == "、" and text[a - 2].isdigit())


def occurrences(text: str, names: list[str]) -> Iterator[tuple[int, int]]:
    """Where each name occurs, left to right, one whitespace allowed between its characters and
    项目 after it; the occurrences of one name do not overlap.  One pass over the text with a
    character trie of the names, so the cost does not grow with their number."""
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = name
    free: dict[str, int] = {}  # where the next occurrence of a name may start
    n = len(text)
    for a in range(n):
        node, i = trie.get(text[a]), a + 1
        while node is not None:
            name = node.get("")
            if name is not None and a >= free.get(name, 0):
                end = i + 2 if text.startswith("项目", i) else i
                free[name] = end
                yield a, end
            if i < n and text[i].isspace() and i + 1 < n and text[i + 1] in node:
                i += 1
            node, i = (node.get(text[i]), i + 1) if i < n else (None, i)
