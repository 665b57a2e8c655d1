"""What `/grill` tells an admin, worded once for every front end.

A front end passes in what only it can write (a channel mention, a date in its own format, its
word for a space) and sends the text as its own reply, led by any fault (`render.fault_warning`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.core.platform import Platform
from bot.core.services.library import ImportReceipt
from bot.core.services.rounds import CloseReport
from bot.core.services.steps import StepOutcome
from bot.core.text import plural

PAUSED = "Paused. The open round (if any) still closes on time. /grill resume starts posting again."
TIMING_CHANGED = "Applies from the next round."
TIMING_UNCHANGED = "Nothing changed; current settings:"


def resumed(next_post: str | None) -> str:
    """`next_post`: the next post time as the platform shows a date, None when none is scheduled."""
    return f"Resumed. Next post {next_post or 'not scheduled'}."


def skipped(day: date) -> str:
    return f"No question will be posted on {day.isoformat()}."


def imported(receipt: ImportReceipt, title: str, type_name: Callable[[str], str], platform: Platform) -> str:
    """`/grill import`: `title` is the pack's title as the platform shows it (bold, made safe),
    `type_name` a type id's name there."""
    counts = ", ".join(f"{n} {type_name(t).lower()}" for t, n in receipt.per_type.items())
    verb = "Replaced" if receipt.replaced else "Imported"
    return platform.words(
        f"{verb} pack {title} (`{receipt.pack.id}`): {plural(len(receipt.pack.questions), 'question')} "
        f"({counts}). They join this {{space}}'s daily grill, /drill and /classify."
    )


def closed(report: CloseReport, where: str) -> str:
    """`/grill close`: scored, and whether its results went out; `where` names the round's thread."""
    if report.delivery.outcome is StepOutcome.DONE and report.results.round.results_ref is not None:
        return f"Closed. Results are in {where}."
    if report.delivery.outcome is StepOutcome.BUSY:
        return "Closed. Its results are being posted (or already were) in the round's thread."
    return (
        f"Closed and scored, but posting the results failed: {report.delivery.error}. "
        "I'll retry on my own; nothing is lost."
    )
