from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import Services, open_services
from bot.core.content import Bank, load_bank
from tests.fakes import FakeClock, FakePublisher

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
SHIPPED_CONTENT = Path(__file__).parent.parent / "content"


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
    return str(tmp_path / "grillbot.db")


@pytest.fixture
async def services(db_path: str, clock: FakeClock, publisher: FakePublisher, bank: Bank) -> AsyncIterator[Services]:
    async with open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as svc:
        yield svc
