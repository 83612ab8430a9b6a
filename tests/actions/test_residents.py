import pytest

from actions.platform_client import Resident
from actions.residents import resident_of, split_sender
from tests.actions.conftest import TrackerFactory


@pytest.mark.parametrize(
    ("sender_id", "expected"),
    [
        ("tg:123456", ("telegram", "123456")),
        ("telegram:99", ("telegram", "99")),
        ("web:ab12cd", ("web", "ab12cd")),
        ("TG:7", ("telegram", "7")),
        ("me", ("rest", "me")),
        ("3f2a9c", ("rest", "3f2a9c")),
        ("test:abc:def", ("test", "abc:def")),
        (":x", ("rest", ":x")),
    ],
)
def test_sender_id_gives_channel_and_user(sender_id: str, expected: tuple[str, str]) -> None:
    assert split_sender(sender_id) == expected


def test_name_and_chat_come_from_the_gateway_metadata(tracker_with: TrackerFactory) -> None:
    tracker = tracker_with(
        "确认", "affirm", sender_id="tg:123", metadata={"name": "张三", "chat_id": 555, "phone": ""}
    )
    assert resident_of(tracker) == Resident("telegram", "123", chat_id="555", name="张三")


def test_without_metadata_the_chat_is_the_user(tracker_with: TrackerFactory) -> None:
    assert resident_of(tracker_with("确认", "affirm", sender_id="web:s1")) == Resident(
        "web", "s1", chat_id="s1"
    )
