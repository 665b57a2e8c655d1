"""Benchmark: leaderboard reads and vote writes on a real SQLite file.

    python -m bench.leaderboard [--members 500] [--rounds 400] [--votes-per-round 60]

Builds a space with many closed rounds through the real services (every vote and close moves
the aggregate in its own transaction), then times:
  * a leaderboard read (top 10 + the caller's rank) for one type / overall, week and all time;
  * concurrent vote writes: N tasks casting at once through the single IMMEDIATE writer.
Prints medians and p99s. The target (PLATFORM.md section 4) is a board read that never scans votes:
well under 20 ms at a million votes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import open_services
from bot.core.models import BoardView, Period
from tests.conftest import FIXTURE_CONTENT
from tests.fakes import FakeClock, FakePublisher

SPACE = "bench:1"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(members: int, rounds: int, votes_per_round: int) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "bench.db")
        async with open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=FakePublisher()) as svc:
            await svc.grill.setup(SPACE, "c", "09:00", "UTC", "daily")
            people = [f"m{i}" for i in range(members)]
            started = time.perf_counter()
            total_votes = 0
            for day in range(rounds):
                clock.set(datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=day))
                rnd = await svc.grill.post_daily(SPACE)
                authors = rng.sample(people, k=min(members, max(3, votes_per_round // 5)))
                answers = [
                    (await svc.grill.thread_message(rnd.id, m, m, "answer", f"{day}-{m}")).answer for m in authors
                ]
                criteria = [c.id for c in rnd.question.criteria]
                for _ in range(votes_per_round):
                    answer = rng.choice(answers)
                    voter = rng.choice(people)
                    if voter == answer.member_id:
                        continue
                    await svc.votes.cast(SPACE, answer.id, voter, voter, {c: rng.randint(0, 2) for c in criteria})
                    total_votes += 1
                await svc.grill.close_round(rnd.id)
            build = time.perf_counter() - started
            print(f"built {rounds} rounds, {total_votes} votes, {members} members in {build:.1f} s")
            print(f"  sequential vote+close path: {total_votes / build:.0f} votes/s including closes")

            for label, type_id, period in (
                ("overall, all time", None, Period.ALL),
                ("one type, all time", "systems", Period.ALL),
                ("overall, this week", None, Period.WEEK),
            ):
                samples = []
                for _ in range(200):
                    t0 = time.perf_counter()
                    await svc.boards.leaderboard(SPACE, type_id, period, BoardView.POINTS, caller_id=people[-1])
                    samples.append((time.perf_counter() - t0) * 1000)
                median, p99 = statistics.median(samples), pct(samples, 0.99)
                print(f"  leaderboard {label:<20} median {median:.2f} ms  p99 {p99:.2f} ms")

            clock.set(clock.now() + timedelta(days=1))
            rnd = await svc.grill.post_daily(SPACE)
            answers = [(await svc.grill.thread_message(rnd.id, m, m, "a", f"x-{m}")).answer for m in people[:50]]
            criteria = [c.id for c in rnd.question.criteria]

            async def timed_vote(i: int) -> float:
                voter = people[50 + i % (members - 50)]
                t0 = time.perf_counter()
                await svc.votes.cast(SPACE, answers[i % 50].id, voter, voter, {c: 1 for c in criteria})
                return (time.perf_counter() - t0) * 1000

            for burst in (100, 1000):
                t0 = time.perf_counter()
                latencies = await asyncio.gather(*(timed_vote(i) for i in range(burst)))
                wall = time.perf_counter() - t0
                print(
                    f"  {burst} concurrent votes: {burst / wall:.0f} votes/s, "
                    f"latency median {statistics.median(latencies):.1f} ms  p99 {pct(latencies, 0.99):.1f} ms"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--votes-per-round", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.rounds, args.votes_per_round))
