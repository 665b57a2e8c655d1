"""Benchmark: the daily post fanned out to many servers under Discord's global limit.

    python -m bench.fanout [--servers 1000] [--repeats 1]

Runs the real bot process (`python -m bot run`) against the local Discord double (tests/e2e) with a
strict rolling-window global limit of 50 requests per second. The double and the database are seeded
with N configured servers whose post time has passed today, so the bot makes every post at start.
Prints, per run and as the median over repeats: the time from the first post request to the last
thread opened against the floor (requests answered / 50 per s), the 429s seen, and the posts missed
and duplicated (the median on a `RESULT` line, for `python -m bench.report`). Nothing touches the network.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path
from typing import Any

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fanout import FanoutResult, run_fanout, seed_fanout
from tests.e2e.harness import Harness
from tests.e2e.process import BotProcess


async def one_run(servers: int, workdir: Path) -> FanoutResult:
    async with FakeDiscord() as fake:
        discord = Harness(fake)
        seeded = await seed_fanout(discord, workdir / "grillbot.db", servers=servers)
        launched: list[BotProcess] = []

        async def launch(*, env: dict[str, str] | None = None, **start: Any) -> BotProcess:
            bot = BotProcess(fake, workdir, env={**(env or {}), "GRILLBOT_LOG_LEVEL": "INFO"})
            launched.append(bot)
            await bot.start(**start)
            return bot

        try:
            return await run_fanout(discord, seeded, launch, within=max(120.0, servers / 10))
        finally:
            for bot in launched:
                if bot.running:
                    await bot.stop()


async def main(servers: int, repeats: int) -> int:
    results = []
    for n in range(repeats):
        with tempfile.TemporaryDirectory(prefix="grillbot-fanout-") as tmp:
            result = await one_run(servers, Path(tmp))
        results.append(result)
        print(f"run {n + 1}: {result.summary()}", flush=True)
    seconds = statistics.median(r.seconds for r in results)
    floor = statistics.median(r.floor for r in results)
    print(
        f"RESULT fanout, median of {repeats}: {seconds:.1f} s against a floor of {floor:.1f} s "
        f"({seconds / floor:.2f}x); "
        f"429s {statistics.median(r.rate_limited for r in results):.0f}, "
        f"missed {sum(r.missed for r in results)}, duplicated {sum(r.duplicated for r in results)}"
    )
    return 1 if any(r.missed or r.duplicated for r in results) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.servers, args.repeats)))
