from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.referral import ActionReferOutOfScope
from tests.actions.conftest import TrackerFactory


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("楼下有人打架，好吓人", "utter_refer_emergency"),
        ("路边有个老人晕倒了", "utter_refer_emergency"),
        ("隔壁厂房着火了", "utter_refer_emergency"),
        ("我的社保卡丢了怎么补办", "utter_refer_12345"),
        ("今天天气怎么样", "utter_refer_12345"),
        ("", "utter_refer_12345"),
    ],
)
async def test_out_of_scope_is_referred_to_the_right_number(
    text: str,
    response: str,
    dispatcher: CollectingDispatcher,
    tracker_with: TrackerFactory,
    domain: dict[str, Any],
) -> None:
    events = await ActionReferOutOfScope().run(dispatcher, tracker_with(text, "out_of_scope"), domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == [response]
    assert response in domain["responses"]
