"""Normalising questions: characters, punctuation, question boilerplate."""

from __future__ import annotations

import pytest

from sorting.normalise import learned_key, parse_question, place_patterns, text_key


@pytest.mark.parametrize(
    ("query", "parts"),
    [
        ("电池是什么垃圾", ("电池",)),
        ("请问，电池是什么垃圾呀？", ("电池",)),
        ("过期药品扔哪个桶", ("过期药品",)),
        ("旧衣服怎么扔", ("旧衣服",)),
        ("纸巾能回收吗", ("纸巾",)),
        ("我家的干电池属于哪一类垃圾", ("干电池",)),
        ("大骨头算干垃圾还是湿垃圾", ("大骨头",)),
        ("奶茶杯扔蓝色的桶还是灰色桶", ("奶茶杯",)),
        ("我想扔个旧手机", ("旧手机",)),
        ("塑料瓶和电池分别是什么垃圾", ("塑料瓶和电池",)),
        ("我想问下塑料瓶，还有电池呢？谢谢", ("塑料瓶", "电池")),
        ("您好 请问一下", ()),
        ("是什么垃圾", ()),
    ],
)
def test_question_boilerplate_is_stripped(query: str, parts: tuple[str, ...]) -> None:
    assert parse_question(query).parts == parts


def test_full_width_letters_and_spaces_fold() -> None:
    question = parse_question("ＰＥＴ 瓶子 是可回收物吗？")
    assert question.parts == ("pet", "瓶子")
    assert question.key == "pet瓶子"
    assert question.item_phrase == "pet、瓶子"
    assert text_key(" ＰＥＴ瓶！") == "pet瓶"


def test_known_words_are_never_stripped() -> None:
    assert parse_question("大件垃圾怎么处理").key == "大件"  # without knowing the word …
    assert parse_question("大件垃圾怎么处理", {"大件垃圾"}.__contains__).key == "大件垃圾"
    assert parse_question("吃剩的", {"吃剩的"}.__contains__).key == "吃剩的"


def test_raw_key_keeps_everything() -> None:
    assert parse_question("电池，是什么垃圾？").raw_key == "电池是什么垃圾"


def test_learned_key_matches_the_question_it_came_from() -> None:
    assert learned_key("猫砂") == parse_question("请问猫砂是什么垃圾？").key
    assert learned_key("是什么垃圾") == "是什么垃圾"  # nothing left after stripping: the name itself


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("在上海大骨头是什么垃圾", "大骨头"),
        ("上海这边，大骨头算干垃圾吗", "大骨头"),
        ("大骨头在上海是什么垃圾", "大骨头"),
        ("上海的大骨头", "大骨头"),
        ("我在江门，旧衣服怎么扔", "旧衣服"),
        ("上海青是什么垃圾", "上海青"),  # a vegetable, not a place
    ],
)
def test_places_around_the_item_are_stripped(query: str, key: str) -> None:
    places = place_patterns(["上海市", "上海", "沪", "江门市", "江门"])
    assert parse_question(query, places=places).key == key
