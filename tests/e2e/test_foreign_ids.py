"""Crafted custom ids from another server, through the real bot and the Discord double: each is
refused with a message that reveals nothing, and nothing is stored (row counts before and after)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import LaunchBot, StudyGroup
from tests.e2e.harness import Harness

pytestmark = pytest.mark.e2e

TABLES = ("rounds", "answers", "votes", "drill_answers", "drill_attempts", "drill_cards", "classify_attempts")
ROUND_NOT_HERE = "isn't one of this server's rounds"
NOT_OPEN_HERE = "isn't open on this server"
ANSWER_NOT_HERE = "isn't one you can rate on this server"
DRILL_NOT_YOURS = "isn't one of yours on this server"


def counts(db_path) -> dict[str, int]:
    with sqlite3.connect(db_path) as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


async def text_of(interaction) -> str:
    return (await interaction.reply()).text()


async def test_ids_replayed_from_another_server_are_refused_and_store_nothing(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    alice, bob, general = study_group.admin, study_group.member, study_group.general
    other = await discord.add_guild("Other server")
    elsewhere = await discord.add_text_channel(other, "general")
    eve = await discord.add_member(other, "eve", admin=True)

    await text_of(await alice.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC", blind=True))
    assert "Posted" in await text_of(await alice.slash(general, "grill post"))
    post = await discord.wait_for_message(general, contains="Daily grill")
    round_id = post.component(label="Vote")["custom_id"].split(":")[2]
    opened = await bob.click(post, label="Answer")
    (field,) = [row["component"]["custom_id"] for row in (await opened.modal())["components"]]
    assert "saved" in await text_of(await bob.submit_modal(opened, {field: "bob's hidden answer"}))
    with sqlite3.connect(bot.db_path) as db:
        (answer_id,) = db.execute("SELECT id FROM answers").fetchone()

    drill = await (await bob.slash(general, "drill", type="systems")).reply()
    answering = await bob.click(drill, label="Answer")
    keyed = await (await bob.submit_modal(answering, {field: "bob's drill answer"})).reply()
    drill_id = keyed.component(label="Share for peer votes")["custom_id"].split(":")[2]
    score_id = keyed.component(label="Score yourself")["custom_id"]
    before = counts(bot.db_path)

    form = await eve.replay_modal(elsewhere, f"gb:form:{round_id}", {"answer": "eve's crafted answer"})
    assert ROUND_NOT_HERE in await text_of(form)
    peek = await text_of(await eve.replay_click(elsewhere, f"gb:peek:{round_id}"))
    assert ROUND_NOT_HERE in peek and "hidden answer" not in peek
    assert NOT_OPEN_HERE in await text_of(await eve.replay_click(elsewhere, f"gb:answer:{round_id}"))
    assert ROUND_NOT_HERE in await text_of(await eve.replay_click(elsewhere, f"gb:vote:{round_id}"))
    pick = await eve.replay_click(elsewhere, f"gb:pick:{round_id}", values=[str(answer_id)])
    assert NOT_OPEN_HERE in await text_of(pick)
    rate = await eve.replay_modal(elsewhere, f"gb:rate:{round_id}:{answer_id}", {"setup": "2"})
    assert ANSWER_NOT_HERE in await text_of(rate)
    for junk in ("99999999999999999999", "-1", "abc"):  # too large for SQLite, negative, not a number
        assert ROUND_NOT_HERE in await text_of(await eve.replay_modal(elsewhere, f"gb:form:{junk}", {"answer": "x"}))
    for actor, channel in ((eve, elsewhere), (alice, general)):  # another server, another member
        assert DRILL_NOT_YOURS in await text_of(await actor.replay_click(channel, f"gb:share:{drill_id}"))
        rated = await actor.replay_modal(channel, f"gb:drillrate:{drill_id}", {"correctness": "2"})
        assert DRILL_NOT_YOURS in await text_of(rated)
    assert counts(bot.db_path) == before

    await text_of(await alice.slash(general, "grill close"))  # frees the channel for the shared drill's post
    assert "Shared for peer votes" in await text_of(await bob.click(keyed, label="Share for peer votes"))
    assert "shared once" in await text_of(await bob.click(keyed, label="Share for peer votes"))
    assert counts(bot.db_path)["rounds"] == before["rounds"] + 1
    assert score_id.startswith(f"gb:drillscore:{drill_id}:")
    assert discord.rest.unknown == []


async def test_a_form_answer_into_a_round_that_is_not_blind_is_refused(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    alice, bob, general = study_group.admin, study_group.member, study_group.general
    await text_of(await alice.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC"))
    assert "Posted" in await text_of(await alice.slash(general, "grill post"))
    post = await discord.wait_for_message(general, contains="Daily grill")
    round_id = post.component(label="Vote")["custom_id"].split(":")[2]
    before = counts(bot.db_path)
    form = await bob.replay_modal(general, f"gb:form:{round_id}", {"answer": "an answer with no thread message"})
    assert "isn't blind: answers go in its thread" in await text_of(form)
    assert "isn't blind" in await text_of(await bob.replay_click(general, f"gb:peek:{round_id}"))
    assert counts(bot.db_path) == before
