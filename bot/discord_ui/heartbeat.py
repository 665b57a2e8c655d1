"""The gateway heartbeat (bot/heartbeat.py) with discord.py's view of the session as its probe."""

from __future__ import annotations

import discord

from bot.heartbeat import Heartbeat


class GatewayHeartbeat(Heartbeat):
    async def beat_client(self, client: discord.Client) -> bool:
        return await self.beat_with(lambda: _session(client))

    def start(self, client: discord.Client) -> None:
        self.run_with(lambda: _session(client), "gateway-heartbeat")


async def _session(client: discord.Client) -> tuple[bool, bool, float]:
    ws = client.ws
    return client.is_ready(), ws is not None and ws.open, client.latency
