"""Ids that come back from members are checked by the bot: crafted buttons and forms change nothing;
and every vote modal ends on the vote's result, never on the "saving" notice."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e_slack import flow
from tests.e2e_slack.conftest import LaunchBot, Workspace, needs_adapter
from tests.e2e_slack.flow import (
    answer,
    rate_with_shortcut,
    set_up_and_post,
    settled,
    submit_form,
    vote_with_button,
)
from tests.e2e_slack.harness import Harness

pytestmark = [pytest.mark.e2e, needs_adapter]


def votes(db_path) -> int:  # type: ignore[no-untyped-def]
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute("SELECT COUNT(*) FROM votes").fetchone()[0]


async def test_crafted_buttons_and_forms_are_refused(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    alice, bob, grill = workspace.admin, workspace.member, workspace.grill
    post = await set_up_and_post(slack, workspace)
    bobs = await answer(slack, bob, post, "bob's answer")

    nowhere = await (await alice.clicks_crafted(grill, "gb:vote:987654321")).view()
    assert "isn't one of this workspace's rounds" in await settled(slack, nowhere, leaving="Loading")
    huge = await (await alice.clicks_crafted(grill, "gb:peek:99999999999999999999999")).view()
    assert "Loading" not in await settled(slack, huge, leaving="Loading")

    # A real rubric, its private_metadata rewritten by a modified client to an answer that is not there.
    form = await (await alice.shortcut("Rate answer", bobs)).view()
    round_id = form.body["private_metadata"].split(":", 1)[0]
    form.body["private_metadata"] = f"{round_id}:a:424242"
    refused = await submit_form(slack, alice, form, {"score": "2"}, "Saving your vote")
    assert "recorded" not in refused
    assert votes(bot.db_path) == 0
    assert "is recorded" in await rate_with_shortcut(slack, alice, bobs, 2)  # the genuine form still works
    assert votes(bot.db_path) == 1


async def vote_many_times(slack: Harness, workspace: Workspace) -> list[str]:
    """Six votes by both paths (the Vote button's picker, the Rate answer shortcut); the modals left on
    "Saving your vote…" once everything was acted on."""
    alice, bob = workspace.admin, workspace.member
    post = await set_up_and_post(slack, workspace)
    bobs = await answer(slack, bob, post, "bob's answer")
    flow.STUCK.clear()
    for value in (0, 1, 2):
        assert "Your vote" in await vote_with_button(slack, alice, post, "bob", value)
        assert "Your vote" in await rate_with_shortcut(slack, alice, bobs, value)
    return [v.id for v in flow.STUCK]


async def test_every_vote_modal_ends_on_its_result(slack: Harness, workspace: Workspace, launch_bot: LaunchBot) -> None:
    """The rubric is acknowledged with a "Saving your vote…" view, then views.update shows the result:
    that update must not reach Slack before the ack, or the ack's view replaces the result."""
    await launch_bot()
    assert await vote_many_times(slack, workspace) == []


async def test_a_vote_modal_ends_on_its_result_even_when_slack_acts_on_the_ack_late(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    # Slack acts on an ack 0.2 s after reading it: a result sent by views.update right after the ack
    # would be replaced by the ack's "saving" view; a result carried by the ack itself cannot be.
    slack.socket.ack_delay = 0.2
    assert await vote_many_times(slack, workspace) == []
