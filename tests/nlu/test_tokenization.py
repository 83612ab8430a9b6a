"""With our jieba dictionary, every annotated entity starts and ends on a token boundary,
so Rasa never warns about misaligned entities (checked on Rasa's own loader and tokenizer)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIRS = [
    REPO_ROOT / "nlu" / "intents",
    REPO_ROOT / "nlu" / "report_issue",
    REPO_ROOT / "tests" / "nlu_heldout",
]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> JiebaTokenizer:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    config = {
        **JiebaTokenizer.get_default_config(),
        "dictionary_path": str(REPO_ROOT / "knowledge" / "jieba"),
    }
    return JiebaTokenizer.create(config, storage, Resource("tokenizer"), None)


def annotated_messages() -> list[Message]:
    messages: list[Message] = []
    for directory in DATA_DIRS:
        messages.extend(m for m in load_data(str(directory)).nlu_examples if m.get("entities"))
    return messages


def test_data_has_entities_to_check() -> None:
    assert len(annotated_messages()) > 200


def test_entities_align_with_jieba_tokens(tokenizer: JiebaTokenizer) -> None:
    misaligned = []
    for message in annotated_messages():
        tokens = tokenizer.tokenize(message, "text")
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for entity in message.get("entities"):
            if entity["start"] not in starts or entity["end"] not in ends:
                span = message.get("text")[entity["start"] : entity["end"]]
                misaligned.append((span, [t.text for t in tokens]))
    assert misaligned == []


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("五邑路的井盖不见了", "井盖"),
        ("门口有人占道经营", "占道经营"),
        ("泥头车撒了一路", "泥头车"),
        ("渣土车半夜偷倒", "渣土车"),
        ("盲道被车占了", "盲道"),
        ("楼下油烟太大", "油烟"),
        ("路边一个垃圾堆好臭", "垃圾堆"),
        ("路灯不亮", "路灯"),
        ("外卖餐盒怎么扔", "外卖餐盒"),
    ],
)
def test_domain_words_segment_whole(tokenizer: JiebaTokenizer, text: str, word: str) -> None:
    tokens = [t.text for t in tokenizer.tokenize(Message(data={"text": text}), "text")]
    assert word in tokens
