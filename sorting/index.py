"""The knowledge index the matcher searches, built once per process (jieba takes about a second).

- `words`: text key -> what it names (an item by name, alias or misspelling, or an ambiguous term);
- a private jieba tokenizer with every word added (the global `jieba` is left alone, so Rasa's
  own dictionary and ours never mix); item words get a high frequency, so jieba keeps them whole
  and prefers the longest one;
- a fuzzy index over the same words (characters and pinyin);
- per city, every item's answer with the city's naming and overrides applied.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import jieba

from knowledge.waste import (
    CATEGORY_KEYS,
    CATEGORY_NAMES,
    SUBCATEGORIES,
    AmbiguousTerm,
    WasteItem,
    load_ambiguous,
    load_items,
)
from knowledge.waste_cities import CityProfile, find_city, load_cities
from sorting.fuzzy import FuzzyIndex, SyllableCodes
from sorting.normalise import place_patterns, text_key

WORD_FREQUENCY = 1_000_000
"""Above any word of jieba's own dictionary (的 has about 320,000), so our words win."""
STOP_WORDS = frozenset(
    {
        "垃圾",
        "垃圾桶",
        "桶",
        "可回收物",
        "可回收",
        "有害垃圾",
        "厨余垃圾",
        "湿垃圾",
        "干垃圾",
        "其他垃圾",
        "什么",
        "哪个",
    }
)
"""Question and category words: never an item mention, even if the data listed them."""

WordKind = Literal["name", "alias", "misspelling", "ambiguous"]


@dataclass(frozen=True)
class Word:
    text: str  # as written in the data
    kind: WordKind
    item: WasteItem | None  # None for ambiguous terms
    term: AmbiguousTerm | None  # set for ambiguous terms

    @property
    def target(self) -> str:
        """The item name, or the ambiguous term."""
        if self.item is not None:
            return self.item.name
        assert self.term is not None
        return self.term.term


@dataclass(frozen=True)
class CityAnswer:
    """An item's answer in one city (before match, confidence and understood are known)."""

    item: str
    category_key: str
    category: str
    subcategory: str
    bin: str
    reason: str
    advice: str
    city_rule: str | None


class WasteIndex:
    """Everything the matcher looks up, for one set of items, ambiguous terms and cities."""

    def __init__(
        self,
        items: Iterable[WasteItem],
        ambiguous: Iterable[AmbiguousTerm],
        cities: Mapping[str, CityProfile],
    ) -> None:
        self.items = {item.name: item for item in items}
        self.ambiguous = tuple(ambiguous)
        self.cities = dict(cities)
        self.words: dict[str, Word] = {}
        for item in self.items.values():
            for text, kind in (
                (item.name, "name"),
                *((a, "alias") for a in item.aliases),
                *((m, "misspelling") for m in item.misspellings),
            ):
                self._add(Word(text, kind, item, None))  # type: ignore[arg-type]
        for term in self.ambiguous:
            for text in (term.term, *term.aliases):
                self._add(Word(text, "ambiguous", None, term))
        self.max_word_length = max((len(key) for key in self.words), default=1)
        self.compounds = compounds(self.words)
        self.generic_inside = [  # ambiguous words long enough to look for inside any phrase
            (key, word.term) for key, word in self.words.items() if word.term is not None and len(key) >= 2
        ]
        self._keys = list(self.words)
        self.places = place_patterns(w for c in self.cities.values() for w in (c.name, *c.aliases))
        self._lock = threading.Lock()
        self._city_answers: dict[str, dict[str, CityAnswer]] = {}
        self._city_terms: dict[str, dict[str, AmbiguousTerm]] = {}
        self.codes = SyllableCodes()

    def _add(self, word: Word) -> None:
        key = text_key(word.text)
        if key and key not in STOP_WORDS:
            self.words.setdefault(key, word)  # the loaders already refuse duplicates

    @classmethod
    def load(cls, directory: Path) -> WasteIndex:
        """The index of a waste data folder (items/*.csv, ambiguous.yml, cities/*.yml)."""
        items = load_items(directory / "items")
        return cls(
            items,
            load_ambiguous(directory / "ambiguous.yml", items),
            load_cities(directory / "cities", items),
        )

    @cached_property
    def tokenizer(self) -> jieba.Tokenizer:
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for key in self.words:
            tokenizer.add_word(key, WORD_FREQUENCY)
        return tokenizer

    @cached_property
    def fuzzy(self) -> FuzzyIndex:
        return FuzzyIndex(self._keys, self.codes)

    def fuzzy_words(self, phrase: str, cutoff: float) -> list[tuple[Word, float]]:
        """Known words that sound or look like `phrase`, best first."""
        scores = self.fuzzy.scores(phrase, cutoff=cutoff)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], len(self._keys[pair[0]])))
        return [(self.words[self._keys[index]], score) for index, score in ranked]

    def warm_up(self) -> None:
        """Build the lazy parts now (jieba's dictionary, pinyin of every word)."""
        _ = self.tokenizer, self.fuzzy

    def city(self, key_or_name: str) -> CityProfile:
        return find_city(self.cities, key_or_name)

    def city_answers(self, city: CityProfile) -> dict[str, CityAnswer]:
        """Item name -> its answer in `city` (naming, bin colour, override)."""
        found = self._city_answers.get(city.key)
        if found is None:
            with self._lock:
                found = self._city_answers.setdefault(
                    city.key, {name: city_answer(item, city) for name, item in self.items.items()}
                )
        return found

    def city_terms(self, city: CityProfile) -> dict[str, AmbiguousTerm]:
        """Ambiguous term -> the term with its explanation in `city`'s naming (湿垃圾 in Shanghai)."""
        found = self._city_terms.get(city.key)
        if found is None:
            with self._lock:
                found = self._city_terms.setdefault(
                    city.key,
                    {t.term: replace(t, explain=localise(t.explain, city)) for t in self.ambiguous},
                )
        return found


def compounds(words: Mapping[str, Word]) -> dict[str, list[tuple[str, Word]]]:
    """Generic term -> (prefix, item word) for every item word ending with the term or its stem
    (瓶子 -> 瓶, 骨头 -> 骨): 手表电池 gives (手表, 手表电池) for 电池. Longest prefix first."""
    found: dict[str, list[tuple[str, Word]]] = {}
    terms = {w.term.term: w.term for w in words.values() if w.term is not None and w.kind == "ambiguous"}
    for term in terms:
        key = text_key(term)
        stems = {key} | ({key[:-1]} if len(key) == 2 and key[-1] in "子头" else set())
        pairs = []
        for text, word in words.items():
            if word.item is None:
                continue
            for stem in stems:
                if text.endswith(stem) and len(text) > len(stem):
                    prefix = text[: -len(stem)].removesuffix("的")
                    if prefix:
                        pairs.append((prefix, word))
                    break
        found[term] = sorted(pairs, key=lambda pair: -len(pair[0]))
    return found


_CATEGORY_WORDS = (*CATEGORY_NAMES.values(), "厨余", "可回收", "有害", "干垃圾", "湿垃圾")


def localise(text: str, city: CityProfile) -> str:
    """A national text in the city's naming: 投其他垃圾 -> 投干垃圾, 厨余桶 -> 湿垃圾桶 in Shanghai."""
    for key in CATEGORY_KEYS:
        national, local = CATEGORY_NAMES[key], city.category_name(key)
        if national != local:
            text = text.replace(national, local)
    kitchen = city.category_name("kitchen")
    if kitchen != CATEGORY_NAMES["kitchen"]:
        text = text.replace("厨余", kitchen)
    return text


def city_answer(item: WasteItem, city: CityProfile) -> CityAnswer:
    """The item in `city`: its naming and bin colour, and its override if it has one. National
    texts are put in the city's naming; an override without advice keeps the national advice
    unless that names a category (it would contradict the override)."""
    override = city.overrides.get(item.name)
    if override is None:
        key = item.category_key
        return CityAnswer(
            item.name,
            key,
            city.category_name(key),
            item.subcategory,
            city.bin(key),
            localise(item.reason, city),
            localise(item.advice, city),
            None,
        )
    key = override.category_key
    subcategory = override.subcategory or (item.subcategory if item.subcategory in SUBCATEGORIES[key] else "")
    advice = override.advice
    if advice is None:
        names_a_category = any(word in item.advice for word in _CATEGORY_WORDS)
        advice = (
            f"请投放到{city.bin(key)}的{city.category_name(key)}收集容器"
            if names_a_category
            else localise(item.advice, city)
        )
    return CityAnswer(
        item.name,
        key,
        city.category_name(key),
        subcategory,
        city.bin(key),
        override.reason,
        advice,
        override.source,
    )
