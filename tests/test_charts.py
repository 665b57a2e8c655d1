"""The /stats chart is a real PNG at Discord's embed size, with or without history, drawn in a worker
process and cached until the member's stats change."""

import io
import os
import subprocess
import sys
from dataclasses import replace

import matplotlib.image
import pytest

from bot.charts import ChartRenderer, render_stats_chart
from bot.core.services.stats import WeekPoint

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SPACE = "discord:1"


def decode(png: bytes):
    assert png.startswith(PNG_SIGNATURE)
    return matplotlib.image.imread(io.BytesIO(png), format="png")


@pytest.fixture
async def empty_stats(services):
    return await services.stats.member_stats(SPACE, "ann")


@pytest.fixture
def busy_stats(empty_stats):
    """Every type scored, self and peer, in every week shown."""
    per_type = tuple(
        replace(t, self_ratio=0.3 + 0.1 * i, peer_ratio=0.8 - 0.1 * i, drills=3)
        for i, t in enumerate(empty_stats.per_type)
    )
    weekly = tuple(
        WeekPoint(week, t.type_id, (i + w) % 10 / 10, 2)
        for w, week in enumerate(empty_stats.weeks)
        for i, t in enumerate(per_type)
    )
    return replace(empty_stats, display_name="Ann Example", per_type=per_type, weekly=weekly)


def test_empty_history_renders_a_no_data_chart(empty_stats):
    image = decode(render_stats_chart(empty_stats))
    assert image.shape[:2] == (500, 800)


def test_a_full_history_renders_at_embed_size(busy_stats):
    image = decode(render_stats_chart(busy_stats))
    assert image.shape[:2] == (500, 800)
    assert image.std() > 0.05  # not a blank canvas


async def test_real_scores_render(services, clock):
    question = services.bank.questions["sample-systems"]
    criteria = services.bank.criteria_for(question)
    await services.drills.submit(SPACE, "ann", question.id, "answer", {c.id: 1 for c in criteria})
    stats = await services.stats.member_stats(SPACE, "ann")
    assert stats.has_scores
    empty_png = render_stats_chart(replace(stats, per_type=tuple(replace(t, self_ratio=None) for t in stats.per_type)))
    assert decode(render_stats_chart(stats)).shape[:2] == (500, 800)
    assert render_stats_chart(stats) != empty_png


async def test_the_renderer_draws_in_a_worker_process_and_caches_by_stats(busy_stats, empty_stats):
    renderer = ChartRenderer(workers=1)
    assert renderer._pool is None  # nothing is spawned before the first chart
    try:
        png = await renderer.render(busy_stats)
        assert decode(png).shape[:2] == (500, 800)
        workers = [p.pid for p in renderer._pool._processes.values()]
        assert len(workers) == 1 and os.getpid() not in workers
        assert await renderer.render(busy_stats) is png  # the same stats: the cached chart
        renamed = await renderer.render(replace(busy_stats, display_name="Ann Renamed"))
        assert renamed != png  # changed data (here the title) draws again
        assert await renderer.render(empty_stats) != png
    finally:
        renderer.close()


def test_the_cache_keeps_the_newest_charts_within_its_byte_budget(busy_stats):
    renderer = ChartRenderer(cache_bytes=10)
    for i in range(5):
        renderer._remember(replace(busy_stats, display_name=f"m{i}"), b"1234")
    assert [s.display_name for s in renderer._cache] == ["m3", "m4"]
    assert renderer._cached_bytes == 8


def test_importing_the_bot_does_not_import_matplotlib():
    code = "import sys, bot.discord_ui.client, cogs.drills; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
