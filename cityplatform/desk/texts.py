"""What residents and volunteers read from the desk: polite, short Chinese, naming the city's bins."""

from __future__ import annotations

from cityplatform.outbox import Button
from knowledge.waste import CATEGORY_KEYS
from knowledge.waste import CATEGORY_NAMES as NATIONAL_NAMES

__all__ = ["CATEGORY_KEYS", "NATIONAL_NAMES"]

KIND = "desk"  # outbox kind of every desk message
SKIP = "skip"
ANSWERED_BY_OTHERS = "这个问题已经有志愿者解答了，谢谢您的热心！"
ANSWERED_BY_STAFF = "这个问题已经由工作人员解答了，谢谢您的热心！"


def question_buttons(question_id: int) -> tuple[Button, ...]:
    """The four categories (national names) and 「我也不确定」, as the gateway's desk buttons."""
    return (
        *(Button(name, f"desk:{question_id}:{key}") for key, name in NATIONAL_NAMES.items()),
        Button("我也不确定", f"desk:{question_id}:{SKIP}"),
    )


def ask_volunteer(text: str, guess_item: str | None, guess_category: str | None) -> str:
    if guess_item and guess_category in NATIONAL_NAMES:
        guess = f"系统初步判断：{guess_item}，{NATIONAL_NAMES[guess_category]}（不一定准确）。"
    else:
        guess = "系统暂时没能判断出来。"
    return f"居民提问：「{text}」\n{guess}\n请选择正确的分类："


def _end(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if not sentence or sentence[-1] in "。！？!?.…~～" else sentence + "。"


def answer(phrase: str, category: str, bin_colour: str, note: str | None, *, by: str = "志愿者") -> str:
    """志愿者回复：「电池」属于有害垃圾，请投放到红色桶。<note>"""
    text = f"{by}回复：「{phrase}」属于{category}，请投放到{bin_colour}桶。"
    return text + _end(note) if note else text


def note(text: str) -> str:
    return f"志愿者补充：{_end(text)}"


def guess(phrase: str, item: str | None, category: str | None, bin_colour: str | None) -> str:
    """The bot's best guess after nobody answered, clearly marked as such."""
    lead = "暂时还没有志愿者回复，先给您系统的初步判断（仅供参考）："
    if item and category and bin_colour:
        what = f"「{phrase}」可能属于" if item == phrase else f"「{phrase}」可能是{item}，属于"
        return f"{lead}{what}{category}，请投放到{bin_colour}桶。如果拿不准，可以咨询小区的垃圾分类督导员。"
    return (
        f"{lead}系统也没能判断「{phrase}」属于哪一类。建议您先暂存，"
        "咨询小区的垃圾分类督导员后再投放，或者换个说法再问我一次。"
    )
