import io

import pytest

from citysteward.nlu.parse import input_texts


def test_arguments_win_over_stdin() -> None:
    assert list(input_texts(["一", "二"], io.StringIO("三\n"))) == ["一", "二"]


def test_stdin_gives_one_text_per_line_keeping_empty_lines() -> None:
    assert list(input_texts([], io.StringIO("井盖没了\r\n\n电池是什么垃圾\n"))) == [
        "井盖没了",
        "",
        "电池是什么垃圾",
    ]


def test_no_running_server_is_found_on_a_closed_port(monkeypatch: pytest.MonkeyPatch) -> None:
    from citysteward.nlu.parse import running_server
    from citysteward.stack import free_port

    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")
    assert running_server() is None
