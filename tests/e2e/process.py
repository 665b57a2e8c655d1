"""The bot under test as a real subprocess, pointed at the double through environment variables."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from tests.e2e.fake_discord import FakeDiscord

REPO_ROOT = Path(__file__).resolve().parents[2]
BOT_ARGV = (sys.executable, "-m", "bot", "run")
MINIMAL_BOT_ARGV = (sys.executable, "-m", "tests.e2e.minimal_bot")
T = TypeVar("T")


class BotProcess:
    """Start, stop, kill and restart the bot; its output goes to `log_path` and `lines`.

    The bot runs in `workdir` (so a developer's `.env` is not read) with PYTHONPATH at the repo root.
    """

    def __init__(
        self,
        fake: FakeDiscord,
        workdir: Path,
        *,
        argv: Sequence[str] = BOT_ARGV,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.fake, self.workdir, self.argv = fake, workdir, tuple(argv)
        self.db_path = workdir / "grillbot.db"
        self.log_path = workdir / "bot.log"
        self.extra_env = dict(env or {})
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def environment(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "GRILLBOT_"))}
        return (
            inherited
            | {
                "DISCORD_TOKEN": self.fake.token,
                "GRILLBOT_DB": str(self.db_path),
                "GRILLBOT_DISCORD_API_BASE": self.fake.api_base,
                "GRILLBOT_DISCORD_GATEWAY": self.fake.gateway_url,
                "GRILLBOT_LOG_LEVEL": "DEBUG",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
                "PYTHONUNBUFFERED": "1",
            }
            | self.extra_env
        )

    async def start(self, *, within: float = 20.0, wait_for_commands: bool = True) -> None:
        """Launch and wait until the bot IDENTIFYed and got READY + GUILD_CREATEs (and has commands registered)."""
        readies = self.fake.gateway.counts["ready"]
        await self._launch()
        await self._wait(lambda: self.fake.gateway.counts["ready"] > readies, within, "IDENTIFY and READY")
        if wait_for_commands:
            await self._wait(lambda: self.fake.state.commands, within, "registered application commands")

    async def run_to_exit(self, *, within: float = 20.0) -> int:
        """Launch and wait for the process to end by itself (a start-up failure); returns its exit code."""
        await self._launch()
        assert self.process is not None
        await asyncio.wait_for(self.process.wait(), within)
        return await self._reap()

    async def _launch(self) -> None:
        if self.running:
            raise RuntimeError("the bot is already running")
        self.lines.append(f"==== start: {' '.join(self.argv)}\n")
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.workdir,
            env=self.environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # a signal to the bot never reaches pytest
            limit=1 << 24,  # discord.py's DEBUG lines carry whole payloads
        )
        self._reader = asyncio.create_task(self._read_output(self.process))

    async def stop(self, sig: signal.Signals = signal.SIGTERM, *, within: float = 10.0) -> int:
        """Ask the bot to shut down (SIGTERM or SIGINT); kill it if it has not exited `within` seconds."""
        if self.process is None:
            raise RuntimeError("the bot was never started")
        if self.running:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), within)
            except TimeoutError:
                self.process.kill()
        return await self._reap()

    async def kill(self) -> int:
        """kill -9: no shutdown code runs, the gateway session is left resumable."""
        if self.process is not None and self.running:
            self.process.kill()
        return await self._reap()

    async def restart(self, *, graceful: bool = True, within: float = 20.0) -> None:
        await (self.stop() if graceful else self.kill())
        await self.start(within=within)

    async def wait_for_log(self, pattern: str, *, count: int = 1, within: float = 10.0) -> list[str]:
        """Wait until `count` output lines match the regex `pattern`; returns those lines."""
        regex = re.compile(pattern)

        def matching() -> list[str] | None:
            found = [line for line in self.lines if regex.search(line)]
            return found if len(found) >= count else None

        return await self._wait(matching, within, f"{count} log line(s) matching {pattern!r}")

    def tail(self, lines: int = 80) -> str:
        return "".join(self.lines[-lines:])

    async def _wait(self, predicate: Callable[[], T | None], within: float, what: str) -> T:
        def done() -> T | None:
            if (
                self.process is not None
                and self.process.returncode is not None
                and self._reader
                and self._reader.done()
            ):
                raise RuntimeError(f"the bot exited with {self.process.returncode} before {what}:\n{self.tail()}")
            return predicate()

        try:
            return await self.fake.state.changes.wait_until(done, within=within, what=f"the bot: {what}")
        except TimeoutError as error:
            raise TimeoutError(f"{error}\n---- bot output (tail) ----\n{self.tail()}") from None

    async def _read_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        with self.log_path.open("ab") as log:
            async for raw in process.stdout:
                log.write(raw)
                self.lines.append(raw.decode(errors="replace"))
                self.fake.state.changes.notify()
        await process.wait()
        self.fake.state.changes.notify()

    async def _reap(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        if self._reader is not None:
            await self._reader
        return code
