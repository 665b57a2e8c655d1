"""Command line: `python -m bot [run | content check [PATHS] | practice | db migrate | db copy | health]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.core.content import (
    Bank,
    ContentError,
    Problem,
    add_pack_file,
    area_table,
    coverage_table,
    load_areas,
    load_bank,
    load_frameworks,
    pack_files,
    refuse_broken_long_forms,
)
from bot.core.health import judge
from bot.core.models import TYPE_IDS, Question
from bot.core.ports import Clock, SystemClock
from bot.log import setup_logging
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")


def main(argv: list[str] | None = None, clock: Clock | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="grillbot: interview practice for study groups")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("run", help="run the bot on every platform whose tokens are set (default)")
    practice = commands.add_parser("practice", help="drill in the terminal, no chat platform needed")
    practice.add_argument("--type", dest="type_id", metavar="TYPE", help=f"one of: {', '.join(TYPE_IDS)}")
    practice.add_argument("--topic", help="a topic id, for example kv-cache")
    practice.add_argument("--difficulty", type=int, metavar="N", help="1 easy, 2 medium, 3 hard")
    practice.add_argument("--pack", type=Path, metavar="FILE", help="validate this pack and drill only from it")
    practice.add_argument("--member", help="whose practice record to use (default: your OS user name)")
    content = commands.add_parser("content", help="content tools")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="validate question packs and print coverage")
    check.add_argument("paths", nargs="*", type=Path, help="pack files or folders (default: the shipped content)")
    db = commands.add_parser("db", help="database tools")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("migrate", help="apply schema migrations")
    copy = db_commands.add_parser(
        "copy", help="copy a SQLite database into an empty PostgreSQL one and verify it (stop the bot first)"
    )
    copy.add_argument("--from", dest="source", type=Path, required=True, metavar="FILE", help="the SQLite file")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="postgresql://user:password@host/db")
    commands.add_parser(
        "health", help="exit 0 if the database answers and the gateway heartbeat is fresh, 1 with the reason if not"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    quiet = args.command in ("content", "practice", "db", "health")  # a person (or a health probe) reads the output
    setup_logging(settings.log_level or ("WARNING" if quiet else "INFO"), settings.log_file)

    if args.command == "health":
        return check_health(settings, clock or SystemClock())
    if args.command == "content":
        return check_content(settings, args.paths)
    if args.command == "db" and args.db_command == "copy":
        return asyncio.run(copy_database(args.source, args.target, clock or SystemClock()))
    if args.command == "db":
        return asyncio.run(migrate(settings))
    if args.command == "practice":
        return run_practice(settings, args)
    return run_front_ends(settings)


def check_health(settings: Settings, clock: Clock) -> int:
    """For a Docker HEALTHCHECK: 0 when healthy, 1 with the reason on stderr (Docker reserves 2)."""
    from bot.storage.health import DatabaseUnavailable, read_heartbeat

    try:
        heartbeat = read_heartbeat(settings.database)
    except DatabaseUnavailable as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    health = judge(clock.now(), heartbeat)
    if not health.ok:
        print(f"unhealthy: {health.reason}", file=sys.stderr)
        return 1
    print(f"healthy: database answers; {health.reason}")
    return 0


def check_content(settings: Settings, paths: list[Path]) -> int:
    """Validate packs; print every problem as file:line, or the coverage table when clean."""
    try:
        bank = Bank(types=load_frameworks(settings.content_dir / "frameworks.yaml"))
    except ContentError as exc:
        _print_problems(exc.problems)
        return 1
    targets = list(pack_files(paths or [settings.content_dir / "questions"]))
    if not targets:
        print("No pack files (*.yaml) found.", file=sys.stderr)
        return 1
    for path in targets:
        add_pack_file(bank, path)
    # A pack checked on its own may name a shipped question as its long form.
    shipped = {} if not paths else _shipped_questions(settings)
    refuse_broken_long_forms(bank, shipped)
    areas, area_problems = load_areas(settings.content_dir / "areas.yaml")
    bank.problems.extend(area_problems)
    if bank.problems:
        _print_problems(bank.problems)
        print(
            f"\n{len(bank.problems)} problem(s); {len(bank.packs)} of {len(targets)} pack(s) loaded.", file=sys.stderr
        )
        return 1
    print(coverage_table(bank))
    if areas:
        print()
        print(area_table(bank, areas))
    print(f"\nOK: {len(bank.questions)} questions in {len(bank.packs)} pack(s).")
    return 0


def _shipped_questions(settings: Settings) -> dict[str, Question]:
    try:
        return dict(load_bank(settings.content_dir).questions)
    except ContentError:
        return {}


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


async def migrate(settings: Settings) -> int:
    from bot.storage.engine import open_database

    async with open_database(settings.database) as db:
        print(f"{db.describe()}: schema version {await db.version()}")
    return 0


async def copy_database(source: Path, target: str, clock: Clock) -> int:
    from bot.db_copy import copy_command

    return await copy_command(source, target, clock, warn=lambda line: print(line, file=sys.stderr))


def run_practice(settings: Settings, args: argparse.Namespace) -> int:
    from bot.terminal.practice import PracticeOptions, default_member
    from bot.terminal.practice import run_practice as run_session

    options = PracticeOptions(args.member or default_member(), args.type_id, args.topic, args.difficulty, args.pack)
    return run_session(options, settings.database, settings.content_dir)


def run_front_ends(settings: Settings) -> int:
    from bot.frontends import run

    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
