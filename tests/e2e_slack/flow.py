"""Steps the Slack flow tests share: set up and post a round, answer, vote by both paths."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e_slack.conftest import Workspace
from tests.e2e_slack.harness import Actor, Harness, Interaction
from tests.e2e_slack.slack_state import Message, View, block_texts

ACK = "white_check_mark"
# Members' answers carry every token that would ping if re-posted raw; the fixtures scan for leaks.
PINGY = "<!channel> <!here> <!everyone> <!subteam^S0ADMINS> <@U000001> & <b>"


def answers_in_db(db_path: Path) -> dict[str, str]:
    """member id -> answer body, straight from the bot's database (what it recorded, whatever it said)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=2) as db:
        return {
            member.removeprefix("slack:"): body for member, body in db.execute("SELECT member_id, body FROM answers")
        }


async def said(interaction: Interaction) -> str:
    return (await interaction.reply()).text


async def set_up(ws: Workspace, *extra: str) -> str:
    line = " ".join(["/grill setup", f"<#{ws.grill.id}|grill>", "09:00", "UTC", *extra])
    return await said(await ws.admin.runs(line))


async def set_up_and_post(slack: Harness, ws: Workspace, *extra: str) -> Message:
    assert "Daily grill set" in await set_up(ws, *extra)
    posted = await said(await ws.admin.runs("/grill post"))
    # A setup whose time already passed today makes the day's post itself; /grill post then says so.
    assert "Posted" in posted or "being posted" in posted or "already posted" in posted, posted
    return await the_post(slack, ws)


async def the_post(slack: Harness, ws: Workspace) -> Message:
    return await slack.wait_for_message(
        ws.grill, where=lambda m: (m.metadata or {}).get("event_type") == "grill_round" and not m.is_reply
    )


async def answer(slack: Harness, actor: Actor, post: Message, text: str) -> Message:
    """Reply in the round's thread and wait for the bot's ✅, the sign it was recorded."""
    message = await actor.posts_in_thread(post, text)
    await slack.wait_until(lambda: message.reactions.get(ACK), what=f"{actor.name}'s answer to be acknowledged")
    return message


async def settled(slack: Harness, view: View, *, leaving: str) -> str:
    """The modal's text once it is no longer the "loading"/"saving" notice `leaving`."""
    await slack.wait_until(lambda: leaving not in view.text_all(), what=f"the modal past {leaving!r}")
    return view.text_all()


STUCK: list[View] = []  # modals left on a "Saving…" notice after the bot sent their result


async def result_after(slack: Harness, view: View, start: int, saving: str) -> str:
    """The first thing the modal showed, since its body number `start`, past the form itself and the
    `saving` notice: what the member was told. A modal left on `saving` is recorded in STUCK."""
    form = view.history[start]["callback_id"] if len(view.history) > start else view.body.get("callback_id")

    def result() -> str | None:
        for body in [*view.history[start:], view.body]:
            text = "\n".join(block_texts(body.get("blocks", [])))
            if body.get("callback_id") != form and saving not in text:
                return text
        return None

    text = await slack.wait_until(result, what=f"the modal past {saving!r}")
    if saving in view.text_all():
        STUCK.append(view)
    return text


async def submit_form(slack: Harness, actor: Actor, view: View, values: dict[str, str], saving: str) -> str:
    """Submit a modal the bot acknowledges with a `saving` notice, then answers in place."""
    start = len(view.history)
    submitted = await actor.submits(view, values)
    assert await submitted.errors() == {}
    return await result_after(slack, view, start, saving)


async def rubric(slack: Harness, voter: Actor, view: View, value: int) -> str:
    """Submit 0/1/2 on every criterion; the vote's result the bot showed in the modal."""
    return await submit_form(slack, voter, view, {"score": str(value)}, "Saving your vote")


async def open_picker(slack: Harness, voter: Actor, post: Message) -> View:
    """Press Vote on the post: the modal that lists the answers to rate (or a refusal notice)."""
    view = await (await voter.clicks(post, "gb:vote:")).view()
    await settled(slack, view, leaving="Loading")
    return view


async def pick_and_rate(slack: Harness, voter: Actor, view: View, author: str, value: int) -> str:
    """In the picker, choose `author`'s answer, then fill the rubric it turns into."""
    if view.body.get("callback_id") != "gb:picker":
        return view.text_all()  # refused before any picker (closed round, blind round, ...)
    select = next(e for b in view.blocks for e in b.get("elements", []) if e.get("type") == "static_select")
    option = next(o for o in select["options"] if o["text"]["text"].startswith(author))
    await voter.clicks(view, "gb:pick:", choice=option["value"])
    await slack.wait_until(lambda: view.body.get("callback_id") != "gb:picker", what="the rubric after the pick")
    if view.body.get("callback_id") != "gb:rate":
        return view.text_all()
    assert len([b for b in view.blocks if b["type"] == "input"]) >= 3  # one 0/1/2 group per criterion
    return await rubric(slack, voter, view, value)


async def vote_with_button(slack: Harness, voter: Actor, post: Message, author: str, value: int) -> str:
    """Vote button -> the picker modal -> pick `author`'s answer -> the rubric -> submit."""
    return await pick_and_rate(slack, voter, await open_picker(slack, voter, post), author, value)


async def rate_with_shortcut(slack: Harness, voter: Actor, message: Message, value: int) -> str:
    """The "Rate answer" message shortcut: the rubric, or a notice when refused."""
    view = await (await voter.shortcut("Rate answer", message)).view()
    await settled(slack, view, leaving="Loading")  # a process without the round reads it first
    if view.body.get("callback_id") != "gb:rate":
        return view.text_all()
    return await rubric(slack, voter, view, value)
