"""The /stats chart is a real PNG at Discord's embed size, with or without history, rendered off the loop."""

import io
import threading
from dataclasses import replace

import matplotlib.image
import pytest

import bot.charts
from bot.charts import render_stats_chart, render_stats_chart_async
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


async def test_the_async_wrapper_renders_in_a_worker_thread(busy_stats, monkeypatch):
    threads = []
    real = bot.charts.render_stats_chart

    def recording(stats):
        threads.append(threading.current_thread())
        return real(stats)

    monkeypatch.setattr(bot.charts, "render_stats_chart", recording)
    png = await render_stats_chart_async(busy_stats)
    assert decode(png).shape[:2] == (500, 800)
    assert threads and threads[0] is not threading.main_thread()
