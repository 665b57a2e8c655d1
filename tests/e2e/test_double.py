"""The Discord double, proven with discord.py itself: a minimal bot process, and discord.py's HTTP client."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from discord import File
from discord.errors import Forbidden, HTTPException, LoginFailure, NotFound
from discord.http import HTTPClient, MultipartParameters, Route, handle_message_parameters

from tests.e2e.conftest import LaunchBot, StudyGroup
from tests.e2e.fake_models import CallbackType, InteractionType
from tests.e2e.harness import Harness
from tests.e2e.process import MINIMAL_BOT_ARGV

pytestmark = pytest.mark.e2e
POST_MESSAGE = "POST /channels/{channel_id}/messages"


def text(content: str) -> MultipartParameters:
    return handle_message_parameters(content=content)


# -- the minimal bot, as a process ----------------------------------------------------------------


async def test_login_ready_and_command_sync(discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot) -> None:
    bot = await launch_bot(MINIMAL_BOT_ARGV, env={"GRILLBOT_DEV_GUILD": str(study_group.guild.id)})

    await bot.wait_for_log("MINIBOT READY in 1 guild")
    assert discord.gateway.counts["identify"] == 1
    assert [r.route for r in discord.rest.requests[:2]] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    assert {c["name"] for c in discord.state.commands[None]} == {"ask", "post", "zone", "secret", "Quote"}
    assert discord.state.command_syncs == [None, study_group.guild.id]
    assert discord.rest.unknown == []


async def test_slash_command_modal_and_submit(discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot) -> None:
    await launch_bot(MINIMAL_BOT_ARGV)
    bob, general = study_group.member, study_group.general
    discord.rest.rate_limit("POST /interactions/{interaction_id}/{token}/callback", retry_after=0.2)

    ask = await bob.slash(general, "ask")
    modal = await ask.modal()
    assert (modal["custom_id"], [c["type"] for c in modal["components"]]) == ("mini:answer-form", [18, 18])
    with pytest.raises(ValueError, match="radio group 'score'"):
        await bob.submit_modal(ask, {"answer": "attention", "score": "7"})
    submit = await bob.submit_modal(ask, {"answer": "attention is all you need", "score": "2"})

    reply = await submit.reply()
    assert reply.content == "answer=attention is all you need score=2"
    assert reply.ephemeral and reply not in discord.messages(general)
    callbacks = discord.rest.calls("POST /interactions/{interaction_id}/{token}/callback")
    assert [r.status for r in callbacks] == [429, 200, 200]  # the injected 429 was retried
    assert discord.slow_interactions(2.5) == []


async def test_post_thread_buttons_selects_and_member_messages(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot(MINIMAL_BOT_ARGV)
    alice, bob, general = study_group.admin, study_group.member, study_group.general

    post = await alice.slash(general, "post", channel=general)
    assert (await post.response()).type == CallbackType.DEFERRED  # a thinking defer...
    reply = await post.reply()  # ...that the first followup replaces
    assert reply.content.startswith("posted") and reply.ephemeral
    round_message = await discord.wait_for_message(general, contains="Round 1")
    thread = await discord.wait_for_thread(round_message)
    assert (thread.id, thread.parent_id) == (round_message.id, general.id)

    answer = await bob.post(thread, "my answer")
    await discord.wait_for_message(thread, contains="echo: my answer")
    await bob.edit(answer, "my better answer")
    await discord.wait_for_message(thread, contains="edited: my better answer")
    await bob.delete(answer)
    await discord.wait_for_message(thread, contains=f"deleted: {answer.id}")

    click = await bob.click(round_message, label="Answer")
    assert (await click.modal())["title"] == "Answer"
    pick = await bob.select(round_message, ["b"], custom_id="mini:pick")
    assert (await pick.response()).type == CallbackType.UPDATE
    await discord.wait_until(lambda: round_message.content == "picked b", what="the select to update the message")
    close = await alice.click(round_message, custom_id="mini:close")
    assert (await close.response()).type == CallbackType.DEFERRED_UPDATE
    await discord.wait_until(lambda: round_message.components == [], what="@original edited without the view")
    assert round_message.content == "closed"
    assert discord.slow_interactions() == [] and discord.rest.unknown == []


async def test_autocomplete_context_menu_and_hidden_command(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot(MINIMAL_BOT_ARGV)
    alice, bob, general = study_group.admin, study_group.member, study_group.general

    typing = await bob.autocomplete(general, "zone", focused="timezone", value="zone/1")
    assert [c["value"] for c in await typing.choices()] == [f"Zone/1{n}" for n in range(10)]
    assert len(await (await bob.autocomplete(general, "zone", focused="timezone", value="")).choices()) == 25

    line = await bob.post(general, "a quotable line")
    quote = await alice.message_command(line, "Quote")
    reply = await quote.reply()
    assert (reply.content, reply.type, reply.ephemeral) == ("quote: a quotable line", 23, False)
    assert reply in discord.messages(general, by_bot=True)

    with pytest.raises(PermissionError, match="hides 'secret' from bob"):
        await bob.slash(general, "secret")
    assert (await (await alice.slash(general, "secret")).reply()).content == "secret ok"


async def test_missing_permissions_are_403_50013(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    await launch_bot(MINIMAL_BOT_ARGV)
    alice, general = study_group.admin, study_group.general
    no_threads = await discord.add_text_channel(study_group.guild, "no-threads")
    await discord.set_bot_permissions(no_threads, deny=["create_public_threads"])
    await discord.set_bot_permissions(general, deny=["send_messages"])

    assert (await (await alice.slash(general, "post", channel=general)).reply()).content == "failed: 403 50013"
    assert (await (await alice.slash(general, "post", channel=no_threads)).reply()).content == "failed: 403 50013"
    assert [m.content for m in discord.messages(no_threads)] == ["Round 1"]
    assert discord.messages(general) == []


async def test_rate_limits_are_retried(discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot) -> None:
    bot = await launch_bot(MINIMAL_BOT_ARGV)
    bob, general = study_group.member, study_group.general

    discord.rest.rate_limit(POST_MESSAGE, retry_after=0.4)
    await bob.post(general, "one")
    await discord.wait_for_message(general, contains="echo: one")
    limited, retried = discord.rest.calls(POST_MESSAGE)
    assert (limited.status, retried.status) == (429, 200) and retried.at - limited.at >= 0.4

    discord.rest.rate_limit(retry_after=0.4)  # global
    await bob.post(general, "two")
    await discord.wait_for_message(general, contains="echo: two")
    assert [r.status for r in discord.rest.calls(POST_MESSAGE)] == [429, 200, 429, 200]
    await bot.wait_for_log("Global rate limit has been hit")


async def test_resumable_drop_replays_missed_events(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot(MINIMAL_BOT_ARGV)
    bob, general = study_group.member, study_group.general
    await bob.post(general, "before")
    echo = await discord.wait_for_message(general, contains="echo: before")

    await discord.drop_connection(resumable=True)
    await bob.post(general, "while away")
    await discord.wait_connected()

    assert (await discord.wait_for_message(general, contains="echo:", after=echo)).content == "echo: while away"
    counts = discord.gateway.counts
    assert (counts["identify"], counts["resumed"], counts["invalid_session"]) == (1, 1, 0)
    assert counts["replayed"] >= 1
    await bot.wait_for_log("successfully RESUMED")


async def test_non_resumable_drop_reidentifies_and_backfills_through_rest(
    discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot(MINIMAL_BOT_ARGV)
    bob, general = study_group.member, study_group.general
    before = await bob.post(general, "before")
    await discord.wait_for_message(general, contains="echo: before")

    await discord.drop_connection(resumable=False)
    missed = await bob.post(general, "while away")
    await discord.wait_connected()  # RESUME -> INVALID_SESSION -> 5 s -> IDENTIFY -> READY

    await discord.wait_for_message(general, contains="echo: while away", within=10)
    counts = discord.gateway.counts
    assert (counts["identify"], counts["invalid_session"], counts["replayed"]) == (2, 1, 0)
    history = discord.rest.calls("GET /channels/{channel_id}/messages")
    assert history and history[0].query["after"] == str(before.id)
    delivered = [f.payload["d"].get("id") for s in discord.gateway.sessions.values() for f in s.frames]
    assert str(missed.id) not in delivered
    await bot.wait_for_log("MINIBOT READY", count=2)


async def test_kill_restart_and_graceful_stop(discord: Harness, study_group: StudyGroup, launch_bot: LaunchBot) -> None:
    bot = await launch_bot(MINIMAL_BOT_ARGV)
    bob, general = study_group.member, study_group.general

    assert await bot.kill() == -9
    await bot.start()
    assert discord.gateway.counts["identify"] == 2 and len(discord.gateway.sessions) == 1
    assert (await (await bob.slash(general, "ask")).modal())["title"] == "Answer"
    await bot.restart()  # graceful
    assert discord.gateway.counts["identify"] == 3

    assert await bot.stop() == 0  # SIGTERM -> client.close()
    assert not discord.gateway.connected


# -- the REST API through discord.py's HTTP client, no bot process --------------------------------


@pytest.fixture
async def http(discord: Harness, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[HTTPClient]:
    monkeypatch.setattr(Route, "BASE", discord.fake.api_base)
    client = HTTPClient(asyncio.get_running_loop())
    await client.static_login(discord.fake.token)
    yield client
    await client.close()


async def test_threads_archive_lock_and_their_errors(
    discord: Harness, study_group: StudyGroup, http: HTTPClient
) -> None:
    general = study_group.general
    sent = await http.send_message(general.id, params=text("round"))
    thread = await http.start_thread_with_message(general.id, sent["id"], name="answers", auto_archive_duration=60)
    assert thread["id"] == sent["id"] and thread["thread_metadata"]["auto_archive_duration"] == 60
    with pytest.raises(HTTPException) as again:
        await http.start_thread_with_message(general.id, sent["id"], name="answers", auto_archive_duration=60)
    assert (again.value.status, again.value.code) == (400, 160004)

    reply = await http.send_message(thread["id"], params=text("reply"))
    await http.edit_channel(thread["id"], archived=True)
    await http.send_message(thread["id"], params=text("reopens"))
    assert discord.state.channels[int(thread["id"])].archived is False

    await http.edit_channel(thread["id"], locked=True, archived=True)
    with pytest.raises(Forbidden) as locked:
        await http.send_message(thread["id"], params=text("too late"))
    with pytest.raises(HTTPException) as archived:
        await http.edit_message(thread["id"], reply["id"], params=text("edited"))
    with pytest.raises(HTTPException) as relock:
        await http.edit_channel(thread["id"], locked=False)
    assert (locked.value.code, archived.value.code, relock.value.code) == (160005, 50083, 50083)


async def test_history_uploads_snowflakes_and_unknown_routes(
    discord: Harness, study_group: StudyGroup, http: HTTPClient
) -> None:
    general = study_group.general
    ids = [int((await http.send_message(general.id, params=text(f"m{i}")))["id"]) for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5

    async def contents(**query: int) -> list[str]:
        return [m["content"] for m in await http.logs_from(general.id, 2, **query)]

    assert await contents() == ["m4", "m3"]
    assert await contents(before=ids[2]) == ["m1", "m0"]
    assert await contents(after=ids[1]) == ["m3", "m2"]

    chart = handle_message_parameters(content="chart", file=File(io.BytesIO(b"\x89PNG fake"), "chart.png"))
    sent = await http.send_message(general.id, params=chart)
    assert sent["attachments"][0]["filename"] == "chart.png"
    assert discord.rest.calls(POST_MESSAGE)[-1].files[0].data == b"\x89PNG fake"
    assert discord.messages(general)[-1].attachments[0].data == b"\x89PNG fake"
    await http.add_reaction(general.id, sent["id"], "✅")
    fetched = await http.get_message(general.id, sent["id"])
    assert [(r["emoji"]["name"], r["count"], r["me"]) for r in fetched["reactions"]] == [("✅", 1, True)]

    with pytest.raises(NotFound):
        await http.request(Route("GET", "/channels/{channel_id}/pins", channel_id=general.id))
    assert [r.path for r in discord.rest.unknown] == [f"/channels/{general.id}/pins"]

    stranger = HTTPClient(asyncio.get_running_loop())
    with pytest.raises(LoginFailure):
        await stranger.static_login("not-the-token")
    await stranger.close()


async def test_interaction_acknowledgement_rules(discord: Harness, study_group: StudyGroup) -> None:
    state, general = discord.state, study_group.general
    command = InteractionType.APPLICATION_COMMAND
    on_time = state.new_interaction(command, study_group.member.member, general, {"id": "1", "name": "x", "type": 1})
    late = state.new_interaction(command, study_group.member.member, general, {"id": "1", "name": "x", "type": 1})
    on_time.sent_at, late.sent_at = time.monotonic(), time.monotonic() - 3.5
    api = discord.fake.api_base

    async with aiohttp.ClientSession() as session:

        async def post(path: str, body: dict[str, object]) -> tuple[int, int | None]:
            async with session.post(api + path, json=body) as response:
                data = await response.json()
                return response.status, (data or {}).get("code")

        followup = f"/webhooks/{state.application_id}/{on_time.token}?wait=1"
        assert await post(followup, {"content": "too early"}) == (404, 10015)
        callback = f"/interactions/{on_time.id}/{on_time.token}/callback"
        assert (await post(callback, {"type": 4, "data": {"content": "x" * 2001}}))[1] == 50035
        assert (await post(callback, {"type": 4, "data": {"content": "hi"}}))[0] == 200
        assert await post(callback, {"type": 4, "data": {"content": "again"}}) == (400, 40060)
        assert await post(f"/interactions/{late.id}/{late.token}/callback", {"type": 5}) == (404, 10062)
        assert (await post(followup, {"content": "later"}))[0] == 200

    assert [m.content for m in discord.messages(general)] == ["hi", "later"]
    assert on_time.original is not None and on_time.original.type == 20


async def test_each_shard_session_gets_only_its_guilds_events(discord: Harness) -> None:
    on_zero = await discord.add_guild("zero", shard=(0, 2))
    on_one = await discord.add_guild("one", shard=(1, 2))
    assert [(g.id >> 22) % 2 for g in (on_zero, on_one)] == [0, 1]
    general = await discord.add_text_channel(on_zero, "general")
    intents = (1 << 0) | (1 << 9) | (1 << 15)  # GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT

    async def events(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[tuple[str, dict]]:
        seen = []
        while len(seen) < count:
            frame = await asyncio.wait_for(ws.receive_json(), 5)
            if frame["op"] == 0:
                seen.append((frame["t"], frame["d"]))
        return seen

    async with aiohttp.ClientSession() as http:
        shards = []
        for shard_id in (0, 1):
            ws = await http.ws_connect(discord.fake.gateway_url)
            assert (await ws.receive_json())["op"] == 10
            identify = {"token": discord.fake.token, "intents": intents, "properties": {}, "shard": [shard_id, 2]}
            await ws.send_json({"op": 2, "d": identify})
            (ready, data), (created, guild) = await events(ws, 2)
            assert (ready, data["shard"], [g["id"] for g in data["guilds"]]) == (
                "READY",
                [shard_id, 2],
                [str((on_zero, on_one)[shard_id].id)],
            )
            assert (created, guild["id"]) == ("GUILD_CREATE", str((on_zero, on_one)[shard_id].id))
            shards.append(ws)

        late = await discord.add_guild("late", shard=(1, 2))
        member = await discord.add_member(on_zero, "bob")
        await member.post(general, "hello shard 0")
        assert [(t, d.get("id")) for t, d in await events(shards[1], 1)] == [("GUILD_CREATE", str(late.id))]
        [(event, message)] = await events(shards[0], 1)  # not the late guild's GUILD_CREATE first
        assert (event, message["content"], message["guild_id"]) == ("MESSAGE_CREATE", "hello shard 0", str(on_zero.id))
        for ws in shards:
            await ws.close()
