from knowledge.generated import DICTIONARY_DIR, FREQUENCY, LOOKUP_DIR, generated_files, stale_files
from knowledge.taxonomy import categories


def test_generated_dictionary_is_up_to_date() -> None:
    assert sorted(stale_files()) == [], "run `make knowledge` and commit the generated files"


def test_issue_words_and_category_terms_are_in_the_dictionary() -> None:
    words = {
        line.split()[0] for line in generated_files()[DICTIONARY_DIR / "categories.txt"].splitlines()[1:]
    }
    assert {"井盖", "占道经营", "泥头车", "渣土车", "盲道", "油烟", "垃圾堆", "路灯"} <= words
    assert all(term in words for c in categories().values() for term in c.terms)


def test_the_waste_dictionary_keeps_items_typos_and_generic_words_whole() -> None:
    from knowledge.generated import waste_entity_words

    words = {
        line.split()[0] for line in generated_files()[DICTIONARY_DIR / "waste_items.txt"].splitlines()[1:]
    }
    assert words == set(waste_entity_words())
    assert {"电池", "普通干电池", "快递纸箱"} <= words


def test_lines_have_jieba_format() -> None:
    for path in DICTIONARY_DIR.glob("*.txt"):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            word, frequency, tag = line.split(" ")
            assert word
            assert int(frequency) == FREQUENCY
            assert tag in {"n", "ns"}


def test_lookup_tables_list_every_waste_item_and_place() -> None:
    from knowledge.gazetteer import place_names
    from knowledge.waste import ambiguous_terms, waste_items

    waste = generated_files()[LOOKUP_DIR / "waste_item.yml"]
    listed = {line.removeprefix("      - ") for line in waste.splitlines() if line.startswith("      - ")}
    for item in waste_items():
        assert {item.name, *item.aliases, *item.misspellings} <= listed, item.name
    for term in ambiguous_terms():
        assert {term.term, *term.aliases} <= listed, term.term
    assert {"电池", "骨头"} <= listed
    places = generated_files()[LOOKUP_DIR / "place.yml"]
    assert all(f"      - {name}\n" in places for name in place_names())
