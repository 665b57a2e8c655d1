"""Benchmark: vote ingestion through VoteService.cast, against raw aiosqlite in the same run.

    python -m bench.votes [--votes 10000] [--voters 200] [--runs 3]

`--voters` tasks vote at once, each casting its next vote as soon as the last one returned,
until `--votes` votes are in: every vote on an answer of an open round, some re-votes. The
baseline is the floor of the old design: the same tasks, each vote one `BEGIN IMMEDIATE; INSERT;
COMMIT` through one aiosqlite connection behind an asyncio.Lock. Runs alternate baseline and
grillbot `--runs` times; prints votes/s (median of runs), latency median and p99 (all runs), the
throughput ratio, and checks nothing was lost or refused as locked.
Target: >= 0.5x raw, p99 <= 100 ms, 0 lost, 0 locked.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bench.common import row
from bot.app import open_services
from tests.conftest import FIXTURE_CONTENT
from tests.fakes import FakeClock, FakePublisher

SPACE = "bench:1"
ANSWERS = 100


def plan(votes: int, voters: int, rng: random.Random) -> list[list[int]]:
    """Which answer (0..ANSWERS-1) each voter scores, in order; about one in ten is a re-vote."""
    per_voter = [[] for _ in range(voters)]
    for i in range(votes):
        per_voter[i % voters].append(rng.randrange(ANSWERS))
    return per_voter


async def run_voters(per_voter: list[list[int]], cast) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    locked = 0

    async def voter(v: int) -> None:
        nonlocal locked
        for answer in per_voter[v]:
            t0 = time.perf_counter()
            try:
                await cast(v, answer)
            except sqlite3.OperationalError as error:
                locked += "locked" in str(error)
                raise
            latencies.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(voter(v) for v in range(len(per_voter))))
    return time.perf_counter() - started, latencies, locked


async def raw(tmp: str, per_voter: list[list[int]], run: int) -> tuple[float, list[float], int, int]:
    path = str(Path(tmp) / f"raw{run}.db")
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000"):
            await conn.execute(pragma)
        await conn.execute(
            "CREATE TABLE votes (answer_id INTEGER, voter_id TEXT, scores_json TEXT, ratio REAL, "
            "created_at TEXT, updated_at TEXT, PRIMARY KEY (answer_id, voter_id))"
        )
        lock = asyncio.Lock()

        async def cast(v: int, answer: int) -> None:
            async with lock:
                await conn.execute("BEGIN IMMEDIATE")
                await conn.execute(
                    "INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id, voter_id) DO UPDATE SET "
                    "scores_json = excluded.scores_json, ratio = excluded.ratio, updated_at = excluded.updated_at",
                    (answer, f"v{v}", '{"a": 1}', 0.5, "t", "t"),
                )
                await conn.execute("COMMIT")

        wall, latencies, locked = await run_voters(per_voter, cast)
        stored = (await (await conn.execute("SELECT count(*) FROM votes")).fetchone())[0]
    return wall, latencies, locked, stored


async def grillbot(tmp: str, per_voter: list[list[int]], run: int) -> tuple[float, list[float], int, int]:
    return await through_service(str(Path(tmp) / f"grillbot{run}.db"), per_voter)


async def through_service(database: str, per_voter: list[list[int]]) -> tuple[float, list[float], int, int]:
    """The voters through VoteService.cast on `database` (a SQLite file or a PostgreSQL URL), freshly made."""
    clock = FakeClock(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=FakePublisher()) as svc:
        await svc.grill.setup(SPACE, "c", "09:00", "UTC", "daily")
        rnd = await svc.grill.post_daily(SPACE)
        answers = [
            (await svc.grill.thread_message(rnd.id, f"a{i}", f"A{i}", "answer", f"msg-{i}")).answer
            for i in range(ANSWERS)
        ]
        criteria = [c.id for c in rnd.question.criteria]
        scores = {c: 1 for c in criteria}

        async def cast(v: int, answer: int) -> None:
            await svc.votes.cast(SPACE, answers[answer].id, f"v{v}", f"V{v}", scores)

        wall, latencies, locked = await run_voters(per_voter, cast)
        async with svc.db.read() as conn:
            stored = await conn.fetch_value("SELECT count(*) FROM votes")
            credits = await conn.fetch_value("SELECT sum(votes_cast) FROM board WHERE qtype = '*' AND period = 'all'")
    if credits != stored:
        raise SystemExit(f"board credits {credits} != first votes {stored}")
    return wall, latencies, locked, stored


async def main(votes: int, voters: int, runs: int) -> None:
    per_voter = plan(votes, voters, random.Random(13))
    expected = len({(v, a) for v, answers in enumerate(per_voter) for a in answers})
    results: dict[str, dict[str, list]] = {k: {"rate": [], "lat": [], "locked": [], "lost": []} for k in ("raw", "bot")}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for name, bench in (("raw", raw), ("bot", grillbot)):
                wall, latencies, locked, stored = await bench(tmp, per_voter, run)
                results[name]["rate"].append(votes / wall)
                results[name]["lat"] += latencies
                results[name]["locked"].append(locked)
                results[name]["lost"].append(expected - stored)
                print(f"  run {run + 1} {name}: {votes / wall:.0f} votes/s, {expected - stored} lost, {locked} locked")
    raw_rate, bot_rate = (statistics.median(results[k]["rate"]) for k in ("raw", "bot"))
    print(row(f"RESULT votes latency ({voters} concurrent voters)", results["bot"]["lat"], results["raw"]["lat"]))
    print(
        f"RESULT votes throughput: {bot_rate:.0f} votes/s vs raw aiosqlite {raw_rate:.0f} votes/s "
        f"({bot_rate / raw_rate:.2f}x raw); lost {sum(results['bot']['lost'])}, "
        f"locked {sum(results['bot']['locked'])}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.votes, args.voters, args.runs))
