"""Every matching stage on the fixture data (tests/unit/sorting/data)."""

from __future__ import annotations

import json

import pytest

from sorting import LearnedItem, Lookup, Matcher, WasteIndex

CONTRACT_KEYS = {
    "query", "item", "category", "category_key", "match", "confidence", "advice",
    "items", "candidates", "understood",
}  # fmt: skip
ANSWER_KEYS = {
    "item", "category", "category_key", "subcategory", "bin", "reason", "advice",
    "match", "confidence", "understood", "city_rule",
}  # fmt: skip


def items(found: Lookup) -> list[tuple[str, str]]:
    return [(a.item, a.category_key) for a in found.answers]


# --- exact, alias, misspelling ------------------------------------------------------------------


def test_exact_name_answers_with_every_field(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("过期药品")
    assert found.match == "exact"
    assert found.confidence == 1.0
    (answer,) = found.answers
    assert answer.item == "过期药品"
    assert (answer.category_key, answer.category, answer.bin) == ("hazardous", "有害垃圾", "红色")
    assert answer.subcategory == "药品"
    assert answer.reason == "药物成分会污染水体"
    assert answer.advice == "连同包装一起投放有害垃圾"
    assert answer.understood is None
    assert answer.city_rule is None
    assert found.item_phrase == "过期药品"


@pytest.mark.parametrize(
    "query",
    ["过期药品是什么垃圾", "请问，过期药品扔哪个桶？", "过期药品属于哪一类垃圾呀", "过期药品算有害垃圾吗"],
)
def test_question_words_around_a_name_still_match_exactly(jiangmen: Matcher, query: str) -> None:
    found = jiangmen.lookup(query)
    assert (found.match, items(found)) == ("exact", [("过期药品", "hazardous")])
    assert found.item_phrase == "过期药品"


def test_alias_answers_the_item(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("纸皮怎么扔")
    assert (found.match, found.confidence) == ("alias", 0.97)
    assert items(found) == [("快递纸箱", "recyclable")]
    assert found.answers[0].understood is None


def test_listed_misspelling_says_what_was_understood(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("玻离瓶是什么垃圾")
    assert (found.match, found.confidence) == ("alias", 0.9)
    assert items(found) == [("玻璃瓶", "recyclable")]
    assert found.contract()["understood"] == "玻璃瓶"


def test_an_alias_ending_in_a_particle_is_not_stripped_away(jiangmen: Matcher) -> None:
    assert items(jiangmen.lookup("吃剩的")) == [("剩饭剩菜", "kitchen")]
    assert items(jiangmen.lookup("大件垃圾怎么处理")) == [("大件垃圾", "other")]


def test_full_width_and_upper_case_input(jiangmen: Matcher) -> None:
    assert items(jiangmen.lookup("５号电池？")) == [("普通干电池", "other")]


# --- ambiguous terms ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["电池", "电池是什么垃圾", "废电池怎么扔", "这节电池坏了", "一节旧电池"])
def test_a_generic_battery_is_ambiguous(jiangmen: Matcher, query: str) -> None:
    found = jiangmen.lookup(query)
    assert found.match == "ambiguous"
    assert found.answers == ()
    assert found.confidence == 0.0
    assert found.ambiguous is not None
    assert found.ambiguous.term == "电池"
    assert found.ambiguous.options == ("普通干电池", "充电电池", "纽扣电池", "铅酸蓄电池")


def test_every_option_of_an_ambiguous_term_is_answered(jiangmen: Matcher) -> None:
    term = jiangmen.lookup("骨头").ambiguous
    assert term is not None
    assert [items(jiangmen.lookup(option)) for option in term.options] == [
        [("鸡骨头", "kitchen")],
        [("大骨头", "other")],
    ]


def test_a_generic_word_beside_a_specific_item_gets_its_distinction(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("塑料瓶和电池分别是什么垃圾")
    assert (found.match, items(found)) == ("sentence", [("塑料瓶", "recyclable")])
    assert found.ambiguous is not None
    assert found.ambiguous.term == "电池"
    assert found.payload()["ambiguous"]["term"] == "电池"


def test_a_question_without_generic_words_has_no_distinction(jiangmen: Matcher) -> None:
    assert jiangmen.lookup("纸巾和苹果核分别是什么垃圾").ambiguous is None


def test_the_longest_word_wins_over_a_generic_word_inside_it(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("我家的干电池坏了怎么扔")
    assert (found.match, items(found)) == ("sentence", [("普通干电池", "other")])


def test_payload_carries_the_explanation(jiangmen: Matcher) -> None:
    payload = jiangmen.lookup("骨头是什么垃圾").payload()
    assert payload["ambiguous"] == {
        "term": "骨头",
        "aliases": [],
        "explain": "鸡骨鱼骨等小骨头属于厨余垃圾，猪骨牛骨等大骨头属于其他垃圾。",
        "options": ["鸡骨头", "大骨头"],
    }
    assert payload["item_phrase"] == "骨头"
    assert payload["item"] is None
    assert payload["category"] is None


# --- items inside a sentence ----------------------------------------------------------------------


def test_the_head_of_a_phrase_is_the_item(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("外卖盒里的剩饭是什么垃圾")
    assert (found.match, found.confidence) == ("sentence", 0.95)
    assert items(found) == [("剩饭剩菜", "kitchen")]


def test_several_items_are_answered_in_order_of_mention(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("牛奶盒，玻璃瓶和旧衣服都是可回收物吗")
    assert items(found) == [("牛奶盒", "recyclable"), ("玻璃瓶", "recyclable"), ("旧衣服", "recyclable")]
    assert found.match == "sentence"
    assert [a.match for a in found.answers] == ["sentence"] * 3


def test_mixed_categories_and_misspellings_in_one_question(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("果皮和玻离瓶分别扔哪")
    assert items(found) == [("果皮", "kitchen"), ("玻璃瓶", "recyclable")]
    assert found.confidence == 0.9  # the lowest: the misspelling
    assert found.contract()["understood"] == "玻璃瓶"


def test_the_same_item_twice_is_answered_once(jiangmen: Matcher) -> None:
    assert items(jiangmen.lookup("塑料瓶和矿泉水瓶")) == [("塑料瓶", "recyclable")]


def test_an_item_in_a_longer_sentence(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("我刚喝完一瓶矿泉水瓶子要扔到哪里")
    assert items(found) == [("塑料瓶", "recyclable")]


# --- fuzzy ------------------------------------------------------------------------------------------


def test_homophone_typo_is_understood(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("苏料袋是什么垃圾")
    assert found.match == "fuzzy"
    assert items(found) == [("塑料袋", "other")]
    assert found.answers[0].understood == "塑料袋"
    assert found.confidence == pytest.approx(0.95)
    assert found.candidates[0] == "塑料袋"


def test_homophone_beats_a_shorter_word_inside_it(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("荧光灯馆怎么扔")  # jieba sees 灯 (ambiguous) inside
    assert (found.match, items(found)) == ("fuzzy", [("荧光灯管", "hazardous")])


def test_character_typo_is_understood(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("一次性饭盆")
    assert found.match == "fuzzy"
    assert items(found) == [("外卖餐盒", "other")]
    assert 0.75 <= found.confidence < 0.95


def test_a_fuzzy_generic_word_is_ambiguous(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("电吃是什么垃圾")
    assert found.match == "ambiguous"
    assert found.ambiguous is not None
    assert found.ambiguous.term == "电池"


# --- none -------------------------------------------------------------------------------------------


def test_unknown_item_gives_candidates(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("塑料玩具是什么垃圾")
    assert found.match == "none"
    assert found.answers == ()
    assert found.confidence == 0.0
    assert set(found.candidates[:2]) == {"塑料瓶", "塑料袋"}
    assert len(found.candidates) <= 3
    assert found.item_phrase == "塑料玩具"


def test_nothing_alike_gives_no_candidates(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("狗屎")
    assert (found.match, found.candidates, found.item_phrase) == ("none", (), "狗屎")


def test_a_question_without_an_item(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("请问是什么垃圾？")
    assert (found.match, found.item_phrase) == ("none", "")


# --- learned items ----------------------------------------------------------------------------------


def test_a_learned_item_is_answered_at_once(jiangmen: Matcher) -> None:
    learned = jiangmen.with_learned([LearnedItem("猫砂", "other", advice="装袋后投放")])
    found = learned.lookup("请问猫砂是什么垃圾？")
    assert (found.match, found.confidence) == ("learned", 1.0)
    (answer,) = found.answers
    assert (answer.item, answer.category_key, answer.category, answer.bin) == (
        "猫砂",
        "other",
        "其他垃圾",
        "灰色",
    )
    assert answer.advice == "装袋后投放"
    assert answer.reason == "本地志愿者或管理员确认的分类"
    assert answer.subcategory == ""
    assert jiangmen.lookup("猫砂").match == "none"  # the base matcher is unchanged


def test_a_learned_correction_wins_over_the_data_for_every_word_of_the_item(jiangmen: Matcher) -> None:
    learned = jiangmen.with_learned([LearnedItem("快递纸箱", "other", reason="测试：本地纸箱太脏")])
    for query in ("快递纸箱", "纸皮是什么垃圾", "纸箱和塑料瓶"):
        found = learned.lookup(query)
        assert found.answers[0].item == "快递纸箱"
        assert found.answers[0].category_key == "other"
        assert found.answers[0].match == "learned"
        assert found.answers[0].reason == "测试：本地纸箱太脏"


def test_a_learned_item_of_the_same_category_keeps_the_data_details(jiangmen: Matcher) -> None:
    found = jiangmen.with_learned([LearnedItem("塑料瓶", "recyclable")]).lookup("塑料瓶")
    assert found.match == "learned"
    assert (found.answers[0].subcategory, found.answers[0].advice) == ("塑料", "倒空、压扁后投放")


def test_learned_items_in_a_sentence_and_fuzzily(jiangmen: Matcher) -> None:
    learned = jiangmen.with_learned([LearnedItem("猫砂", "other")])
    assert items(learned.lookup("猫砂和塑料瓶")) == [("猫砂", "other"), ("塑料瓶", "recyclable")]
    fuzzy = learned.lookup("猫沙")
    assert (fuzzy.match, items(fuzzy), fuzzy.answers[0].understood) == ("fuzzy", [("猫砂", "other")], "猫砂")


def test_with_learned_replaces_the_learned_items_and_shares_the_index(jiangmen: Matcher) -> None:
    first = jiangmen.with_learned([LearnedItem("猫砂", "other")])
    second = first.with_learned([LearnedItem("暖宝宝", "other")])
    assert second.index is jiangmen.index
    assert second.lookup("猫砂").match == "none"
    assert second.lookup("暖宝宝").match == "learned"


def test_a_learned_item_with_an_unknown_category_is_refused(jiangmen: Matcher) -> None:
    with pytest.raises(ValueError, match="unknown category_key"):
        jiangmen.with_learned([LearnedItem("猫砂", "trash")])


# --- cities -----------------------------------------------------------------------------------------


def test_shanghai_naming_and_bins(shanghai: Matcher) -> None:
    (answer,) = shanghai.lookup("塑料袋").answers
    assert (answer.category_key, answer.category, answer.bin) == ("other", "干垃圾", "黑色")
    (kitchen,) = shanghai.lookup("果皮").answers
    assert (kitchen.category, kitchen.bin) == ("湿垃圾", "棕色")


def test_a_city_override_decides_with_its_source(shanghai: Matcher, national: Matcher) -> None:
    (local,) = shanghai.lookup("榴莲壳是什么垃圾").answers
    assert (local.category_key, local.category, local.city_rule) == ("kitchen", "湿垃圾", "测试来源乙")
    assert local.reason == "测试：上海把榴莲壳算作湿垃圾"
    assert local.advice == "砸碎后投放湿垃圾"
    assert local.subcategory == ""  # 骨壳核 is not a kitchen subcategory
    (standard,) = national.lookup("榴莲壳是什么垃圾").answers
    assert (standard.category_key, standard.city_rule) == ("other", None)


def test_an_override_without_advice_never_gives_the_contradicting_national_advice(jiangmen: Matcher) -> None:
    (answer,) = jiangmen.lookup("化妆品").answers
    assert (answer.category_key, answer.subcategory, answer.city_rule) == (
        "hazardous",
        "家用化学品",
        "测试来源甲",
    )
    assert answer.advice == "请投放到红色的有害垃圾收集容器"  # not the national 用完的瓶罐随其他垃圾投放


def test_national_texts_use_the_city_s_naming(shanghai: Matcher, national: Matcher) -> None:
    assert shanghai.lookup("塑料袋").answers[0].advice == "装垃圾后随干垃圾投放"
    assert national.lookup("塑料袋").answers[0].advice == "装垃圾后随其他垃圾投放"
    assert shanghai.lookup("鸡骨头").answers[0].advice == "随湿垃圾投放"


def test_a_distinction_uses_the_city_s_naming(shanghai: Matcher, national: Matcher) -> None:
    assert national.lookup("骨头").payload()["ambiguous"]["explain"] == (
        "鸡骨鱼骨等小骨头属于厨余垃圾，猪骨牛骨等大骨头属于其他垃圾。"
    )
    assert shanghai.lookup("骨头").payload()["ambiguous"]["explain"] == (
        "鸡骨鱼骨等小骨头属于湿垃圾，猪骨牛骨等大骨头属于干垃圾。"
    )
    assert shanghai.lookup("纸巾和骨头").ambiguous == shanghai.lookup("骨头").ambiguous


def test_cities_by_key_name_or_alias(index: WasteIndex) -> None:
    assert Matcher("沪", index=index).city.key == "shanghai"
    assert Matcher("江门市", index=index).city.key == "jiangmen"
    assert Matcher("SHANGHAI", index=index).city.key == "shanghai"


def test_unknown_city_is_a_clear_error(index: WasteIndex) -> None:
    with pytest.raises(ValueError, match="未知的城市「北京」") as error:
        Matcher("北京", index=index)
    assert "Unknown city '北京'" in str(error.value)


# --- the contract -----------------------------------------------------------------------------------


def test_contract_shape_for_an_answer(jiangmen: Matcher) -> None:
    contract = jiangmen.lookup("纸皮是什么垃圾").contract()
    assert set(contract) == CONTRACT_KEYS
    assert contract == {
        "query": "纸皮是什么垃圾",
        "item": "快递纸箱",
        "category": "可回收物",
        "category_key": "recyclable",
        "match": "alias",
        "confidence": 0.97,
        "advice": "拆掉胶带、压扁后投放",
        "items": [contract["items"][0]],
        "candidates": [],
        "understood": None,
    }
    assert set(contract["items"][0]) == ANSWER_KEYS
    assert json.loads(json.dumps(contract, ensure_ascii=False)) == contract


def test_contract_shape_for_none(jiangmen: Matcher) -> None:
    contract = jiangmen.lookup("狗屎").contract()
    assert contract == {
        "query": "狗屎",
        "item": None,
        "category": None,
        "category_key": None,
        "match": "none",
        "confidence": 0.0,
        "advice": None,
        "items": [],
        "candidates": [],
        "understood": None,
    }


def test_a_learned_correction_of_an_item_ending_in_a_question_word(jiangmen: Matcher) -> None:
    learned = jiangmen.with_learned([LearnedItem("大件垃圾", "recyclable")])
    for query in ("大件垃圾", "大件垃圾怎么处理", "旧沙发"):
        assert items(learned.lookup(query)) == [("大件垃圾", "recyclable")], query


def test_unknown_input_does_not_grow_the_syllable_table(jiangmen: Matcher) -> None:
    codes = jiangmen.index.codes
    before = len(codes._codes)
    for query in ("xyzzy123", "qwertyuiop", "🙂🙃"):
        assert jiangmen.lookup(query).match == "none"
    assert len(codes._codes) == before


# --- a generic word with a modifier, places, the head noun ------------------------------------------


def test_a_generic_word_is_resolved_by_an_item_word_its_modifier_forms(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("我手表的电池没电了，是什么垃圾")  # 手表电池 is an alias of 纽扣电池
    assert (found.match, items(found)) == ("sentence", [("纽扣电池", "hazardous")])
    assert (found.confidence, found.answers[0].understood) == (0.85, "纽扣电池")
    assert items(jiangmen.lookup("鸡的骨头")) == [("鸡骨头", "kitchen")]  # 鸡骨 + 骨头's stem 骨


def test_a_generic_container_of_a_named_item_is_that_item_unless_it_is_food(jiangmen: Matcher) -> None:
    assert items(jiangmen.lookup("化妆品瓶子怎么扔")) == [("化妆品", "hazardous")]  # Jiangmen's override
    assert jiangmen.lookup("果皮瓶子").match == "ambiguous"  # food is what was in it


def test_a_word_followed_by_a_place_word_is_not_the_item(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("塑料袋里放坏的东西")
    assert found.match == "none"
    assert items(jiangmen.lookup("塑料袋里的剩饭")) == [("剩饭剩菜", "kitchen")]


def test_fuzzy_matching_looks_at_the_head_noun_after_the_last_de(jiangmen: Matcher) -> None:
    found = jiangmen.lookup("喝完的苏料瓶子")
    assert (found.match, items(found)) == ("fuzzy", [("塑料瓶", "recyclable")])
