"""Fixtures for driving the Discord layer through discord.py's own objects (see gateway.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from discord.webhook.async_ import async_context

from tests.discord.gateway import Client, make_client


@pytest.fixture
async def client(services, db_path) -> AsyncIterator[Client]:
    """A bot wired to the test's services, answering interactions into a recorder."""
    client, adapter = await make_client(services, db_path)
    yield client
    await client.bot.close()
    async_context.reset(adapter)
