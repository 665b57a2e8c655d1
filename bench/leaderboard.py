"""Benchmark: leaderboard reads at scale, against the naive GROUP BY over the facts, in the same run.

    python -m bench.leaderboard [--members 10000] [--answers 200000] [--votes 1000000] [--reads 30]

Writes a space's history straight into a SQLite file (rounds over three years, answers with scores,
votes; the board aggregate summed from them as the vote and close transactions would), then reads
every board (type or overall x week, month, all time x points, rating) through BoardService with
a caller ranked in the middle of it (about 5,000th at 10,000 members), and the same board the
naive way (GROUP BY over votes and answers, ranked in Python). Checks both give the same rows and
caller rank, and prints medians and p99s. `--growth` repeats the build at a quarter of the members
(and of the answers and votes) to show how a read grows with members.
Target: p99 <= 20 ms on every board.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import random
import sqlite3
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import pct, row, summary
from bot.app import open_services
from bot.core import scoring
from bot.core.models import TYPE_IDS, BoardView, Period
from bot.storage.boards import OVERALL, UPSERT
from tests.conftest import FIXTURE_CONTENT
from tests.fakes import FakeClock, FakePublisher

SPACE = "bench:1"
TODAY = date(2026, 11, 25)  # a Wednesday: this week and month hold a few rounds


def build(db_path: str, members: int, answers: int, votes: int, rng: random.Random) -> None:
    """The facts and the aggregate they sum to, written in bulk (migrations already applied)."""
    conn = sqlite3.connect(db_path)
    conn.execute("BEGIN")
    template = conn.execute("SELECT * FROM rounds LIMIT 1").fetchone()
    columns = [d[0] for d in conn.execute("SELECT * FROM rounds LIMIT 1").description]
    conn.execute("DELETE FROM rounds")
    per_round = 200
    n_rounds = max(1, answers // per_round)
    rounds = []
    for i in range(n_rounds):
        values = dict(zip(columns, template, strict=True))
        values.update(
            id=i + 1, local_date=(TODAY - timedelta(days=i)).isoformat(), qtype=rng.choice(TYPE_IDS), state="closed"
        )
        rounds.append(values)
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO rounds VALUES ({marks})", [tuple(r[c] for c in columns) for r in rounds])
    people = [f"m{i:05d}" for i in range(members)]
    conn.executemany(
        "INSERT INTO members (space_id, member_id, display_name, hidden) VALUES (?, ?, ?, ?)",
        [(SPACE, m, m.upper(), int(rng.random() < 0.01)) for m in people],
    )
    board: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    answer_rows, answer_meta = [], []
    for rnd in rounds:
        keys = scoring.period_keys(date.fromisoformat(rnd["local_date"]))
        for member in rng.sample(people, k=min(members, answers // n_rounds)):
            score = None if rng.random() < 0.05 else round(rng.uniform(20, 95), 3)
            answer_rows.append((len(answer_rows) + 1, rnd["id"], member, "answer", None, "t", "t", score))
            answer_meta.append((member, rnd["qtype"], keys))
            for type_key in (rnd["qtype"], OVERALL):
                for period in keys:
                    totals = board[type_key, period, member]
                    totals[0] += scoring.points_fixed(score, 0)
                    totals[1] += 1
                    totals[2] += score is not None
                    totals[3] += scoring.score_fixed(score)
    conn.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", answer_rows)
    seen: set[tuple[int, str]] = set()
    vote_rows = []
    while len(vote_rows) < votes:
        answer_id = rng.randrange(len(answer_rows)) + 1
        voter = people[rng.randrange(members)]
        author, qtype, keys = answer_meta[answer_id - 1]
        if voter == author or (answer_id, voter) in seen:
            continue
        seen.add((answer_id, voter))
        vote_rows.append((answer_id, voter, "{}", 0.5, "t", "t"))
        for type_key in (qtype, OVERALL):
            for period in keys:
                totals = board[type_key, period, voter]
                totals[0] += scoring.points_fixed(None, 1)
                totals[4] += 1
    conn.executemany("INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?)", vote_rows)
    conn.executemany(UPSERT, [(SPACE, *key, t[0], t[1], t[2], t[3], t[4]) for key, t in board.items()])
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def date_range(period: Period) -> tuple[str, str]:
    if period is Period.WEEK:
        monday = TODAY - timedelta(days=TODAY.weekday())
        return monday.isoformat(), (monday + timedelta(days=6)).isoformat()
    if period is Period.MONTH:
        last = calendar.monthrange(TODAY.year, TODAY.month)[1]
        return TODAY.replace(day=1).isoformat(), TODAY.replace(day=last).isoformat()
    return "0000", "9999"


def naive_sql(type_id: str | None, view: BoardView) -> str:
    rounds = (
        "JOIN rounds r ON r.id = a.round_id WHERE r.space_id = ? AND r.kind = 'daily' AND r.local_date BETWEEN ? AND ?"
    )
    if type_id is not None:
        rounds += " AND r.qtype = ?"
    hidden = "member_id NOT IN (SELECT member_id FROM members WHERE space_id = ? AND hidden = 1)"
    if view is BoardView.RATING:
        return (
            "SELECT member_id, sum(round(a.score * 1000)) * 1.0 / count(*) / 1000 AS value FROM answers a "
            f"{rounds} AND r.state = 'closed' AND a.score IS NOT NULL AND a.{hidden} GROUP BY member_id "
            "HAVING count(*) >= 3 ORDER BY value DESC, member_id"
        )
    return (
        "SELECT member_id, sum(p) / 10000.0 AS value FROM ("
        "SELECT v.voter_id AS member_id, 10000 AS p, 0 AS n FROM votes v "
        f"JOIN answers a ON a.id = v.answer_id {rounds} "
        f"UNION ALL SELECT a.member_id, round(coalesce(a.score, 0) * 1000), 1 FROM answers a {rounds} "
        f"AND r.state = 'closed') WHERE {hidden} GROUP BY member_id HAVING sum(p) > 0 OR sum(n) > 0 "
        "ORDER BY value DESC, member_id"
    )


def naive_board(
    conn: sqlite3.Connection, type_id: str | None, period: Period, view: BoardView, caller: str | None, limit: int = 10
) -> tuple[list[tuple[int, str, float]], tuple[int, float] | None]:
    lo, hi = date_range(period)
    params = (SPACE, lo, hi, *((type_id,) if type_id else ()))
    bound = (*params, SPACE) if view is BoardView.RATING else (*params, *params, SPACE)
    ordered = conn.execute(naive_sql(type_id, view), bound).fetchall()
    ranks = scoring.competition_ranks([v for _, v in ordered])
    ranked = [(rank, m, v) for rank, (m, v) in zip(ranks, ordered, strict=True)]
    shown = [r for r in ranked if len(ranked) <= limit or r[0] <= ranked[limit - 1][0]]
    mine = next(((rank, v) for rank, m, v in ranked if m == caller), None)
    return shown, mine


async def measure(members: int, answers: int, votes: int, reads: int, rng: random.Random) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "bench.db")
        clock = FakeClock(datetime.combine(TODAY, datetime.min.time(), UTC).replace(hour=12))
        async with open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=FakePublisher()) as svc:
            await svc.grill.setup(SPACE, "c", "09:00", "UTC", "daily")
            clock.set(clock.now() - timedelta(hours=2))
            await svc.grill.post_daily(SPACE)  # a real round row to copy
            clock.set(clock.now() + timedelta(hours=2))
        started = time.perf_counter()
        build(db_path, members, answers, votes, rng)
        print(f"built {members} members, {answers} answers, {votes} votes in {time.perf_counter() - started:.0f} s")
        naive = sqlite3.connect(db_path)
        results: dict[str, list[float]] = {"new": [], "naive": []}
        async with open_services(db_path, FIXTURE_CONTENT, clock=clock) as svc:
            worse = 0
            for type_id in (None, *TYPE_IDS):
                for period in Period:
                    for view in BoardView:
                        everyone = naive_board(naive, type_id, period, view, None, limit=10**9)[0]
                        caller = everyone[len(everyone) // 2][1] if everyone else None
                        new_ms, naive_ms = [], []
                        for _ in range(reads):
                            t0 = time.perf_counter()
                            board = await svc.boards.leaderboard(SPACE, type_id, period, view, caller_id=caller)
                            new_ms.append((time.perf_counter() - t0) * 1000)
                            t0 = time.perf_counter()
                            shown, mine = naive_board(naive, type_id, period, view, caller)
                            naive_ms.append((time.perf_counter() - t0) * 1000)
                        got = [(r.rank, r.member_id, r.value) for r in board.rows]
                        got_mine = (board.caller.rank, board.caller.value) if board.caller else None
                        if got != shown or got_mine != mine:
                            raise SystemExit(f"different results on {type_id or 'overall'} {period.value} {view.value}")
                        worse += summary(naive_ms)[0] < summary(new_ms)[0]
                        label = f"  {type_id or 'overall':<17} {period.value:<5} {view.value:<6} ({len(everyone)} rows)"
                        print(row(label, new_ms, naive_ms))
                        results["new"] += new_ms
                        results["naive"] += naive_ms
                        results[f"{type_id or 'overall'} {period.value} {view.value}"] = new_ms
            print(f"  identical rows and caller ranks on all 42 boards; naive faster (median) on {worse} of 42")
        naive.close()
    return results


async def main(members: int, answers: int, votes: int, reads: int, growth: bool) -> None:
    rng = random.Random(13)
    sizes = [(members // 4, answers // 4, votes // 4)] if growth else []
    measured = {}
    for size in [*sizes, (members, answers, votes)]:
        measured[size[0]] = await measure(*size, reads, rng)
    results = measured[members]
    worst = max((pct(v, 0.99), k) for k, v in results.items() if k not in ("new", "naive"))
    print(row(f"RESULT leaderboard read, all 42 boards, {members} members", results["new"], results["naive"]))
    print(f"RESULT leaderboard worst board p99: {worst[0]:.1f} ms ({worst[1]})")
    if growth:
        small, big = measured[members // 4]["new"], results["new"]
        print(
            f"RESULT leaderboard growth: {members // 4} -> {members} members (4x): "
            f"p99 {pct(small, 0.99):.1f} -> {pct(big, 0.99):.1f} ms ({pct(big, 0.99) / pct(small, 0.99):.1f}x)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=30, help="reads per board, for each of the 42 boards")
    parser.add_argument("--growth", action="store_true", help="also build at a quarter of the size")
    args = parser.parse_args()
    asyncio.run(main(args.members, args.answers, args.votes, args.reads, args.growth))
