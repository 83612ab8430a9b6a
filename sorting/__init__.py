"""Waste-sorting matcher: which bin does the resident's item go in, in their city?

    from sorting import matcher, LearnedItem
    result = matcher("jiangmen").lookup("电池是什么垃圾")   # Lookup: answers, match, ambiguous …
    result.contract()                                       # the JSON contract (ARCHITECTURE.md)
    matcher("上海").with_learned([LearnedItem("猫砂", "other")]).lookup("猫砂")

Pure Python (jieba, rapidfuzz, pypinyin and the `knowledge` loaders): both venvs import it.
The index is built once per process (about a second for jieba); a lookup takes well under 2 ms.
"""

from knowledge.waste import AmbiguousTerm
from sorting.index import WasteIndex
from sorting.matcher import Answer, LearnedItem, Lookup, Matcher, base_index, matcher
from sorting.normalise import parse_question

__all__ = [
    "AmbiguousTerm",
    "Answer",
    "LearnedItem",
    "Lookup",
    "Matcher",
    "WasteIndex",
    "base_index",
    "matcher",
    "parse_question",
]
