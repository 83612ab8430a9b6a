from knowledge.dictionary import DICTIONARY_DIR, FREQUENCY, dictionary_files, stale_files
from knowledge.taxonomy import categories


def test_generated_dictionary_is_up_to_date() -> None:
    assert sorted(stale_files()) == [], "run `make dictionary` and commit knowledge/jieba/"


def test_issue_words_and_category_terms_are_in_the_dictionary() -> None:
    words = {line.split()[0] for line in dictionary_files()["categories.txt"].splitlines()[1:]}
    assert {"井盖", "占道经营", "泥头车", "渣土车", "盲道", "油烟", "垃圾堆", "路灯"} <= words
    assert all(term in words for c in categories().values() for term in c.terms)


def test_lines_have_jieba_format() -> None:
    for path in DICTIONARY_DIR.glob("*.txt"):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            word, frequency, tag = line.split(" ")
            assert word
            assert int(frequency) == FREQUENCY
            assert tag in {"n", "ns"}
