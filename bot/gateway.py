"""The relay core of the gateway: channels hand messages in, Rasa's replies go back out.

`Gateway.receive` keeps every message in the durable inbox first, then relays it to Rasa in per-chat
order (one worker task per chat; different chats run concurrently) and delivers the replies through
the channel one at a time (a retry goes on from the first one not delivered). When Rasa or the
action server is down, failing (5xx) or slow, the resident is told once per outage that the system
is busy; the message stays in the inbox and the replay loop relays it when Rasa is back. A message
whose earlier attempt may have reached Rasa is first looked up in Rasa's tracker
(`RasaRelay.processed`), so it is never processed twice and its replies are delivered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import texts
from bot.inbox import SENT, Inbox, InboxRow
from bot.messages import Channel, DeliveryDeferred, Inbound
from bot.relay import BotReply, RasaRelay, RasaUnavailable

logger = logging.getLogger(__name__)

MAX_DELIVERY_ATTEMPTS = 5
DELIVERY_RETRY_SECONDS = 5.0
PRUNE_EVERY_SECONDS = 3600.0


class Outcome(enum.Enum):
    DRAINED = "drained"  # nothing left for the chat
    RASA_DOWN = "rasa_down"  # Rasa did not answer; messages kept
    WAITING = "waiting"  # delivery deferred or failed; retried later


@dataclass
class _Chat:
    channel: str
    chat_id: str
    intake: asyncio.Lock = field(default_factory=asyncio.Lock)
    worker: asyncio.Task[Outcome] | None = None
    wakeups: int = 0
    waiters: dict[int, asyncio.Event] = field(default_factory=dict)
    users: int = 0  # receive() calls holding this object: it stays the chat's one object meanwhile

    def release_waiters(self) -> None:
        for event in self.waiters.values():
            event.set()


class Gateway:
    def __init__(
        self,
        relay: RasaRelay,
        inbox: Inbox,
        *,
        busy_after: float = 8.0,
        replay_every: float = 2.0,
        max_text_chars: int = 5000,
    ) -> None:
        self.relay = relay
        self.inbox = inbox
        self.busy_after = busy_after
        self.replay_every = replay_every
        self.max_text_chars = max_text_chars
        self.delivery_retry_seconds = DELIVERY_RETRY_SECONDS
        self._channels: dict[str, Channel] = {}
        self._chats: dict[tuple[str, str], _Chat] = {}
        self._replay_task: asyncio.Task[None] | None = None
        self._replay_wakeup = asyncio.Event()
        self._probe_turn = 0

    # -- set-up

    def register(self, channel: Channel) -> None:
        self._channels[channel.name] = channel
        logger.info("channel %s registered (sender prefix %s)", channel.name, channel.sender_prefix)

    @property
    def channels(self) -> dict[str, Channel]:
        return dict(self._channels)

    def sender_id(self, channel: str, chat_id: str) -> str:
        registered = self._channels.get(channel)
        prefix = registered.sender_prefix if registered is not None else channel
        return f"{prefix}:{chat_id}"

    async def start(self) -> None:
        """Start the replay loop; it first relays what a previous run kept."""
        if self._replay_task is None or self._replay_task.done():
            self._replay_task = asyncio.create_task(self._replay_loop(), name="gateway-replay")
            logger.info(
                "gateway started (busy after %gs, replay every %gs)", self.busy_after, self.replay_every
            )

    async def stop(self) -> None:
        """Stop the replay loop and the chat workers; unfinished messages stay in the inbox."""
        tasks = [t for t in (self._replay_task, *(c.worker for c in self._chats.values())) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._replay_task = None
        logger.info("gateway stopped")

    async def pending(self) -> int:
        """How many messages wait for Rasa or for delivery (for /health)."""
        return await self.inbox.waiting_count()

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no chat worker runs (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while workers := [c.worker for c in self._chats.values() if c.worker is not None]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError(f"{len(workers)} chat workers still running")
            await asyncio.wait(workers, timeout=left)

    # -- intake

    async def receive(self, message: Inbound) -> None:
        """Accept a resident's message. Returns once it is answered, kept, or after `busy_after`."""
        try:
            await self._receive(message)
        except Exception:
            logger.exception("failed to take message %s", message.gateway_message_id)

    async def _receive(self, message: Inbound) -> None:
        channel = self._channels.get(message.channel)
        if channel is None:
            logger.error("message %s from unregistered channel, dropped", message.gateway_message_id)
            return
        if rejection := self._rejection(message):
            await self._tell(channel, message.chat_id, rejection)
            return
        chat = self._chat(message.channel, message.chat_id)
        chat.users += 1
        try:
            async with chat.intake:  # FIFO: the chat's messages are kept in the order they came
                metadata = {**message.metadata, "gateway_message_id": message.gateway_message_id}
                row = await self.inbox.add(message, metadata)
            if row is None:
                logger.info("duplicate message %s ignored", message.gateway_message_id)
                return
            logger.info("message %s kept as inbox row %d", row.gateway_message_id, row.id)
            settled = chat.waiters[row.id] = asyncio.Event()
            try:
                chat.wakeups += 1
                self._ensure_worker(chat)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(settled.wait(), self.busy_after + 1.0)
            finally:
                chat.waiters.pop(row.id, None)
        finally:
            chat.users -= 1
            self._discard_if_idle(chat)

    def _rejection(self, message: Inbound) -> str | None:
        if not message.text.strip():
            logger.warning("empty message %s answered, not relayed", message.gateway_message_id)
            return texts.EMPTY_TEXT
        if len(message.text) > self.max_text_chars:
            logger.warning(
                "message %s has %d characters (limit %d), answered, not relayed",
                message.gateway_message_id,
                len(message.text),
                self.max_text_chars,
            )
            return texts.too_long(len(message.text), self.max_text_chars)
        return None

    async def forget(self, channel: str, chat_id: str) -> None:
        removed = await self.inbox.forget(channel, chat_id)
        logger.info("forgot %s:%s (%d inbox rows deleted)", channel, chat_id, removed)

    # -- chat workers

    def _chat(self, channel: str, chat_id: str) -> _Chat:
        """The chat's one `_Chat`. Only the object in `_chats` ever gets a worker, so a chat never
        has two: look it up again after an `await` instead of keeping it."""
        key = (channel, chat_id)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _Chat(channel, chat_id)
        return chat

    def _discard_if_idle(self, chat: _Chat) -> None:
        key = (chat.channel, chat.chat_id)
        if chat.worker is None and not chat.users and not chat.waiters and self._chats.get(key) is chat:
            del self._chats[key]

    def _ensure_worker(self, chat: _Chat) -> asyncio.Task[Outcome]:
        if self._chats.get((chat.channel, chat.chat_id)) is not chat:
            raise RuntimeError(f"chat {chat.channel}:{chat.chat_id} was replaced")  # a bug, not an outage
        if chat.worker is None:
            chat.worker = asyncio.create_task(self._work(chat), name=f"chat-{chat.channel}:{chat.chat_id}")
        return chat.worker

    async def _work(self, chat: _Chat) -> Outcome:
        outcome = Outcome.DRAINED
        try:
            while True:
                seen = chat.wakeups
                row = await self.inbox.next_for_chat(chat.channel, chat.chat_id)
                if row is None:
                    if chat.wakeups != seen:
                        continue
                    return outcome
                if row.not_before > self.inbox.now():
                    outcome = Outcome.WAITING
                    return outcome
                outcome = await self._handle(chat, row)
                if outcome is not Outcome.DRAINED:
                    return outcome
        except Exception:
            logger.exception("chat %s:%s: unexpected error, messages kept", chat.channel, chat.chat_id)
            outcome = Outcome.WAITING
            return outcome
        finally:
            chat.worker = None
            chat.release_waiters()
            self._discard_if_idle(chat)

    async def _handle(self, chat: _Chat, row: InboxRow) -> Outcome:
        channel = self._channels.get(row.channel)
        if channel is None:
            logger.warning("inbox row %d waits: channel %s is not registered", row.id, row.channel)
            return Outcome.WAITING
        if row.status == SENT and row.replies is not None:
            replies = row.replies
        else:
            answer = await self._ask_rasa(chat, channel, row)
            if answer is None:
                return Outcome.RASA_DOWN
            replies = answer
            await self.inbox.answered(row.id, replies)
        return await self._deliver(chat, channel, row, replies)

    async def _ask_rasa(self, chat: _Chat, channel: Channel, row: InboxRow) -> list[BotReply] | None:
        """Rasa's replies to the row; None when Rasa did not answer (the row is kept)."""
        sender = self.sender_id(row.channel, row.chat_id)
        if row.maybe_sent:
            try:
                earlier = await self.relay.processed(sender, row.gateway_message_id)
            except RasaUnavailable as error:
                log = logger.warning if row.last_error is None else logger.debug
                log("row %d: cannot ask Rasa whether it was processed: %s", row.id, error)
                await self.inbox.keep(row.id, str(error), maybe_sent=True)
                await self._notify_busy(chat, channel, row)
                return None
            if earlier is not None:
                logger.info(
                    "row %d (%s) was already processed by Rasa: delivering its %d recorded replies",
                    row.id,
                    row.gateway_message_id,
                    len(earlier),
                )
                return earlier
            logger.info("row %d never reached Rasa: sending it again", row.id)
        await self.inbox.attempt(row.id)
        request = asyncio.create_task(self.relay.send(sender, row.text, row.metadata))
        try:
            done, _ = await asyncio.wait({request}, timeout=self.busy_after)
            if not done:
                logger.warning(
                    "row %d: Rasa has not answered after %gs, still waiting", row.id, self.busy_after
                )
                await self._notify_busy(chat, channel, row)
            replies = await request
        except RasaUnavailable as error:
            maybe_sent = row.maybe_sent or error.maybe_processed
            # The first failure is a state change; the replay loop's retries during an outage are not.
            log = logger.warning if row.last_error is None else logger.debug
            log("row %d kept (attempt %d): %s", row.id, row.attempts + 1, error)
            await self.inbox.keep(row.id, str(error), maybe_sent=maybe_sent)
            await self._notify_busy(chat, channel, row)
            return None
        finally:
            if not request.done():
                request.cancel()
        logger.info("row %d relayed to Rasa as %s: %d replies", row.id, sender, len(replies))
        return replies

    async def _deliver(
        self, chat: _Chat, channel: Channel, row: InboxRow, replies: list[BotReply]
    ) -> Outcome:
        # One reply at a time, counted in the inbox: a retry goes on from the first one not delivered.
        for index in range(row.delivered_count, len(replies)):
            try:
                await channel.deliver(row.chat_id, [replies[index]])
            except DeliveryDeferred as deferred:
                logger.warning("row %d: delivery deferred by %gs: %s", row.id, deferred.retry_after, deferred)
                await self.inbox.delivery_failed(row.id, str(deferred), deferred.retry_after)
                return Outcome.WAITING
            except Exception as error:
                if row.delivery_attempts + 1 >= MAX_DELIVERY_ATTEMPTS:
                    logger.error(
                        "row %d: delivery failed %d times, dropped: %r",
                        row.id,
                        row.delivery_attempts + 1,
                        error,
                    )
                    await self.inbox.drop(row.id, f"delivery failed: {error!r}")
                    return Outcome.DRAINED
                logger.warning("row %d: delivery failed, will retry: %r", row.id, error)
                await self.inbox.delivery_failed(row.id, repr(error), self.delivery_retry_seconds)
                return Outcome.WAITING
            if index + 1 < len(replies):  # the last one is counted by done()
                await self.inbox.delivered(row.id, index + 1)
        await self.inbox.done(row.id, len(replies))
        logger.info(
            "row %d done: %d replies delivered to %s:%s", row.id, len(replies), row.channel, row.chat_id
        )
        if waiter := chat.waiters.get(row.id):
            waiter.set()
        return Outcome.DRAINED

    async def _notify_busy(self, chat: _Chat, channel: Channel, row: InboxRow) -> None:
        """Tell the chat the system is busy, once per outage (kept across restarts in the inbox)."""
        if not await self.inbox.busy_notified(row.channel, row.chat_id):
            await self.inbox.mark_busy_notified(row.id)
            logger.warning("telling %s:%s the system is busy", row.channel, row.chat_id)
            await self._tell(channel, row.chat_id, texts.BUSY)
        chat.release_waiters()

    async def _tell(self, channel: Channel, chat_id: str, text: str) -> None:
        await self._send_quietly(channel, chat_id, [BotReply(text=text)])

    @staticmethod
    async def _send_quietly(channel: Channel, chat_id: str, replies: Sequence[BotReply]) -> None:
        try:
            await channel.deliver(chat_id, replies)
        except Exception as error:
            logger.warning("could not deliver a notice to %s:%s: %r", channel.name, chat_id, error)

    # -- replay

    def wake_replay(self) -> None:
        """Run a replay pass now (e.g. when something knows Rasa is back)."""
        self._replay_wakeup.set()

    async def _replay_loop(self) -> None:
        last_prune: float | None = None
        while True:
            try:
                if last_prune is None or time.monotonic() - last_prune > PRUNE_EVERY_SECONDS:
                    await self.inbox.prune()
                    last_prune = time.monotonic()
                await self.replay_once()
            except Exception:
                logger.exception("replay pass failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._replay_wakeup.wait(), self.replay_every)
            self._replay_wakeup.clear()

    async def replay_once(self) -> None:
        """Relay kept messages: one chat first as a probe; all the others only if Rasa answered it."""
        idle = [
            key
            for key in await self.inbox.waiting_chats()
            if key[0] in self._channels and (key not in self._chats or self._chats[key].worker is None)
        ]
        if not idle:
            return
        # The probe takes turns, so one chat whose message Rasa keeps failing cannot hold up the rest.
        probe_key = idle[self._probe_turn % len(idle)]
        self._probe_turn += 1
        logger.debug("replay: %d chats have kept messages", len(idle))
        probe = await self._ensure_worker(self._chat(*probe_key))
        if probe is Outcome.RASA_DOWN:
            logger.debug("replay: Rasa still unavailable; %d chats keep waiting", len(idle))
            return
        if len(idle) > 1:
            logger.info(
                "replay: Rasa answers again; relaying the kept messages of %d more chats", len(idle) - 1
            )
        # Looked up again: while the probe ran, a chat may have drained and got a new worker since.
        for key in idle:
            if key != probe_key:
                self._ensure_worker(self._chat(*key))
