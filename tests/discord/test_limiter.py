"""The posting limiter under a fake clock: no initial burst, never past Discord's 50 requests a second."""

from bisect import bisect_left

from bot.discord_ui.limiter import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_the_limiter_starts_nearly_empty_and_holds_any_second_under_fifty():
    fake = FakeTime()
    limiter = RateLimiter(clock=fake.monotonic, sleep=fake.sleep)
    fake.now += 10  # idle for a while: the bucket refills only up to its small burst
    start = fake.now
    stamps = []
    for _ in range(500):
        await limiter.acquire()
        stamps.append(fake.now)
    busiest = max(bisect_left(stamps, t + 1.0) - i for i, t in enumerate(stamps))
    assert busiest <= 48, f"{busiest} requests in one second"
    assert bisect_left(stamps, start + 1.0) <= 48  # the first second carries no burst
    assert 500 / 45 - 0.5 <= stamps[-1] - start <= 500 / 45 + 0.5  # and the rate is still 45/s
