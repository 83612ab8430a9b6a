"""Delivery of the platform's outbox: case updates, surveys, tips and broadcasts to residents.

A loop claims due items for every registered channel, queues them per chat and sends them through
the rate limiter and the channel; then it tells the platform: sent, retry later, or failed.

- Different chats are delivered concurrently (at most `concurrency` sends at once); one chat's
  items go out one at a time in outbox order. When an item has to be retried, the chat's later
  items wait for it (until it is due again and a little longer), so they do not overtake it.
- `DeliveryDeferred` (Telegram's 429): retry after its `retry_after`, and the limiter holds the chat
  (everything, when the channel says the flood wait is bot-wide).
- Any other delivery error: retry with a growing backoff; the platform marks the item failed after
  its last attempt. An item for a channel we do not have is failed at once.
- The platform down: log, keep polling with a growing interval. Answers that could not be sent
  (sent/retry/failed) are retried for a while; an item delivered but not confirmed is confirmed
  again, never re-sent, if its lease runs out and it comes back.

The lease (5 minutes by default) should cover an item's wait in the rate limiter: the platform
counts a lease that runs out as an attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.messages import Channel, DeliveryDeferred
from bot.platform import OutboxItem, PlatformClient, PlatformError, PlatformUnavailable
from bot.ratelimit import RateLimiter
from bot.relay import BotReply

log = logging.getLogger(__name__)

# Backoff after a failed delivery, by the number of earlier attempts: 5 s, 30 s, 2 min, 10 min …
BACKOFF: tuple[float, ...] = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0)
# Pauses between tries of telling the platform what happened to an item.
REPORT_PAUSES: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
ChatKey = tuple[str, str]


@dataclass
class _ChatQueue:
    items: list[tuple[int, OutboxItem]] = field(default_factory=list)  # heap by outbox id
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # An earlier item of this chat that went back to the outbox, and until when to wait for it.
    waiting_for: int | None = None
    wait_until: float = 0.0
    worker: asyncio.Task[None] | None = None


class OutboxDelivery:
    def __init__(
        self,
        platform: PlatformClient,
        channels: Mapping[str, Channel],
        limiter: RateLimiter,
        poll_every: float = 2.0,
        *,
        batch: int = 100,
        concurrency: int = 32,
        lease_seconds: int = 300,
        max_attempts: int = 8,
        backoff: Sequence[float] = BACKOFF,
        max_poll_every: float = 60.0,
        report_pauses: Sequence[float] = REPORT_PAUSES,
    ) -> None:
        self.platform = platform
        self.channels = channels
        self.limiter = limiter
        self.poll_every = poll_every
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.backoff = tuple(backoff)
        self.max_poll_every = max(max_poll_every, poll_every)
        self.report_pauses = tuple(report_pauses)
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._chats: dict[ChatKey, _ChatQueue] = {}
        self._pending: set[int] = set()  # claimed, not finished here
        self._unconfirmed: set[int] = set()  # delivered, the platform not yet told
        self._tasks: set[asyncio.Task[object]] = set()
        self._more = False  # the last claim was full: claim again as soon as there is room
        self.polls = 0  # claim rounds the platform answered
        self.failed_polls = 0  # claim rounds it did not

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._run(), name="outbox-delivery")

    async def stop(self) -> None:
        """Stop polling and cancel deliveries under way (their leases bring them back later)."""
        tasks = [t for t in (self._loop_task, *self._tasks) if t is not None]
        tasks += [q.worker for q in self._chats.values() if q.worker is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop_task = None
        self._chats.clear()
        self._pending.clear()
        self._tasks.clear()

    def wake(self) -> None:
        """Poll now instead of at the next interval (e.g. after something was queued)."""
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while True:
            delay = self.poll_every
            try:
                await self.poll_once()
                self.polls += 1
                failures = 0
            except PlatformUnavailable as error:
                self.failed_polls += 1
                failures += 1
                delay = min(self.poll_every * 2**failures, self.max_poll_every)
                log.warning("outbox: platform unavailable (%s); next poll in %.1f s", error, delay)
            except PlatformError as error:
                self.failed_polls += 1
                failures += 1
                delay = min(self.poll_every * 2**failures, self.max_poll_every)
                log.error("outbox: the platform refused the claim: %s; next poll in %.1f s", error, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    async def poll_once(self) -> int:
        """Claim what is due for every channel (as much as there is room for); returns how many."""
        claimed = 0
        self._more = False
        self._sweep()
        for name in self.channels:
            room = self.batch - len(self._pending)
            if room <= 0:
                self._more = True
                break
            items = await self.platform.claim_outbox(name, limit=room, lease_seconds=self.lease_seconds)
            claimed += len(items)
            self._more = self._more or len(items) >= room
            for item in sorted(items, key=lambda i: i.id):
                self._accept(item)
        return claimed

    def _sweep(self) -> None:
        """Forget idle chats whose wait for a retried item is over."""
        now = asyncio.get_running_loop().time()
        for key, queue in list(self._chats.items()):
            idle = not queue.items and (queue.worker is None or queue.worker.done())
            if idle and now >= queue.wait_until:
                del self._chats[key]

    def _accept(self, item: OutboxItem) -> None:
        if item.id in self._pending:
            return  # its lease ran out while it waited here; the claim renewed it
        if item.id in self._unconfirmed:
            log.info("outbox item %s was delivered already; confirming it again", item.id)
            self._spawn(self._confirm(item.id))
            return
        if item.channel not in self.channels:
            log.error(
                "outbox item %s is for channel %r, which this gateway does not have", item.id, item.channel
            )
            self._spawn(
                self._report(f"failed {item.id}", self.platform.outbox_failed, item.id, "unknown channel")
            )
            return
        self._pending.add(item.id)
        key = (item.channel, item.chat_id)
        queue = self._chats.setdefault(key, _ChatQueue())
        heapq.heappush(queue.items, (item.id, item))
        queue.arrived.set()
        if queue.worker is None or queue.worker.done():
            queue.worker = asyncio.create_task(
                self._work(key, queue), name=f"outbox-{item.channel}-{item.chat_id}"
            )

    async def _work(self, key: ChatKey, queue: _ChatQueue) -> None:
        """Deliver one chat's items in order; ends when the chat has nothing left."""
        loop = asyncio.get_running_loop()
        while queue.items:
            head_id, item = queue.items[0]
            if queue.waiting_for is not None and queue.waiting_for < head_id:
                left = queue.wait_until - loop.time()
                if left > 0:
                    queue.arrived.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(queue.arrived.wait(), timeout=left)
                    continue
            queue.waiting_for = None
            heapq.heappop(queue.items)
            try:
                await self._deliver(item, queue)
            finally:
                self._pending.discard(item.id)
                if self._more and len(self._pending) <= self.batch // 2:
                    self.wake()
        if self._chats.get(key) is queue and not queue.items and queue.waiting_for is None:
            del self._chats[key]

    async def _deliver(self, item: OutboxItem, queue: _ChatQueue) -> None:
        channel = self.channels[item.channel]
        async with self._slots:
            await self.limiter.acquire(item.chat_id, item.chat_type)
            try:
                await channel.deliver(item.chat_id, [BotReply(text=item.text, buttons=item.buttons)])
            except DeliveryDeferred as deferred:
                everything = deferred.everything
                self.limiter.hold(None if everything else item.chat_id, deferred.retry_after)
                log.warning(
                    "outbox item %s deferred by %s for %.1f s", item.id, item.channel, deferred.retry_after
                )
                self._retry_later(item, queue, deferred.retry_after, f"deferred: {deferred}")
                return
            except Exception as error:
                delay = self.backoff[min(item.attempts, len(self.backoff) - 1)]
                log.warning(
                    "outbox item %s to %s failed (%r); retry in %.0f s", item.id, item.chat_id, error, delay
                )
                self._retry_later(item, queue, delay, f"{type(error).__name__}: {error}")
                return
        self._unconfirmed.add(item.id)
        await self._confirm(item.id)

    def _retry_later(self, item: OutboxItem, queue: _ChatQueue, after: float, error: str) -> None:
        if item.attempts + 1 < self.max_attempts:
            # The chat's later items wait for this one to come back (due, plus a poll or two).
            queue.waiting_for = item.id
            grace = 2 * self.poll_every + 1.0
            queue.wait_until = asyncio.get_running_loop().time() + after + grace
        self._spawn(self._report(f"retry {item.id}", self.platform.outbox_retry, item.id, after, error))

    async def _confirm(self, item_id: int) -> None:
        if await self._report(f"sent {item_id}", self.platform.outbox_sent, item_id):
            self._unconfirmed.discard(item_id)

    async def _report(self, what: str, call: Callable[..., Awaitable[None]], *args: object) -> bool:
        """Tell the platform what happened, trying again while it is unavailable; False if it never
        answered. A refusal (the item is gone, or already closed) is logged and ends the matter."""
        for pause in (*self.report_pauses, None):
            try:
                await call(*args)
                return True
            except PlatformUnavailable as error:
                if pause is None:
                    log.error("outbox: could not report %s to the platform: %s", what, error)
                    return False
                await asyncio.sleep(pause)
            except PlatformError as error:
                log.error("outbox: the platform refused %s: %s", what, error)
                return True
        return False

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
