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
