"""Rounds, votes, drills and stats recorded under the rubric before issue 12 keep working after
frameworks.yaml renames and retires criterion ids.

The decision: a round keeps the rubric it was posted with (its stored question snapshot), so an
open round is voted on and closed with the criteria its members saw, old votes keep their ids
and points, /stats reads stored ratios (never criterion ids), and exports carry each round's
rubric (id and label) so the ids in its votes stay readable. A pack or stored import naming a
retired id in `rubric:` is read through the criterion that `replaces` it.
"""

import json
from datetime import UTC, datetime

import pytest

from bot.app import open_services
from bot.core.content import load_bank, load_frameworks
from bot.core.errors import InvalidInput
from tests.conftest import FIXTURE_CONTENT, SHIPPED_CONTENT

SPACE = "discord:1"
OLD_DERIVATION = load_frameworks(FIXTURE_CONTENT / "frameworks.yaml")["derivation"]  # setup target steps ...


def pre_issue_12_snapshot() -> str:
    """A round's question_json exactly as the previous version wrote it: no anchors, plain key points."""
    return json.dumps(
        {
            "id": "old-derivation",
            "type": "derivation",
            "prompt": "Derive the gradient of softmax cross-entropy.",
            "topics": ["losses"],
            "difficulty": 1,
            "key_points": ["dL/dz = p - y.", "From d logsumexp / dz = softmax(z)."],
            "follow_ups": ["What does label smoothing change?"],
            "criteria": [{"id": c.id, "label": c.label, "description": c.description} for c in OLD_DERIVATION.criteria],
        }
    )


OLD_IDS = ["setup", "target", "steps", "interpretation", "limits"]


@pytest.fixture
async def old_round(database, clock, publisher):
    """A round posted and voted on by the previous version, then the bot stops."""
    bank = load_bank(FIXTURE_CONTENT)
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as services:
        await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
        clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        rnd = await services.grill.post_daily(SPACE, scheduled=True)
        for member, text in (("ann", "p minus y"), ("bob", "softmax minus one-hot")):
            await services.grill.thread_message(rnd.id, member, member.title(), text, f"m-{member}")
        async with services.db.write() as conn:  # as the old version stored it
            await conn.execute(
                "UPDATE rounds SET question_json = ?, qtype = 'derivation' WHERE id = ?",
                (pre_issue_12_snapshot(), rnd.id),
            )
    bank = load_bank(FIXTURE_CONTENT)
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as services:
        ann = await services.rounds.answer_of(rnd.id, "ann")
        await services.votes.cast(SPACE, ann.id, "cat", "Cat", dict.fromkeys(OLD_IDS, 2))
    return rnd.id


async def test_an_open_round_keeps_the_rubric_it_was_posted_with(database, clock, publisher, old_round):
    shipped = load_bank(SHIPPED_CONTENT)
    assert shipped.types["derivation"].criterion("target").id == "setup"  # the new rubric retired it
    async with open_services(database, SHIPPED_CONTENT, clock=clock, publisher=publisher, bank=shipped) as services:
        rnd = await services.rounds.get(old_round)
        assert [c.id for c in rnd.question.criteria] == OLD_IDS
        assert all(c.anchors == () for c in rnd.question.criteria)  # the form shows plain 0/1/2
        assert [p.text for p in rnd.question.key_points] == ["dL/dz = p - y.", "From d logsumexp / dz = softmax(z)."]
        assert not any(p.bonus for p in rnd.question.key_points)
        bob = await services.rounds.answer_of(old_round, "bob")
        with pytest.raises(InvalidInput, match="Unknown rubric criterion"):  # the new ids do not fit this round
            await services.votes.cast(
                SPACE,
                bob.id,
                "cat",
                "Cat",
                dict.fromkeys(["setup", "correctness", "steps", "interpretation", "bridge"], 2),
            )
        receipt = await services.votes.cast(SPACE, bob.id, "cat", "Cat", dict.fromkeys(OLD_IDS, 1))
        assert receipt.vote.points == 5
        results = await services.grill.close_round(old_round)
        by_name = {r.display_name: r for r in results.answers}
        assert [c.criterion.id for c in by_name["Ann"].criteria] == OLD_IDS
        assert [c.mean for c in by_name["Ann"].criteria] == [2.0] * 5  # the vote cast before the change
        assert by_name["Ann"].rank == 1 and by_name["Bob"].rank == 2
        stats = await services.stats.member_stats(SPACE, "ann")
        derivation = next(t for t in stats.per_type if t.type_id == "derivation")
        assert derivation.answers == 1 and derivation.peer_ratio == 1.0


async def test_exports_carry_each_rounds_rubric_so_old_ids_stay_readable(database, clock, publisher, old_round):
    shipped = load_bank(SHIPPED_CONTENT)
    async with open_services(database, SHIPPED_CONTENT, clock=clock, publisher=publisher, bank=shipped) as services:
        space = json.loads(await services.privacy.export_space(SPACE))
        cat = json.loads(await services.privacy.export_member(SPACE, "cat"))
    labels = {c.id: c.label for c in OLD_DERIVATION.criteria}
    assert space["rounds"][0]["rubric"] == [{"id": i, "label": labels[i]} for i in OLD_IDS]
    [vote] = cat["votes_cast"]
    assert set(vote["scores"]) == {c["id"] for c in vote["rubric"]} == set(OLD_IDS)


async def test_a_drill_scored_on_the_old_rubric_still_counts_in_stats(database, clock, publisher):
    bank = load_bank(FIXTURE_CONTENT)
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as services:
        await services.drills.submit(SPACE, "ann", "sample-derivation", "p - y", dict.fromkeys(OLD_IDS, 2))
    shipped = load_bank(SHIPPED_CONTENT)
    async with open_services(database, SHIPPED_CONTENT, clock=clock, publisher=publisher, bank=shipped) as services:
        stats = await services.stats.member_stats(SPACE, "ann")
        derivation = next(t for t in stats.per_type if t.type_id == "derivation")
        assert derivation.drills == 1 and derivation.self_ratio == 1.0
        exported = json.loads(await services.privacy.export_member(SPACE, "ann"))
        assert set(json.loads(exported["drill_attempts"][0]["scores_json"])) == set(OLD_IDS)
