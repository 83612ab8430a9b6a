"""The web chat's channel: replies wait in a bounded per-session mailbox until the page fetches them.

Every reply gets an id that only grows (across sessions, and across restarts: ids start at the
start time in milliseconds), so the page asks for "what came after id N" and never sees a reply
twice, whether it arrived with the answer to its POST, by polling
(`/api/updates`), after a Rasa outage (the gateway's replay) or from the platform's outbox.
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.relay import BotReply

MAX_PER_SESSION = 200
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class Posted:
    """One reply in a session's mailbox."""

    id: int
    reply: BotReply

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.reply.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.reply.buttons],
            "image": self.reply.image,
        }


class Mailboxes:
    """Per-session queues of replies: at most `per_session` each (oldest dropped first) and at most
    `max_sessions` sessions (the one idle longest is dropped first)."""

    def __init__(
        self,
        per_session: int = MAX_PER_SESSION,
        max_sessions: int = MAX_SESSIONS,
    ) -> None:
        self._per_session = per_session
        self._max_sessions = max_sessions
        first = time.time_ns() // 1_000_000
        self._ids = itertools.count(first)
        self._boxes: OrderedDict[str, deque[Posted]] = OrderedDict()
        self.last_id = first - 1

    def post(self, session: str, replies: Sequence[BotReply]) -> list[Posted]:
        box = self._boxes.get(session)
        if box is None:
            box = self._boxes[session] = deque(maxlen=self._per_session)
            while len(self._boxes) > self._max_sessions:
                self._boxes.popitem(last=False)
        self._boxes.move_to_end(session)
        posted = [Posted(next(self._ids), reply) for reply in replies]
        box.extend(posted)
        if posted:
            self.last_id = posted[-1].id
        return posted

    def since(self, session: str, after: int) -> list[Posted]:
        """The session's replies with an id greater than `after`, oldest first."""
        return [p for p in self._boxes.get(session, ()) if p.id > after]

    def forget(self, session: str) -> None:
        self._boxes.pop(session, None)

    def __len__(self) -> int:
        return len(self._boxes)


class WebChannel:
    """The gateway's channel "web"; Rasa sender ids are `web:<session>`."""

    def __init__(self, mailboxes: Mailboxes | None = None) -> None:
        self.mailboxes = mailboxes or Mailboxes()

    @property
    def name(self) -> str:
        return "web"

    @property
    def sender_prefix(self) -> str:
        return "web"

    async def deliver(self, chat_id: str, replies: Sequence[BotReply]) -> None:
        self.mailboxes.post(chat_id, [r for r in replies if r.text or r.buttons or r.image])
