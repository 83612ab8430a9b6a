"""The waste-sorting matcher: a resident's question -> the items in it and their categories.

Stages, first hit wins (docs/waste.md explains them with examples):

1. normalise: fold characters, split at punctuation, strip question boilerplate (请问, 是什么垃圾 …);
2. learned: the phrase is a learned item's name (volunteers and stewards; wins over the data);
3. exact: the phrase is an item's name;
4. alias / misspelling: the phrase is an alias (0.97) or a listed misspelling (0.9, `understood`);
   a generic word (电池) as the whole phrase is ambiguous at once;
5. sentence: jieba (a private tokenizer with every item word) splits the phrase; it is cut into
   segments at 和/、/还有/… and each segment's last known word that is not a place (its head:
   外卖盒里的剩饭 → 剩饭) is answered; several segments give several answers. A generic head is
   resolved by its modifier (我手表的电池 → 手表电池, 杀虫剂瓶子 → 杀虫剂), else ambiguous (这节电池);
   beside a specific item its distinction comes with the answers (电池和纸巾). A segment without
   a known word, or whose head noun phrase is almost entirely a longer fuzzy word
   (塑料代: 塑料 vs 塑料袋), is matched fuzzily;
6. fuzzy: characters and pinyin (rapidfuzz), accepted at 0.75 with `understood`;
7. ambiguous: a generic term of two or more characters inside the phrase;
8. none: up to three candidates, for buttons and the volunteer desk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from knowledge.waste import CATEGORY_KEYS, AmbiguousTerm
from knowledge.waste_cities import CityProfile
from sorting.fuzzy import FuzzyIndex
from sorting.index import CityAnswer, WasteIndex, Word
from sorting.normalise import Question, learned_key, parse_question, text_key

CONFIDENCE = {
    "exact": 1.0,
    "learned": 1.0,
    "alias": 0.97,
    "misspelling": 0.9,
    "sentence": 0.95,
    "compound": 0.85,  # a generic word resolved by its modifier (手表里的电池 -> 纽扣电池)
}
FUZZY_ACCEPT = 0.75
"""Fuzzy matches at or above this are answered (with `understood`); below, candidates only."""
FUZZY_OVER_SENTENCE = 0.9
"""A segment that fuzzily matches a longer word this well is that word, not the shorter word
jieba found inside it (塑料代 is 塑料袋, not 塑料)."""
CANDIDATE_FLOOR = 0.4
MAX_CANDIDATES = 3
SEPARATORS = frozenset(
    {
        ",",
        "、",
        "和",
        "跟",
        "与",
        "及",
        "以及",
        "还有",
        "或",
        "或者",
        "还是",
        "同",
        "加",
        "加上",
        "并且",
        "外加",
    }
)
LEARNED_REASON = "本地志愿者或管理员确认的分类"
LOCATIVES = ("里", "中", "内", "上")
"""After a word, these make it a place (冰箱里放久了的东西), never the item asked about."""


@dataclass(frozen=True)
class LearnedItem:
    """An item the platform learned (volunteer answers, steward corrections); wins over the data."""

    name: str
    category_key: str
    subcategory: str | None = None
    advice: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Answer:
    """One item understood in the query, with the city's naming and rules applied."""

    item: str  # canonical name (a learned item's name as written)
    category_key: str
    category: str  # the city's naming (干垃圾 in Shanghai)
    subcategory: str  # "" when unknown (a learned item without one, an override changing the category)
    bin: str
    reason: str
    advice: str
    match: str  # "exact" | "alias" | "learned" | "sentence" | "fuzzy"
    confidence: float
    understood: str | None  # fuzzy and misspellings: the name we think they meant
    city_rule: str | None  # the source of the city override that decided the category

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "category": self.category,
            "category_key": self.category_key,
            "subcategory": self.subcategory,
            "bin": self.bin,
            "reason": self.reason,
            "advice": self.advice,
            "match": self.match,
            "confidence": round(self.confidence, 3),
            "understood": self.understood,
            "city_rule": self.city_rule,
        }


@dataclass(frozen=True)
class Lookup:
    query: str
    answers: tuple[Answer, ...]  # several items in one question, in order of mention
    match: str  # answers[0].match, or "ambiguous", or "none"
    confidence: float  # min over answers; 0 for ambiguous and none
    # match == "ambiguous"; or beside answers when another part named only a generic term
    ambiguous: AmbiguousTerm | None
    candidates: tuple[str, ...]  # none and fuzzy: up to 3 closest item names, for buttons
    item_phrase: str  # the query without question words (电池是什么垃圾 -> 电池), for the desk

    def contract(self) -> dict[str, Any]:
        """The JSON contract (ARCHITECTURE.md) plus every answer, the candidates and `understood`."""
        first = self.answers[0] if self.answers else None
        return {
            "query": self.query,
            "item": first.item if first else None,
            "category": first.category if first else None,
            "category_key": first.category_key if first else None,
            "match": self.match,
            "confidence": round(self.confidence, 3),
            "advice": first.advice if first else None,
            "items": [a.to_dict() for a in self.answers],
            "candidates": list(self.candidates),
            "understood": next((a.understood for a in self.answers if a.understood), None),
        }

    def payload(self) -> dict[str, Any]:
        """contract() plus `ambiguous` ({term, aliases, explain, options} or null) and `item_phrase`."""
        term = self.ambiguous
        return {
            **self.contract(),
            "ambiguous": None
            if term is None
            else {
                "term": term.term,
                "aliases": list(term.aliases),
                "explain": term.explain,
                "options": list(term.options),
            },
            "item_phrase": self.item_phrase,
        }


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    word: Word | None  # a known word, or None for a learned name
    learned: str | None = None  # the learned key


@dataclass
class _Segment:
    text: str
    answer: Answer | None = None
    term: AmbiguousTerm | None = None
    candidates: list[str] = field(default_factory=list)


_Similar = tuple[Word | LearnedItem, float]


def _fuzzy_texts(segment: str) -> list[str]:
    """What to match fuzzily: the segment, and what follows its last 的 (the head noun: 吃完的苏料袋
    -> 苏料袋), each of two characters or more."""
    tail = segment.rpartition("的")[2]
    return [t for t in dict.fromkeys((segment, tail)) if len(t) >= 2]


def _text_of(target: Word | LearnedItem) -> str:
    return target.name if isinstance(target, LearnedItem) else target.text


class Matcher:
    """Answers questions for one city, with the platform's learned items on top of the data."""

    def __init__(
        self, city: str = "national", learned: Iterable[LearnedItem] = (), *, index: WasteIndex | None = None
    ) -> None:
        self.index = index if index is not None else base_index()
        self.city: CityProfile = self.index.city(city)
        self._answers = self.index.city_answers(self.city)
        self.learned: dict[str, LearnedItem] = {}
        for item in learned:
            if item.category_key not in CATEGORY_KEYS:
                raise ValueError(f"learned item {item.name!r}: unknown category_key {item.category_key!r}")
            key = learned_key(item.name, self.index.words.__contains__, self.index.places)
            if key:
                self.learned[key] = item
        self._learned_answers = {key: self._learned_answer(item) for key, item in self.learned.items()}
        self._terms = self.index.city_terms(self.city)  # explanations in the city's naming

    def with_learned(self, learned: Iterable[LearnedItem]) -> Matcher:
        """The same city and data with these learned items (instead of the current ones); cheap."""
        return Matcher(self.city.key, learned, index=self.index)

    # --- answers ------------------------------------------------------------------------------

    def _learned_answer(self, item: LearnedItem) -> Answer:
        word = self.index.words.get(text_key(item.name))
        known = self._answers.get(word.item.name) if word is not None and word.item is not None else None
        same = known if known is not None and known.category_key == item.category_key else None
        key = item.category_key
        category, colour = self.city.category_name(key), self.city.bin(key)
        return Answer(
            item=item.name,
            category_key=key,
            category=category,
            subcategory=item.subcategory or (same.subcategory if same else ""),
            bin=colour,
            reason=item.reason or (same.reason if same else LEARNED_REASON),
            advice=item.advice or (same.advice if same else f"请投放到{colour}的{category}收集容器"),
            match="learned",
            confidence=CONFIDENCE["learned"],
            understood=None,
            city_rule=None,
        )

    def _word_answer(self, word: Word, match: str, confidence: float, understood: str | None) -> Answer:
        """The answer for an item word; a learned item of the same name or word wins."""
        assert word.item is not None
        for key in (text_key(word.text), text_key(word.item.name)):
            learned = self._learned_answers.get(key)
            if learned is not None:
                return learned
        known: CityAnswer = self._answers[word.item.name]
        return Answer(
            known.item,
            known.category_key,
            known.category,
            known.subcategory,
            known.bin,
            known.reason,
            known.advice,
            match,
            confidence,
            understood,
            known.city_rule,
        )

    def _exact_answer(self, word: Word, in_sentence: bool) -> Answer:
        if word.kind == "misspelling":
            confidence = CONFIDENCE["misspelling"]
            understood: str | None = word.target
        else:
            confidence = CONFIDENCE["alias" if word.kind == "alias" else "exact"]
            understood = None
        if in_sentence:
            return self._word_answer(word, "sentence", min(confidence, CONFIDENCE["sentence"]), understood)
        return self._word_answer(word, "exact" if word.kind == "name" else "alias", confidence, understood)

    # --- lookup -------------------------------------------------------------------------------

    def _is_word(self, key: str) -> bool:
        return key in self.index.words or key in self.learned

    def lookup(self, query: str) -> Lookup:
        question = parse_question(query, self._is_word, self.index.places)
        keys = [k for k in dict.fromkeys((question.key, question.raw_key)) if k]
        for key in keys:  # 2. learned
            if key in self._learned_answers:
                return self._result(query, question, [self._learned_answers[key]])
        for key in keys:  # 3.-4. exact, alias, misspelling, a generic word alone
            word = self.index.words.get(key)
            if word is not None:
                if word.term is not None:
                    return self._ambiguous(query, question, word.term)
                return self._result(query, question, [self._exact_answer(word, in_sentence=False)])
        if not question.key:
            return self._none(query, question, [])
        memo: dict[str, list[_Similar]] = {}  # fuzzy scores of a text, computed once per lookup
        segments = [self._resolve(segment, memo) for segment in self._segments(question)]  # 5.-6.
        answers = list({a.item: a for a in reversed([s.answer for s in segments if s.answer])}.values())[::-1]
        terms = [s.term for s in segments if s.term is not None]
        if answers:  # 电池和纸巾: 纸巾 answered, 电池's distinction beside it
            candidates = [c for s in segments for c in s.candidates]
            return self._result(query, question, answers, candidates, terms[0] if terms else None)
        if terms:
            return self._ambiguous(query, question, terms[0])
        for key, term in self.index.generic_inside:  # 7. a generic term inside the phrase
            if key in question.key:
                return self._ambiguous(query, question, term)
        return self._none(query, question, self._candidates(question.key, memo))  # 8.

    def _segments(self, question: Question) -> list[tuple[str, list[str]]]:
        """The phrase's segments (split at punctuation and conjunctions), each with its tokens."""
        segments: list[tuple[str, list[str]]] = []
        tokenizer = self.index.tokenizer
        for part in question.parts:
            tokens: list[str] = []
            for token in tokenizer.cut(part, HMM=False):
                if token in SEPARATORS:
                    if tokens:
                        segments.append(("".join(tokens), tokens))
                    tokens = []
                else:
                    tokens.append(token)
            if tokens:
                segments.append(("".join(tokens), tokens))
        return segments

    def _mentions(self, text: str, tokens: list[str]) -> list[_Mention]:
        """Known words in the segment, left to right, longest first: item words start and end at
        token boundaries; learned names anywhere."""
        boundaries = [0]
        for token in tokens:
            boundaries.append(boundaries[-1] + len(token))
        ends_at = {b: [e for e in boundaries if b < e <= b + self.index.max_word_length] for b in boundaries}
        learned_at: dict[int, list[str]] = {}
        for key in self.learned:
            start = text.find(key)
            while start >= 0:
                learned_at.setdefault(start, []).append(key)
                start = text.find(key, start + 1)
        mentions: list[_Mention] = []
        position = 0
        while position < len(text):
            best: _Mention | None = None
            for key in learned_at.get(position, ()):
                if best is None or len(key) > best.end - best.start:
                    best = _Mention(position, position + len(key), None, key)
            for end in reversed(ends_at.get(position, [])):
                word = self.index.words.get(text[position:end])
                if word is not None:
                    if best is None or end > best.end:
                        best = _Mention(position, end, word)
                    break
            if best is None:
                position += 1
            else:
                mentions.append(best)
                position = best.end
        return mentions

    def _resolve(self, segment: tuple[str, list[str]], memo: dict[str, list[_Similar]]) -> _Segment:
        text, tokens = segment
        mentions = self._mentions(text, tokens)
        heads = [m for m in mentions if not text.startswith(LOCATIVES, m.end)]  # 冰箱里的… is a place
        result = _Segment(text)
        if heads:
            head = heads[-1]
            chunk = text[text.rfind("的", 0, head.start) + 1 :]  # the head noun phrase
            if len(heads) == 1 and len(chunk) > head.end - head.start:
                better = self._fuzzy_best([chunk], FUZZY_OVER_SENTENCE, memo)
                if better is not None and len(_text_of(better[1][0])) > head.end - head.start:
                    return self._fuzzy_segment(better[0], *better[1], memo)
            if head.learned is not None:
                result.answer = self._learned_answers[head.learned]
            elif head.word is not None and head.word.term is not None:
                result.answer = self._generic_head(text, head, heads[:-1], head.word.term)
                if result.answer is None:
                    result.term = head.word.term
            elif head.word is not None:
                result.answer = self._exact_answer(head.word, in_sentence=True)
            return result
        found = self._fuzzy_best(_fuzzy_texts(text), FUZZY_ACCEPT, memo)
        if found is not None:
            return self._fuzzy_segment(found[0], *found[1], memo)
        if len(text) >= 2:
            result.candidates = self._candidates(text, memo)
        return result

    def _generic_head(
        self, text: str, head: _Mention, before: list[_Mention], term: AmbiguousTerm
    ) -> Answer | None:
        """A generic word whose modifier says which item it is: 我手表的电池 is 手表电池 (an alias
        of 纽扣电池), 榴莲的壳 is 榴莲壳; else an item named right before it that is not food
        (杀虫剂瓶子 is the insecticide's bottle); else None (ambiguous)."""
        modifier = text[: head.start]
        if not modifier:
            return None
        compounds = self.index.compounds.get(term.term, ())
        named = [text[m.start : m.end] for m in before if m.word is None or m.word.term is None]
        for pass_ in ("modifier", "named"):
            for prefix, word in compounds:
                # 手表电池 for 手表…的电池; then 薯片包装袋 for 薯片袋子 (an item named in the modifier)
                if prefix in modifier if pass_ == "modifier" else any(n in prefix for n in named):
                    assert word.item is not None
                    return self._word_answer(word, "sentence", CONFIDENCE["compound"], word.item.name)
        if before and before[-1].end >= head.start - 1:  # right before it, or with one 的/小 between
            last = before[-1]
            if last.learned is not None:
                return replace(
                    self._learned_answers[last.learned], match="sentence", confidence=CONFIDENCE["compound"]
                )
            if last.word is not None and last.word.item is not None:
                answer = self._word_answer(last.word, "sentence", CONFIDENCE["compound"], last.word.item.name)
                if answer.category_key != "kitchen":  # food is what was in it, not the container
                    return answer
        return None

    def _similar(self, text: str, memo: dict[str, list[_Similar]]) -> list[_Similar]:
        """Known words and learned items that look or sound like `text` (≥ CANDIDATE_FLOOR), best
        first (shorter first on ties)."""
        found = memo.get(text)
        if found is None:
            found = list(self.index.fuzzy_words(text, cutoff=CANDIDATE_FLOOR))
            if self.learned:
                for index, score in self._learned_fuzzy.scores(text, cutoff=CANDIDATE_FLOOR).items():
                    found.append((self.learned[self._learned_keys[index]], score))
                found.sort(key=lambda pair: (-pair[1], len(_text_of(pair[0]))))
            memo[text] = found
        return found

    def _fuzzy_best(
        self, texts: Iterable[str], accept: float, memo: dict[str, list[_Similar]]
    ) -> tuple[str, _Similar] | None:
        """The best fuzzy match (≥ `accept`) of any of `texts`, with the text it matched."""
        best: tuple[str, _Similar] | None = None
        for text in texts:
            found = self._fuzzy(text, accept, memo)
            if found is not None and (best is None or found[1] > best[1][1]):
                best = (text, found)
        return best

    def _fuzzy(self, text: str, accept: float, memo: dict[str, list[_Similar]]) -> _Similar | None:
        """The best known word or learned item that looks or sounds like `text`, if ≥ `accept`."""
        similar = self._similar(text, memo)
        return similar[0] if similar and similar[0][1] >= accept else None

    def _fuzzy_segment(
        self, text: str, target: Word | LearnedItem, score: float, memo: dict[str, list[_Similar]]
    ) -> _Segment:
        result = _Segment(text)
        if isinstance(target, LearnedItem):
            learned = self._learned_answers[
                learned_key(target.name, self.index.words.__contains__, self.index.places)
            ]
            result.answer = replace(learned, match="fuzzy", confidence=score, understood=learned.item)
        elif target.term is not None:
            result.term = target.term
        else:
            answer = self._word_answer(target, "fuzzy", score, target.target)
            if answer.match == "learned":  # a learned correction of the item we think they meant
                answer = replace(answer, match="fuzzy", confidence=score, understood=answer.item)
            result.answer = answer
            result.candidates = self._candidates(text, memo)
        return result

    @cached_property
    def _learned_keys(self) -> list[str]:
        return list(self.learned)

    @cached_property
    def _learned_fuzzy(self) -> FuzzyIndex:
        return FuzzyIndex(self._learned_keys, self.index.codes)

    def _candidates(self, text: str, memo: dict[str, list[_Similar]]) -> list[str]:
        """Up to three item names (or learned names) that look or sound like `text`, closest first."""
        names: list[str] = []
        for target, _ in self._similar(text, memo):
            name = (
                target.name if isinstance(target, LearnedItem) else target.item.name if target.item else None
            )
            if name is not None and name not in names:
                names.append(name)
                if len(names) == MAX_CANDIDATES:
                    break
        return names

    # --- results ------------------------------------------------------------------------------

    def _result(
        self,
        query: str,
        question: Question,
        answers: list[Answer],
        candidates: Iterable[str] = (),
        term: AmbiguousTerm | None = None,
    ) -> Lookup:
        fuzzy = any(a.match == "fuzzy" for a in answers)
        return Lookup(
            query=query,
            answers=tuple(answers),
            match=answers[0].match,
            confidence=min(a.confidence for a in answers),
            ambiguous=self._terms[term.term] if term is not None else None,
            candidates=tuple(dict.fromkeys(candidates))[:MAX_CANDIDATES] if fuzzy else (),
            item_phrase=question.item_phrase,
        )

    def _ambiguous(self, query: str, question: Question, term: AmbiguousTerm) -> Lookup:
        return Lookup(query, (), "ambiguous", 0.0, self._terms[term.term], (), question.item_phrase)

    def _none(self, query: str, question: Question, candidates: list[str]) -> Lookup:
        return Lookup(query, (), "none", 0.0, None, tuple(candidates[:MAX_CANDIDATES]), question.item_phrase)


# --- per process ----------------------------------------------------------------------------------

_lock = threading.RLock()
_base: WasteIndex | None = None
_matchers: dict[str, Matcher] = {}


def base_index() -> WasteIndex:
    """The index of knowledge/waste (or $CITYSTEWARD_WASTE_DIR), built once per process."""
    global _base
    with _lock:
        if _base is None:
            from knowledge.waste import ambiguous_terms, waste_items
            from knowledge.waste_cities import city_profiles

            index = WasteIndex(waste_items(), ambiguous_terms(), city_profiles())
            index.warm_up()
            _base = index
        return _base


def matcher(city: str = "national") -> Matcher:
    """The matcher of a city (key, name or alias), without learned items; cached per city."""
    key = base_index().city(city).key
    found = _matchers.get(key)
    if found is None:
        with _lock:
            found = _matchers.setdefault(key, Matcher(key))
    return found
