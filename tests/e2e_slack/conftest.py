"""Fixtures for the Slack e2e tests: a running Slack double, a small workspace, and bot processes.

After every test that launched a bot, `launch_bot` fails it if an envelope was acknowledged later than
2.5 s (or never), if the bot called a method the double does not know, or if anything it sent could
ping (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`, `<@U…>`). Ack latencies and REST counts
are gathered over the run and printed at the end (`pytest_terminal_summary`).
"""

from __future__ import annotations

import inspect
import json
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ACK_LIMIT, E2E_TEST_TIMEOUT, _bounded
from tests.e2e.process import BOT_ARGV
from tests.e2e_slack.fake_slack import FakeSlack
from tests.e2e_slack.harness import PING, Actor, Harness
from tests.e2e_slack.manifest import find_manifest
from tests.e2e_slack.process import SlackBotProcess
from tests.e2e_slack.slack_state import Channel

HERE = Path(__file__).parent
# The flow tests drive bot/slack_ui; on a tree without it they are skipped (never silently passed).
needs_adapter = pytest.mark.skipif(
    not (HERE.parents[1] / "bot" / "slack_ui" / "app.py").is_file(), reason="no Slack front end (bot/slack_ui) here"
)
LaunchBot = Callable[..., Awaitable[SlackBotProcess]]
ACK_LATENCIES: list[float] = []  # every acknowledged envelope of the run, seconds
FIGURES: dict[str, Any] = {}  # named figures tests record for the summary (REST calls per round, ...)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: runs the bot as a process against a local double")
    config.addinivalue_line("markers", "e2e_timeout(seconds): a longer bound for an e2e test that waits on a clock")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Bound every e2e test here by E2E_TEST_TIMEOUT, as tests/e2e does for its own."""
    for item in items:
        test = getattr(item, "obj", None)
        if (
            HERE in Path(str(item.fspath)).parents
            and item.get_closest_marker("e2e")
            and inspect.iscoroutinefunction(test)
        ):
            longer = item.get_closest_marker("e2e_timeout")
            if getattr(test, "__wrapped__", None) is None:
                item.obj = _bounded(test, longer.args[0] if longer else E2E_TEST_TIMEOUT)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not ACK_LATENCIES and not FIGURES:
        return
    write = terminalreporter.write_line
    write("---- Slack double: ack latencies ----")
    if ACK_LATENCIES:
        ordered = sorted(ACK_LATENCIES)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        write(
            f"{len(ordered)} envelopes acked: p50 {statistics.median(ordered) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
        )
    for name, value in FIGURES.items():
        write(f"{name}: {json.dumps(value)}")


@dataclass(frozen=True, slots=True)
class Workspace:
    grill: Channel  # #grill, the bot is in it
    admin: Actor  # a workspace admin
    member: Actor


@pytest.fixture
async def slack() -> AsyncIterator[Harness]:
    manifest = find_manifest()
    async with FakeSlack(subscriptions=manifest.bot_events if manifest else None) as fake:
        yield Harness(fake, manifest)


@pytest.fixture
def workspace(slack: Harness) -> Workspace:
    grill = slack.add_channel("grill")
    admin = slack.add_user("alice", admin=True, channels=[grill])
    member = slack.add_user("bob", channels=[grill])
    return Workspace(grill, admin, member)


def pings(slack: Harness) -> list[tuple[str, str]]:
    """Outgoing text Slack would parse for mentions (message text, mrkdwn objects; plain_text is shown
    literally) that holds one: the bot never pings, and members' text in the tests carries the tokens."""
    return [(where, m.group(0)) for where, text in slack.outgoing() for m in PING.finditer(text)]


def risky_post_flags(slack: Harness) -> list[dict[str, Any]]:
    """chat.postMessage/update calls that would turn names into mentions (link_names, parse=full)."""
    return [
        c.args
        for c in slack.api.calls()
        if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
        and (str(c.args.get("link_names", "")).lower() in ("1", "true") or c.args.get("parse") == "full")
    ]


@pytest.fixture
async def launch_bot(slack: Harness, tmp_path: Path) -> AsyncIterator[LaunchBot]:
    """`bot = await launch_bot()` starts the real bot and waits for its Socket Mode hello."""
    launched: list[SlackBotProcess] = []

    async def launch(
        argv: Sequence[str] = BOT_ARGV, *, env: dict[str, str] | None = None, **start: Any
    ) -> SlackBotProcess:
        workdir = tmp_path / f"bot{len(launched)}"
        workdir.mkdir()
        bot = SlackBotProcess(slack.fake, workdir, argv=argv, env=env)
        launched.append(bot)
        await bot.start(**start)
        return bot

    yield launch
    for bot in launched:
        if bot.process is not None:
            await bot.stop()
        print(f"---- {bot.argv} output (tail) ----\n{bot.tail(200)}")
    refused = [(c.method, c.error, c.response.get("response_metadata")) for c in slack.api.calls(ok=False)]
    print(f"---- Web API calls the double refused ----\n{refused}")
    ACK_LATENCIES.extend(slack.socket.latencies())
    late = [(e.type, e.payload.get("type"), e.latency) for e in slack.socket.slow(ACK_LIMIT)]
    assert late == [], f"envelopes acknowledged after {ACK_LIMIT} s, or never: {late}"
    assert [c.method for c in slack.api.unknown] == [], "the bot called methods the double does not know"
    assert pings(slack) == [], "the bot sent text that pings"
    assert risky_post_flags(slack) == [], "the bot asked Slack to link names"
