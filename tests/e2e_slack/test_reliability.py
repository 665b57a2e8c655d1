"""Slack's failure modes with the real bot: kill -9 mid-round, a socket outage read back from history,
injected 429s, a redelivered event, a refresh of the socket."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.e2e_slack.conftest import LaunchBot, Workspace, needs_adapter
from tests.e2e_slack.flow import PINGY, answer, answers_in_db, said, set_up, set_up_and_post, the_post, vote_with_button
from tests.e2e_slack.harness import Harness

pytestmark = [pytest.mark.e2e, needs_adapter]


def round_posts(slack: Harness, workspace: Workspace) -> list[str]:
    return [
        m.ts
        for m in slack.messages(workspace.grill, by_bot=True)
        if (m.metadata or {}).get("event_type") == "grill_round"
    ]


async def test_old_buttons_work_after_kill_9_and_no_second_post(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    alice, bob = workspace.admin, workspace.member
    post = await set_up_and_post(slack, workspace)
    await answer(slack, bob, post, "an answer before the crash")

    await bot.kill()  # no clean shutdown: the socket just dies
    await bot.start()

    assert "is recorded" in await vote_with_button(slack, alice, post, "bob", 2)
    assert "already posted" in await said(await alice.runs("/grill post"))
    assert round_posts(slack, workspace) == [post.ts]


async def test_answers_sent_during_an_outage_are_read_back_from_the_thread(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    alice, bob, grill = workspace.admin, workspace.member, workspace.grill
    carol, dave, erin = (slack.add_user(name, channels=[grill]) for name in ("carol", "dave", "erin"))
    post = await set_up_and_post(slack, workspace)
    daves = await answer(slack, dave, post, "dave: first version")
    erins = await answer(slack, erin, post, "erin: soon deleted")

    await slack.outage()  # the socket drops and cannot reconnect for now: Slack replays nothing
    await bob.posts_in_thread(post, f"bob answered while the bot was away {PINGY}")
    await carol.posts_in_thread(post, "carol too")
    await dave.edits(daves, "dave: improved while the bot was away")
    await erin.deletes(erins)
    assert all(e.sent_at is None for e in slack.socket.envelopes[-4:])  # nobody was connected to get them
    replies_before = len(slack.api.calls("conversations.replies"))
    await slack.end_outage(within=20.0)
    read_back = {bob.id: f"bob answered while the bot was away {PINGY}", carol.id: "carol too"}
    read_back[dave.id] = "dave: improved while the bot was away"
    await slack.wait_until(lambda: answers_in_db(bot.db_path) == read_back, within=10.0, what="the read-back")
    assert len(slack.api.calls("conversations.replies", ok=True)) > replies_before

    assert "is recorded" in await vote_with_button(slack, alice, post, "carol", 1)
    await dave.runs("/me export")
    dm = slack.state.dm(dave.id)
    export = await slack.wait_until(lambda: next((f for f in slack.state.files.values() if f.channel == dm.id), None))
    assert [a["body"] for a in json.loads(export.data or b"{}")["answers"]] == ["dave: improved while the bot was away"]
    await alice.runs("/grill close")
    results = (await slack.wait_for_message(grill, thread=post, contains="Results")).text_all()
    assert "bob" in results and "carol" in results and "dave" in results and "erin" not in results


async def test_a_post_completes_through_injected_429s(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    slack.api.fail("chat.postMessage", 429, times=2, retry_after=0)
    slack.api.fail("conversations.info", 429, times=1, retry_after=0)
    assert "Daily grill set" in await set_up(workspace)
    await workspace.admin.runs("/grill post")
    post = await the_post(slack, workspace)
    assert [c.status for c in slack.api.calls("conversations.info")] == [429, 200]
    statuses = [c.status for c in slack.api.calls("chat.postMessage")]
    assert statuses[:3] == [429, 429, 200]
    assert round_posts(slack, workspace) == [post.ts]
    slack.api.fail("reactions.add", 429, times=1, retry_after=0)
    await answer(slack, workspace.member, post, "answered through a limited ✅")
    assert [c.status for c in slack.api.calls("reactions.add")] == [429, 200]


async def test_a_redelivered_event_is_counted_once(slack: Harness, workspace: Workspace, launch_bot: LaunchBot) -> None:
    bot = await launch_bot()
    bob = workspace.member
    post = await set_up_and_post(slack, workspace)
    bobs = await answer(slack, bob, post, "bob: v1")
    (first,) = slack.socket.events(lambda e: e.get("ts") == bobs.ts and "subtype" not in e)
    await bob.edits(bobs, "bob: v2")
    await slack.wait_until(lambda: answers_in_db(bot.db_path).get(bob.id) == "bob: v2", what="the first edit")
    (edit,) = slack.socket.events(lambda e: e.get("subtype") == "message_changed")
    await bob.edits(bobs, "bob: v3")
    await slack.wait_until(lambda: answers_in_db(bot.db_path).get(bob.id) == "bob: v3", what="the second edit")

    # Slack thought these deliveries failed: the same events (same event_id) again, retry_attempt 1.
    again = [await slack.socket.redeliver(first), await slack.socket.redeliver(edit)]
    assert [e.frame()["retry_attempt"] for e in again] == [1, 1]
    # A barrier: a later answer's ✅ comes after the bot handled the redeliveries (one event loop, FIFO).
    await answer(slack, workspace.admin, post, "alice: after the redeliveries")
    assert answers_in_db(bot.db_path)[bob.id] == "bob: v3"  # the replayed old edit changed nothing
    assert len([c for c in slack.api.calls("reactions.add") if c.args.get("timestamp") == bobs.ts]) == 1
    with sqlite3.connect(bot.db_path) as db:
        key = first.payload["event_id"]
        assert db.execute("SELECT COUNT(*) FROM seen_events WHERE event_key = ?", (key,)).fetchone() == (1,)


async def test_a_refresh_requested_disconnect_is_followed_by_a_new_socket(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    hellos, opens = slack.socket.hellos, len(slack.api.calls("apps.connections.open"))
    await slack.refresh_connection()
    await slack.wait_until(lambda: slack.socket.hellos > hellos and len(slack.socket.connections) == 1, within=10.0)
    assert len(slack.api.calls("apps.connections.open")) == opens + 1
    assert "Daily grill set" in await set_up(workspace)  # the new socket carries commands
