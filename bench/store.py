"""Benchmark: the store on SQLite and on PostgreSQL in the same run, and the ratio between them.

    python -m bench.store [--votes 10000] [--voters 200] [--runs 3]
                          [--members 10000] [--answers 200000] [--board-votes 200000] [--reads 20]

Vote ingestion: bench.votes' plan (`--voters` concurrent voters casting `--votes` votes through
VoteService.cast, some re-votes) on a fresh database of each engine, the engines alternating
`--runs` times. Leaderboard reads: bench.leaderboard's history is built into a SQLite file, copied
into PostgreSQL by `bot.storage.copy` (what `python -m bot db copy` runs; its rate is printed),
then every one of the 42 boards is read `--reads` times through BoardService on each engine with a
caller ranked in the middle, and the two engines' boards must be equal. Prints median and p99 per
engine and the PostgreSQL/SQLite ratio. The history has bench.leaderboard's members and answers but
a fifth of its votes by default: a board read never scans votes, and copying a million into
PostgreSQL would take minutes of the run for nothing it measures.

PostgreSQL is the server GRILLBOT_BENCH_PG names (a URL on which the benchmark may create and drop
databases); without it the benchmark runs itself again under `scripts/pg-throwaway`, a throwaway
cluster on this machine (fsync off, as in the tests: PostgreSQL's durability is not measured,
SQLite's synchronous=NORMAL is).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from bench import leaderboard, votes
from bench.common import summary
from bot.app import open_services
from bot.storage.copy import copy_tables
from bot.storage.engine import open_database
from tests.conftest import FIXTURE_CONTENT

ROOT = Path(__file__).resolve().parent.parent
THROWAWAY = ROOT / "scripts" / "pg-throwaway"
IN_THROWAWAY = "GRILLBOT_BENCH_IN_THROWAWAY"  # set for the run under scripts/pg-throwaway
ENGINES = ("sqlite", "postgresql")


def server_or_throwaway() -> str:
    """The PostgreSQL server to use; without GRILLBOT_BENCH_PG, this process runs again under a throwaway cluster."""
    given = os.environ.get("GRILLBOT_BENCH_PG", "").strip()
    if given:
        return given
    if os.environ.get(IN_THROWAWAY):
        return os.environ["GRILLBOT_TEST_PG"]  # what scripts/pg-throwaway exports
    os.environ[IN_THROWAWAY] = "1"
    os.execv(THROWAWAY, [str(THROWAWAY), sys.executable, "-m", "bench.store", *sys.argv[1:]])


@asynccontextmanager
async def new_database(server: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on `server` for one measurement (its URL), dropped after."""
    name = f"grillbot_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        try:
            yield urlsplit(server)._replace(path=f"/{name}").geturl()
        finally:
            await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    finally:
        await admin.close()


@asynccontextmanager
async def fresh(engine: str, server: str, sqlite_file: Path) -> AsyncIterator[str]:
    """Where one measurement's new database lives on `engine`: the SQLite file, or a new PostgreSQL database."""
    if engine == "sqlite":
        yield str(sqlite_file)
        return
    async with new_database(server) as url:
        yield url


def ratio_row(label: str, measured: dict[str, list[float]], unit: str = "ms") -> str:
    """`label: SQLite median/p99 | PostgreSQL median/p99 | PostgreSQL/SQLite x`."""
    (s_med, s_p99), (p_med, p_99) = summary(measured["sqlite"]), summary(measured["postgresql"])
    return (
        f"{label}: SQLite median {s_med:.1f} {unit}, p99 {s_p99:.1f} {unit} | PostgreSQL median {p_med:.1f} {unit}, "
        f"p99 {p_99:.1f} {unit} | PostgreSQL/SQLite median {p_med / s_med:.2f}x, p99 {p_99 / s_p99:.2f}x"
    )


async def vote_ingestion(server: str, n_votes: int, voters: int, runs: int) -> None:
    per_voter = votes.plan(n_votes, voters, random.Random(13))
    expected = len({(v, a) for v, answers in enumerate(per_voter) for a in answers})
    latency: dict[str, list[float]] = {e: [] for e in ENGINES}
    rate: dict[str, list[float]] = {e: [] for e in ENGINES}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for engine in ENGINES:
                async with fresh(engine, server, Path(tmp) / f"votes{run}.db") as target:
                    wall, latencies, _, stored = await votes.through_service(target, per_voter)
                if stored != expected:
                    raise SystemExit(f"{engine}: {expected - stored} votes lost")
                latency[engine] += latencies
                rate[engine].append(n_votes / wall)
                print(f"  run {run + 1} {engine}: {n_votes / wall:.0f} votes/s, none lost")
    print(ratio_row(f"RESULT store vote latency ({voters} concurrent voters, {n_votes} votes)", latency))
    s_rate, p_rate = (statistics.median(rate[e]) for e in ENGINES)
    print(
        f"RESULT store vote throughput: SQLite {s_rate:.0f} votes/s, PostgreSQL {p_rate:.0f} votes/s "
        f"(PostgreSQL/SQLite {p_rate / s_rate:.2f}x), none lost on either"
    )


async def board_reads(server: str, members: int, answers: int, n_votes: int, reads: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db_path, clock = await leaderboard.seeded(tmp, members, answers, n_votes, random.Random(13))
        async with new_database(server) as url:
            async with open_database(db_path) as source, open_database(url) as target:
                started = time.perf_counter()
                copied = sum((await copy_tables(source, target)).values())
                took = time.perf_counter() - started
            print(f"RESULT store db copy: {copied:,} rows into PostgreSQL in {took:.1f} s, {copied / took:,.0f} rows/s")
            measured: dict[str, list[float]] = {e: [] for e in ENGINES}
            async with (
                open_services(db_path, FIXTURE_CONTENT, clock=clock) as lite,
                open_services(url, FIXTURE_CONTENT, clock=clock) as pg,
            ):
                for type_id, period, view in leaderboard.BOARDS:
                    everyone = await lite.boards.leaderboard(leaderboard.SPACE, type_id, period, view, limit=members)
                    caller = everyone.rows[len(everyone.rows) // 2].member_id if everyone.rows else None
                    per_board: dict[str, list[float]] = {e: [] for e in ENGINES}
                    boards = {}
                    for _ in range(reads):
                        for engine, svc in zip(ENGINES, (lite, pg), strict=True):
                            ms, boards[engine] = await leaderboard.timed_read(svc, type_id, period, view, caller)
                            per_board[engine].append(ms)
                    name = leaderboard.board_name(type_id, period, view)
                    if boards["sqlite"] != boards["postgresql"]:
                        raise SystemExit(f"the engines read different boards on {name}")
                    print(ratio_row(f"  {name:<31}", per_board))
                    for engine in ENGINES:
                        measured[engine] += per_board[engine]
    print("  identical boards on both engines, all 42")
    print(ratio_row(f"RESULT store leaderboard read, all 42 boards, {members} members", measured))


async def main(args: argparse.Namespace, server: str) -> None:
    admin = await asyncpg.connect(server)
    version = await admin.fetchval("SHOW server_version")
    await admin.close()
    where = "a throwaway cluster, fsync off" if os.environ.get(IN_THROWAWAY) else "GRILLBOT_BENCH_PG"
    sqlite = f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    print(f"RESULT store engines: {sqlite}, PostgreSQL {version} ({where})")
    await vote_ingestion(server, args.votes, args.voters, args.runs)
    await board_reads(server, args.members, args.answers, args.board_votes, args.reads)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--votes", type=int, default=10_000)
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--board-votes", type=int, default=200_000, help="votes in the history (reads never scan them)")
    parser.add_argument("--reads", type=int, default=20, help="reads per board and engine")
    parsed = parser.parse_args()
    asyncio.run(main(parsed, server_or_throwaway()))
