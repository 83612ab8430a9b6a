"""The training and held-out data meet the volumes and rules of issue 2, and never overlap."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from citysteward import paths
from citysteward.nlu.training_data import Example, load_examples, parse_annotated
from knowledge.gazetteer import place_names
from knowledge.taxonomy import categories
from knowledge.waste import ambiguous_terms, waste_items

CANONICAL_INTENTS = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "ask_capabilities",
    "report_issue",
    "ask_waste_sorting",
    "check_case_status",
    "subscribe_tips",
    "unsubscribe_tips",
    "ask_campaigns",
    "join_campaign",
    "rate_service",
    "inform",
    "out_of_scope",
]
CANONICAL_CATEGORIES = [
    "street_vending",
    "illegal_parking",
    "exposed_garbage",
    "construction_waste",
    "cooking_fumes",
    "noise",
    "illegal_construction",
    "outdoor_ads",
    "illegal_posting",
    "road_damage",
    "manhole",
    "street_light",
    "blind_path",
    "greenery",
    "drainage",
    "water_body",
    "gas_safety",
    "dust",
    "public_toilet",
    "open_burning",
    "municipal_facility",
    "other",
]
TRAINING = load_examples(paths.REPO_ROOT / "nlu")
HELDOUT = load_examples(paths.HELDOUT_DIR)


def normalised(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()).lower()


def test_parse_annotated_strips_markup_and_keeps_spans() -> None:
    text, entities = parse_annotated("在[五邑路128号](place)门口，[电池](waste_item:电池)呢")
    assert text == "在五邑路128号门口，电池呢"
    assert [(e.entity, e.value, text[e.start : e.end]) for e in entities] == [
        ("place", "五邑路128号", "五邑路128号"),
        ("waste_item", "电池", "电池"),
    ]


def test_domain_declares_exactly_the_canonical_intents() -> None:
    domain = yaml.safe_load((paths.REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert sorted(domain["intents"]) == sorted(CANONICAL_INTENTS)


def test_taxonomy_has_exactly_the_canonical_categories() -> None:
    assert sorted(categories()) == sorted(CANONICAL_CATEGORIES)


def test_every_category_has_a_retrieval_response() -> None:
    domain = yaml.safe_load((paths.REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert {f"utter_report_issue/{key}" for key in CANONICAL_CATEGORIES} <= set(domain["responses"])


@pytest.mark.parametrize("intent", [i for i in CANONICAL_INTENTS if i != "report_issue"])
def test_each_intent_has_at_least_25_training_examples(intent: str) -> None:
    assert Counter(e.intent for e in TRAINING)[intent] >= 25


@pytest.mark.parametrize("category", CANONICAL_CATEGORIES)
def test_each_category_has_at_least_40_training_examples(category: str) -> None:
    assert Counter(e.category for e in TRAINING)[category] >= 40


@pytest.mark.parametrize("category", CANONICAL_CATEGORIES)
def test_each_category_is_held_out_too(category: str) -> None:
    assert Counter(e.category for e in HELDOUT)[category] >= 10


def test_training_examples_are_unique() -> None:
    duplicates = [t for t, n in Counter(normalised(e.text) for e in TRAINING).items() if n > 1]
    assert duplicates == []


def test_held_out_examples_never_appear_in_training() -> None:
    trained = {normalised(e.text) for e in TRAINING}
    leaked = [e.text for e in HELDOUT if normalised(e.text) in trained]
    assert leaked == []


def entity_values(examples: list[Example], entity: str) -> list[tuple[str, Path]]:
    return [(e.value, ex.source) for ex in examples for e in ex.entities if e.entity == entity]


def test_waste_item_annotations_are_known_items() -> None:
    """An item's name or alias (knowledge/waste/items/), or a generic word such as 电池 that the
    bot answers with a distinction (knowledge/waste/ambiguous.yml)."""
    known = {name for item in waste_items() for name in (item.name, *item.aliases)}
    known |= {word for term in ambiguous_terms() for word in (term.term, *term.aliases)}
    unknown = [(v, p.name) for v, p in entity_values(TRAINING + HELDOUT, "waste_item") if v not in known]
    assert unknown == []


def test_place_annotations_start_with_a_gazetteer_name() -> None:
    names = place_names()
    unknown = [(v, p.name) for v, p in entity_values(TRAINING + HELDOUT, "place") if not v.startswith(names)]
    assert unknown == []


def test_only_known_entities_are_annotated() -> None:
    used = {e.entity for ex in TRAINING + HELDOUT for e in ex.entities}
    assert used <= {"waste_item", "place", "case_ref"}
