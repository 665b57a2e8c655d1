"""Domain errors: each carries a stable code and a sentence that tells the member what to do."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"


class RoundClosed(DomainError):
    code = "round_closed"


class SelfVote(DomainError):
    code = "self_vote"


class AlreadyPosted(DomainError):
    code = "already_posted"


class NotConfigured(DomainError):
    code = "not_configured"


class SpaceFault(DomainError):
    """The platform refused a step for a reason an admin can fix; the message says how.

    `pauses` is set when the grill cannot go on until the admin acts (its channel was deleted)."""

    code = "space_fault"

    def __init__(self, message: str, *, pauses: bool = False) -> None:
        super().__init__(message)
        self.pauses = pauses


class StepRefused(DomainError):
    """A step that can never succeed as things stand (the space was unconfigured): no retry."""

    code = "step_refused"


class StepNotReady(DomainError):
    """A step must wait, unrun and without counting an attempt (answers are still being read back)."""

    code = "step_not_ready"
