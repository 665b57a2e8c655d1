"""The per-channel pacer: one message a second in each channel, channels independent."""

from __future__ import annotations

import asyncio

from bot.slack_ui.limiter import ChannelPacer


async def test_messages_in_one_channel_are_a_second_apart_and_other_channels_do_not_wait():
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = ChannelPacer(1.0, clock=lambda: now[0], sleep=sleep)
    sent: list[tuple[str, float]] = []
    for channel in ("C1", "C1", "C2", "C1"):
        await pacer.acquire(channel)
        sent.append((channel, now[0]))
    assert sent == [("C1", 100.0), ("C1", 101.0), ("C2", 101.0), ("C1", 102.0)]
    assert slept == [1.0, 1.0]
    now[0] += 5  # a quiet channel sends at once
    await pacer.acquire("C1")
    assert slept == [1.0, 1.0]


async def test_concurrent_senders_in_one_channel_queue_up():
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds
        await asyncio.sleep(0)

    pacer = ChannelPacer(1.0, clock=lambda: now[0], sleep=sleep)
    times: list[float] = []

    async def send() -> None:
        await pacer.acquire("C1")
        times.append(now[0])

    await asyncio.gather(*(send() for _ in range(4)))
    assert times == [0.0, 1.0, 2.0, 3.0]
