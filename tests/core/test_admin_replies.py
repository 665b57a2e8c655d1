"""What /grill tells an admin, the same words on every front end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.core import admin_replies
from bot.core.models import Criterion, QuestionSnapshot, Round, RoundResults, RoundState
from bot.core.services.rounds import CloseReport
from bot.core.services.steps import StepOutcome, StepRun


def closed_round() -> Round:
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    question = QuestionSnapshot("q", "coding", "Prompt?", (), 1, (), (), (Criterion("c", "C", "d"),))
    return Round(1, "slack:T0A", "daily", None, RoundState.CLOSED, question, "C0G", "m", "t", at, at, at)


def report(outcome: StepOutcome, results_ref: str | None = "r", error: str | None = None) -> CloseReport:
    rnd = replace(closed_round(), results_ref=results_ref)
    return CloseReport(RoundResults(rnd, ()), StepRun(outcome, error))


def test_close_says_where_the_results_are_or_why_they_are_not_there_yet():
    assert admin_replies.closed(report(StepOutcome.DONE), "the round's thread") == (
        "Closed. Results are in the round's thread."
    )
    assert admin_replies.closed(report(StepOutcome.DONE, results_ref=None), "x").startswith("Closed and scored")
    assert admin_replies.closed(report(StepOutcome.BUSY), "x") == (
        "Closed. Its results are being posted (or already were) in the round's thread."
    )
    failed = admin_replies.closed(report(StepOutcome.RETRY, error="channel_not_found"), "x")
    assert failed == (
        "Closed and scored, but posting the results failed: channel_not_found. I'll retry on my own; nothing is lost."
    )


def test_resume_and_skip_name_the_platforms_date_or_the_day():
    assert admin_replies.resumed("<!date^1764493200^{date_long} {time}|Dec 1>") == (
        "Resumed. Next post <!date^1764493200^{date_long} {time}|Dec 1>."
    )
    assert admin_replies.resumed(None) == "Resumed. Next post not scheduled."
    assert admin_replies.skipped(date(2026, 12, 25)) == "No question will be posted on 2026-12-25."
