"""Benchmark: the bot's footprint: start to on_ready with a 2,000-question pack, and memory after /stats bursts.

    python -m bench.footprint [--starts 4] [--bursts 3] [--concurrent 20]

Against tests/e2e's double. Each start launches `python -m bot run` with the shipped content, and
with a maximal pack (2,000 questions, bench/content.py) added, and times launch to the bot's
"ready" log line (on_ready). The starts share a database, so the first validates the content
and caches it (bot/core/content_cache.py) and the later ones load the cache: the first is
printed apart, the row is the later starts (a deployment validates once per content change).
Then bursts of concurrent /stats (each member its own chart), after which it reads the resident
memory (VmRSS) of the bot's main process and of every child (the chart workers). The
baseline is the minimal discord.py bot of tests/e2e (start to its on_ready, its RSS), in the same run.
Targets: start to ready <= 1.5 s; main process <= 150 MB, all the bot's processes <= 250 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from bench.acks import QUIET, group
from bench.common import row
from bench.content import maximal_pack
from bot.settings import DEFAULT_CONTENT
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import Harness
from tests.e2e.process import MINIMAL_BOT_ARGV, BotProcess


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *children(int(child))]
    return found


async def start_to_ready(bot: BotProcess, ready_log: str, count: int) -> float:
    started = time.monotonic()
    await bot.start(wait_for_commands=False)
    await bot.wait_for_log(ready_log, count=count, within=30)
    return (time.monotonic() - started) * 1000


async def measure(
    argv: tuple[str, ...] | None,
    ready_log: str,
    env: dict[str, str],
    starts: int,
    bursts: int,
    concurrent: int,
    workdir: Path,
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"ready": [], "main": [], "children": []}
    async with FakeDiscord() as fake:
        discord = Harness(fake)
        _, general, _, people = await group(discord, concurrent)
        bot = BotProcess(fake, workdir, env=env, **({"argv": argv} if argv else {}))
        for n in range(starts):
            out["ready"].append(await start_to_ready(bot, ready_log, n + 1))
            if n < starts - 1:
                await bot.stop()
        try:
            for _ in range(bursts):
                command = "stats" if argv is None else "ask"
                sent = await asyncio.gather(*(member.slash(general, command) for member in people))
                await asyncio.gather(*(i.reply(within=60) if argv is None else i.response(within=60) for i in sent))
            await asyncio.sleep(1)
            assert bot.process is not None
            out["main"].append(rss_mb(bot.process.pid))
            out["children"].append(sum(rss_mb(c) for c in children(bot.process.pid)))
        finally:
            await bot.stop()
    return out


def starts_row(label: str, ready: list[float], baseline: list[float]) -> str:
    """The starts after the first, against the baseline's; the first (a cache miss) printed apart."""
    later = ready[1:] or ready
    return row(label, later, baseline[1:] or baseline) + f" | first start (validates): {ready[0]:.0f} ms"


async def main(starts: int, bursts: int, concurrent: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(DEFAULT_CONTENT, content)
        (content / "questions" / "bench-maximal.yaml").write_text(maximal_pack(), encoding="utf-8")
        env = QUIET | {"GRILLBOT_CONTENT": str(content)}
        for sub in ("m", "b", "s"):
            (Path(tmp) / sub).mkdir()
        base = await measure(MINIMAL_BOT_ARGV, "MINIBOT READY", QUIET, starts, bursts, concurrent, Path(tmp) / "m")
        bot = await measure(None, "ready in", env, starts, bursts, concurrent, Path(tmp) / "b")
        shipped = await measure(None, "ready in", QUIET, starts, 0, concurrent, Path(tmp) / "s")
    print(starts_row("RESULT start to on_ready (shipped content)", shipped["ready"], base["ready"]))
    print(starts_row("RESULT start to on_ready (shipped + a 2,000-question pack)", bot["ready"], base["ready"]))
    main_mb, child_mb = bot["main"][0], bot["children"][0]
    print(
        f"RESULT RSS after {bursts} bursts of {concurrent} concurrent /stats: main {main_mb:.0f} MB, "
        f"chart workers {child_mb:.0f} MB, all {main_mb + child_mb:.0f} MB | baseline (minimal bot) "
        f"{base['main'][0]:.0f} MB | main {main_mb / base['main'][0]:.2f}x baseline"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=4, help="the first validates; the rest load the cache")
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--concurrent", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.starts, args.bursts, args.concurrent))
