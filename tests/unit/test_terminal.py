from bot.relay import BotReply, Button
from bot.terminal import render


def test_rest_messages_become_typed_replies() -> None:
    reply = BotReply.from_rest(
        {"recipient_id": "cli:x", "text": "您好", "buttons": [{"title": "投诉", "payload": "/report_issue"}]}
    )
    assert reply == BotReply(text="您好", buttons=(Button("投诉", "/report_issue"),))


def test_buttons_are_numbered_across_replies() -> None:
    text, buttons = render(
        [
            BotReply(text="请选择", buttons=(Button("井盖问题", "/a"), Button("路灯故障", "/b"))),
            BotReply(text="或者", buttons=(Button("其他", "/c"),)),
        ]
    )
    assert text == "城市管家：请选择\n  [1] 井盖问题\n  [2] 路灯故障\n城市管家：或者\n  [3] 其他"
    assert [b.payload for b in buttons] == ["/a", "/b", "/c"]
