import io

from citysteward.nlu.parse import input_texts


def test_arguments_win_over_stdin() -> None:
    assert list(input_texts(["一", "二"], io.StringIO("三\n"))) == ["一", "二"]


def test_stdin_gives_one_text_per_line_keeping_empty_lines() -> None:
    assert list(input_texts([], io.StringIO("井盖没了\r\n\n电池是什么垃圾\n"))) == [
        "井盖没了",
        "",
        "电池是什么垃圾",
    ]
