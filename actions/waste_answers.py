"""How a waste-sorting answer reads in the chat: one sentence per item, the distinction of an
ambiguous word with option buttons, and the candidates of a question the bot cannot answer.

The platform's `GET /api/v1/waste/lookup` and the local matcher (`sorting`) give the same contract;
`result_from_contract` reads it into `WasteResult`, the rest of this module turns that into
polite, short Chinese (a phone screen: at most ~200 characters per item line).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from knowledge.waste_cities import city_profile

# Longest reply line for one item; the reason is dropped first, then the advice is shortened.
MAX_LINE = 200
MAX_BUTTONS = 3
WASTE_INTENT = "ask_waste_sorting"

# Words that say nothing about *which* thing: a question made only of these ("垃圾分类怎么分",
# "红色的桶是装什么的", "这个东西到底丢哪个桶啊") gets the general answer, not the volunteer desk.
_GENERAL = """
        垃圾分类 生活垃圾 垃圾桶 垃圾 分类 分好 分开 区分 区别 分 可回收物 可回收 回收 有害垃圾 有害
        厨余垃圾 厨余 其他垃圾 其他 干垃圾 湿垃圾 干 湿 四类 几类 哪几类 种类 类 桶 箱 颜色 红色 蓝色
        绿色 灰色 黑色 棕色 红 蓝 绿 灰 黑 棕 怎么 怎样 如何 点样 点 扔 丢 放 投放 投 倒 处理 装 属于 算
        归 去 到 进 里 入 哪些 哪个 哪里 哪儿 哪 边个 边度 边 什么 咩 乜 啥 东西 嘢 物品 这个 那个 这些
        那些 呢个 嗰个 咁嘅 个 些 到底 究竟 是 系 都 要 不要 包括 有 的 嘅 吗 嗎 啊 呢 吧 呀 嘛 咧 喔 哦
        请问 请 问 问下 问一下 一下 我 你 您 想 知道 告诉 规则 标准 规定 办法 方法 和 与 跟 同 还是 或者
        该 应该 可以 能 不 对 呢 样 一样 help which bin what how the is sorting waste garbage
        你好 您好 谢谢 多谢 麻烦 小助手 助手 管家 喂 嗨 哈喽 好的 好 嗯 哦哦 呵呵 哈哈 ok
"""
GENERAL_WORDS = sorted(set(_GENERAL.split()), key=len, reverse=True)


@dataclass(frozen=True)
class ItemAnswer:
    """One item understood in the question, in the city's naming."""

    item: str
    category_key: str
    category: str
    bin: str
    reason: str
    advice: str
    match: str
    understood: str | None
    city_rule: str | None


@dataclass(frozen=True)
class Ambiguity:
    """A word such as 电池 that names several things sorted differently."""

    term: str
    explain: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class WasteResult:
    query: str
    match: str  # exact | alias | learned | sentence | fuzzy | ambiguous | none
    answers: tuple[ItemAnswer, ...]
    ambiguous: Ambiguity | None
    candidates: tuple[str, ...]
    item_phrase: str

    @property
    def understood_nothing(self) -> bool:
        return not self.answers and self.ambiguous is None


# -- reading the contract -------------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _styles(city: str) -> dict[str, tuple[str, str]]:
    """category key -> (name, bin colour) in the city's naming."""
    profile = city_profile(city)
    return {key: (style.name, style.bin) for key, style in profile.categories.items()}


def item_from_contract(entry: dict[str, Any], styles: dict[str, tuple[str, str]]) -> ItemAnswer | None:
    key = _text(entry.get("category_key"))
    name = _text(entry.get("item"))
    if not key or not name:
        return None
    style_name, style_bin = styles.get(key, ("", ""))
    return ItemAnswer(
        item=name,
        category_key=key,
        category=_text(entry.get("category")) or style_name,
        bin=_text(entry.get("bin")) or style_bin,
        reason=_text(entry.get("reason")),
        advice=_text(entry.get("advice")),
        match=_text(entry.get("match")),
        understood=_text(entry.get("understood")) or None,
        city_rule=_text(entry.get("city_rule")) or None,
    )


def result_from_contract(body: dict[str, Any], city: str) -> WasteResult:
    """The lookup contract (platform JSON or `Lookup.contract()` plus extras) as a WasteResult."""
    styles = _styles(city)
    entries = body.get("items")
    if not isinstance(entries, list):
        entries = [body] if body.get("item") else []
    answers = tuple(
        answer
        for answer in (item_from_contract(e, styles) for e in entries if isinstance(e, dict))
        if answer is not None
    )
    # the top-level `understood` belongs to a single fuzzy answer when items do not carry it
    top_understood = _text(body.get("understood")) or None
    if len(answers) == 1 and answers[0].understood is None and top_understood:
        answers = (replace(answers[0], understood=top_understood),)
    ambiguous = None
    raw = body.get("ambiguous")
    if isinstance(raw, dict) and raw.get("options"):
        ambiguous = Ambiguity(
            term=_text(raw.get("term")),
            explain=_text(raw.get("explain")),
            options=tuple(_text(o) for o in raw["options"] if _text(o)),
        )
    candidates = tuple(_text(c) for c in body.get("candidates") or [] if _text(c))
    return WasteResult(
        query=_text(body.get("query")),
        match=_text(body.get("match")) or ("none" if not answers else answers[0].match),
        answers=_unique(answers),
        ambiguous=ambiguous,
        candidates=candidates,
        item_phrase=_text(body.get("item_phrase")),
    )


def _unique(answers: tuple[ItemAnswer, ...]) -> tuple[ItemAnswer, ...]:
    seen: set[str] = set()
    kept = []
    for answer in answers:
        if answer.item not in seen:
            seen.add(answer.item)
            kept.append(answer)
    return tuple(kept)


# -- what the resident reads ----------------------------------------------------------------------


def _sentence(text: str) -> str:
    """One clause ending in a full stop: "冲洗干净、压扁后投放" -> "冲洗干净、压扁后投放。"."""
    text = text.strip().rstrip("。.;；，,!！")
    return f"{text}。" if text else ""


def item_line(answer: ItemAnswer) -> str:
    """ "牛奶盒属于可回收物，请投放到蓝色桶。冲洗干净、压扁后投放。（原因：…）" and its variants."""
    lead = ""
    if answer.match == "fuzzy":
        lead = f"您是不是想问：{answer.understood or answer.item}？"
    if answer.city_rule:
        lead += "按本市规定，"
    bin_text = f"，请投放到{answer.bin}桶" if answer.bin else ""
    core = f"{lead}{answer.item}属于{answer.category}{bin_text}。"
    advice = _sentence(answer.advice)
    reason = answer.reason.strip().rstrip("。.")
    reason_text = f"（原因：{reason}）" if reason else ""
    line = core + advice + reason_text
    if len(line) > MAX_LINE:
        line = core + advice
    if len(line) > MAX_LINE:
        line = line[: MAX_LINE - 1] + "…"
    return line


def answer_text(answers: tuple[ItemAnswer, ...]) -> str:
    """One item: its sentence. Several: one line each, in the order they were mentioned."""
    return "\n".join(item_line(answer) for answer in answers)


def ask_button(item: str) -> dict[str, str]:
    """A button that asks about one item: /ask_waste_sorting{"waste_item":"充电电池"}."""
    entities = json.dumps({"waste_item": item}, ensure_ascii=False, separators=(",", ":"))
    return {"title": item, "payload": f"/{WASTE_INTENT}{entities}"}


def general_styles(city: str) -> dict[str, str]:
    """Variables of utter_waste_sorting_general in the city's naming."""
    styles = _styles(city)
    values: dict[str, str] = {}
    for key in ("recyclable", "hazardous", "kitchen", "other"):
        name, colour = styles.get(key, ("", ""))
        values[key] = name
        values[f"{key}_bin"] = colour
    # Residents everywhere have heard of Shanghai's 干垃圾/湿垃圾; say how they map here.
    names = {values["kitchen"], values["other"]}
    values["naming_note"] = (
        "有的城市把厨余垃圾叫“湿垃圾”、其他垃圾叫“干垃圾”，说的是同一回事。"
        if names == {"厨余垃圾", "其他垃圾"}
        else ""
    )
    return values


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, letters and CJK only."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def resembling(phrase: str, names: tuple[str, ...]) -> list[str]:
    """The candidate names worth a button: they share two characters with what the resident wrote
    (all of a one-character phrase), and those make up half of the name at least. The matcher
    also ranks by sound and goes low: 凉薯 under 旧沙发, 红烧狮子头 under 舞狮头套 would puzzle."""
    chars = set(normalise(phrase))
    needed = min(2, len(chars))
    kept = []
    for name in names:
        own = set(normalise(name))
        shared = len(chars & own)
        if needed and shared >= needed and 2 * shared >= len(own):
            kept.append(name)
    return kept


def is_general(text: str) -> bool:
    """True when the question names no particular thing ("垃圾分类怎么分", "可回收物有哪些")."""
    rest = normalise(text)
    for word in GENERAL_WORDS:
        rest = rest.replace(word, "")
    return not re.sub(r"[0-9]", "", rest)
