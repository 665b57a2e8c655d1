"""Several processes writing one store at once (two services on one database): what SQLite's one
writer serialized must hold on PostgreSQL too, where writers run side by side."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from bot.app import open_services
from bot.core.errors import DomainError
from tests.conftest import FIXTURE_CONTENT

SPACE = "discord:1"
TWICE = 8  # racing copies of each write, spread over the two services


async def totals(services):
    """The vote facts and the two aggregates that must follow them."""
    async with services.db.read() as conn:
        votes = await conn.fetch_value("SELECT COUNT(*) FROM votes")
        means = await conn.fetch_value("SELECT COALESCE(SUM(votes), 0) FROM type_means")
        credits = await conn.fetch_value(
            "SELECT COALESCE(SUM(votes_cast), 0) FROM board WHERE qtype = '*' AND period = 'all'"
        )
    return votes, means, credits


async def two_processes(database, clock, publisher, bank):
    return (
        open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank),
        open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank),
    )


async def open_round(services, clock):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    return await services.grill.post_daily(SPACE, scheduled=True)


async def test_racing_first_votes_of_one_voter_credit_them_once(database, clock, publisher, bank):
    one, two = await two_processes(database, clock, publisher, bank)
    async with one as a, two as b:
        rnd = await open_round(a, clock)
        answer = (await a.grill.thread_message(rnd.id, "ann", "Ann", "my answer", "m-ann")).answer
        criteria = [c.id for c in rnd.question.criteria]
        await asyncio.gather(
            *(
                (a if n % 2 else b).votes.cast(SPACE, answer.id, "bob", "Bob", dict.fromkeys(criteria, n % 3))
                for n in range(TWICE)
            )
        )
        assert await totals(a) == (1, 1, 1)


async def test_racing_first_answers_of_one_member_make_one_answer(database, clock, publisher, bank):
    one, two = await two_processes(database, clock, publisher, bank)
    async with one as a, two as b:
        rnd = await open_round(a, clock)
        receipts = await asyncio.gather(
            *(
                (a if n % 2 else b).grill.thread_message(rnd.id, "ann", "Ann", f"take {n}", f"m-{n}")
                for n in range(TWICE)
            )
        )
        answers = await a.rounds.answers(rnd.id)
        assert len(answers) == 1 and {r.answer.id for r in receipts} == {answers[0].id}
        assert answers[0].body in {f"take {n}" for n in range(TWICE)}


async def test_a_withdraw_racing_votes_leaves_the_aggregates_matching_the_votes(database, clock, publisher, bank):
    one, two = await two_processes(database, clock, publisher, bank)
    async with one as a, two as b:
        rnd = await open_round(a, clock)
        ann = (await a.grill.thread_message(rnd.id, "ann", "Ann", "ann's answer", "m-ann")).answer
        bob = (await a.grill.thread_message(rnd.id, "bob", "Bob", "bob's answer", "m-bob")).answer
        criteria = [c.id for c in rnd.question.criteria]
        voters = [f"v{n}" for n in range(TWICE)]
        for voter in voters[:3]:  # votes already in when the race starts
            await a.votes.cast(SPACE, ann.id, voter, voter, dict.fromkeys(criteria, 2))

        async def vote(n: int, voter: str) -> None:
            target = ann if n % 2 else bob
            with contextlib.suppress(DomainError):  # the answer went first: refused, nothing written
                await (a if n % 2 else b).votes.cast(SPACE, target.id, voter, voter, dict.fromkeys(criteria, 1))

        await asyncio.gather(
            b.grill.message_deleted(SPACE, "m-ann"), *(vote(n, voter) for n, voter in enumerate(voters))
        )
        votes, means, credits = await totals(a)
        assert votes == means == credits
        assert await a.rounds.answer(ann.id) is None
        assert votes == len(await a.rounds.votes(rnd.id)) >= TWICE // 2  # bob's votes all stand
