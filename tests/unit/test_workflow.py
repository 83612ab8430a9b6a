"""The case state machine: every legal path, every refusal."""

from __future__ import annotations

import pytest

from cityplatform.cases.workflow import (
    TRANSITIONS,
    IllegalTransition,
    MissingRequirement,
    Status,
    UnknownAction,
    allowed_actions,
    next_status,
)


def walk(*steps: tuple[str, dict[str, object]]) -> Status:
    status = Status.REPORTED
    for action, kwargs in steps:
        status = next_status(status, action, **kwargs)  # type: ignore[arg-type]
    return status


def test_the_closed_loop_from_report_to_rating() -> None:
    assert (
        walk(
            ("file", {}),
            ("dispatch", {}),
            ("handle", {"photos": 1}),
            ("verify", {}),
            ("close", {}),
            ("rate", {}),
        )
        is Status.RATED
    )


def test_a_returned_case_is_handled_again_then_verified() -> None:
    assert (
        walk(
            ("file", {}),
            ("dispatch", {}),
            ("handle", {"photos": 1}),
            ("return", {"reason": "现场仍有垃圾"}),
            ("handle", {"photos": 2}),
            ("verify", {}),
        )
        is Status.VERIFIED
    )


def test_a_reopened_case_goes_back_to_dispatch() -> None:
    status = next_status(Status.RATED, "reopen", reason="群众不满意")
    assert status is Status.REOPENED
    assert next_status(status, "dispatch") is Status.DISPATCHED


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (Status.REPORTED, "dispatch"),
        (Status.REPORTED, "close"),
        (Status.FILED, "handle"),
        (Status.DISPATCHED, "verify"),
        (Status.HANDLED, "close"),
        (Status.REJECTED, "file"),
        (Status.CLOSED, "dispatch"),
        (Status.RATED, "rate"),
    ],
)
def test_illegal_transitions_are_refused_and_say_what_is_allowed(current: Status, action: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        next_status(current, action, reason="x", photos=1)
    for allowed in allowed_actions(current):
        assert allowed in str(refused.value)


def test_reject_return_and_reopen_need_a_reason() -> None:
    for current, action in (
        (Status.REPORTED, "reject"),
        (Status.HANDLED, "return"),
        (Status.CLOSED, "reopen"),
    ):
        with pytest.raises(MissingRequirement):
            next_status(current, action, reason="  ")


def test_handling_needs_an_after_photo() -> None:
    with pytest.raises(MissingRequirement):
        next_status(Status.DISPATCHED, "handle")


def test_unknown_action() -> None:
    with pytest.raises(UnknownAction):
        next_status(Status.REPORTED, "approve")


def test_every_status_is_reachable_and_only_final_ones_are_dead_ends() -> None:
    reachable = {Status.REPORTED}
    frontier = [Status.REPORTED]
    while frontier:
        current = frontier.pop()
        for action in allowed_actions(current):
            target = TRANSITIONS[action].target
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(Status)
    assert {s for s in Status if not allowed_actions(s)} == {Status.REJECTED}
