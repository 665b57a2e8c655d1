"""Benchmark: interaction acknowledgements and /stats results under concurrency, against tests/e2e's double.

    python -m bench.acks [--concurrent 100,500] [--bursts 3]

Starts the double, a guild with as many members as the largest burst and an open round with
answers, then the real bot (`python -m bot run`). Each burst sends that many interactions at
once, each from its own member, cycling through /leaderboard, /drill, /stats, the post's Vote
button and Rate answer on an answer, and measures the acknowledgement (dispatch to the first
callback, as Discord's 3 s rule counts) and, for /stats, the result (dispatch to the chart).
The baseline is a minimal discord.py bot answering at once (tests/e2e/minimal_bot.py: /ask
opens a form, Quote replies), sent the same bursts in the same run. One /stats is drawn before
the bursts (the chart workers start on the first chart); its result time is printed apart.
The double runs in this process (the harness scripts it through its in-process state) and times
each ack itself, from the frame reaching the socket to the callback's arrival; a burst is awaited
with one waiter, so the benchmark's own bookkeeping stays O(n) per change of the double's state.
Targets: ack p99 <= 150 ms at 100, <= 400 ms at 500; /stats result p99 <= 2 s at 100.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import row
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_models import LOADING, CallbackType, InteractionRecord
from tests.e2e.harness import Harness, Interaction
from tests.e2e.process import MINIMAL_BOT_ARGV, BotProcess

KINDS = ("leaderboard", "drill", "stats", "vote", "rate")
QUIET = {"GRILLBOT_LOG_LEVEL": "INFO"}  # as in production: the harness's DEBUG logs every frame


async def group(discord: Harness, members: int):
    guild = await discord.add_guild("Bench group")
    general = await discord.add_text_channel(guild, "general")
    admin = await discord.add_member(guild, "admin", admin=True)
    people = [await discord.add_member(guild, f"m{i}") for i in range(members)]
    return guild, general, admin, people


def shown(record: InteractionRecord) -> bool:
    """Whether the member sees the result: a message, or a deferral filled in (as `Interaction.reply`)."""
    callbacks, original = record.callbacks, record.original
    if callbacks and callbacks[0].type in (CallbackType.MESSAGE, CallbackType.UPDATE):
        return original is not None
    if callbacks and callbacks[0].type == CallbackType.DEFERRED and original and not original.flags & LOADING:
        return True
    return bool(record.followups)


async def result_time(discord: Harness, interaction: Interaction, within: float) -> float:
    """Seconds from dispatch to the message the member sees (for a deferral: the filled-in answer)."""
    return (await result_times(discord, [interaction], within))[0]


async def result_times(discord: Harness, interactions: list[Interaction], within: float) -> list[float]:
    """`result_time` of each, with one waiter for them all: a waiter per interaction wakes on every
    change of the double's state, so 500 of them cost the double's process (which also times the
    acks) O(n^2) wake-ups, and the benchmark became its own floor."""
    done: dict[int, float] = {}

    def all_shown() -> bool:
        now = time.monotonic()
        for i in interactions:
            if i.record.id not in done and shown(i.record):
                assert i.record.sent_at is not None
                done[i.record.id] = now - i.record.sent_at
        return len(done) == len(interactions)

    await discord.wait_until(all_shown, within=within, what="every /stats result")
    return [done[i.record.id] for i in interactions]


async def burst(discord: Harness, starts, within: float) -> tuple[list[float], list[float]]:
    """Start every interaction at once; (ack latencies, /stats result times), in ms. The ack is timed
    by the double itself (frame sent to callback received); one waiter waits for them all."""
    started: list[tuple[str, Interaction]] = await asyncio.gather(*(start() for start in starts))
    try:
        await discord.wait_until(
            lambda: all(i.record.callbacks for _, i in started), within=within, what="every first response"
        )
    except TimeoutError:
        unanswered = sum(not i.record.callbacks for _, i in started)
        raise SystemExit(f"{unanswered} interactions were never answered") from None
    results = await result_times(discord, [i for kind, i in started if kind == "stats"], within)
    acks = [i.latency * 1000 for _, i in started if i.latency is not None]
    return acks, [r * 1000 for r in results]


async def measure_bot(sizes: list[int], bursts: int, workdir: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    async with FakeDiscord() as fake:
        discord = Harness(fake)
        _, general, admin, people = await group(discord, max(sizes) + 20)
        bot = BotProcess(fake, workdir / "bot", env=QUIET)
        bot.workdir.mkdir()
        await bot.start()
        try:
            await (await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC")).reply()
            await (await admin.slash(general, "grill post")).reply()
            post = await discord.wait_for_message(general, contains="Daily grill")
            thread = await discord.wait_for_thread(post)
            authors = people[-20:]
            answers = [await author.post(thread, f"answer by {author.name}: memory bandwidth") for author in authors]
            await discord.wait_until(lambda: all(a.reactions for a in answers), within=30, what="answers recorded")
            first = await admin.slash(general, "stats")
            out["first /stats"] = [await result_time(discord, first, 30) * 1000]

            def starts(n: int, offset: int):
                for i in range(n):
                    kind, member = KINDS[(i + offset) % len(KINDS)], people[i]

                    async def start(i=i, kind=kind, member=member) -> tuple[str, Interaction]:
                        if kind == "leaderboard":
                            return kind, await member.slash(general, "leaderboard", period="all")
                        if kind == "drill":
                            return kind, await member.slash(general, "drill")
                        if kind == "stats":
                            return kind, await member.slash(general, "stats")
                        if kind == "vote":
                            return kind, await member.click(post, label="Vote")
                        return kind, await member.message_command(answers[i % len(answers)], "Rate answer")

                    yield start

            for size in sizes:
                acks, stats = out.setdefault(f"ack {size}", []), out.setdefault(f"stats {size}", [])
                for b in range(bursts):
                    a, s = await burst(discord, list(starts(size, b)), within=60)
                    acks += a
                    stats += s
                    await asyncio.sleep(1)  # let followups finish before the next burst
        finally:
            await bot.stop()
    return out


async def measure_minimal(sizes: list[int], bursts: int, workdir: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    async with FakeDiscord() as fake:
        discord = Harness(fake)
        _, general, _, people = await group(discord, max(sizes))
        bot = BotProcess(fake, workdir / "minimal", argv=MINIMAL_BOT_ARGV, env=QUIET)
        bot.workdir.mkdir()
        await bot.start()
        try:
            quoted = await people[0].post(general, "something to quote")

            def starts(n: int):
                for i in range(n):
                    member = people[i]

                    async def start(i=i, member=member) -> tuple[str, Interaction]:
                        if i % 2:
                            return "quote", await member.message_command(quoted, "Quote")
                        return "ask", await member.slash(general, "ask")

                    yield start

            for size in sizes:
                acks = out.setdefault(f"ack {size}", [])
                for _ in range(bursts):
                    acks += (await burst(discord, list(starts(size)), within=60))[0]
                    await asyncio.sleep(1)
        finally:
            await bot.stop()
    return out


async def main(sizes: list[int], bursts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        baseline = await measure_minimal(sizes, bursts, Path(tmp))
        measured = await measure_bot(sizes, bursts, Path(tmp))
    for size in sizes:
        print(row(f"RESULT acks at {size} concurrent", measured[f"ack {size}"], baseline[f"ack {size}"]))
    for size in sizes:
        print(row(f"RESULT /stats result at {size} concurrent", measured[f"stats {size}"]))
    print(f"RESULT first /stats (starts the chart workers): {measured['first /stats'][0]:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrent", default="100,500", help="burst sizes, comma separated")
    parser.add_argument("--bursts", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main([int(n) for n in args.concurrent.split(",")], args.bursts))
