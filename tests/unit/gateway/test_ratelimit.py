"""The outbound rate limiter on fake time: the three limits hold exactly, holds and cancellation."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from bot.ratelimit import RateLimiter, Window


class FakeTime:
    """A clock and a sleep for many concurrent tasks: time jumps to the next wake-up only when
    every task is asleep, so a test of minutes of limits runs in milliseconds, exactly."""

    def __init__(self) -> None:
        self.now = 0.0
        self._wakeups: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._asleep: dict[asyncio.Task[Any], asyncio.Future[None]] = {}
        self._tasks: list[asyncio.Task[Any]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._wakeups, (self.now + max(seconds, 0.0), next(self._order), wake))
        task = asyncio.current_task()
        assert task is not None
        self._asleep[task] = wake
        try:
            await wake
        finally:
            del self._asleep[task]

    def _sleeping(self, task: asyncio.Task[Any]) -> bool:
        wake = self._asleep.get(task)
        return wake is not None and not wake.done()

    def spawn(self, work: Coroutine[Any, Any, object]) -> asyncio.Task[Any]:
        """A task that `run` drives along with its own."""
        task = asyncio.create_task(work)
        self._tasks.append(task)
        return task

    async def run(self, *work: Coroutine[Any, Any, object]) -> None:
        """Run the coroutines (and spawned tasks) to the end, advancing time when all are asleep."""
        for step in work:
            self.spawn(step)
        while True:
            for _ in range(10_000):
                if all(t.done() or self._sleeping(t) for t in self._tasks):
                    break
                await asyncio.sleep(0)
            else:
                raise AssertionError("a task is blocked on something other than fake time")
            if all(t.done() for t in self._tasks):
                break
            deadline, _, wake = heapq.heappop(self._wakeups)
            if not wake.done():
                self.now = max(self.now, deadline)
                wake.set_result(None)
        for task in self._tasks:
            if not task.cancelled():
                task.result()


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def limiter_on(fake: FakeTime, **limits: int) -> RateLimiter:
    return RateLimiter(clock=fake.clock, sleep=fake.sleep, **limits)


Sends = list[tuple[float, str]]
Send = Callable[[str, str], Coroutine[Any, Any, None]]


def sender(limiter: RateLimiter, fake: FakeTime, sends: Sends) -> Send:
    async def send(chat_id: str, chat_type: str) -> None:
        await limiter.acquire(chat_id, chat_type)
        sends.append((fake.now, chat_id))

    return send


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The largest number of sends in one half-open window [t, t + seconds)."""
    times = sorted(times)
    return max((sum(1 for u in times if t <= u < t + seconds) for t in times), default=0)


async def test_100_private_chats_take_3_seconds_and_never_exceed_30_per_second(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)
    await fake.run(*(send(f"chat{n}", "private") for n in range(100)))
    times = [t for t, _ in sends]
    assert times == [0.0] * 30 + [1.0] * 30 + [2.0] * 30 + [3.0] * 10
    assert most_in_any_window(times, 1.0) == 30
    assert fake.now >= 3.0


async def test_one_private_chat_gets_one_message_per_second(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)
    await fake.run(*(send("42", "private") for _ in range(3)))
    assert [t for t, _ in sends] == [0.0, 1.0, 2.0]

    # After a pause longer than the window, the next one goes at once.
    fake.now = 10.5
    await fake.run(send("42", "private"))
    assert sends[-1] == (10.5, "42")


async def test_the_21st_message_to_a_group_waits_a_minute_after_the_first(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)
    await fake.run(*(send("-100", "group") for _ in range(25)))
    times = [t for t, _ in sends]
    assert times == [0.0] * 20 + [60.0] * 5
    assert most_in_any_window(times, 60.0) == 20


async def test_group_sends_spread_over_time_keep_20_per_minute(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)

    async def one_every_two_seconds() -> None:
        for _ in range(45):
            await send("-200", "supergroup")
            await fake.sleep(2.0)

    await fake.run(one_every_two_seconds())
    times = [t for t, _ in sends]
    # 20 sends at 0, 2, …, 38; the 21st waits for the first to leave the window at 60.
    assert times[:21] == [2.0 * n for n in range(20)] + [60.0]
    assert most_in_any_window(times, 60.0) == 20


async def test_mixed_traffic_stays_within_every_limit(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)
    chats = [(f"p{n}", "private") for n in range(40)] + [(f"-g{n}", "group") for n in range(6)]
    rng = random.Random(4)

    async def traffic(chat_id: str, chat_type: str) -> None:
        for _ in range(rng.randint(1, 30)):
            await fake.sleep(rng.choice([0.0, 0.0, 0.3, 1.7]))
            await send(chat_id, chat_type)

    await fake.run(*(traffic(c, kind) for c, kind in chats))
    by_chat: dict[str, list[float]] = defaultdict(list)
    for t, chat_id in sends:
        by_chat[chat_id].append(t)
    assert most_in_any_window([t for t, _ in sends], 1.0) <= 30
    for chat_id, kind in chats:
        if kind == "private":
            assert most_in_any_window(by_chat[chat_id], 1.0) <= 1, chat_id
        else:
            assert most_in_any_window(by_chat[chat_id], 60.0) <= 20, chat_id


async def test_one_chats_messages_keep_their_order(fake: FakeTime) -> None:
    limiter, order = limiter_on(fake, overall_per_second=3), list[tuple[str, int]]()

    async def send(chat_id: str, n: int) -> None:
        await limiter.acquire(chat_id, "group")
        order.append((chat_id, n))

    await fake.run(*(send(chat, n) for n in range(10) for chat in ("-a", "-b", "-c", "-d")))
    for chat in ("-a", "-b", "-c", "-d"):
        assert [n for c, n in order if c == chat] == list(range(10))


async def test_hold_pauses_one_chat(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)
    await fake.run(send("1", "private"))
    limiter.hold("1", 5.0)
    await fake.run(send("1", "private"), send("2", "private"))
    assert sorted(sends) == [(0.0, "1"), (0.0, "2"), (5.0, "1")]


async def test_hold_none_pauses_everything(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)
    fake.now = 1.0
    limiter.hold(None, 2.5)
    await fake.run(send("1", "private"), send("-9", "group"))
    assert [t for t, _ in sends] == [3.5, 3.5]


async def test_a_hold_that_comes_while_waiting_moves_the_send_after_it(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake), Sends()
    send = sender(limiter, fake, sends)

    async def retry_after_at_half_a_second() -> None:
        await fake.sleep(0.5)
        limiter.hold("1", 3.0)

    # The second send is reserved for t=1; the hold at t=0.5 moves it to 3.5.
    await fake.run(send("1", "private"), send("1", "private"), retry_after_at_half_a_second())
    assert [t for t, _ in sends] == [0.0, 3.5]


async def test_a_cancelled_acquire_gives_its_slot_back(fake: FakeTime) -> None:
    limiter, sends = limiter_on(fake, overall_per_second=1), Sends()
    send = sender(limiter, fake, sends)
    await fake.run(send("a", "private"))
    waiting = fake.spawn(send("b", "private"))  # reserved for t=1

    async def cancel_then_send() -> None:
        await fake.sleep(0.5)
        waiting.cancel()
        await fake.sleep(0.1)
        await send("c", "private")

    await fake.run(cancel_then_send())
    assert waiting.cancelled()
    assert sends == [(0.0, "a"), (1.0, "c")]


def test_window_earliest_finds_the_first_free_time() -> None:
    window = Window(limit=2, seconds=1.0)
    assert window.earliest([], 5.0) == 5.0
    assert window.earliest([0.0, 0.5], 0.7) == 1.0
    assert window.earliest([0.0, 0.5], 1.2) == 1.2
    # A gap between reservations is used when it does not crowd either side.
    assert window.earliest([0.0, 3.0], 1.0) == 1.0
    # 1.1 would put three sends in [1.1, 2.1); 2.5 is the first time no window holds three.
    assert window.earliest([0.0, 0.1, 1.5, 1.6], 0.2) == 2.5


def test_limits_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(group_per_minute=0)


async def test_a_hold_on_the_real_clock() -> None:
    limiter = RateLimiter()
    loop = asyncio.get_running_loop()
    start = loop.time()
    limiter.hold("x", 0.05)
    await limiter.acquire("x", "private")
    assert loop.time() - start >= 0.05
