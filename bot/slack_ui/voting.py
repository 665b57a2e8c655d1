"""Votes and blind-mode answers: the post's buttons, the "Rate answer" message shortcut, their modals.

Every button opens its modal from the click's `trigger_id` at once (it lives 3 s and works once),
before any database call: a form from the in-memory rubric cache, else a "loading" modal that is
then `views.update`d with what the database says. A miss is normal: Slack gives any of the app's
sockets any payload, and this process's cache holds only the rounds it runs the timed steps of (all
of them on the leader, none elsewhere), so every handler reads through to the database.

A submitted modal is acknowledged first (with its validation errors, or by turning it into a
"saving" notice) and answered by `views.update`.

Ids that come back (action ids, option values, `private_metadata`) are untrusted: the templates
accept any text where an id goes, and the core checks each against the caller's workspace.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.core.errors import DomainError, InvalidInput, NotFound, SelfVote
from bot.core.ids import row_id
from bot.core.models import Criterion
from bot.core.services.rating import MessageToRate, RatingForm, vote_reply
from bot.core.services.rounds import AnswerOutcome
from bot.core.text import plural
from bot.slack_ui import render
from bot.slack_ui.context import SlackContext
from bot.slack_ui.errors import guarded
from bot.slack_ui.refs import member_ref, message_ref, space_ref

PICK_LIMIT = 100  # a static_select holds at most 100 options
ID = "[^:]+"  # where an id goes in an action id: any text, checked by the core
VOTE = re.compile(f"gb:vote:(?P<round>{ID})")
PICK = re.compile(f"gb:pick:(?P<round>{ID})")
ANSWER = re.compile(f"gb:answer:(?P<round>{ID})")
PEEK = re.compile(f"gb:peek:(?P<round>{ID})")
HINT = re.compile(r"gb:hint:(?P<qid>[a-z0-9-]{1,64})")
RATE_SHORTCUT = "rate_answer"
RATING_FORM = "gb:rate"
ANSWER_FORM = "gb:form"
VOTE_TITLE = "Vote"
ANSWER_TITLE = "Your answer"


def team_of(body: dict[str, Any]) -> str:
    """The caller's space; with no team in the payload, a space no round belongs to."""
    team = (body.get("team") or {}).get("id") or body.get("team_id")
    return space_ref(str(team)) if team else ""


def user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or body.get("user_id") or "")


def form_metadata(form: RatingForm) -> str:
    """`<round>:a:<answer>` or `<round>:m:<channel>:<ts>`: what the rubric modal rates."""
    if form.answer_id is not None:
        return f"{form.round_id}:a:{form.answer_id}"
    return f"{form.round_id}:m:{form.message_ref}"


def parse_metadata(text: str) -> tuple[int, int | None, str | None]:
    """(round id, answer id, message ref) from a rubric modal's metadata; -1 / None where malformed."""
    round_text, _, rest = text.partition(":")
    kind, _, target = rest.partition(":")
    if kind == "m" and target:
        return row_id(round_text), None, target
    return row_id(round_text), row_id(target), None


def register(app: AsyncApp, slack: SlackContext) -> None:
    @app.action(VOTE)
    async def vote(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        round_id = row_id(VOTE.fullmatch(action["action_id"])["round"])  # type: ignore[index]
        await behind_loading(
            client, body, VOTE_TITLE, lambda view_id: offer_answers(slack, body, round_id, view_id), "vote"
        )

    @app.action(PICK)
    async def pick(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        view_id = body["view"]["id"]
        say = notice_in(client, view_id, VOTE_TITLE)

        async def open_rubric() -> None:
            round_id = row_id(PICK.fullmatch(action["action_id"])["round"])  # type: ignore[index]
            picked = (action.get("selected_option") or {}).get("value")
            form = await slack.services.rating.read_form_for_pick(slack.cache, team_of(body), round_id, picked)
            await client.views_update(view_id=view_id, view=rubric_view(form))

        await guarded(say, open_rubric(), "pick")

    @app.shortcut(RATE_SHORTCUT)
    async def rate_answer(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        message = body.get("message") or {}
        channel = str((body.get("channel") or {}).get("id", ""))
        thread = str(message.get("thread_ts") or message.get("ts") or "")
        ours = message.get("user") == slack.bot_user_id or bool(message.get("bot_id"))
        target = MessageToRate(
            team_of(body),
            message_ref(channel, thread),
            member_ref(user_of(body)),
            member_ref(str(message.get("user") or "")),
            message_ref(channel, str(message.get("ts") or "")),
            render.answer_shown(message) if ours else None,
        )
        rating = slack.services.rating
        try:
            form = rating.form_for_message(slack.cache, target)  # the cache only: no database call
        except SelfVote as refused:
            await client.views_open(trigger_id=body["trigger_id"], view=render.notice(VOTE_TITLE, refused.message))
            return
        except InvalidInput:  # not a round of this process's cache: ask the database, behind a loading modal

            async def read_rubric(view_id: str) -> None:
                found = await rating.read_form_for_message(slack.cache, target)
                await client.views_update(view_id=view_id, view=rubric_view(found))

            await behind_loading(client, body, VOTE_TITLE, read_rubric, "rate answer")
            return
        await client.views_open(trigger_id=body["trigger_id"], view=rubric_view(form))

    @app.view(RATING_FORM)
    async def rating_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        scores = render.rubric_scores(view.get("state", {}).get("values", {}))
        round_id, answer_id, ref = parse_metadata(str(view.get("private_metadata", "")))
        criteria = await rubric_of(slack, team_of(body), round_id)
        missing = [c for c in criteria if c.id not in scores]
        if missing:
            await ack(response_action="errors", errors={f"c_{c.id}": "Pick 0, 1 or 2." for c in missing})
            return
        work = cast(slack, body, round_id, answer_id, ref, scores)
        await slack.answer_submission(ack, view, VOTE_TITLE, "Saving your vote…", work, "rate")

    @app.action(ANSWER)
    async def answer(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        round_id = row_id(ANSWER.fullmatch(action["action_id"])["round"])  # type: ignore[index]
        space = team_of(body)
        try:
            slack.services.grill.answer_form(slack.cache, space, round_id)  # the cache only: no database call
        except NotFound:  # not a round of this process's cache: ask the database, behind a loading modal

            async def read_form(view_id: str) -> None:
                await slack.services.grill.open_answer_form(slack.cache, space, round_id)
                await client.views_update(view_id=view_id, view=answer_view(slack, space, round_id))

            await behind_loading(client, body, ANSWER_TITLE, read_form, "answer")
            return
        except DomainError as refused:
            view = render.notice(ANSWER_TITLE, refused.message)
        else:
            view = answer_view(slack, space, round_id)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ANSWER_FORM)
    async def answer_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        work = save_form_answer(slack, body, view)
        await slack.answer_submission(ack, view, ANSWER_TITLE, "Saving your answer…", work, "answer form")

    @app.action(PEEK)
    async def peek(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        round_id = row_id(PEEK.fullmatch(action["action_id"])["round"])  # type: ignore[index]
        await behind_loading(
            client, body, "Answers", lambda view_id: show_answers(slack, body, round_id, view_id), "peek"
        )

    @app.action(HINT)
    async def hint(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        qid = HINT.fullmatch(action["action_id"])["qid"]  # type: ignore[index]
        try:
            text = f"💡 {render.escape(slack.services.drills.hint(team_of(body), qid))}"
        except DomainError as refused:
            text = refused.message
        show = client.views_push if body.get("view") else client.views_open  # on a drill's modal, or the post
        await show(trigger_id=body["trigger_id"], view=render.notice("Hint", text))


async def behind_loading(
    client: Any, body: dict[str, Any], title: str, fill: Callable[[str], Awaitable[None]], where: str
) -> None:
    """Open a "Loading…" modal on the trigger_id at once, then let `fill` (given the view id) read
    the database and `views.update` it; a refusal or failure (logged as `where`) is shown in that modal."""
    opened = await client.views_open(trigger_id=body["trigger_id"], view=render.notice(title, "Loading…"))
    view_id = opened["view"]["id"]
    await guarded(notice_in(client, view_id, title), fill(view_id), where)


def notice_in(client: Any, view_id: str, title: str) -> Any:
    """A `say` that turns the open modal into a notice (for results and refusals)."""

    async def say(text: str) -> None:
        await client.views_update(view_id=view_id, view=render.notice(title, render.escape(text)))

    return say


def answer_view(slack: SlackContext, space: str, round_id: int) -> dict[str, Any]:
    limit = slack.services.platforms.of(space).answer_limit
    hint = "Your latest submission before answers close counts. It stays hidden until then."
    return render.answer_modal(ANSWER_FORM, ANSWER_TITLE, hint, str(round_id), limit)


async def rubric_of(slack: SlackContext, space: str, round_id: int) -> tuple[Criterion, ...]:
    """The criteria a submitted rubric must score, to show a missed one inline; none when the round is
    not open here (the vote is then refused with the reason, as a notice)."""
    try:
        return (await slack.services.grill.open_round(slack.cache, space, round_id)).criteria
    except DomainError:
        return ()


def rubric_view(form: RatingForm) -> dict[str, Any]:
    return render.rubric_modal(RATING_FORM, form.criteria, "Rate: 0 · 1 · 2", form_metadata(form))


async def offer_answers(slack: SlackContext, body: dict[str, Any], round_id: int, view_id: str) -> None:
    """The answers this member may rate, fewest votes first, in a select that opens the rubric."""
    choices = await slack.services.rating.answers_to_rate(
        team_of(body), round_id, member_ref(user_of(body)), PICK_LIMIT
    )
    options = [
        {
            "text": render.plain(f"{c.name} · {plural(c.votes, 'vote')} · {c.answer.body}", render.OPTION_MAX),
            "value": str(c.answer.id),
        }
        for c in choices.choices
    ]
    more = f" Showing the {PICK_LIMIT} with the fewest votes." if choices.left_out else ""
    select = {"type": "static_select", "action_id": f"gb:pick:{round_id}", "options": options}
    blocks = [
        render.section(f"Pick an answer to rate.{more}"),
        {"type": "actions", "block_id": "pick", "elements": [select]},
    ]
    await slack.client.views_update(view_id=view_id, view=render.modal("gb:picker", VOTE_TITLE, blocks))


async def cast(
    slack: SlackContext,
    body: dict[str, Any],
    round_id: int,
    answer_id: int | None,
    ref: str | None,
    scores: dict[str, int],
) -> dict[str, Any]:
    """The rubric submitted: the vote, then the modal saying what was recorded."""
    user = user_of(body)
    space = team_of(body)
    rated = await slack.services.rating.rate(
        space,
        round_id,
        member_ref(user),
        await slack.name_of(space, user),
        scores,
        answer_id=answer_id,
        message_ref=ref,
    )
    return render.notice(VOTE_TITLE, render.escape(vote_reply(rated.author_name, rated.receipt)))


async def save_form_answer(slack: SlackContext, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    user, space = user_of(body), team_of(body)
    receipt = await slack.services.grill.submit_form_answer(
        space,
        row_id(str(view.get("private_metadata", ""))),
        member_ref(user),
        await slack.name_of(space, user),
        render.answer_text(view.get("state", {}).get("values", {})),
    )
    verb = "saved" if receipt.outcome is AnswerOutcome.CREATED else "updated"
    length = len(receipt.answer.body) if receipt.answer else 0
    return render.notice(
        ANSWER_TITLE,
        f"Your answer is {verb} ({length} characters). It stays hidden until answers close; "
        "press Answer again to replace it.",
    )


async def show_answers(slack: SlackContext, body: dict[str, Any], round_id: int, view_id: str) -> None:
    answers = await slack.services.grill.peek_answers(team_of(body), round_id, member_ref(user_of(body)))
    blocks = render.answers_for_reading([(name, a.body) for a, name in answers])
    text = "Nobody has answered yet." if not blocks else f"{len(answers)} answer(s) so far:"
    view = render.modal("gb:answers", "Answers", [render.section(text), *blocks])
    await slack.client.views_update(view_id=view_id, view=view)
