"""Two bot processes, shards 0 and 1 of 2, on one PostgreSQL database against the double.

Each process runs the servers on its shard: one post per server per day, answers and votes in
all of them, kill -9 of one process while the other goes on closing its rounds, and after the
restart the killed process's servers close with every acknowledged answer and vote (and the
answer sent while it was down, read back from history). Needs GRILLBOT_TEST_PG (the Makefile's
throwaway cluster sets it); each run gets a database of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from tests import pg
from tests.e2e.conftest import LaunchBot
from tests.e2e.fake_models import Channel, Guild, Message
from tests.e2e.harness import Actor, Harness
from tests.e2e.test_grill_flow import answer, rate_with_menu, rate_with_vote_button, text_of

pytestmark = [pytest.mark.e2e, pytest.mark.e2e_timeout(150), pytest.mark.pg, pg.ONLY_PG]
IDENTIFY_SPACING = 5.0


@dataclass
class Server:
    guild: Guild
    general: Channel
    admin: Actor
    bob: Actor
    carol: Actor
    post: Message | None = None
    thread: Channel | None = None
    answers: tuple[Message, ...] = ()


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh, empty database on the test cluster (the first bot migrates it), dropped afterwards."""
    async with pg.scratch_database("e2e_shards") as url:
        yield url


async def add_server(discord: Harness, name: str, shard: int) -> Server:
    guild = await discord.add_guild(name, shard=(shard, 2))
    general = await discord.add_text_channel(guild, "general")
    admin = await discord.add_member(guild, f"{name}-alice", admin=True)
    bob = await discord.add_member(guild, f"{name}-bob")
    carol = await discord.add_member(guild, f"{name}-carol")
    return Server(guild, general, admin, bob, carol)


async def post_and_answer(discord: Harness, server: Server) -> None:
    """Setup, one post (a second is refused), two answers and two votes, each acknowledged."""
    setup = await server.admin.slash(
        server.general, "grill setup", channel=server.general, time="09:00", timezone="UTC"
    )
    assert "Daily grill set" in await text_of(setup)
    assert "Posted" in await text_of(await server.admin.slash(server.general, "grill post"))
    assert "already posted" in await text_of(await server.admin.slash(server.general, "grill post"))
    server.post = await discord.wait_for_message(server.general, contains="Daily grill")
    server.thread = await discord.wait_for_thread(server.post)
    bob_answer = await answer(discord, server.bob, server.thread, f"{server.guild.name}: bob's answer")
    carol_answer = await answer(discord, server.carol, server.thread, f"{server.guild.name}: carol's answer")
    server.answers = (bob_answer, carol_answer)
    assert "recorded" in await rate_with_vote_button(server.admin, server.post, server.bob.name, 2)
    assert "recorded" in await rate_with_menu(server.bob, carol_answer, 1)


async def close_and_read(discord: Harness, server: Server, *, voted: int) -> str:
    assert server.thread is not None
    assert "Closed" in await text_of(await server.admin.slash(server.general, "grill close"))
    results = await discord.wait_for_message(server.thread, contains="Results", within=15.0)
    text = results.text()
    assert server.bob.name in text and server.carol.name in text
    assert text.count("(1 vote)") == voted, text  # each acknowledged vote counted once
    return text


async def test_two_processes_on_two_shards_share_one_database(
    database: str, discord: Harness, launch_bot: LaunchBot
) -> None:  # the database first: it is dropped after the bots stop
    servers = [await add_server(discord, f"s{shard}{n}", shard) for shard in (0, 1) for n in (1, 2)]
    mine = {0: servers[:2], 1: servers[2:]}
    env = {"GRILLBOT_DATABASE_URL": database}
    zero = await launch_bot(env=env | {"GRILLBOT_SHARDS": "0/2"})
    one = await launch_bot(env=env | {"GRILLBOT_SHARDS": "1/2"})
    identifies = [at for at, what in discord.gateway.log if what == "recv IDENTIFY"]
    assert identifies[1] - identifies[0] >= IDENTIFY_SPACING - 0.5  # the cluster IDENTIFY lock
    assert len(discord.state.command_syncs) == 1  # only the process with shard 0 synced

    for server in servers:
        await post_and_answer(discord, server)

    await one.kill()  # kill -9: shard 1's servers are left mid-round
    await servers[2].carol.post(servers[2].thread, "s11: discussion while the bot is down")
    dave = await discord.add_member(servers[2].guild, "s11-dave")
    await dave.post(servers[2].thread, "s11: dave's answer, sent while the bot was down")
    for server in mine[0]:  # the other process goes on
        await close_and_read(discord, server, voted=2)

    await one.start()  # reads shard 1's threads back; each close waits for its round's read-back
    first, second = [await close_and_read(discord, server, voted=2) for server in mine[1]]
    assert "s11-dave" in first and "s11-dave" not in second  # sent while the bot was down, read back

    for server in servers:
        posts = [m for m in discord.messages(server.general, by_bot=True) if "Daily grill" in m.text()]
        assert len(posts) == 1, f"{server.guild.name}: {len(posts)} posts"
    conn = await asyncpg.connect(database)
    try:
        rounds = await conn.fetch("SELECT space_id, count(*) AS n FROM rounds WHERE kind = 'daily' GROUP BY space_id")
        votes = await conn.fetchval("SELECT count(*) FROM votes")
        answers = await conn.fetchval("SELECT count(*) FROM answers")
    finally:
        await conn.close()
    assert sorted((r["space_id"], r["n"]) for r in rounds) == sorted((f"discord:{s.guild.id}", 1) for s in servers)
    assert (votes, answers) == (2 * len(servers), 2 * len(servers) + 1)
    assert zero.running and discord.gateway.counts["identify"] == 3  # shard 0's process never stopped
    assert discord.rest.unknown == []
