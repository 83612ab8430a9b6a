"""The real waste data (knowledge/waste) through the matcher: every override of every city file
is a test case of its own, so a new override is tested as soon as it is written."""

from __future__ import annotations

import pytest

from knowledge.waste import ambiguous_terms, waste_items
from knowledge.waste_check import problems
from knowledge.waste_cities import NATIONAL, Confirmation, Override, city_profile, city_profiles
from sorting import matcher


def all_overrides() -> list[object]:
    return [
        pytest.param(city.key, override, id=f"{city.key}-{override.item}")
        for city in city_profiles().values()
        for override in city.overrides.values()
    ]


@pytest.mark.parametrize(("city", "override"), all_overrides())
def test_every_city_override_decides_in_its_city_only(city: str, override: Override) -> None:
    profile = city_profile(city)
    found = matcher(city).lookup(override.item)
    assert found.match == "exact"
    (answer,) = found.answers
    assert answer.item == override.item
    assert answer.category_key == override.category_key
    assert answer.category == profile.categories[override.category_key].name
    assert answer.bin == profile.categories[override.category_key].bin
    assert answer.city_rule == override.source
    assert answer.reason == override.reason
    national_profile = city_profile(NATIONAL)
    item = next(i for i in waste_items() if i.name == override.item)
    national_override = national_profile.overrides.get(override.item)
    expected = national_override.category_key if national_override else item.category_key
    (standard,) = matcher(NATIONAL).lookup(override.item).answers
    assert standard.category_key == expected
    assert standard.category == national_profile.categories[expected].name
    if city != NATIONAL:
        assert standard.city_rule == (national_override.source if national_override else None)


def all_confirmations() -> list[object]:
    return [
        pytest.param(city.key, confirmation, id=f"{city.key}-{confirmation.item}")
        for city in city_profiles().values()
        for confirmation in city.confirms.values()
    ]


@pytest.mark.parametrize(("city", "confirmation"), all_confirmations())
def test_every_confirmation_is_the_city_s_answer(city: str, confirmation: Confirmation) -> None:
    (answer,) = matcher(city).lookup(confirmation.item).answers
    assert (answer.item, answer.category_key, answer.city_rule) == (
        confirmation.item,
        confirmation.category_key,
        None,
    )


def test_the_data_has_no_problems() -> None:
    assert problems() == []


def test_every_item_name_alias_and_misspelling_answers_its_item() -> None:
    national = matcher(NATIONAL)
    wrong = []
    for item in waste_items():
        for word in (item.name, *item.aliases, *item.misspellings):
            found = national.lookup(word)
            got = [(a.item, a.category_key) for a in found.answers]
            if got != [(item.name, item.category_key)]:
                wrong.append((word, item.name, found.match, got))
    assert wrong == []


def test_names_are_exact_aliases_alias_misspellings_understood() -> None:
    national = matcher(NATIONAL)
    item = next(i for i in waste_items() if i.aliases and i.misspellings)
    assert (national.lookup(item.name).match, national.lookup(item.name).confidence) == ("exact", 1.0)
    alias = national.lookup(item.aliases[0])
    assert (alias.match, alias.confidence) == ("alias", 0.97)
    typo = national.lookup(item.misspellings[0])
    assert (typo.match, typo.confidence, typo.answers[0].understood) == ("alias", 0.9, item.name)


def test_every_ambiguous_term_is_ambiguous_and_its_options_are_answered() -> None:
    national = matcher(NATIONAL)
    wrong = []
    for term in ambiguous_terms():
        for word in (term.term, *term.aliases):
            for query in (word, f"{word}是什么垃圾"):
                found = national.lookup(query)
                if found.match != "ambiguous" or found.ambiguous != term:
                    wrong.append((query, found.match))
        for option in term.options:
            found = national.lookup(option)
            if [a.item for a in found.answers] != [option] or found.match != "exact":
                wrong.append((option, found.match))
    assert wrong == []


@pytest.mark.parametrize("generic", ["电池", "骨头", "药", "瓶子", "纸", "盒子", "袋子"])
def test_the_design_s_generic_words_are_ambiguous(generic: str) -> None:
    assert matcher("jiangmen").lookup(f"{generic}是什么垃圾").match == "ambiguous"


def test_shanghai_says_dry_and_wet_garbage() -> None:
    shanghai = city_profile("上海")
    assert shanghai.key == "shanghai"
    assert (shanghai.categories["other"].name, shanghai.categories["kitchen"].name) == ("干垃圾", "湿垃圾")
    national = city_profile("national")
    assert {k: c.name for k, c in national.categories.items()} == {
        "recyclable": "可回收物",
        "hazardous": "有害垃圾",
        "kitchen": "厨余垃圾",
        "other": "其他垃圾",
    }


def test_matchers_are_cached_per_city() -> None:
    assert matcher("上海") is matcher("shanghai")
    assert matcher("jiangmen") is not matcher("shanghai")
    assert matcher("jiangmen").index is matcher("shanghai").index
