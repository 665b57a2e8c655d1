from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.core.content import Bank, load_bank
from tests import pg
from tests.fakes import FakeClock, FakePublisher

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
SHIPPED_CONTENT = Path(__file__).parent.parent / "content"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pg: runs against PostgreSQL (GRILLBOT_TEST_PG)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many tests ran against PostgreSQL: CI must see a number, not a silent skip."""
    reports = [
        r
        for key in ("passed", "failed", "skipped", "error")
        for r in terminalreporter.stats.get(key, [])
        if getattr(r, "when", "") in ("call", "setup") and "pg" in getattr(r, "keywords", {})
    ]
    ran = [r for r in reports if r.when == "call"]
    skipped = [r for r in reports if r.skipped]
    failed = [r for r in ran if r.failed]
    if ran:
        terminalreporter.write_line(f"PostgreSQL: {len(ran)} tests ran against PostgreSQL ({len(failed)} failed)")
    elif skipped:
        terminalreporter.write_line(f"PostgreSQL: {len(skipped)} tests skipped (GRILLBOT_TEST_PG is not set)")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # a Monday


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def bank() -> Bank:
    """A fresh bank per test: importing a pack changes the bank a test holds."""
    return load_bank(FIXTURE_CONTENT)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    """A SQLite file: for tests of SQLite itself. Store and service tests take `database`."""
    return str(tmp_path / "grillbot.db")


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[pg.Databases]:
    """One migrated template per run, copied for every PostgreSQL test."""
    databases = pg.Databases()
    yield databases
    databases.close()


@pytest.fixture(params=pg.ENGINES)
async def database(request: pytest.FixtureRequest, db_path: str) -> AsyncIterator[str]:
    """Where the test's store lives: a SQLite file, or a fresh PostgreSQL database (its URL)."""
    if request.param == "sqlite":
        yield db_path
        return
    databases: pg.Databases = request.getfixturevalue("pg_databases")
    url = await databases.take()
    yield url
    databases.give_back(url)


@pytest.fixture
async def services(database: str, clock: FakeClock, publisher: FakePublisher, bank: Bank) -> AsyncIterator[Services]:
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as svc:
        yield svc
