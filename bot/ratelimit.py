"""Telegram's sending limits for outbound (outbox) messages, as exact sliding windows.

At most `overall_per_second` messages in any one-second window, `private_per_second` per private
chat in any one-second window, and `group_per_minute` per group, supergroup or channel in any
one-minute window. `hold()` pauses one chat, or everything, after a `RetryAfter`.

Each `acquire` reserves the earliest send time that keeps every window within its limit, records
it before it awaits anything, and then sleeps until that time. Reservations are made without an
await in between, so any number of concurrent acquirers stay within the limits; one chat's
acquirers are served in call order. The clock and the sleep are injected so tests run on fake time.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]
GROUP_TYPES = frozenset({"group", "supergroup", "channel"})


@dataclass(frozen=True)
class Window:
    """At most `limit` sends in any half-open interval of `seconds`."""

    limit: int
    seconds: float

    def earliest(self, stamps: list[float], at: float) -> float:
        """The earliest time >= `at` a send can be added to the sorted `stamps` within this window."""
        k, w = self.limit, self.seconds
        while True:
            p = bisect.bisect_right(stamps, at)
            later = at
            # Every run of k existing sends that, together with `at`, would fall within w seconds.
            for a in range(max(0, p - k), min(p, len(stamps) - k) + 1):
                first, last = min(stamps[a], at), max(stamps[a + k - 1], at)
                if last - first < w:
                    later = max(later, stamps[a] + w)
            if later == at:
                return at
            at = later


@dataclass
class _Chat:
    stamps: list[float] = field(default_factory=list)
    hold_until: float = float("-inf")


class RateLimiter:
    def __init__(
        self,
        overall_per_second: int = 30,
        private_per_second: int = 1,
        group_per_minute: int = 20,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if min(overall_per_second, private_per_second, group_per_minute) < 1:
            raise ValueError("rate limits must be at least 1")
        self.overall = Window(overall_per_second, 1.0)
        self.private = Window(private_per_second, 1.0)
        self.group = Window(group_per_minute, 60.0)
        self._clock = clock
        self._sleep = sleep
        self._stamps: list[float] = []
        self._chats: dict[str, _Chat] = {}
        self._hold_until = float("-inf")
        self._next_sweep = float("-inf")

    def window_of(self, chat_type: str) -> Window:
        return self.group if chat_type in GROUP_TYPES else self.private

    async def acquire(self, chat_id: str, chat_type: str) -> None:
        """Wait until one more message may be sent to this chat now."""
        window = self.window_of(chat_type)
        while True:
            now = self._clock()
            self._forget(now)
            chat = self._chats.setdefault(chat_id, _Chat())
            at = self._reserve(chat, window, now)
            try:
                if at > now:
                    await self._sleep(at - now)
            except BaseException:
                self._release(chat, at)
                raise
            # A hold that came while we slept moves this send after it.
            if self._clock() >= max(self._hold_until, chat.hold_until):
                return
            self._release(chat, at)

    def hold(self, chat_id: str | None, seconds: float) -> None:
        """Send nothing to `chat_id` (None: to anyone) for `seconds` from now (Telegram's retry_after)."""
        until = self._clock() + seconds
        if chat_id is None:
            self._hold_until = max(self._hold_until, until)
            log.warning("holding all outbound messages for %.1f s", seconds)
        else:
            chat = self._chats.setdefault(chat_id, _Chat())
            chat.hold_until = max(chat.hold_until, until)
            log.warning("holding messages to chat %s for %.1f s", chat_id, seconds)

    def _reserve(self, chat: _Chat, window: Window, now: float) -> float:
        at = max(now, self._hold_until, chat.hold_until)
        if chat.stamps:
            at = max(at, chat.stamps[-1])  # one chat's messages keep their order
        while True:
            overall_ok = self.overall.earliest(self._stamps, at)
            both_ok = window.earliest(chat.stamps, overall_ok)
            if both_ok == at:
                break
            at = both_ok
        bisect.insort(self._stamps, at)
        bisect.insort(chat.stamps, at)
        return at

    def _release(self, chat: _Chat, at: float) -> None:
        for stamps in (self._stamps, chat.stamps):
            index = bisect.bisect_left(stamps, at)
            if index < len(stamps) and stamps[index] == at:
                del stamps[index]

    def _forget(self, now: float) -> None:
        """Drop sends too old to count in any window, and chats with nothing left to remember."""
        cut = bisect.bisect_left(self._stamps, now - self.overall.seconds)
        del self._stamps[:cut]
        if now < self._next_sweep:
            return
        self._next_sweep = now + 1.0
        horizon = max(self.private.seconds, self.group.seconds)
        for chat_id, chat in list(self._chats.items()):
            cut = bisect.bisect_left(chat.stamps, now - horizon)
            del chat.stamps[:cut]
            if not chat.stamps and chat.hold_until <= now:
                del self._chats[chat_id]
