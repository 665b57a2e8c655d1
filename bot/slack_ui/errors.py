"""One place that turns errors into what a member sees, for commands, buttons and modals alike."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError

from bot.core.errors import DomainError

log = logging.getLogger(__name__)

Say = Callable[[str], Awaitable[object]]


def user_text(error: BaseException) -> str | None:
    """The member-facing sentence for an expected error, or None for a bug."""
    if isinstance(error, DomainError):
        return error.message
    return None


def failure_text(error: BaseException, where: str) -> str:
    """What to tell the member about `error`; an unexpected one is logged with a short reference they can quote."""
    text = user_text(error)
    if text is None:
        ref = secrets.token_hex(3)
        log.error("unexpected error [ref %s] in %s", ref, where, exc_info=error)
        text = f"Something went wrong on my side (ref `{ref}`). Nothing you did was lost; try again in a moment."
    return text


async def report(say: Say, error: BaseException, where: str) -> None:
    """Tell the member (through `say`) what went wrong."""
    text = failure_text(error, where)
    try:
        await say(text)
    except SlackApiError as failed:
        log.warning("could not deliver an error message for %s: %s", where, failed.response.get("error"))


async def guarded(say: Say, work: Awaitable[None], where: str) -> None:
    """Run the work that follows an ack; any error reaches the member through `say`."""
    try:
        await work
    except Exception as error:
        await report(say, error, where)
