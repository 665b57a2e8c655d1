"""The gateway heartbeat (bot/heartbeat.py) with discord.py's view of the session as its probe."""

from __future__ import annotations

import discord

from bot.heartbeat import Heartbeat


def sockets_open(client: discord.Client) -> bool:
    """The websocket is open; for a sharded client, every one of this process's shards' sockets."""
    if isinstance(client, discord.AutoShardedClient):
        return bool(client.shards) and all(not shard.is_closed() for shard in client.shards.values())
    ws = client.ws
    return ws is not None and ws.open


class GatewayHeartbeat(Heartbeat):
    async def beat_client(self, client: discord.Client) -> bool:
        return await self.beat_with(lambda: _session(client))

    def start(self, client: discord.Client) -> None:
        self.run_with(lambda: _session(client), "gateway-heartbeat")


async def _session(client: discord.Client) -> tuple[bool, bool, float]:
    return client.is_ready(), sockets_open(client), client.latency
