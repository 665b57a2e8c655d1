"""Private practice on Slack, in modals (ephemeral messages vanish on reload and need channel
membership): /drill (answer, key points, score yourself, share), /classify, /framework.

A drill answer is stored when its modal is submitted, before anything is shown; its id rides in
the Score yourself and Share buttons, so nothing depends on this process's memory.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.core.errors import DomainError, InvalidInput
from bot.core.ids import row_id
from bot.core.models import TYPE_IDS, Question
from bot.slack_ui import commands, render
from bot.slack_ui.context import SlackContext
from bot.slack_ui.errors import guarded
from bot.slack_ui.refs import member_ref
from bot.slack_ui.voting import ID, behind_loading, notice_in, team_of, user_of

DRILL_ANSWER_FORM = "gb:drillans"
DRILL_SCORE_FORM = "gb:drillrate"
SCORE = re.compile(f"gb:drillscore:(?P<drill>{ID}):(?P<qid>{ID})")
SHARE = re.compile(f"gb:share:(?P<drill>{ID})")
CLASSIFY = re.compile(f"gb:cls:(?P<qid>{ID}):(?P<type>{ID})")
DRILL_OPTIONS = ("type", "topic", "difficulty", "question")
TITLE = "Drill"


def register(app: AsyncApp, slack: SlackContext) -> None:
    @app.command("/drill")
    async def drill(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await behind_loading(client, body, TITLE, lambda view_id: open_drill(slack, body, view_id), "/drill")

    @app.view(DRILL_ANSWER_FORM)
    async def drill_answered(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await slack.answer_submission(ack, view, TITLE, "Saving your answer…", feedback(slack, body, view), "drill")

    @app.action(SCORE)
    async def score(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        """Open the self-score form at once: the rubric comes from the in-memory bank."""
        await ack()
        match = SCORE.fullmatch(action["action_id"])
        assert match is not None
        try:
            question = slack.services.drills.question(team_of(body), match["qid"])
        except DomainError as gone:
            await client.views_push(trigger_id=body["trigger_id"], view=render.notice(TITLE, gone.message))
            return
        criteria = slack.services.bank.criteria_for(question)
        view = render.rubric_modal(DRILL_SCORE_FORM, criteria, "Score your answer", str(row_id(match["drill"])))
        await client.views_push(trigger_id=body["trigger_id"], view=view)

    @app.view(DRILL_SCORE_FORM)
    async def scored(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        work = self_score(slack, body, view)
        await slack.answer_submission(ack, view, TITLE, "Saving your score…", work, "drill score")

    @app.action(SHARE)
    async def share(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        pushed = await client.views_push(trigger_id=body["trigger_id"], view=render.notice("Share", "Sharing…"))
        match = SHARE.fullmatch(action["action_id"])
        assert match is not None
        say = notice_in(client, pushed["view"]["id"], "Share")
        await guarded(say, share_drill(slack, body, row_id(match["drill"]), say), "share")

    @app.command("/classify")
    async def classify(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await behind_loading(
            client, body, "Classify", lambda view_id: offer_classify(slack, body, view_id), "/classify"
        )

    @app.action(CLASSIFY)
    async def classified(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any) -> None:
        await ack()
        match = CLASSIFY.fullmatch(action["action_id"])
        assert match is not None
        say = notice_in(client, body["view"]["id"], "Classify")
        await guarded(say, check_guess(slack, body, match["qid"], match["type"], say), "classify")

    @app.command("/framework")
    async def framework(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        wanted = (body.get("text") or "").strip().lower()
        qtype = slack.services.bank.types.get(wanted)
        if qtype is None:
            said = f"`{render.escape(wanted)}` is not a question type. " if wanted else ""
            view = render.notice("Framework", f"{said}Name one: `/framework coding`. Types: {', '.join(TYPE_IDS)}.")
        else:
            view = render.modal("gb:framework", "Framework", render.framework_blocks(qtype))
        await client.views_open(trigger_id=body["trigger_id"], view=view)


def question_view(question: Question, slack: SlackContext, space: str) -> dict[str, Any]:
    """The drill question and its answer field; a Hint button when it has a hint."""
    qtype = slack.services.bank.types.get(question.type)
    blocks = render.question_blocks("Drill", question, qtype)
    if question.hint:
        blocks.append({"type": "actions", "elements": [render.button("💡 Hint", f"gb:hint:{question.id}")]})
    limit = slack.services.platforms.of(space).answer_limit
    field = render.answer_modal(DRILL_ANSWER_FORM, TITLE, f"Up to {limit} characters.", question.id, limit)
    return render.modal(DRILL_ANSWER_FORM, TITLE, [*blocks, *field["blocks"]], submit="Send", metadata=question.id)


async def open_drill(slack: SlackContext, body: dict[str, Any], view_id: str) -> None:
    space, member = team_of(body), member_ref(user_of(body))
    chosen = commands.options(body.get("text") or "", DRILL_OPTIONS)
    drills = slack.services.drills
    if chosen.get("question"):
        question = drills.question(space, chosen["question"])
    else:
        difficulty = chosen.get("difficulty")
        if difficulty is not None and not difficulty.isdigit():
            raise InvalidInput(f"Difficulty {difficulty} does not exist. Pick 1 (easy), 2 (medium) or 3 (hard).")
        question = await drills.next_drill(
            space, member, chosen.get("type"), chosen.get("topic"), int(difficulty) if difficulty else None
        )
    await slack.client.views_update(view_id=view_id, view=question_view(question, slack, space))


async def feedback(slack: SlackContext, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """Store the answer, then show it beside the key points, with Score yourself and Share."""
    space, member = team_of(body), member_ref(user_of(body))
    text = render.answer_text(view.get("state", {}).get("values", {}))
    drill = await slack.services.drills.answer(space, member, str(view.get("private_metadata", "")), text)
    question = slack.services.bank.questions[drill.question_id]
    blocks = [
        render.section("*Your answer*"),
        render.section(render.escape(drill.answer)),
        *render.key_points_blocks(question.key_points, question.follow_ups, question.long_form),
        render.context("Compare, then score yourself honestly: weak answers come back sooner."),
        {
            "type": "actions",
            "elements": [
                render.button("🎯 Score yourself", f"gb:drillscore:{drill.id}:{question.id}", style="primary"),
                render.button("📣 Share for peer votes", f"gb:share:{drill.id}"),
            ],
        },
    ]
    return render.modal("gb:drillkey", TITLE, blocks)


async def self_score(slack: SlackContext, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    space, member = team_of(body), member_ref(user_of(body))
    scores = render.rubric_scores(view.get("state", {}).get("values", {}))
    drills = slack.services.drills
    receipt = await drills.score(space, member, row_id(str(view.get("private_metadata", ""))), scores)
    due = await drills.due_count(space, member)
    text = (
        f"Self-score {sum(receipt.scores.values())}/{2 * len(receipt.criteria)} ({receipt.rating}). "
        f"This question comes back {render.slack_date(receipt.due_at)}. Cards due now: {due}. "
        "Run /drill for the next one."
    )
    return render.notice(TITLE, text)


async def share_drill(slack: SlackContext, body: dict[str, Any], drill_id: int, say: Any) -> None:
    user, space = user_of(body), team_of(body)
    rnd = await slack.services.drills.share(space, member_ref(user), await slack.name_of(space, user), drill_id)
    slack.jobs.wake_soon()
    await say(f"Shared for peer votes for 24 hours in the grill channel (round {rnd.id}).")


async def offer_classify(slack: SlackContext, body: dict[str, Any], view_id: str) -> None:
    question = await slack.services.drills.classify_question(team_of(body), member_ref(user_of(body)))
    types = slack.services.bank.types
    buttons = [render.button(render.type_name(types.get(t), t), f"gb:cls:{question.id}:{t}") for t in TYPE_IDS]
    blocks = [
        render.section("*Which type of question is this?*"),
        render.section(render.escape(question.prompt)),
        {"type": "actions", "elements": buttons},
    ]
    await slack.client.views_update(view_id=view_id, view=render.modal("gb:classify", "Classify", blocks))


async def check_guess(slack: SlackContext, body: dict[str, Any], question_id: str, type_id: str, say: Any) -> None:
    result = await slack.services.drills.classify(team_of(body), member_ref(user_of(body)), question_id, type_id)
    mark = "✅" if result.correct else "❌"
    accuracy = result.accuracy
    await say(
        f"{mark} {result.reason}\nYour accuracy: {accuracy.correct}/{accuracy.attempts}. Run /classify for another."
    )
