"""Blind mode, drills, classify/framework, App Home, /stats and /leaderboard on Slack with the real bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e_slack.conftest import LaunchBot, Workspace, needs_adapter
from tests.e2e_slack.flow import (
    PINGY,
    answer,
    answers_in_db,
    rate_with_shortcut,
    said,
    set_up,
    set_up_and_post,
    settled,
    submit_form,
    vote_with_button,
)
from tests.e2e_slack.harness import Actor, Harness

pytestmark = [pytest.mark.e2e, needs_adapter]


@pytest.mark.e2e_timeout(120)
async def test_a_blind_round_hides_answers_until_the_window_ends(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    alice, bob, grill = workspace.admin, workspace.member, workspace.grill
    carol = slack.add_user("carol", channels=[grill])
    dave = slack.add_user("dave", channels=[grill])
    # Not today: a setup whose time already passed today would post today's round at once, before the
    # shorter answer window applies ("from the next round").
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%a").lower()
    assert "Blind mode" in await set_up(workspace, tomorrow, "blind")
    assert "Applies" in await said(await alice.runs("/grill timing answer_minutes=1"))
    await alice.runs("/grill post")
    post = await slack.wait_for_message(grill, contains="Blind round")

    async def answer_by_form(actor: Actor, text: str) -> str:
        view = await (await actor.clicks(post, "gb:answer:")).view()
        opened = await settled(slack, view, leaving="Loading")
        if view.body.get("callback_id") != "gb:form":
            return opened  # refused before the form (answers closed, ...)
        return await submit_form(slack, actor, view, {"answer": text}, "Saving your answer")

    assert "hidden until answers close" in await answer_by_form(bob, f"bob's hidden answer {PINGY}")
    peek = await (await carol.clicks(post, "gb:peek:")).view()
    assert "Answer first" in await settled(slack, peek, leaving="Loading")
    assert "saved" in await answer_by_form(carol, "carol's hidden answer")
    peek = await (await carol.clicks(post, "gb:peek:")).view()
    assert "bob's hidden answer" in await settled(slack, peek, leaving="Loading")
    assert "revealed" in await vote_with_button(slack, alice, post, "bob", 2)  # no votes while hidden
    assert not [m for m in slack.messages(grill, by_bot=True, thread=post) if "hidden answer" in m.text_all()]
    assert set(answers_in_db(bot.db_path)) == {bob.id, carol.id}

    revealed = await slack.wait_for_message(grill, thread=post, contains="bob's hidden answer", within=100.0)
    assert "&lt;!channel&gt;" in revealed.text_all()  # shown, escaped: no ping
    await slack.wait_for_message(grill, thread=post, contains="carol's hidden answer")
    assert "is recorded" in await rate_with_shortcut(slack, carol, revealed, 2)
    assert "is recorded" in await vote_with_button(slack, alice, post, "carol", 1)
    assert "closed" in (await answer_by_form(dave, "dave: too late to answer")).lower()  # said politely
    assert dave.id not in answers_in_db(bot.db_path)


async def test_a_drill_with_form_self_score_and_share(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    bot = await launch_bot()
    bob, grill = workspace.member, workspace.grill
    assert "Daily grill set" in await set_up(workspace)
    view = await (await bob.runs("/drill type=systems")).view()
    assert "Systems" in await settled(slack, view, leaving="Loading")
    blank = await submit_form(slack, bob, view, {"answer": "   "}, "Saving your answer")
    assert "empty" in blank.lower()
    view = await (await bob.runs("/drill type=systems")).view()
    await settled(slack, view, leaving="Loading")
    keyed = await submit_form(slack, bob, view, {"answer": "Bandwidth-bound: weights read once per token."}, "Saving")
    assert "Key points" in keyed and "Bandwidth-bound" in keyed

    await bot.kill()  # the drill lives in the database and the modal, not in the bot's memory
    await bot.start()
    scoring = await (await bob.clicks(view, "gb:drillscore:")).view()
    done = await submit_form(slack, bob, scoring, {"score": "1"}, "Saving your score")
    assert "Self-score" in done and "comes back" in done

    shared = await (await bob.clicks(view, "gb:share:")).view()
    assert "Shared for peer votes" in await settled(slack, shared, leaving="Sharing")
    await slack.wait_for_message(grill, contains="Shared drill")


async def test_classify_framework_and_a_wrong_drill_topic(
    slack: Harness, workspace: Workspace, launch_bot: LaunchBot
) -> None:
    await launch_bot()
    bob = workspace.member
    framework = await (await bob.runs("/framework systems")).view()
    assert "bottleneck" in (await settled(slack, framework, leaving="Loading")).lower()
    unknown = await (await bob.runs("/drill topic=kv-cash")).view()
    text = await settled(slack, unknown, leaving="Loading")
    assert "kv-cash" in text and "kv-cache" in text
    first = await (await bob.runs("/classify")).view()
    await settled(slack, first, leaving="Loading")
    await bob.clicks(first, "gb:cls:", label="Systems")
    verdict = await slack.wait_until(
        lambda: next((t for t in [first.text_all()] if "ccuracy" in t), None), what="the verdict"
    )
    assert "✅" in verdict or "❌" in verdict


async def test_app_home_stats_and_the_leaderboard(slack: Harness, workspace: Workspace, launch_bot: LaunchBot) -> None:
    await launch_bot()
    alice, bob, grill = workspace.admin, workspace.member, workspace.grill
    post = await set_up_and_post(slack, workspace)
    bobs = await answer(slack, bob, post, "bob's answer")
    assert "is recorded" in await rate_with_shortcut(slack, alice, bobs, 2)
    await alice.runs("/grill close")
    await slack.wait_for_message(grill, thread=post, contains="Results")

    home = await bob.opens_home()
    assert "bob" in home.text_all()
    assert len(home.blocks) <= 100
    again = await bob.opens_home()  # re-published on every open, the same Home view
    assert again.id == home.id

    stats = await (await bob.runs("/stats")).reply(within=20.0)  # the first chart loads matplotlib
    assert "chart" in stats.text
    dm = slack.state.dm(bob.id)
    chart = await slack.wait_until(
        lambda: next(
            (f for f in slack.state.files.values() if f.channel == dm.id and f.filename.endswith(".png")), None
        )
    )
    assert (chart.data or b"").startswith(b"\x89PNG")
    board = await (await alice.runs("/leaderboard period=week")).reply()
    assert "bob" in board.text
