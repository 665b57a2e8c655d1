"""A daily round on Slack end to end: post, answers in the thread, votes by both paths, results."""

from __future__ import annotations

import json

import pytest

from tests.e2e_slack.conftest import FIGURES, LaunchBot, Workspace, needs_adapter
from tests.e2e_slack.flow import (
    PINGY,
    answer,
    open_picker,
    pick_and_rate,
    rate_with_shortcut,
    said,
    set_up_and_post,
    vote_with_button,
)
from tests.e2e_slack.harness import Harness

pytestmark = [pytest.mark.e2e, needs_adapter]


async def test_a_round_from_post_to_results_with_votes_by_both_paths(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    alice, bob, grill = workspace.admin, workspace.member, workspace.grill
    carol = slack.add_user("carol", display_name="", channels=[grill])  # Slack's empty display name
    calls_before = len(slack.api.calls())
    post = await set_up_and_post(slack, workspace)
    assert "<!date^" in post.text_all()  # the close time in the reader's own zone
    assert any(b.get("type") == "actions" for b in post.blocks)

    bobs = await answer(slack, bob, post, f"Bob: memory bandwidth bound {PINGY}")
    carols = await answer(slack, carol, post, "Carol: first draft")
    alices = await answer(slack, alice, post, "Alice: compute bound at large batch")
    await carol.edits(carols, "Carol: edited, with numbers")
    discussion = await bob.posts_in_thread(post, "Bob: and a follow-up thought")  # not a second answer

    assert "is recorded" in await vote_with_button(slack, alice, post, "bob", 2)
    assert "is updated" in await vote_with_button(slack, alice, post, "bob", 2)  # a re-vote replaces
    assert "is recorded" in await rate_with_shortcut(slack, bob, carols, 1)
    assert "is recorded" in await rate_with_shortcut(slack, carol, alices, 0)
    assert "is recorded" in await rate_with_shortcut(slack, carol, bobs, 2)
    assert "can't rate your own" in await rate_with_shortcut(slack, bob, bobs, 2)
    assert "isn't an answer" in await rate_with_shortcut(slack, alice, discussion, 2)

    stale = await open_picker(slack, carol, post)  # opened before close, used after
    assert "Closed" in await said(await alice.runs("/grill close"))
    results = await slack.wait_for_message(grill, thread=post, contains="Results")
    ranked = results.text_all()
    assert ranked.index("bob") < ranked.index("Carol") < ranked.index("alice")  # carol shown by real name
    assert "2 votes" in ranked
    assert "&lt;!channel&gt;" not in ranked  # results name people, they do not quote answers
    await slack.wait_for_message(grill, thread=post, contains="Key points")
    await slack.wait_until(lambda: not any(b.get("type") == "actions" for b in post.blocks), what="retired buttons")
    assert "Closed" in post.text_all()

    assert "closed" in (await pick_and_rate(slack, carol, stale, "bob", 2)).lower()
    assert "closed" in (await rate_with_shortcut(slack, carol, bobs, 2)).lower()
    dave = slack.add_user("dave", channels=[grill])
    late = await dave.posts_in_thread(post, "dave: an answer after close")
    (delivery,) = slack.socket.events(lambda e: e.get("ts") == late.ts)
    await slack.wait_until(lambda: delivery.acked_at, what="the late answer's delivery")
    await alice.runs("/grill settings")  # a round trip through the bot after the late answer
    await slack.wait_until(lambda: len(slack.responses()) and "settings" in slack.responses()[-1].text_all().lower())
    assert (
        not late.reactions
        and "dave" not in (await slack.wait_for_message(grill, thread=post, contains="Results")).text_all()
    )

    round_calls = slack.api.calls()[calls_before:]
    counts: dict[str, int] = {}
    for call in round_calls:
        counts[call.method] = counts.get(call.method, 0) + 1
    FIGURES["Web API calls, one round (3 answers, 6 votes, close)"] = {"total": len(round_calls), **counts}
    assert counts.get("chat.postMessage", 0) <= 6  # the post, results (2 messages), a few notices at most


async def test_broadcasts_and_files_count_a_deleted_answer_is_withdrawn_and_me_export_and_forget(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    alice, bob, grill = workspace.admin, workspace.member, workspace.grill
    carol = slack.add_user("carol", channels=[grill])
    dave = slack.add_user("dave", channels=[grill])
    post = await set_up_and_post(slack, workspace)
    broadcast = await bob.posts_in_thread(post, f"bob, also sent to the channel {PINGY}", broadcast=True)
    chart = slack.member_file(carol, "derivation.png", b"\x89PNG")
    with_file = await carol.posts_in_thread(post, "carol's answer is the picture", files=[chart])
    for message in (broadcast, with_file):
        await slack.wait_until(lambda m=message: m.reactions.get("white_check_mark"), what="the ✅")
    gone = await answer(slack, dave, post, "dave: soon deleted")
    await dave.deletes(gone)

    await carol.runs("/me export")  # a file can't go in an ephemeral: it comes in the DM with the bot
    dm = slack.state.dm(carol.id)
    sent = await slack.wait_until(lambda: next((f for f in slack.state.files.values() if f.channel == dm.id), None))
    mine = json.loads(sent.data or b"{}")
    assert [a["body"] for a in mine["answers"]] == ["carol's answer is the picture\n📎 derivation.png"]

    await alice.runs("/grill close")
    results = (await slack.wait_for_message(grill, thread=post, contains="Results")).text_all()
    assert "bob" in results and "carol" in results and "dave" not in results

    refused = await said(await carol.runs("/me forget"))
    assert "DELETE" in refused  # forgetting asks for the word first
    assert "deleted" in (await said(await carol.runs("/me forget DELETE"))).lower()
    await carol.runs("/me export")
    await slack.wait_until(lambda: len([f for f in slack.state.files.values() if f.channel == dm.id]) == 2)
    latest = [f for f in slack.state.files.values() if f.channel == dm.id][-1]
    assert json.loads(latest.data or b"{}")["answers"] == []
