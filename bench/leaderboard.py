"""Benchmark: leaderboard reads at scale, against the naive GROUP BY over the facts, in the same run.

    python -m bench.leaderboard [--members 10000] [--answers 200000] [--votes 1000000] [--reads 30]

Writes a space's history straight into a SQLite file (rounds over three years, answers with scores,
votes; the board aggregate summed from them as the vote and close transactions would), then reads
every board (type or overall x week, month, all time x points, rating) through BoardService with
a caller ranked in the middle of it (about 5,000th at 10,000 members), and the same board the
naive way (GROUP BY over votes and answers, ranked in Python; fewer reads, it is slow). Checks
both give the same rows and caller rank, and prints medians and p99s. `--growth` repeats the
build at a quarter of the members (and of the answers and votes) to show how a read grows.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.common import pct, row, summary
from bot.app import Services, open_services
from bot.core import scoring
from bot.core.models import TYPE_IDS, Board, BoardView, Period
from bot.storage.boards import OVERALL
from bot.storage.engine import instant
from tests.conftest import FIXTURE_CONTENT
from tests.fakes import FakeClock, FakePublisher

SPACE = "bench:1"
NAIVE_READS = 5
TODAY = date(2026, 11, 25)  # a Wednesday: this week and month hold a few rounds
STAMP = instant(datetime.combine(TODAY, datetime.min.time(), UTC))  # when every answer and vote was made


def build(db_path: str, members: int, answers: int, votes: int, rng: random.Random) -> None:
    """The facts, and the aggregate they sum to, written in bulk (the schema already migrated).

    The aggregate is summed by SQLite from each fact's fixed-point share (scoring.points_fixed and
    score_fixed, as the vote and close transactions add them) over the periods of its round."""
    conn = sqlite3.connect(db_path)
    conn.execute("BEGIN")
    cursor = conn.execute("SELECT * FROM rounds LIMIT 1")
    columns = [d[0] for d in cursor.description]
    template = dict(zip(columns, cursor.fetchone(), strict=True))
    conn.execute("DELETE FROM rounds")
    n_rounds = max(1, answers // 200)
    rounds = [
        template
        | {"id": i + 1, "local_date": (TODAY - timedelta(days=i)).isoformat(), "qtype": rng.choice(TYPE_IDS)}
        | {"state": "closed"}
        for i in range(n_rounds)
    ]
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO rounds VALUES ({marks})", [tuple(r[c] for c in columns) for r in rounds])
    conn.execute("CREATE TEMP TABLE periods (round_id INTEGER, qtype TEXT, period TEXT)")
    conn.executemany(
        "INSERT INTO periods VALUES (?, ?, ?)",
        [
            (r["id"], type_key, period)
            for r in rounds
            for type_key in (r["qtype"], OVERALL)
            for period in scoring.period_keys(date.fromisoformat(r["local_date"]))
        ],
    )
    people = [f"m{i:05d}" for i in range(members)]
    conn.executemany(
        "INSERT INTO members (space_id, member_id, display_name, hidden) VALUES (?, ?, ?, ?)",
        [(SPACE, m, m.upper(), int(rng.random() < 0.01)) for m in people],
    )
    answer_rows, authors = [], []
    for r in rounds:
        for member in rng.sample(people, k=min(members, answers // n_rounds)):
            score = None if rng.random() < 0.05 else rng.uniform(20, 95)
            answer_rows.append((len(answer_rows) + 1, r["id"], member, "answer", None, STAMP, STAMP, score))
            authors.append(member)
    conn.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", answer_rows)
    conn.execute("CREATE TEMP TABLE shares (answer_id INTEGER PRIMARY KEY, points_e4 INTEGER, score_e3 INTEGER)")
    conn.executemany(
        "INSERT INTO shares VALUES (?, ?, ?)",
        [(a[0], scoring.points_fixed(a[7], 0), scoring.score_fixed(a[7])) for a in answer_rows],
    )
    seen: set[tuple[int, int]] = set()
    while len(seen) < votes:
        answer_id, voter = rng.randrange(len(answer_rows)) + 1, rng.randrange(members)
        if people[voter] != authors[answer_id - 1]:
            seen.add((answer_id, voter))
    conn.executemany(
        "INSERT INTO votes VALUES (?, ?, '{}', 0.5, ?, ?)", ((a, people[v], STAMP, STAMP) for a, v in seen)
    )
    conn.execute(
        "INSERT INTO board (space_id, qtype, period, member_id, points_e4, answers, scored_answers, score_sum_e3, "
        "votes_cast) SELECT ?, p.qtype, p.period, f.member_id, sum(f.points_e4), sum(f.answers), sum(f.scored), "
        "sum(f.score_e3), sum(f.votes) FROM ("
        "SELECT a.round_id, a.member_id, s.points_e4, 1 AS answers, a.score IS NOT NULL AS scored, s.score_e3, "
        "0 AS votes FROM answers a JOIN shares s ON s.answer_id = a.id "
        f"UNION ALL SELECT a.round_id, v.voter_id, {scoring.points_fixed(None, 1)}, 0, 0, 0, 1 FROM votes v "
        "JOIN answers a ON a.id = v.answer_id"
        ") f JOIN periods p ON p.round_id = f.round_id GROUP BY p.qtype, p.period, f.member_id",
        (SPACE,),
    )
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


BOARDS = [(type_id, period, view) for type_id in (None, *TYPE_IDS) for period in Period for view in BoardView]


def board_name(type_id: str | None, period: Period, view: BoardView) -> str:
    return f"{type_id or 'overall'} {period.value} {view.value}"


async def seeded(tmp: str, members: int, answers: int, votes: int, rng: random.Random) -> tuple[str, FakeClock]:
    """A SQLite file in `tmp` holding a space's history (`build`), and the clock to read its boards at."""
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
    return db_path, clock


async def timed_read(
    svc: Services, type_id: str | None, period: Period, view: BoardView, caller: str | None
) -> tuple[float, Board]:
    """One board read through BoardService: milliseconds, and the board."""
    t0 = time.perf_counter()
    board = await svc.boards.leaderboard(SPACE, type_id, period, view, caller_id=caller)
    return (time.perf_counter() - t0) * 1000, board


async def measure(members: int, answers: int, votes: int, reads: int, rng: random.Random) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        db_path, clock = await seeded(tmp, members, answers, votes, rng)
        naive = sqlite3.connect(db_path)
        results: dict[str, list[float]] = {"new": [], "naive": []}
        async with open_services(db_path, FIXTURE_CONTENT, clock=clock) as svc:
            worse = 0
            for type_id, period, view in BOARDS:
                everyone = naive_board(naive, type_id, period, view, None, limit=10**9)[0]
                caller = everyone[len(everyone) // 2][1] if everyone else None
                new_ms, naive_ms = [], []
                for i in range(reads):
                    ms, board = await timed_read(svc, type_id, period, view, caller)
                    new_ms.append(ms)
                    if i < NAIVE_READS:  # the baseline takes up to seconds a read: fewer samples
                        t0 = time.perf_counter()
                        shown, mine = naive_board(naive, type_id, period, view, caller)
                        naive_ms.append((time.perf_counter() - t0) * 1000)
                got = [(r.rank, r.member_id, r.value) for r in board.rows]
                got_mine = (board.caller.rank, board.caller.value) if board.caller else None
                if got != shown or got_mine != mine:
                    raise SystemExit(f"different results on {board_name(type_id, period, view)}")
                worse += summary(naive_ms)[0] < summary(new_ms)[0]
                label = f"  {type_id or 'overall':<17} {period.value:<5} {view.value:<6} ({len(everyone)} rows)"
                print(row(label, new_ms, naive_ms))
                results["new"] += new_ms
                results["naive"] += naive_ms
                results[board_name(type_id, period, view)] = new_ms
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
    parser.add_argument("--reads", type=int, default=50, help=f"reads per board (naive: {NAIVE_READS})")
    parser.add_argument("--growth", action="store_true", help="also build at a quarter of the size")
    args = parser.parse_args()
    asyncio.run(main(args.members, args.answers, args.votes, args.reads, args.growth))
