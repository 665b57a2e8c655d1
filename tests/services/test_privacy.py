import json

from bot.core.models import Period
from tests.services.test_daily_loop import SPACE, full_scores, start_round


async def test_export_holds_the_members_own_data(services, clock):
    rnd = await start_round(services, clock)
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "my answer", "m1")).answer
    bob = (await services.grill.thread_message(rnd.id, "bob", "Bob", "bob's", "m2")).answer
    await services.votes.cast(SPACE, bob.id, "ann", "Ann", full_scores(rnd, 1))
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd, 2))
    document = json.loads(await services.privacy.export_member(SPACE, "ann"))
    assert document["format"] == "grillbot-export/1" and document["member_id"] == "ann"
    assert [a["body"] for a in document["answers"]] == ["my answer"]
    assert [set(v["scores"].values()) for v in document["votes_cast"]] == [{1}]
    assert "bob's" not in json.dumps(document)


async def test_forget_removes_the_member_and_keeps_the_others_consistent(services, clock):
    rnd = await start_round(services, clock)
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "a", "m1")).answer
    bob = (await services.grill.thread_message(rnd.id, "bob", "Bob", "b", "m2")).answer
    await services.votes.cast(SPACE, bob.id, "ann", "Ann", full_scores(rnd, 0))
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd, 2))
    await services.votes.cast(SPACE, bob.id, "cat", "Cat", full_scores(rnd, 2))
    removed = await services.privacy.forget_member(SPACE, "ann")
    assert removed >= 4  # two votes, one answer, the board and member rows
    assert await services.rounds.answer_of(rnd.id, "ann") is None
    assert [v.voter_id for v in await services.rounds.votes(rnd.id)] == ["cat"]
    assert await services.rounds.type_mean(SPACE, rnd.question.type) == 1.0  # only Cat's vote is left
    results = await services.grill.close_round(rnd.id)
    assert [r.display_name for r in results.answers] == ["Bob"]
    board = await services.boards.leaderboard(SPACE, None, Period.ALL)
    assert "Ann" not in {r.display_name for r in board.rows}
    assert json.loads(await services.privacy.export_member(SPACE, "ann"))["answers"] == []


async def test_space_export_has_rounds_answers_and_votes(services, clock):
    rnd = await start_round(services, clock)
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "a", "m1")).answer
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd))
    document = json.loads(await services.privacy.export_space(SPACE))
    assert document["scope"] == "space"
    assert len(document["rounds"]) == len(document["answers"]) == len(document["votes"]) == 1


async def test_stored_drill_answers_are_exported_and_forgotten(services):
    drill = await services.drills.answer(SPACE, "ann", "sample-coding", "ann's drill answer")
    await services.drills.answer(SPACE, "bob", "sample-coding", "bob's drill answer")
    document = json.loads(await services.privacy.export_member(SPACE, "ann"))
    assert [d["answer"] for d in document["drill_answers"]] == ["ann's drill answer"]
    await services.privacy.forget_member(SPACE, "ann")
    assert await services.drills.drills.answer(drill.id) is None
    assert json.loads(await services.privacy.export_member(SPACE, "bob"))["drill_answers"] != []
