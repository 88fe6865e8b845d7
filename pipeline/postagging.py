"""Part-of-speech tags for the PROJECT rules: ``jieba.posseg`` with its HMM decoded in numpy.

jieba decodes each run of characters its dictionary does not know with a pure-Python Viterbi over
256 (position, tag) states; in the rules-only pipeline that decoder took half the time.  Here only
the decoder changes: the dictionary, the word-tag table and the HMM's tables are jieba's own, and
the words and tags are the same (tests/test_postagging.py compares them with ``jieba.posseg``).
"""
from __future__ import annotations

import numpy as np
from jieba.posseg import POSTokenizer, char_state_tab_P, emit_P, pair, start_P, trans_P

MIN_FLOAT = -3.14e100  # jieba's score of an emission its table lacks


class PosViterbi:
    """jieba.posseg's Viterbi (``jieba/posseg/viterbi.py``) step for step: the same candidate states
    at each character, the same sums in the same order, and ties broken as Python's ``max`` over
    ``(score, state)`` breaks them (the greater state tuple wins)."""

    def __init__(self, char_states: dict, start: dict, trans: dict, emit: dict):
        self.states = sorted(trans)  # ascending, so the last of equal scores is the one max() keeps
        self.index = {s: i for i, s in enumerate(self.states)}
        n = len(self.states)
        self.char_states, self.emit_table = char_states, emit
        self.start = np.array([start[s] for s in self.states])
        self.trans = np.full((n, n), -np.inf)
        self.allowed = np.zeros((n, n), dtype=bool)
        for a, row in trans.items():
            for b, p in row.items():
                self.trans[self.index[a], self.index[b]] = p
                self.allowed[self.index[a], self.index[b]] = True
        self.has_next = self.allowed.any(axis=1)
        self.every = np.ones(n, dtype=bool)
        self._emissions: dict[str, np.ndarray] = {}   # by character, filled as characters come
        self._candidates: dict[str, np.ndarray] = {}

    def emission(self, char: str) -> np.ndarray:
        e = self._emissions.get(char)
        if e is None:
            e = self._emissions[char] = np.array([self.emit_table[s].get(char, MIN_FLOAT) for s in self.states])
        return e

    def candidates(self, char: str) -> np.ndarray:
        """The states jieba allows for ``char`` (every state for a character it never saw)."""
        m = self._candidates.get(char)
        if m is None:
            m = self.every
            if char in self.char_states:
                m = np.zeros(len(self.states), dtype=bool)
                m[[self.index[s] for s in self.char_states[char]]] = True
            self._candidates[char] = m
        return m

    def route(self, obs: str) -> list[tuple[str, str]]:
        """The best (position, tag) state of each character of ``obs``."""
        present = self.candidates(obs[0])
        score = np.full(len(self.states), -np.inf)
        score[present] = self.start[present] + self.emission(obs[0])[present]
        back = []
        for char in obs[1:]:
            prev = np.flatnonzero(present & self.has_next)
            expected = self.allowed[prev].any(axis=0)
            now = self.candidates(char) & expected
            if not now.any():
                now = expected if expected.any() else self.every
            ys = np.flatnonzero(now)
            sums = (score[prev][:, None] + self.trans[np.ix_(prev, ys)]) + self.emission(char)[ys][None, :]
            best = len(prev) - 1 - np.argmax(sums[::-1], axis=0)  # the greatest state among equal sums
            pointer = np.full(len(self.states), -1)
            pointer[ys] = prev[best]
            score = np.full(len(self.states), -np.inf)
            score[ys] = sums[best, np.arange(len(ys))]
            back.append(pointer)
            present = now
        last = np.flatnonzero(present)
        state = last[len(last) - 1 - np.argmax(score[last][::-1])]
        route = [state]
        for pointer in reversed(back):
            state = pointer[state]
            route.append(state)
        return [self.states[i] for i in reversed(route)]


class PosTagger(POSTokenizer):
    """``jieba.posseg.POSTokenizer`` whose unknown-word HMM runs on :class:`PosViterbi`.

    jieba calls the decoder through the name-mangled ``__cut``; this class overrides that one
    method and shares the base tagger's dictionary and word-tag table."""

    def __init__(self, base: POSTokenizer):
        self.tokenizer, self.word_tag_tab = base.tokenizer, base.word_tag_tab
        self.hmm = PosViterbi(char_state_tab_P, start_P, trans_P, emit_P)

    def _POSTokenizer__cut(self, sentence: str):
        pos_list = self.hmm.route(sentence)
        begin, nexti = 0, 0
        for i, char in enumerate(sentence):
            pos = pos_list[i][0]
            if pos == "B":
                begin = i
            elif pos == "E":
                yield pair(sentence[begin:i + 1], pos_list[i][1])
                nexti = i + 1
            elif pos == "S":
                yield pair(char, pos_list[i][1])
                nexti = i + 1
        if nexti < len(sentence):
            yield pair(sentence[nexti:], pos_list[nexti][1])
