"""What a member or admin is told when the Discord layer refuses: permission checks, a re-vote,
buttons on closed or not-yet-revealed rounds, Discord's own refusals and unexpected errors."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.core.content import MAX_PACK_BYTES
from bot.core.errors import InvalidInput, SpaceFault
from bot.core.services.rating import CLOSED_TEXT
from bot.core.services.votes import VOTING_NOT_YET
from bot.discord_ui import errors, render
from bot.discord_ui.publisher import CHANNEL_GONE, faults_in
from cogs.boards import Boards
from cogs.grill_admin import GrillAdmin
from tests.discord.gateway import Client

A = 1
ANN, BOB = 11, 12
SPACE_A = "discord:1"


async def open_round(client: Client, *, blind: bool = False, answer_minutes: int | None = None):
    services = client.bot.services
    await services.grill.setup(SPACE_A, "10", "09:00", "UTC", "daily", blind)
    if answer_minutes:
        await services.grill.update(SPACE_A, answer_window_minutes=answer_minutes)
    rnd = await services.grill.post_daily(SPACE_A)
    client.bot.round_cache.remember(rnd)
    return rnd


def http_error(kind: type[discord.HTTPException], status: int) -> discord.HTTPException:
    return kind(SimpleNamespace(status=status, reason="refused"), {"code": 0, "message": "refused"})


async def test_a_second_vote_says_it_replaces_the_first(client, services):
    rnd = await open_round(client)
    answer = (await services.grill.thread_message(rnd.id, "discord:11", "ann", "ann's answer", "m1")).answer
    criteria = {c.id: "2" for c in rnd.question.criteria}
    first = await client.submit(A, BOB, f"gb:rate:{rnd.id}:{answer.id}", criteria)
    assert "answer is recorded:" in first.text
    again = await client.submit(A, BOB, f"gb:rate:{rnd.id}:{answer.id}", {c: "0" for c in criteria})
    assert "answer is updated (it replaces your earlier one): 0/" in again.text


async def test_the_vote_button_on_a_closed_round_says_it_closed(client, services, clock):
    rnd = await open_round(client)
    clock.set(rnd.closes_at + timedelta(minutes=1))
    assert (await client.click(A, BOB, f"gb:vote:{rnd.id}")).text == CLOSED_TEXT


async def test_the_vote_button_before_a_blind_reveal_says_when_voting_opens(client):
    rnd = await open_round(client, blind=True, answer_minutes=60)
    reply = await client.click(A, BOB, f"gb:vote:{rnd.id}")
    assert reply.text == VOTING_NOT_YET  # the same words as the form's refusal


def admin_interaction(*, guild_id: int | None, manage_guild: bool) -> Any:
    return SimpleNamespace(guild_id=guild_id, permissions=discord.Permissions(manage_guild=manage_guild))


async def test_an_admin_command_without_manage_server_says_what_it_needs():
    cog = GrillAdmin.__new__(GrillAdmin)  # interaction_check reads nothing of the cog's state
    with pytest.raises(app_commands.MissingPermissions) as refused:
        await cog.interaction_check(admin_interaction(guild_id=1, manage_guild=False))
    assert errors.user_text(refused.value) == "This needs the Manage Server permission."
    assert await cog.interaction_check(admin_interaction(guild_id=1, manage_guild=True)) is True


async def test_an_admin_command_outside_a_server_says_to_use_one():
    cog = GrillAdmin.__new__(GrillAdmin)
    with pytest.raises(app_commands.NoPrivateMessage) as refused:
        await cog.interaction_check(admin_interaction(guild_id=None, manage_guild=True))
    assert errors.user_text(refused.value) == "Use this command in a server."


def test_discord_refusing_a_reply_names_the_permissions_needed():
    command = SimpleNamespace(name="grill post")
    text = errors.user_text(app_commands.CommandInvokeError(command, http_error(discord.Forbidden, 403)))  # type: ignore[arg-type]
    assert text is not None and text.startswith("Discord refused that: I'm missing a permission here")
    assert "Manage Threads" in text


class FakeResponse:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def is_done(self) -> bool:
        return False

    async def send_message(self, text: str, *, ephemeral: bool) -> None:
        assert ephemeral
        self.sent.append(text)


async def test_an_unexpected_error_gets_a_reference_and_no_traceback():
    response = FakeResponse()
    interaction = SimpleNamespace(response=response, command=None, data={}, guild_id=1, user=SimpleNamespace(id=ANN))
    await errors.report(interaction, KeyError("boom"))  # type: ignore[arg-type]
    (text,) = response.sent
    assert text.startswith("Something went wrong on my side (ref `")
    assert text.endswith("Nothing you did was lost; try again in a moment.") and "boom" not in text


def test_a_lost_permission_becomes_a_fault_that_names_the_channel_and_the_fix():
    with pytest.raises(SpaceFault) as fault, faults_in("42"):
        raise http_error(discord.Forbidden, 403)
    assert fault.value.message.startswith("I can't post in <#42>: my role lacks a permission there.")
    assert "/grill settings retries at once" in fault.value.message and not fault.value.pauses


def test_a_deleted_channel_becomes_a_fault_that_pauses_the_grill():
    with pytest.raises(SpaceFault) as fault, faults_in("42"):
        raise http_error(discord.NotFound, 404)
    assert fault.value.message == CHANNEL_GONE and fault.value.pauses


def test_a_server_error_passes_through_to_be_retried():
    with pytest.raises(discord.DiscordServerError), faults_in("42"):
        raise http_error(discord.DiscordServerError, 503)


class FakeFollowup:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, text: str, **_: Any) -> None:
        self.sent.append(text)


def command_interaction(guild_id: int = A) -> Any:
    async def defer(**_: Any) -> None:
        return None

    return SimpleNamespace(
        guild_id=guild_id,
        user=SimpleNamespace(id=ANN),
        response=SimpleNamespace(defer=defer),
        followup=FakeFollowup(),
    )


async def test_setup_names_the_permissions_missing_in_the_channel():
    cog = GrillAdmin.__new__(GrillAdmin)
    perms = discord.Permissions(view_channel=True, send_messages=True, embed_links=True, read_message_history=True)
    channel = SimpleNamespace(guild=SimpleNamespace(me=object()), mention="<#10>", permissions_for=lambda me: perms)
    with pytest.raises(InvalidInput) as refused:
        await GrillAdmin.setup_grill.callback(cog, command_interaction(), channel, "09:00", "UTC")  # type: ignore[arg-type]
    assert refused.value.message == (
        "I can't run the grill in <#10> yet: I'm missing Create Public Threads, Send Messages in Threads, "
        "Manage Threads there. Grant them to my role (channel settings > Permissions), then run /grill setup again."
    )


async def test_an_import_over_one_mebibyte_is_refused_before_it_is_read():
    cog = GrillAdmin.__new__(GrillAdmin)

    async def read() -> bytes:
        raise AssertionError("an oversized attachment must not be downloaded")

    big = SimpleNamespace(filename="huge.yaml", size=MAX_PACK_BYTES + 1, read=read)
    with pytest.raises(InvalidInput) as refused:
        await GrillAdmin.import_pack.callback(cog, command_interaction(), big)  # type: ignore[arg-type]
    assert refused.value.message == f"huge.yaml is {MAX_PACK_BYTES + 1} bytes; a pack may be at most 1 MiB. Split it."


async def test_forget_without_delete_deletes_nothing_and_says_how():
    interaction = command_interaction()
    cog = Boards.__new__(Boards)
    await Boards.forget.callback(cog, interaction, "delete")  # type: ignore[arg-type]
    assert interaction.followup.sent == ["Nothing deleted. Run `/me forget confirm:DELETE` to delete."]


def test_a_fault_leads_with_needs_an_admin():
    assert render.fault_warning(CHANNEL_GONE) == f"⚠ **Needs an admin:** {CHANNEL_GONE}"
