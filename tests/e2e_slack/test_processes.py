"""Two Slack processes on one PostgreSQL database, as a workspace that outgrew one process runs them.

Slack hands any payload to any of an app's Socket Mode connections, so the double spreads envelopes
over both processes in turn. Only the leader runs the timed steps and holds the open rounds in its
cache; the other must take answers, open forms and record votes by reading the database. Then the
leader is killed (kill -9) and the other goes on alone. Needs GRILLBOT_TEST_PG (the Makefile's
throwaway cluster sets it); each run gets a database of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests import pg
from tests.e2e_slack.conftest import LaunchBot, Workspace, needs_adapter
from tests.e2e_slack.flow import answer, rate_with_shortcut, said, set_up_and_post, vote_with_button
from tests.e2e_slack.harness import Harness
from tests.e2e_slack.socket_mode import Envelope

pytestmark = [pytest.mark.e2e, needs_adapter, pytest.mark.e2e_timeout(120), pytest.mark.pg, pg.ONLY_PG]


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with pg.scratch_database("e2e_slack_processes") as url:
        yield url


def kind(envelope: Envelope) -> str:
    return str(envelope.payload.get("type") if envelope.type == "interactive" else envelope.type)


async def test_two_processes_serve_one_workspace_whichever_socket_gets_each_payload(
    database: str, slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:  # the database first: it is dropped after the bots stop
    env = {"GRILLBOT_DATABASE_URL": database}
    leader = await launch_bot(env=env)
    await leader.wait_for_log("now this process's leader of the slack: spaces")
    follower = await launch_bot(env=env)
    slack.socket.spread = True
    alice, bob, grill = workspace.admin, workspace.member, workspace.grill
    carol = slack.add_user("carol", channels=[grill])

    post = await set_up_and_post(slack, workspace)
    bobs = await answer(slack, bob, post, "Bob: memory bandwidth bound")
    carols = await answer(slack, carol, post, "Carol: compute bound")
    alices = await answer(slack, alice, post, "Alice: it depends on the batch")
    assert "is recorded" in await vote_with_button(slack, alice, post, "bob", 2)
    assert "is recorded" in await vote_with_button(slack, bob, post, "carol", 1)
    assert "is recorded" in await vote_with_button(slack, carol, post, "alice", 0)
    assert "is recorded" in await rate_with_shortcut(slack, bob, alices, 2)
    assert "is recorded" in await rate_with_shortcut(slack, carol, bobs, 1)
    assert "is recorded" in await rate_with_shortcut(slack, alice, carols, 2)
    assert "can't rate your own" in await rate_with_shortcut(slack, bob, bobs, 2)

    served: dict[str, set[int]] = {}
    for envelope in slack.socket.envelopes:
        if envelope.connection is not None:
            served.setdefault(kind(envelope), set()).add(id(envelope.connection))
    for what in ("events_api", "slash_commands", "block_actions", "message_action", "view_submission"):
        assert len(served.get(what, set())) == 2, f"{what} reached one process only: {served}"

    await leader.kill()  # the follower goes on alone, its cache still empty
    dave = slack.add_user("dave", channels=[grill])
    daves = await answer(slack, dave, post, "Dave: answered after the leader died")
    assert "is recorded" in await rate_with_shortcut(slack, alice, daves, 2)
    assert "is recorded" in await vote_with_button(slack, dave, post, "bob", 2)
    assert "Closed" in await said(await alice.runs("/grill close"))
    results = (await slack.wait_for_message(grill, thread=post, contains="Results")).text_all()
    for name in ("bob", "carol", "alice", "dave"):
        assert name in results.lower(), results

    conn = await asyncpg.connect(database)
    try:
        answers, votes = (
            await conn.fetchval("SELECT count(*) FROM answers"),
            await conn.fetchval("SELECT count(*) FROM votes"),
        )
        posts = await conn.fetchval("SELECT count(*) FROM rounds")
    finally:
        await conn.close()
    assert (answers, votes, posts) == (4, 8, 1)
    assert follower.running
