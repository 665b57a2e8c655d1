"""Pacing and ordering: one message a second per channel; a modal's result in or right after its ack."""

from __future__ import annotations

import asyncio

from bot.slack_ui.context import AckBarrier
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


async def test_a_modal_result_waits_for_its_ack_to_be_sent():
    barrier = AckBarrier()
    barrier.enabled = True
    barrier.expect("V1")
    waiting = asyncio.create_task(barrier.wait("V1"))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    barrier.sent({"type": "view_submission", "view": {"id": "V2"}})  # another modal's ack
    await asyncio.sleep(0.01)
    assert not waiting.done()
    barrier.sent({"type": "view_submission", "view": {"id": "V1"}})
    await asyncio.wait_for(waiting, 1)
    off = AckBarrier()  # no socket (Bolt dispatched directly): the ack is already back
    off.expect("V1")
    await asyncio.wait_for(off.wait("V1"), 0.1)


async def test_a_quick_submission_is_answered_in_its_ack_and_a_slow_one_right_after_it(bed, monkeypatch):
    import json

    import bot.slack_ui.context as context
    from bot.core.errors import InvalidInput
    from bot.slack_ui import render

    acks: list[dict] = []

    async def ack(**response) -> None:
        acks.append(response)

    async def work(seconds: float, fail: bool = False) -> dict:
        await asyncio.sleep(seconds)
        if fail:
            raise InvalidInput("No <!here> for you.")
        return render.notice("Vote", "done")

    await bed.slack.answer_submission(ack, {"id": "V1"}, "Vote", "Saving…", work(0), "test")
    assert "done" in json.dumps(acks[-1]["view"]) and bed.api.called("views.update") == []
    monkeypatch.setattr(context, "SUBMIT_BUDGET", 0.01)
    await bed.slack.answer_submission(ack, {"id": "V2"}, "Vote", "Saving…", work(0.1), "test")
    assert "Saving…" in json.dumps(acks[-1]["view"], ensure_ascii=False)
    [update] = bed.api.called("views.update")
    assert update["view_id"] == "V2" and "done" in json.dumps(update["view"])
    await bed.slack.answer_submission(ack, {"id": "V3"}, "Vote", "Saving…", work(0, fail=True), "test")
    assert "No &lt;!here&gt; for you." in json.dumps(acks[-1]["view"])  # a refusal is the modal's result
