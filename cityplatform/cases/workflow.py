"""The case workflow as an explicit state machine, free of any framework.

reported ─file→ filed ─dispatch→ dispatched ─handle→ handled ─verify→ verified ─close→ closed ─rate→ rated
   └─reject→ rejected                ↑                   └─return→ returned ─handle→ handled
                                     └── dispatch ← reopened ← reopen ← closed / rated
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(str, Enum):
    REPORTED = "reported"
    FILED = "filed"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    HANDLED = "handled"
    RETURNED = "returned"
    VERIFIED = "verified"
    CLOSED = "closed"
    RATED = "rated"
    REOPENED = "reopened"


STATUS_NAMES: dict[Status, str] = {
    Status.REPORTED: "已受理",
    Status.FILED: "已立案",
    Status.REJECTED: "不予立案",
    Status.DISPATCHED: "已派遣，处置中",
    Status.HANDLED: "已处置，待核查",
    Status.RETURNED: "核查未通过，重新处置中",
    Status.VERIFIED: "已核查",
    Status.CLOSED: "已结案",
    Status.RATED: "已评价",
    Status.REOPENED: "已重新受理",
}

# Statuses in which the bureau still owes work; a case past its deadline in one of these is overdue.
OPEN_STATUSES = frozenset(
    {Status.REPORTED, Status.FILED, Status.DISPATCHED, Status.RETURNED, Status.REOPENED}
)
# Statuses that still count as "the same problem is being handled" for duplicate detection.
ACTIVE_STATUSES = OPEN_STATUSES | {Status.HANDLED, Status.VERIFIED}
FINAL_STATUSES = frozenset({Status.REJECTED, Status.CLOSED, Status.RATED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status
    needs_reason: bool = False
    needs_photo: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("file", frozenset({Status.REPORTED}), Status.FILED),
        Transition("reject", frozenset({Status.REPORTED}), Status.REJECTED, needs_reason=True),
        Transition("dispatch", frozenset({Status.FILED, Status.REOPENED}), Status.DISPATCHED),
        Transition(
            "handle", frozenset({Status.DISPATCHED, Status.RETURNED}), Status.HANDLED, needs_photo=True
        ),
        Transition("verify", frozenset({Status.HANDLED}), Status.VERIFIED),
        Transition("return", frozenset({Status.HANDLED}), Status.RETURNED, needs_reason=True),
        Transition("close", frozenset({Status.VERIFIED}), Status.CLOSED),
        Transition("rate", frozenset({Status.CLOSED}), Status.RATED),
        Transition("reopen", frozenset({Status.CLOSED, Status.RATED}), Status.REOPENED, needs_reason=True),
    )
}


class IllegalTransition(Exception):
    """The action is not allowed from the case's current status (HTTP 409)."""

    def __init__(self, action: str, current: Status) -> None:
        self.action = action
        self.current = current
        allowed = allowed_actions(current)
        allowed_text = "、".join(allowed) if allowed else "无"
        super().__init__(
            f"案件当前状态为「{STATUS_NAMES[current]}」，不能执行「{action}」。当前可执行的操作：{allowed_text}。"
        )


class MissingRequirement(Exception):
    """A transition lacks what it needs: a reason for reject/return/reopen, a photo for handle."""


class UnknownAction(Exception):
    pass


def allowed_actions(current: Status) -> list[str]:
    return [t.action for t in TRANSITIONS.values() if current in t.sources]


def next_status(current: Status, action: str, *, reason: str | None = None, photos: int = 0) -> Status:
    """The status after `action`, or an exception saying why it is refused."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise UnknownAction(f"未知的操作「{action}」，可用的操作：{'、'.join(TRANSITIONS)}。")
    if current not in transition.sources:
        raise IllegalTransition(action, current)
    if transition.needs_reason and not (reason and reason.strip()):
        raise MissingRequirement(f"执行「{action}」需要填写原因（reason）。")
    if transition.needs_photo and photos < 1:
        raise MissingRequirement("处置完成需要上传至少一张处置后照片（photo_ids）。")
    return transition.target
