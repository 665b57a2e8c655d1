"""What the core's rules and messages need to know about a front end: its words and its limits.

Each front end supplies its `Platform` (bot/discord_ui/platform.py, bot/slack_ui/...) to
`open_services`; the core picks a space's platform from the prefix of its id (`discord:<guild>`,
`slack:<team>`) and words its messages with it, so a Slack member reads "workspace" where a Discord
member reads "server", and an answer is held to the length the platform's forms take.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Platform:
    name: str  # its spaces' ids are "<name>:<id>"
    space: str = "server"  # what its members call a space: "server", "workspace"
    answer_limit: int = 4000  # the longest answer its answer form takes (Discord 4000, Slack 3000)

    def words(self, template: str) -> str:
        """A core message template with its `{space}` filled in."""
        return template.format(space=self.space)


DEFAULT = Platform(name="")  # spaces of no registered front end (the terminal, tests): today's words


class Platforms:
    """The front ends this process serves, looked up by space id."""

    def __init__(self, *known: Platform, default: Platform = DEFAULT) -> None:
        self._by_name = {p.name: p for p in known}
        self.default = default

    def of(self, space_id: str) -> Platform:
        name, sep, _ = space_id.partition(":")
        return self._by_name.get(name, self.default) if sep else self.default

    def words(self, space_id: str, template: str) -> str:
        """`template` worded for `space_id`'s platform."""
        return self.of(space_id).words(template)
