"""Normalising a resident's question: characters, punctuation and question boilerplate.

`text_key` folds characters only (full-width to half-width, lower case, no spaces or punctuation):
the key every item word, ambiguous term and learned name is indexed under. `parse_question` also
splits the question at punctuation and strips the words around the item: greetings and 请问 at
the start, 是什么垃圾 / 怎么扔 / 扔哪个桶 / 算可回收物吗 / particles at the end, so that
「请问，电池是什么垃圾呀？」 leaves 电池.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SEPARATOR = ","
_PUNCTUATION = re.compile(r"[\W_]+")

_CATEGORY = (
    r"(?:可回收物|可回收垃圾|可回收的|可回收|可以回收的|能回收的|有害垃圾|有害的|有毒垃圾|厨余垃圾|湿垃圾|"
    r"干垃圾|其他垃圾|其它垃圾|餐厨垃圾|厨房垃圾|厨余|有害|不可回收物|不可回收垃圾|不可回收的|不可回收)"
)
_PARTICLES = r"(?:吗|呢|啊|呀|吧|哦|嘛|么|哈|啦|哇|呐|捏|咧|嘞|哟|噢)"
_BE = (
    r"(?:是|属于|算|算是|归|归于|归为|分|分到|分为|分成|划分为|放|放到|放进|放在|扔|扔到|扔进|扔在|丢|丢到|"
    r"丢进|丢在|投|投到|投进|投放|投放到|进|倒|倒进|倒到|装)"
)
_MODAL = r"(?:到底|究竟|应该|应当|要|该|得|需要|一般|通常|是不是|能不能|可以|可不可以)"
_WHICH = r"(?:什么|啥|哪|哪个|哪种|哪一种|哪类|哪一类|何种|哪样|哪一个|哪些|几类)"
_BIN_WORD = r"(?:垃圾桶|垃圾箱|垃圾|桶|箱子|箱|分类|类别|类型|类|里|里面|里边|地方|儿|颜色的桶|色的桶|色桶)"
_COLOUR = r"(?:红|蓝|绿|灰|黑|棕|黄|咖啡)"

_SUFFIXES = tuple(
    re.compile(pattern + "$")
    for pattern in (
        rf"{_PARTICLES}+",
        r"(?:谢谢|谢啦|谢了|多谢|感谢|麻烦了|拜托了)(?:你|您|啦|了)?",
        rf"{_MODAL}?{_BE}?{_WHICH}(?:种|类|个|样)?(?:的)?{_BIN_WORD}?",
        rf"{_MODAL}?(?:怎么|怎样|如何|咋|咋样|怎么样)(?:才能)?"
        r"(?:扔|丢|处理|分类|分|投放|投|回收|办|处置|弄|放|归类|区分)?(?:掉|才对|才好|比较好|好)?",
        rf"{_MODAL}?{_BE}?(?:不是)?{_CATEGORY}(?:还是{_CATEGORY})?",
        r"(?:能|能不能|可以|可不可以|可否|是否|是不是|要不要|需不需要|需要|用不用)"
        r"(?:回收|卖钱|卖|当可回收|单独投放|单独放|单独扔|分类|放一起|扔|丢)",
        r"(?:有毒|有污染|污染环境)",
        rf"{_BE}?(?:垃圾)",
        rf"{_BE}?(?:到|进|在)?{_COLOUR}(?:色)?(?:的)?(?:垃圾桶|桶|箱)(?:还是{_COLOUR}(?:色)?(?:的)?(?:垃圾桶|桶|箱))?",
        r"(?:还是|或者|或是|还是说|分别|各自|都|也|一般|通常|到底|究竟|应该|的话|这种东西|这个东西|这东西|东西)",
        r"(?:是|属于|算是)",
        r"的",
    )
)
_PREFIXES = tuple(
    re.compile("^" + pattern)
    for pattern in (
        r"(?:你好|您好|哈喽|嗨|喂|小管家|管家|城市管家|在吗|打扰了|打扰一下)",
        r"(?:请问一下|请问下|请问|请教一下|请教|问一下|问下|问个问题|我想问一下|我想问下|我想问|想问一下|想问下|想问|"
        r"我想知道|想知道|麻烦问一下|麻烦问下|麻烦帮我查一下|麻烦帮我看一下|麻烦|帮我查一下|帮我查下|帮我看一下|"
        r"帮我看下|帮忙看看|帮忙看下|帮忙查下|帮忙查一下|帮我问问|查一下|查下|请帮我|帮我|垃圾分类)",
        r"(?:我|我们)?(?:想|要|准备|打算)?(?:扔掉|扔|丢掉|丢弃|丢)(?:一个|个|一些|些|了|的)?",
        r"(?:我有一个|我有个|我有一些|我有些|我有|有一个|有个|还有)",
        r"(?:我家的|我家|家里的|家里|我们家的|家中的|这个|那个|这些|那些|这种|那种|这样的|那样的|"
        r"一个|一些|一堆|一袋|一点|一只|一件|一张|一瓶|一盒)",
    )
)


def _never(word: str) -> bool:
    return False


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def text_key(text: str) -> str:
    """The character-level key of a word: folded, without spaces and punctuation."""
    return _PUNCTUATION.sub("", fold(text))


_PLACE_MARKERS = r"(?:这边|这里|那边|的话|本地|地区|当地)"


def place_patterns(names: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Patterns that strip a place (在上海, 江门这边, 上海的, …, or the place alone) around the
    item, for `parse_question`. A bare place name at the start is kept (上海青 is a vegetable)."""
    words = sorted({fold(n) for n in names if n.strip()}, key=len, reverse=True)
    if not words:
        return ()
    place = "(?:" + "|".join(re.escape(w) for w in words) + r")(?:市|区)?"
    return (
        re.compile(rf"^(?:我|我们)?在?{place}{_PLACE_MARKERS}?$"),
        re.compile(rf"^(?:我|我们)?在{place}{_PLACE_MARKERS}?(?:的)?"),
        re.compile(rf"^{place}(?:{_PLACE_MARKERS}|的)"),
        re.compile(rf"在{place}{_PLACE_MARKERS}?$"),
    )


def strip_boilerplate(
    part: str, is_word: Callable[[str], bool] = _never, places: tuple[re.Pattern[str], ...] = ()
) -> str:
    """`part` (no punctuation) without question words around the item; may return "".
    Stops as soon as the rest is a known word (`is_word`), so 大件垃圾 keeps its 垃圾."""
    previous = None
    while part != previous and not is_word(part):
        previous = part
        for pattern in (*_PREFIXES, *places):
            part = pattern.sub("", part)
            if is_word(part):
                return part
        for pattern in _SUFFIXES:
            part = pattern.sub("", part)
            if is_word(part):
                return part
    return part


@dataclass(frozen=True)
class Question:
    text: str  # the query folded, punctuation runs replaced by SEPARATOR
    parts: tuple[str, ...]  # the punctuation-separated parts, boilerplate stripped, empty ones dropped
    raw_key: str  # text_key(query): everything, nothing stripped

    @property
    def key(self) -> str:
        """The item phrase as one key (what learned names and item words are compared with)."""
        return "".join(self.parts)

    @property
    def item_phrase(self) -> str:
        """The item phrase for people (the volunteer desk): the parts joined with 、."""
        return "、".join(self.parts)


def parse_question(
    query: str, is_word: Callable[[str], bool] = _never, places: tuple[re.Pattern[str], ...] = ()
) -> Question:
    """The question's parts without boilerplate; `is_word` protects known words from stripping;
    `places` (place_patterns) strips the city a resident names."""
    text = _PUNCTUATION.sub(SEPARATOR, fold(query)).strip(SEPARATOR)
    stripped = (strip_boilerplate(part, is_word, places) for part in text.split(SEPARATOR))
    parts = tuple(p for p in stripped if p)
    return Question(text, parts, text.replace(SEPARATOR, ""))


def learned_key(
    name: str, is_word: Callable[[str], bool] = _never, places: tuple[re.Pattern[str], ...] = ()
) -> str:
    """The key of a learned item's name: the same stripping as a question (protecting the known
    words `is_word`), so that a name taken from a question's item phrase finds that question again."""
    return parse_question(name, is_word, places).key or text_key(name)
