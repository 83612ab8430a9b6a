"""Fuzzy matching of a phrase against the known words: by characters and by sound.

Three representations of every word are precomputed: its characters, its toneless pinyin and a
"fuzzy" pinyin that folds the confusions of southern speakers and of pinyin input (zh/z, ch/c,
sh/s, l/n, -ng/-n). Each syllable becomes one private-use character, so rapidfuzz compares
syllable sequences as plain strings. A word's score is the best of
    characters × 1.0,  pinyin × 0.95,  fuzzy pinyin × 0.9
(normalised Indel similarity, 0–1): 塑料代 → 塑料袋 scores 0.95 (same sound), 玻离瓶 → 玻璃瓶 0.95.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

PINYIN_WEIGHT = 0.95
FUZZY_PINYIN_WEIGHT = 0.9
_FIRST_CODE = 0xE000  # Unicode private use area
COMMON_POSTINGS = 200
"""A character or syllable in more words than this (and 5 % of them) does not pick candidates
when the phrase has rarer ones: it would only bring in words sharing nothing else."""


UNKNOWN = "\uf8ff"
"""The code of a query syllable no indexed word has: it matches nothing."""


class SyllableCodes:
    """Syllable -> one private-use character. Words get codes as they are indexed; queries only
    look codes up, so arbitrary input (abc123, emoji) never grows the table."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def code(self, syllable: str) -> str:
        found = self._codes.get(syllable)
        if found is None:
            with self._lock:
                found = self._codes.setdefault(syllable, chr(_FIRST_CODE + len(self._codes)))
        return found

    def encode(self, syllables: Sequence[str], grow: bool = True) -> str:
        if grow:
            return "".join(self.code(s) for s in syllables)
        return "".join(self._codes.get(s, UNKNOWN) for s in syllables)


def fuzzy_syllable(syllable: str) -> str:
    """zh/ch/sh -> z/c/s, l -> n, -ng -> -n."""
    for retroflex, flat in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if syllable.startswith(retroflex):
            syllable = flat + syllable[2:]
    if syllable.startswith("l"):
        syllable = "n" + syllable[1:]
    if syllable.endswith("ng"):
        syllable = syllable[:-1]
    return syllable


@dataclass(frozen=True)
class Sound:
    chars: str
    pinyin: str  # coded syllables
    fuzzy: str  # coded fuzzy syllables


def sound_of(text: str, codes: SyllableCodes, grow: bool = True) -> Sound:
    """`text` three ways; `grow`: give unseen syllables codes (words), else UNKNOWN (queries)."""
    syllables = lazy_pinyin(text)
    fuzzy = [fuzzy_syllable(s) for s in syllables]
    return Sound(text, codes.encode(syllables, grow), codes.encode(fuzzy, grow))


class FuzzyIndex:
    """Words (with their payload index) searchable by characters and by sound.

    Only words sharing a character or a (fuzzy) syllable with the phrase can score above 0, so
    an inverted index picks those first; rapidfuzz then scores the few hundred left instead of
    every word (several thousand)."""

    def __init__(self, words: Sequence[str], codes: SyllableCodes) -> None:
        self.words = list(words)
        self.codes = codes
        sounds = [sound_of(w, codes) for w in self.words]
        self._chars = [s.chars for s in sounds]
        self._pinyin = [s.pinyin for s in sounds]
        self._fuzzy = [s.fuzzy for s in sounds]
        self._postings: dict[str, set[int]] = {}
        for index, sound in enumerate(sounds):
            for symbol in {*sound.chars, *sound.fuzzy}:
                self._postings.setdefault(symbol, set()).add(index)
        self._common = max(COMMON_POSTINGS, len(self.words) // 20)

    def scores(self, phrase: str, cutoff: float = 0.4, limit: int = 20) -> dict[int, float]:
        """Word index -> score (0–1) of the best `limit` words by characters and the best `limit`
        by sound, each scoring at least `cutoff`. Exact pinyin is scored for the sound hits only:
        equal fuzzy pinyin is needed for equal pinyin, so none is missed."""
        if not self.words or not phrase:
            return {}
        sound = sound_of(phrase, self.codes, grow=False)
        postings = [p for p in (self._postings.get(s) for s in {*sound.chars, *sound.fuzzy}) if p]
        rare = [p for p in postings if len(p) <= self._common]  # 的, 子 … alone find nothing useful
        candidates = sorted(set[int]().union(*(rare or postings)))
        if not candidates:
            return {}
        best: dict[int, float] = {}
        for query, choices, weight in (
            (sound.chars, self._chars, 1.0),
            (sound.fuzzy, self._fuzzy, FUZZY_PINYIN_WEIGHT),
        ):
            found = process.extract(
                query,
                [choices[i] for i in candidates],
                scorer=fuzz.ratio,
                limit=limit,
                score_cutoff=100 * cutoff / weight,
            )
            for _, score, position in found:
                index = candidates[position]
                value = score / 100 * weight
                if weight != 1.0:  # a fuzzy-pinyin hit: the exact pinyin may score higher
                    value = max(value, fuzz.ratio(sound.pinyin, self._pinyin[index]) / 100 * PINYIN_WEIGHT)
                if value > best.get(index, 0.0):
                    best[index] = value
        return best
