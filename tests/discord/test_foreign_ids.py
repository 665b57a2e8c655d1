"""Every button, select and form replayed with an id from another server, another member, or
no row at all: refused with one message that reveals nothing, and nothing stored.

The interactions go through discord.py's own objects (`tests/discord/gateway.py`): the payload is
parsed by discord.py, routed by its DynamicItem templates or by the bot's form router, and the
bot's answer is read from what discord.py would have sent to Discord.
"""

from __future__ import annotations

from bot.core.services import drills, rounds, votes
from bot.core.services.drills import ALREADY_SHARED
from bot.core.services.rating import NOT_RATEABLE
from bot.core.services.rounds import NOT_BLIND_FORM, NOT_BLIND_PEEK
from bot.core.services.votes import NOT_AN_ANSWER
from bot.discord_ui.platform import DISCORD
from tests.discord.gateway import Client, Reply

# The core's templates as a Discord member reads them.
DRILL_NOT_YOURS = DISCORD.words(drills.DRILL_NOT_YOURS)
ROUND_NOT_HERE = DISCORD.words(rounds.ROUND_NOT_HERE)
ANSWER_NOT_HERE = DISCORD.words(votes.ANSWER_NOT_HERE)
NOT_OPEN_HERE = DISCORD.words(rounds.NOT_OPEN_HERE)

A, B = 1, 2  # guild ids: server A holds the rounds; server B replays their ids
ANN, BOB, EVE = 11, 12, 21  # ann and bob are in A, eve in B
SPACE_A = "discord:1"
HUGE = ("99999999999999999999", "9223372036854775808", "-1", "0", "abc")  # no row can have these ids


async def rows(services, table: str) -> int:
    async with services.db.read() as conn:
        return await conn.fetch_value(f"SELECT COUNT(*) FROM {table}")


async def open_round(client: Client, *, blind: bool):
    services = client.bot.services
    await services.grill.setup(SPACE_A, "10", "09:00", "UTC", "daily", blind)
    rnd = await services.grill.post_daily(SPACE_A)
    client.bot.round_cache.remember(rnd)
    return rnd


async def test_the_vote_button_refuses_another_servers_round(client, services):
    rnd = await open_round(client, blind=False)
    await services.grill.thread_message(rnd.id, "discord:11", "ann", "ann's answer", "m1")
    from_b = await client.click(B, EVE, f"gb:vote:{rnd.id}")
    assert from_b.text == ROUND_NOT_HERE
    for bad in HUGE:
        assert (await client.click(A, BOB, f"gb:vote:{bad}")).text == ROUND_NOT_HERE
    mine = await client.click(A, ANN, f"gb:vote:{rnd.id}")  # ann's own answer is not offered to her
    assert "no answers from others" in mine.text
    offered = await client.click(A, BOB, f"gb:vote:{rnd.id}")
    assert [o["label"] for c in offered.components for o in c["options"]] == ["ann"]


async def test_the_answer_picker_refuses_another_servers_round_and_junk_answer_ids(client, services):
    rnd = await open_round(client, blind=False)
    answer = (await services.grill.thread_message(rnd.id, "discord:11", "ann", "ann's answer", "m1")).answer
    from_b = await client.click(B, EVE, f"gb:pick:{rnd.id}", values=[str(answer.id)])
    assert from_b.modal is None and from_b.text == NOT_OPEN_HERE
    for bad in HUGE[2:]:  # "-1", "0", "abc": never a form for an id that can name no answer
        assert (await client.click(A, BOB, f"gb:pick:{rnd.id}", values=[bad])).text == ANSWER_NOT_HERE
    picked = await client.click(A, BOB, f"gb:pick:{rnd.id}", values=[str(answer.id)])
    assert picked.modal["custom_id"] == f"gb:rate:{rnd.id}:{answer.id}"


async def test_the_rating_forms_refuse_another_servers_answers(client, services):
    rnd = await open_round(client, blind=False)
    answer = (await services.grill.thread_message(rnd.id, "discord:11", "ann", "ann's answer", "m1")).answer
    criteria = {c.id: "2" for c in rnd.question.criteria}
    votes = await rows(services, "votes")
    from_b = await client.submit(B, EVE, f"gb:rate:{rnd.id}:{answer.id}", criteria)
    assert from_b.text == ANSWER_NOT_HERE
    for bad in HUGE:
        assert (await client.submit(A, BOB, f"gb:rate:{rnd.id}:{bad}", criteria)).text == ANSWER_NOT_HERE
        assert (await client.submit(A, BOB, f"gb:rate:{bad}:{answer.id}", criteria)).text == ANSWER_NOT_HERE
    by_message = await client.submit(B, EVE, f"gb:ratemsg:{rnd.id}:m1", criteria)
    assert by_message.text == NOT_AN_ANSWER  # the same as for a message that is no answer at all
    assert (await client.submit(A, BOB, f"gb:ratemsg:{rnd.id}:m404", criteria)).text == NOT_AN_ANSWER
    assert "can't rate your own" in (await client.submit(A, ANN, f"gb:rate:{rnd.id}:{answer.id}", criteria)).text
    assert await rows(services, "votes") == votes
    assert "recorded" in (await client.submit(A, BOB, f"gb:ratemsg:{rnd.id}:m1", criteria)).text
    assert await rows(services, "votes") == votes + 1


async def test_rate_answer_opens_no_form_on_another_servers_thread(client, services):
    rnd = await open_round(client, blind=False)
    thread = int(rnd.thread_ref)
    await services.grill.thread_message(rnd.id, "discord:11", "ann", "ann's answer", "5001")
    from_b = await client.message_command(B, EVE, "Rate answer", thread, ANN, 5001)
    assert from_b.modal is None and from_b.text == NOT_RATEABLE
    assert "can't rate your own" in (await client.message_command(A, ANN, "Rate answer", thread, ANN, 5001)).text
    opened = await client.message_command(A, BOB, "Rate answer", thread, ANN, 5001)
    assert opened.modal["custom_id"] == f"gb:ratemsg:{rnd.id}:5001"


async def test_the_answer_button_opens_no_form_for_another_server_or_an_open_thread_round(client, services, clock):
    rnd = await open_round(client, blind=True)
    assert (await client.click(B, EVE, f"gb:answer:{rnd.id}")).text == NOT_OPEN_HERE
    for bad in HUGE:
        assert (await client.click(A, BOB, f"gb:answer:{bad}")).text == NOT_OPEN_HERE
    assert (await client.click(A, BOB, f"gb:answer:{rnd.id}")).modal["custom_id"] == f"gb:form:{rnd.id}"
    client.bot.round_cache.forget(rnd.id)
    clock.advance(days=1)
    thread_round = await open_round(client, blind=False)  # the next day's round, answered in its thread
    assert (await client.click(A, BOB, f"gb:answer:{thread_round.id}")).text == NOT_BLIND_FORM


async def test_the_answer_form_saves_nothing_from_another_server(client, services):
    rnd = await open_round(client, blind=True)
    answers = await rows(services, "answers")
    from_b = await client.submit(B, EVE, f"gb:form:{rnd.id}", {"answer": "eve's crafted answer"})
    assert from_b.text == ROUND_NOT_HERE
    for bad in HUGE:
        assert (await client.submit(A, BOB, f"gb:form:{bad}", {"answer": "x"})).text == ROUND_NOT_HERE
    assert await rows(services, "answers") == answers
    await client.submit(A, ANN, f"gb:form:{rnd.id}", {"answer": "ann's answer"})
    await client.submit(A, BOB, f"gb:form:{rnd.id}", {"answer": "bob's answer"})  # his own, not ann's
    assert sorted(a.body for a in await services.rounds.answers(rnd.id)) == ["ann's answer", "bob's answer"]


async def test_the_answer_form_is_refused_on_a_round_that_is_not_blind(client, services):
    rnd = await open_round(client, blind=False)
    refused = await client.submit(A, BOB, f"gb:form:{rnd.id}", {"answer": "an answer with no thread message"})
    assert refused.text == NOT_BLIND_FORM
    assert await services.rounds.answers(rnd.id) == []


async def test_read_answers_shows_nothing_to_another_server(client, services):
    rnd = await open_round(client, blind=True)
    await services.grill.submit_form_answer(SPACE_A, rnd.id, "discord:11", "ann", "ann's hidden answer")
    await services.grill.submit_form_answer(SPACE_A, rnd.id, "discord:21", "eve", "eve answers in A too")
    from_b = await client.click(B, EVE, f"gb:peek:{rnd.id}")  # eve answered in A, but asks from B
    assert from_b.text == ROUND_NOT_HERE and "hidden" not in from_b.text
    for bad in HUGE:
        assert (await client.click(A, BOB, f"gb:peek:{bad}")).text == ROUND_NOT_HERE
    assert "Answer first" in (await client.click(A, BOB, f"gb:peek:{rnd.id}")).text  # another member of A
    assert "ann's hidden answer" in (await client.click(A, ANN, f"gb:peek:{rnd.id}")).text


async def test_read_answers_is_refused_on_a_round_that_is_not_blind(client, services):
    rnd = await open_round(client, blind=False)
    assert (await client.click(A, BOB, f"gb:peek:{rnd.id}")).text == NOT_BLIND_PEEK


# --- drills ------------------------------------------------------------------------------------


OURS = b"""pack: ours
title: Server A's own
questions:
  - id: ours-q1
    type: debugging
    topics: [our-topic]
    difficulty: 2
    prompt: "Why does our loss spike at step 1000?"
    key_points: ["warm-up ends", "learning rate jumps"]
"""
GONE = "That question is no longer in the bank"


async def a_drill(client: Client, user: int = ANN, qid: str = "sample-coding") -> tuple[int, Reply]:
    reply = await client.submit(A, user, f"gb:drillans:{qid}", {"answer": "my drill answer"})
    share = next(c for c in reply.components if c["custom_id"].startswith("gb:share:"))
    return int(share["custom_id"].split(":")[2]), reply


async def test_drill_buttons_refuse_another_servers_questions(client, services):
    await services.library.import_pack(SPACE_A, "discord:11", "ours.yaml", OURS)
    assert GONE in (await client.click(B, EVE, "gb:drill:ours-q1")).text
    assert GONE in (await client.click(B, EVE, "gb:drill:no-such-question")).text
    assert GONE in (await client.click(B, EVE, "gb:drill:NOT A VALID ID!")).text
    assert (await client.click(A, BOB, "gb:drill:ours-q1")).modal["custom_id"] == "gb:drillans:ours-q1"
    drills = await rows(services, "drill_answers")
    assert GONE in (await client.submit(B, EVE, "gb:drillans:ours-q1", {"answer": "crafted"})).text
    assert await rows(services, "drill_answers") == drills
    attempts = await rows(services, "classify_attempts")
    assert GONE in (await client.click(B, EVE, "gb:cls:ours-q1:debugging")).text
    assert await rows(services, "classify_attempts") == attempts
    assert "accuracy" in (await client.click(A, BOB, "gb:cls:ours-q1:debugging")).text.lower()


async def test_score_and_share_refuse_another_members_or_servers_drill(client, services):
    await services.grill.setup(SPACE_A, "10", "09:00", "UTC", "daily")
    drill_id, _ = await a_drill(client, ANN)
    criteria = {c.id: "1" for c in services.bank.criteria_for(services.bank.questions["sample-coding"])}
    attempts, rounds = await rows(services, "drill_attempts"), await rows(services, "rounds")
    for guild, user, ident in [(A, BOB, str(drill_id)), (B, EVE, str(drill_id)), *((A, ANN, bad) for bad in HUGE)]:
        assert (await client.submit(guild, user, f"gb:drillrate:{ident}", criteria)).text == DRILL_NOT_YOURS
        assert (await client.click(guild, user, f"gb:share:{ident}")).text == DRILL_NOT_YOURS
    assert (await rows(services, "drill_attempts"), await rows(services, "rounds")) == (attempts, rounds)
    # The rubric form opens before any database call, for a question the caller's server has; the
    # submit above is where whose drill it is gets checked.
    assert (await client.click(B, EVE, f"gb:drillscore:{drill_id}:sample-coding")).modal is not None
    await services.library.import_pack(SPACE_A, "discord:11", "ours.yaml", OURS)
    assert GONE in (await client.click(B, EVE, f"gb:drillscore:{drill_id}:ours-q1")).text
    assert "Self-score" in (await client.submit(A, ANN, f"gb:drillrate:{drill_id}", criteria)).text
    assert await rows(services, "drill_attempts") == attempts + 1


async def test_a_drill_is_shared_once(client, services):
    await services.grill.setup(SPACE_A, "10", "09:00", "UTC", "daily")
    drill_id, _ = await a_drill(client, ANN)
    assert "Shared for peer votes" in (await client.click(A, ANN, f"gb:share:{drill_id}")).text
    rounds = await rows(services, "rounds")
    assert (await client.click(A, ANN, f"gb:share:{drill_id}")).text == ALREADY_SHARED  # a second press
    assert await rows(services, "rounds") == rounds
