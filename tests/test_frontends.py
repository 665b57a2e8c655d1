"""`python -m bot run`: every front end whose tokens are set, on one runtime; one that stops stops all."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import FrontEndRefused
from bot.frontends import platforms, run_all
from bot.settings import Settings


class FakeFrontEnd:
    def __init__(self, name: str, refuse: str | None = None) -> None:
        self.name = name
        self.refuse = refuse
        self.closed = asyncio.Event()

    async def serve(self) -> None:
        if self.refuse:
            raise FrontEndRefused(self.refuse)
        await self.closed.wait()

    async def close(self) -> None:
        self.closed.set()


def test_the_platforms_served_follow_the_tokens_set():
    assert [p.name for p in platforms(Settings())] == []
    assert [p.name for p in platforms(Settings(token="d"))] == ["discord"]
    both = Settings(token="d", slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    assert [(p.name, p.space, p.answer_limit) for p in platforms(both)] == [
        ("discord", "server", 4000),
        ("slack", "workspace", 3000),
    ]


async def test_a_refused_front_end_closes_the_others_and_its_fix_reaches_the_caller():
    discord, slack = FakeFrontEnd("Discord"), FakeFrontEnd("Slack", refuse="Slack refused SLACK_BOT_TOKEN")
    with pytest.raises(FrontEndRefused, match="Slack refused SLACK_BOT_TOKEN"):
        await asyncio.wait_for(run_all([discord, slack]), 5)
    assert discord.closed.is_set()


async def test_front_ends_run_together_until_one_stops():
    discord, slack = FakeFrontEnd("Discord"), FakeFrontEnd("Slack")
    running = asyncio.create_task(run_all([discord, slack]))
    await asyncio.sleep(0.05)
    assert not running.done()
    await slack.close()
    await asyncio.wait_for(running, 5)
    assert discord.closed.is_set()
