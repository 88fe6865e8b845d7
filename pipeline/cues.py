"""Structural evidence of project names, for the token classifier to weigh (configs/cues.yaml).

A cue says where the layout or the wording of the genre puts a name, not what the name is:

- ``field``: the cell after a name field (项目名称 | X |);
- ``title``: what the document's title is about (关于X的通知, X绩效自评报告);
- ``about``: what a sentence says was audited or evaluated (对X进行审计, 关于X的建议);
- ``heading``: the head of a numbered item (1、X：…);
- ``listed``: an item of a list that ends in an amount or count (委员活动经费36.3万元，…);
- ``word``: a word that names a project, site or work (项目, 工程, 片区, 地块, 大桥 …).

Cues are written to ``doc.spans["project_cues"]``; nothing here decides a PROJECT.  The rule
tagger's numbers (already in ``doc.entities``) place the ``listed`` cues.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from .doc import NUMERIC_LABELS, Document, Span
from .tables.cells import split

CUE_KINDS = ("field", "title", "about", "heading", "listed", "word")
SPAN_GROUP = "project_cues"


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))


class CueFinder:
    """Finds the cues of one text; built once from configs/cues.yaml."""

    def __init__(self, cfg: dict):
        loose = ("".join(re.escape(c) + r"\s*" for c in f)[:-3] for f in cfg["name_fields"])
        self.field_re = re.compile(r"(?:" + "|".join(sorted(loose, key=len, reverse=True)) + r")[ \t|:：]*\n?[ \t|:：]*")
        self.next_field_re = re.compile(_alternatives(cfg["next_fields"]))
        self.title_chars = int(cfg["title_chars"])
        self.title_re = re.compile(r"关于([^\n]{2,80}?)的(?:" + _alternatives(cfg["title_endings"]) + ")")
        self.evaluated_re = re.compile(r"(?:^|\n)[ \t]*([^\n。；;，,]{2,80}?)(?:" + _alternatives(cfg["evaluated_endings"]) + ")")
        self.action_re = re.compile(r"对([^\n。；;，,]{2,60}?)(?:进行了?|开展了?|组织了?)(?:" + _alternatives(cfg["action_words"]) + ")")
        self.about_re = re.compile(r"关于([^\n。；;]{2,60}?)的(?:建议|提案|议案|答复|请示|意见|报告|通知|批复)")
        marker = r"(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[、．.](?!\d))"
        self.heading_re = re.compile(r"(?:^|(?<=[\n。；;]))[ \t]*" + marker + r"[ \t]*([^\n：:。；;，,]{2,%d})(?=[：:。；;，,\n])"
                                     % int(cfg["heading_chars"]))
        self.word_re = re.compile(_alternatives(cfg["project_words"]))
        self.max_header_cell = int(cfg["header_cell_chars"])
        self.separators = cfg["list_separators"]
        self.item_chars = int(cfg["list_item_chars"])

    def __call__(self, text: str, numbers: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
        found = list(self._fields(text))
        head = text[:self.title_chars]
        found += [(m.start(1), m.end(1), "title") for m in self.title_re.finditer(head)]
        found += [(m.start(1), m.end(1), "title") for m in self.evaluated_re.finditer(head)]
        for rx in (self.action_re, self.about_re):
            found += [(m.start(1), m.end(1), "about") for m in rx.finditer(text)]
        found += [(m.start(1), m.end(1), "heading") for m in self.heading_re.finditer(text)]
        found += list(self._listed(text, sorted(numbers)))
        found += [(m.start(), m.end(), "word") for m in self.word_re.finditer(text)]
        return sorted(set((a, b, k) for a, b, k in found if b > a))

    def _fields(self, text: str):
        """The value cell of a name field (项目名称 | X |), or, where the field heads a column of a
        flattened table, the cells of that column (序号 | 项目名称 | 金额 |\n1 | X | 20 |)."""
        for m in self.field_re.finditer(text):
            if m.start() and text[m.start() - 1] not in " \t\n|:：、":
                continue  # 变更项目名称、内容: the words in prose, not a field
            column = _column_cells(text, m.start(), m.end(), self.max_header_cell)
            if column is not None:
                yield from ((a, b, "field") for a, b in column)
                continue
            a = b = m.end()
            while b < len(text) and text[b] not in "\t\n|。；;" and b - a < 80:
                b += 1
            nxt = self.next_field_re.search(text, a + 1, b)
            if nxt:
                b = nxt.start()
            while b > a and text[b - 1] in " :：":
                b -= 1
            if b > a:
                yield a, b, "field"

    def _listed(self, text: str, numbers: list[tuple[int, int]]):
        """The stretch before each number back to the previous separator, when the number
        stands in a list: a list separator on either side of its item."""
        stops = self.separators + "。:：\n\t|（(）)"
        for s, e in numbers:
            a = s
            while a > 0 and text[a - 1] not in stops and s - a < self.item_chars:
                a -= 1
            before = text[a - 1] if a else ""
            after = text[e] if e < len(text) else ""
            if s - a >= 2 and (before and before in self.separators or after and after in self.separators) \
                    and re.search(r"[\u4e00-\u9fff]", text[a:s]):
                yield a, s, "listed"


_CELL_SEPARATORS = re.compile(r"[ \t]*\|[ \t]*\n?|\t|\n\s*\n|\n")


def _cells(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cells of ``text[a:b]`` split at pipes, tabs and line ends, blanks stripped (empty ones kept)."""
    return list(split(text, a, b, _CELL_SEPARATORS, blanks=None))


def _is_header_cell(text: str, a: int, b: int, max_chars: int) -> bool:
    cell = re.sub(r"\s+", "", text[a:b])
    return 0 < len(cell) <= max_chars and not re.search(r"\d(?![^(（]*[)）])", cell) and not re.search(r"[。；;，,:：]", cell)


def _column_cells(text: str, fs: int, fe: int, max_chars: int) -> Optional[list[tuple[int, int]]]:
    """The cells under a name field that heads a column, or None when the field is not a column
    header (the cell after it is its value, not another header).  Rows are read from the header's
    width: one line a row when the header row stands on one line, else consecutive cells."""
    line_start = text.rfind("\n", 0, fs) + 1
    line_end = text.find("\n", fe)
    line_end = len(text) if line_end < 0 else line_end
    header = [c for c in _cells(text, line_start, line_end) if c[1] > c[0]]
    if len(header) >= 3:      # 序号 | 项目名称 | 金额 |: a header row on one line
        if not all(_is_header_cell(text, a, b, max_chars) for a, b in header):
            return None
        col = next((i for i, (a, b) in enumerate(header) if a <= fs < b + 1), None)
        out, pos = [], line_end + 1
        while pos < len(text) and col is not None:
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            row = [c for c in _cells(text, pos, end) if c[1] > c[0]]
            if len(row) < 2 or len(text[pos:end]) > 400:
                break
            if len(row) >= len(header) - 1 and col < len(row) and not _is_header_cell(text, *row[0], max_chars):
                out.append(row[col - (len(header) - len(row)) if len(row) < len(header) else col])
            pos = end + 1
        return out or None
    # one cell a line (序号 |\n项目名称 |\n…): the header is the run of header cells around the field
    seq = _cells(text, max(0, fs - 300), min(len(text), fe + 3000))
    at = next((i for i, (a, b) in enumerate(seq) if a <= fs < b), None)
    if at is None or at + 1 >= len(seq) or not _is_header_cell(text, *seq[at + 1], max_chars):
        return None
    first = at
    while first > 0 and _is_header_cell(text, *seq[first - 1], max_chars):
        first -= 1
    numbered = [i for i in range(first, at) if re.sub(r"\s", "", text[seq[i][0]:seq[i][1]]) in ("序号", "编号")]
    first = numbered[-1] if numbered else first  # a table's header starts at its 序号 column
    if first == at and at + 2 < len(seq) and not _is_header_cell(text, *seq[at + 2], max_chars):
        return None  # 项目名称 | 资金名称 | X: a form's field label after another, not a table
    last = at
    while last + 1 < len(seq) and _is_header_cell(text, *seq[last + 1], max_chars):
        last += 1
    width = last - first + 1
    if width < 3:
        return None
    out = []
    for r in range(last + 1, len(seq) - width + 1, width):
        row = seq[r:r + width]
        if any(len(text[a:b]) > 120 for a, b in row) or _is_header_cell(text, *row[0], max_chars):
            break
        out.append(row[at - first])
    return out or None


def find_cues(doc: Document, finder: CueFinder) -> list[Span]:
    """The cues of ``doc`` as a span group (label = cue kind), using the numbers tagged so far."""
    numbers = [(e.start, e.end) for e in doc.entities if e.label in NUMERIC_LABELS]
    return [Span(a, b, doc.text[a:b], kind) for a, b, kind in finder(doc.text, numbers)]
