"""The daily grill end to end: the real bot process, discord.py's own client, the local Discord double."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import LaunchBot, StudyGroup
from tests.e2e.fake_models import Channel, Message, snowflake_time
from tests.e2e.harness import Actor, Harness

pytestmark = pytest.mark.e2e

ACK = "✅"


async def text_of(interaction) -> str:
    return (await interaction.reply()).text()


async def set_up_and_post(group: StudyGroup) -> None:
    admin, general = group.admin, group.general
    assert "Daily grill set" in await text_of(
        await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC")
    )
    assert "Posted" in await text_of(await admin.slash(general, "grill post"))


async def the_round(discord: Harness, group: StudyGroup) -> tuple[Message, Channel]:
    post = await discord.wait_for_message(group.general, contains="Daily grill")
    return post, await discord.wait_for_thread(post)


async def answer(discord: Harness, actor: Actor, thread: Channel, text: str) -> Message:
    """Post an answer and wait for the bot's ✅, the sign it was recorded."""
    message = await actor.post(thread, text)
    await discord.wait_until(lambda: message.reactions.get(ACK), what=f"{actor.name}'s answer to be acknowledged")
    return message


def scores(modal: dict, value: int) -> dict[str, str]:
    return {row["component"]["custom_id"]: str(value) for row in modal["components"]}


async def rate_with_vote_button(voter: Actor, post: Message, author: str, value: int) -> str:
    picker = await (await voter.click(post, label="Vote")).reply()
    option = next(o for o in picker.component()["options"] if o["label"] == author)
    form = await voter.select(picker, [option["value"]])
    modal = await form.modal()
    assert len(modal["components"]) == len(scores(modal, value)) >= 3  # one 0/1/2 choice per criterion
    return await text_of(await voter.submit_modal(form, scores(modal, value)))


async def rate_with_menu(voter: Actor, message: Message, value: int) -> str:
    opened = await voter.message_command(message, "Rate answer")
    callback = await opened.response()
    if callback.type != 9:  # refused before any form: self-vote, closed round
        return await text_of(opened)
    return await text_of(await voter.submit_modal(opened, scores(await opened.modal(), value)))


def no_slow_or_unknown(discord: Harness) -> None:
    assert discord.slow_interactions(2.5) == [], "an interaction was acknowledged after 2.5 s"
    assert discord.rest.unknown == [], "the bot called a route the double does not know"


async def test_setup_explains_each_mistake(discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot) -> None:
    await launch_bot()
    admin, member, general = study_group.admin, study_group.member, study_group.general
    bad_time = await admin.slash(general, "grill setup", channel=general, time="9am", timezone="UTC")
    assert "HH:MM" in await text_of(bad_time)
    bad_zone = await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="Paris")
    assert "did you mean Europe/Paris" in await text_of(bad_zone)
    bad_days = await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC", days="sundy")
    assert "not a weekday" in await text_of(bad_days)
    zones = await (await admin.autocomplete(general, "grill setup", "timezone", "new_y")).choices()
    assert {"name": "America/New_York", "value": "America/New_York"} in zones
    await discord.set_bot_permissions(general, deny=["create_public_threads"])
    refused = await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC")
    assert "Create Public Threads" in await text_of(refused)
    with pytest.raises(PermissionError):  # Manage Server is the command's default permission
        await member.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC")
    assert "not set up" in await text_of(await admin.slash(general, "grill post"))
    no_slow_or_unknown(discord)


async def test_a_daily_round_from_post_to_leaderboard(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    guild, alice, bob, general = study_group.guild, study_group.admin, study_group.member, study_group.general
    carol = await discord.add_member(guild, "carol")
    await set_up_and_post(study_group)
    post, thread = await the_round(discord, study_group)
    assert "<t:" in post.text()  # the countdown to close

    bob_answer = await answer(discord, bob, thread, "Bob: the bottleneck is memory bandwidth")
    carol_answer = await answer(discord, carol, thread, "Carol: first draft")
    alice_answer = await answer(discord, alice, thread, "Alice: compute bound at large batch")
    await carol.edit(carol_answer, "Carol: edited, with numbers")
    discussion = await bob.post(thread, "Bob: and a follow-up thought")  # discussion, not a second answer

    assert "recorded" in await rate_with_vote_button(alice, post, "bob", 2)
    assert "updated" in await rate_with_vote_button(alice, post, "bob", 2)  # a re-vote replaces
    assert "recorded" in await rate_with_menu(bob, carol_answer, 1)
    assert "recorded" in await rate_with_menu(carol, alice_answer, 0)
    assert "recorded" in await rate_with_menu(carol, bob_answer, 2)
    assert "can't rate your own" in await rate_with_menu(bob, bob_answer, 2)
    assert "isn't an answer" in await rate_with_menu(alice, discussion, 2)

    export = await (await carol.slash(general, "me export")).reply()
    assert export.attachments, export.text()
    mine = json.loads(export.attachments[0].data)
    assert [a["body"] for a in mine["answers"]] == ["Carol: edited, with numbers"]

    stale_picker = await (await carol.click(post, label="Vote")).reply()  # opened before close, used after
    assert "Closed" in await text_of(await alice.slash(general, "grill close"))
    results = await discord.wait_for_message(thread, contains="Results")
    ranked = results.text()
    assert ranked.index("bob") < ranked.index("carol") < ranked.index("alice")
    assert "2 votes" in ranked  # bob: alice's (replaced) and carol's
    await discord.wait_for_message(thread, contains="Key points")
    await discord.wait_until(lambda: thread.locked and thread.archived, what="the thread to be locked and archived")
    await discord.wait_until(lambda: post.component(label="Closed: results in the thread"), what="retired buttons")

    late = await carol.select(stale_picker, [stale_picker.component()["options"][0]["value"]])
    assert "closed" in await text_of(late)
    assert "closed" in await rate_with_menu(carol, bob_answer, 2)

    board = await text_of(await bob.slash(general, "leaderboard", period="week"))
    assert "bob" in board and "carol" in board and "alice" in board
    no_slow_or_unknown(discord)


async def test_old_buttons_work_after_a_crash_and_no_second_post(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    alice, bob, general = study_group.admin, study_group.member, study_group.general
    await set_up_and_post(study_group)
    post, thread = await the_round(discord, study_group)
    await answer(discord, bob, thread, "an answer before the crash")

    await bot.kill()  # kill -9: no clean shutdown
    await bot.start()

    assert "recorded" in await rate_with_vote_button(alice, post, "bob", 2)
    assert "already posted" in await text_of(await alice.slash(general, "grill post"))
    posts = [m for m in discord.messages(general, by_bot=True) if "Daily grill" in m.text()]
    assert len(posts) == 1
    no_slow_or_unknown(discord)


async def test_answers_sent_during_an_unresumable_outage_are_read_back(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    guild, alice, bob = study_group.guild, study_group.admin, study_group.member
    carol, dave, erin = [await discord.add_member(guild, name) for name in ("carol", "dave", "erin")]
    await set_up_and_post(study_group)
    post, thread = await the_round(discord, study_group)
    daves = await answer(discord, dave, thread, "dave: first version")
    erins = await answer(discord, erin, thread, "erin: soon deleted")

    await discord.drop_connection(resumable=False)
    await bob.post(thread, "bob answered while the bot was away")
    await carol.post(thread, "carol too")
    await dave.edit(daves, "dave: improved while the bot was away")
    await erin.delete(erins)
    await discord.wait_connected()
    # bob's and carol's messages come from history; dave's edit and erin's deletion from re-reading known answers
    await bot.wait_for_log(r"read 2 message\(s\) posted while away", within=20.0)

    assert "recorded" in await rate_with_vote_button(alice, post, "carol", 1)
    export = await (await dave.slash(study_group.general, "me export")).reply()
    assert [a["body"] for a in json.loads(export.attachments[0].data)["answers"]] == [
        "dave: improved while the bot was away"
    ]
    await alice.slash(study_group.general, "grill close")
    results = (await discord.wait_for_message(thread, contains="Results")).text()
    assert "bob" in results and "carol" in results and "dave" in results and "erin" not in results
    no_slow_or_unknown(discord)


async def test_a_post_completes_through_injected_429s(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    admin, general = study_group.admin, study_group.general
    assert "Daily grill set" in await text_of(
        await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC")
    )
    discord.rest.rate_limit("POST /channels/{channel_id}/messages", times=2, retry_after=0.3)
    discord.rest.rate_limit("POST /channels/{channel_id}/messages/{message_id}/threads", retry_after=0.3)
    discord.rest.rate_limit(times=1, retry_after=0.3)  # and one global limit
    assert "Posted" in await text_of(await admin.slash(general, "grill post"))
    post, _ = await the_round(discord, study_group)
    statuses = [c.status for c in discord.rest.calls("POST /channels/{channel_id}/messages")]
    assert statuses.count(429) >= 2 and statuses[-1] == 200
    assert [c.status for c in discord.rest.calls("POST /channels/{channel_id}/messages/{message_id}/threads")] == [
        429,
        200,
    ]
    posts = [m for m in discord.messages(general, by_bot=True) if "Daily grill" in m.text()]
    assert posts == [post]
    no_slow_or_unknown(discord)


async def test_a_missed_post_is_made_once_at_start(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    admin, general = study_group.admin, study_group.general
    earlier = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%H:%M")
    if earlier > datetime.now(UTC).strftime("%H:%M"):
        pytest.skip("too close to midnight UTC for a same-day slot in the past")
    await text_of(await admin.slash(general, "grill setup", channel=general, time=earlier, timezone="UTC"))
    await bot.stop()
    await bot.start()
    await discord.wait_for_message(general, contains="Daily grill", within=10.0)
    await bot.restart()
    await bot.wait_for_log("slash commands unchanged")
    posts = [m for m in discord.messages(general, by_bot=True) if "Daily grill" in m.text()]
    assert len(posts) == 1
    assert len(discord.state.command_syncs) == 1  # definitions unchanged: synced once, not per start
    no_slow_or_unknown(discord)


async def test_a_drill_with_form_self_score_and_share(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    admin, bob, general = study_group.admin, study_group.member, study_group.general
    await text_of(await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC"))

    drill = await (await bob.slash(general, "drill", type="systems")).reply()
    assert drill.ephemeral and "Drill · Systems" in drill.text()
    opened = await bob.click(drill, label="Answer")
    form = await opened.modal()
    (field,) = [row["component"]["custom_id"] for row in form["components"]]
    keyed = await (await bob.submit_modal(opened, {field: "Bandwidth-bound: weights read once per token."})).reply()
    assert "Key points" in keyed.text() and "Bandwidth-bound" in keyed.text()

    await bot.kill()  # the answer waits in Bob's ephemeral message, not in the bot's memory
    await bot.start()
    scoring = await bob.click(keyed, label="Score yourself")
    done = await text_of(await bob.submit_modal(scoring, scores(await scoring.modal(), 1)))
    assert "Self-score 5/10" in done and "comes back" in done

    shared = await text_of(await bob.click(keyed, label="Share for peer votes"))
    assert "Shared for peer votes" in shared
    await discord.wait_for_message(general, contains="Shared drill")

    empty = await bob.click(drill, label="Answer")
    await empty.modal()
    refused = await text_of(await bob.submit_modal(empty, {field: "   "}))
    assert "empty" in refused

    stats = await (await bob.slash(general, "stats")).reply()
    assert stats.attachments and stats.attachments[0].data.startswith(b"\x89PNG")
    no_slow_or_unknown(discord)


@pytest.mark.e2e_timeout(100)
async def test_the_question_is_posted_at_the_local_time(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    """The real scheduler path: a cron job in the guild's zone fires at the next local minute."""
    await launch_bot()
    admin, general = study_group.admin, study_group.general
    zone = ZoneInfo("America/New_York")
    now = datetime.now(zone)
    slot = (now + timedelta(minutes=1 if now.second < 50 else 2)).replace(second=0, microsecond=0)
    setup = await admin.slash(
        general, "grill setup", channel=general, time=f"{slot:%H:%M}", timezone="America/New_York", days="daily"
    )
    assert f"{slot:%H:%M} America/New_York" in await text_of(setup)
    post = await discord.wait_for_message(general, contains="Daily grill", within=90.0)
    posted_at = datetime.fromtimestamp(snowflake_time(post.id), UTC)
    assert abs((posted_at - slot).total_seconds()) < 15
    await discord.wait_for_thread(post)
    no_slow_or_unknown(discord)


async def test_classify_framework_and_drill_filters(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    bob, general = study_group.member, study_group.general
    framework = await (await bob.slash(general, "framework", type="systems")).reply()
    assert "Names the binding bottleneck" in framework.text() and framework.ephemeral

    unknown = await text_of(await bob.slash(general, "drill", topic="kv cash"))
    assert "No question has the topic 'kv-cash'" in unknown and "kv-cache" in unknown
    topics = await (await bob.autocomplete(general, "drill", "topic", "kv")).choices()
    assert topics and all("kv" in c["value"] for c in topics) and len(topics) <= 25

    first = await (await bob.slash(general, "classify")).reply()
    verdict = await text_of(await bob.click(first, label="Systems"))
    assert verdict.startswith(("✅", "❌")) and "accuracy: " in verdict.lower()
    second = await (await bob.slash(general, "classify")).reply()
    assert second.text() != first.text()  # an unseen question comes next
    assert "/1" in verdict and "/2" in await text_of(await bob.click(second, label="Coding"))


async def test_an_admin_imports_a_pack_for_this_server(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    admin, bob, general = study_group.admin, study_group.member, study_group.general
    broken = discord.state.upload(
        "ours.yaml", b"pack: ours\ntitle: Ours\nquestions:\n  - id: ours-1\n    type: systm\n"
    )
    refused = await text_of(await admin.slash(general, "grill import", pack=broken))
    assert "ours.yaml:5: unknown question type 'systm' (did you mean 'systems'?" in refused
    assert "missing required key 'prompt'" in refused

    good = discord.state.upload(
        "ours.yaml",
        b"pack: ours\ntitle: Our own\nquestions:\n  - id: ours-1\n    type: systems\n    topics: [our-infra]\n"
        b"    difficulty: 2\n    prompt: 'Why is our GPU cluster idle at night?'\n"
        b"    key_points: ['batch jobs', 'scheduler limits']\n",
    )
    imported = await text_of(await admin.slash(general, "grill import", pack=good))
    assert "Imported pack **Our own** (`ours`): 1 question (1 systems)" in imported
    with pytest.raises(PermissionError):
        await bob.slash(general, "grill import", pack=good)

    await bot.restart()  # the pack is stored, not only in memory
    drill = await (await bob.slash(general, "drill", topic="our-infra")).reply()
    assert "Why is our GPU cluster idle at night?" in drill.text()


@pytest.mark.e2e_timeout(110)
async def test_a_blind_round_hides_answers_until_the_window_ends(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    guild, alice, bob, general = study_group.guild, study_group.admin, study_group.member, study_group.general
    carol = await discord.add_member(guild, "carol")
    setup = await alice.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC", blind=True)
    assert "Blind mode" in await text_of(setup)
    assert "Applies" in await text_of(await alice.slash(general, "grill timing", answer_minutes=1))
    await alice.slash(general, "grill post")
    post, thread = await the_round(discord, study_group)
    assert "Blind round" in post.text()

    async def answer_by_form(actor: Actor, text: str) -> str:
        opened = await actor.click(post, label="Answer")
        form = await opened.modal()
        (field,) = [row["component"]["custom_id"] for row in form["components"]]
        return await text_of(await actor.submit_modal(opened, {field: text}))

    assert "hidden until answers close" in await answer_by_form(bob, "bob's hidden answer")
    assert "Answer first" in await text_of(await carol.click(post, label="Read answers"))
    assert "saved" in await answer_by_form(carol, "carol's hidden answer")
    peek = await (await carol.click(post, label="Read answers")).reply()
    assert "bob's hidden answer" in peek.text() and peek.ephemeral
    assert "revealed" in await text_of(await alice.click(post, label="Vote"))  # no votes while hidden
    assert not [m for m in discord.messages(thread, by_bot=True) if "hidden answer" in m.text()]

    revealed = await discord.wait_for_message(thread, contains="bob's hidden answer", within=90.0)
    assert "recorded" in await rate_with_menu(carol, revealed, 2)
    assert "recorded" in await rate_with_vote_button(alice, post, "carol", 1)


async def test_a_kicked_bot_pauses_that_servers_grill(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    admin, general = study_group.admin, study_group.general
    await text_of(await admin.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC"))
    await discord.remove_bot(study_group.guild)
    await bot.wait_for_log(r"its daily grill is paused")
    await bot.restart()  # the pause is in the database: no catch-up post, no daily job for that server
    assert not [m for m in discord.messages(general, by_bot=True) if "Daily grill" in m.text()]
    with sqlite3.connect(bot.db_path) as db:
        assert db.execute("SELECT paused FROM spaces").fetchall() == [(1,)]
