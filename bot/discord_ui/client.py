"""The Discord client: wiring at `setup_hook`, once per process (on_ready fires on every re-identify)."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import logging
import pkgutil

import discord
from discord.ext import commands

import cogs
from bot.app import Runtime, Services
from bot.charts import ChartRenderer
from bot.core.round_cache import RoundCache
from bot.discord_ui.errors import GrillTree
from bot.discord_ui.heartbeat import GatewayHeartbeat
from bot.discord_ui.limiter import RateLimiter
from bot.discord_ui.modals import ModalRouter
from bot.discord_ui.publisher import DiscordPublisher
from bot.discord_ui.refs import PREFIX
from bot.discord_ui.voting import (
    ANSWER_FORM,
    DYNAMIC_ITEMS,
    QUESTION_ITEMS,
    RATING_FORM,
    submit_answer_form,
    submit_rating,
)
from bot.jobs import GrillJobs
from bot.settings import Settings
from bot.storage.meta import MetaRepo

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guilds and guild messages (thread answers), plus the privileged message content intent:
    without it, message text in threads arrives empty."""
    chosen = discord.Intents.default()
    chosen.message_content = True
    chosen.presences = False
    chosen.typing = False
    return chosen


# After READY, discord.py dispatches on_ready once no GUILD_CREATE came for this long (its default
# is 2 s, most of a start). Discord streams a session's guilds right after READY; a guild that comes
# later is still cached when it comes, and the on_ready backfill fetches a thread it does not have.
GUILD_READY_TIMEOUT = 0.3


class GrillBot(commands.Bot):
    services: Services
    jobs: GrillJobs
    heartbeat: GatewayHeartbeat

    def __init__(self, settings: Settings, runtime: Runtime | None = None) -> None:
        """`runtime` is what this process's front ends share (bot.frontends builds it); tests that
        never log in leave it out."""
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            tree_cls=GrillTree,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            guild_ready_timeout=GUILD_READY_TIMEOUT,
        )
        self.settings = settings
        self.runtime = runtime
        self.round_cache = RoundCache()
        self.modal_router = ModalRouter()
        self.limiter = RateLimiter()
        self.charts = ChartRenderer()
        self._shutdown: asyncio.Future[None] | None = None

    async def setup_hook(self) -> None:
        assert self.runtime is not None, "a GrillBot that logs in is started by bot.frontends"
        self.services = self.runtime.services
        self.runtime.publishers.add(PREFIX, DiscordPublisher(self, self.limiter))
        for problem in self.services.bank.problems:
            log.warning("content problem, pack refused: %s", problem)
        log.info("loaded %d questions from %d packs", len(self.services.bank.questions), len(self.services.bank.packs))
        self.heartbeat = GatewayHeartbeat(MetaRepo(self.services.db), self.services.clock)
        await self.heartbeat.forget()
        self.heartbeat.start(self)
        self.add_dynamic_items(*DYNAMIC_ITEMS, *QUESTION_ITEMS)
        self.modal_router.add(RATING_FORM, submit_rating)
        self.modal_router.add(ANSWER_FORM, submit_answer_form)
        for rnd in await self.services.grill.due_rounds():
            self.round_cache.remember(rnd)
        self.jobs = self.runtime.jobs
        await self.load_cogs()
        await self.sync_commands()

    async def start_jobs(self) -> None:
        """Start the step runner once, at the first READY. Closes of rounds still being read back wait
        for their read-back (the publisher's `caught_up`), so overdue closes count every answer.
        Another front end of the process may have started them already."""
        if self.runtime is not None:
            self.runtime.publishers.mark_ready(PREFIX)
        if not self.jobs.scheduler.running:
            await self.jobs.start()

    async def load_cogs(self) -> None:
        """Load every module in `cogs/` that has a `setup`; names starting with `_` are helpers."""
        for module in pkgutil.iter_modules(cogs.__path__):
            if module.name.startswith("_"):
                continue
            name = f"{cogs.__name__}.{module.name}"
            if hasattr(importlib.import_module(name), "setup"):
                await self.load_extension(name)

    async def sync_commands(self) -> None:
        """Sync slash commands only when their definitions changed (Discord caps creates at 200 a day)."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands:{self.application_id}:{guild.id if guild else 'global'}"
        meta = MetaRepo(self.services.db)
        if await meta.get(key) == digest:
            log.info("slash commands unchanged; not syncing")
            return
        synced = await self.tree.sync(guild=guild)
        await meta.put(key, digest)
        log.info("synced %d slash commands (%s)", len(synced), "dev guild" if guild else "global")

    async def on_ready(self) -> None:
        """Log, and record the heartbeat as soon as a session is ready, not up to 30 s later (throttled)."""
        log.info("ready in %d servers", len(self.guilds))  # every identify; bench/footprint.py times the first
        await self.heartbeat.beat_client(self)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.modal_router.dispatch(interaction)

    async def __aexit__(self, *exc_info: object) -> None:
        # discord.py's own __aexit__ waits only for its part of close(); ours also stops the charts.
        await self.close()

    async def close(self) -> None:
        """Shut down once, however many callers (a signal, `async with`) ask: every caller waits for
        the same shutdown, so the bot is down before the runtime closes the database."""
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._close_everything())
        await asyncio.shield(self._shutdown)

    async def _close_everything(self) -> None:
        if hasattr(self, "jobs"):  # setup_hook may have failed before it was built
            self.jobs.shutdown()
        if hasattr(self, "heartbeat"):
            await self.heartbeat.stop()
        await super().close()
        await asyncio.to_thread(self.charts.close)
