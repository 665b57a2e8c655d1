"""The /stats chart: a PNG of a member's strength per question type, and its trend by week.

Drawing is CPU work (tens to hundreds of milliseconds) that holds the GIL: in a thread it stalls
the event loop's acknowledgements. The bot draws through `ChartRenderer` instead: a small process
pool, spawned on the first chart, with at most one chart per worker at a time (the others wait on
the loop, not in the workers), and a cache of recent charts keyed by the member's stats, so a chart
is drawn again only when its data (or the member's name) changed. matplotlib is imported by
`render_stats_chart`, so only the workers load it (half a second and about 40 MB). Figures are
built with the object-oriented API (`Figure`, no pyplot) and a fixed layout (constrained layout
tripled the cost).
"""

from __future__ import annotations

import asyncio
import io
import math
import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, cast

from bot.core.models import TYPE_IDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

    from bot.core.services.stats import MemberStats

WORKERS = 1  # one worker (about 90 MB with matplotlib): on 2 cores a second one drew no faster under load
NICE = 10  # the workers yield the CPU to the bot's event loop: acknowledgements first, charts after
CACHE_BYTES = 8 * 2**20  # recent charts kept, newest first, about 60 of them

WIDTH_IN, HEIGHT_IN, DPI = 8, 5, 100  # 800 x 500 px: readable at Discord's embed size
SHORT_NAMES = {
    "derivation": "Derivation",
    "coding": "Coding",
    "debugging": "Debugging",
    "evaluation": "Evaluation",
    "systems": "Systems",
    "research_judgment": "Research\njudgment",
}
TYPE_COLOURS = dict(zip(TYPE_IDS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"), strict=True))
SELF_COLOUR, PEER_COLOUR = "#1f77b4", "#d62728"
NO_DATA_TITLE = "No scores yet"
NO_DATA_TEXT = "Do a drill or answer a daily question:\nyour chart starts with your first score."


def render_stats_chart(stats: MemberStats) -> bytes:
    """The member's chart as PNG bytes. Blocking and CPU-bound: the bot calls it through `ChartRenderer`."""
    from matplotlib.figure import Figure  # here, not at import: only the chart workers pay for matplotlib

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    fig.suptitle(f"{stats.display_name}: strength by question type", fontsize=14, fontweight="bold")
    if stats.has_scores:
        grid = fig.add_gridspec(
            1, 2, width_ratios=(1.0, 1.25), left=0.07, right=0.98, bottom=0.17, top=0.85, wspace=0.3
        )
        _radar(cast("PolarAxes", fig.add_subplot(grid[0, 0], projection="polar")), stats)
        _weekly(fig.add_subplot(grid[0, 1]), stats)
    else:
        _no_data(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


class ChartRenderer:
    """Draws charts in worker processes started on the first chart; caches them by their stats."""

    def __init__(self, workers: int = WORKERS, cache_bytes: int = CACHE_BYTES) -> None:
        self.workers = workers
        self.cache_bytes = cache_bytes
        self._pool: ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(workers)
        self._cache: OrderedDict[MemberStats, bytes] = OrderedDict()
        self._cached_bytes = 0

    async def render(self, stats: MemberStats) -> bytes:
        """The chart of `stats` as PNG bytes: the cached one when these exact stats were drawn lately."""
        png = self._cache.get(stats)
        if png is not None:
            self._cache.move_to_end(stats)
            return png
        async with self._slots:
            if self._pool is None:
                # spawn, not fork: a forked copy of a running event loop and its threads is unsafe.
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=os.nice, initargs=(NICE,)
                )
            png = await asyncio.get_running_loop().run_in_executor(self._pool, render_stats_chart, stats)
        self._remember(stats, png)
        return png

    def _remember(self, stats: MemberStats, png: bytes) -> None:
        if stats in self._cache:
            return
        self._cache[stats] = png
        self._cached_bytes += len(png)
        while self._cached_bytes > self.cache_bytes and self._cache:
            _, dropped = self._cache.popitem(last=False)
            self._cached_bytes -= len(dropped)

    def close(self) -> None:
        """Stop the workers (charts still drawing are abandoned: the bot is shutting down)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _radar(ax: PolarAxes, stats: MemberStats) -> None:
    """Mean self-score and peer ratio per type, as a percentage; a type without data sits at 0, labelled so."""
    angles = [2 * math.pi * i / len(TYPE_IDS) for i in range(len(TYPE_IDS))]
    closed = [*angles, angles[0]]
    for label, colour, values in (
        ("your self-scores", SELF_COLOUR, [t.self_ratio for t in stats.per_type]),
        ("peer votes", PEER_COLOUR, [t.peer_ratio for t in stats.per_type]),
    ):
        if all(v is None for v in values):
            continue
        percent = [100 * (v or 0.0) for v in values]
        ax.plot(closed, [*percent, percent[0]], color=colour, linewidth=2, label=label)
        ax.fill(closed, [*percent, percent[0]], color=colour, alpha=0.15)
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    labels = [
        SHORT_NAMES[t.type_id] + ("\n(no data)" if t.self_ratio is None and t.peer_ratio is None else "")
        for t in stats.per_type
    ]
    ax.set_xticks(angles, labels, fontsize=10)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["25%", "50%", "75%", "100%"], fontsize=8, color="#666666")
    ax.set_title("All-time mean score", fontsize=11, pad=18)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=9, frameon=False)


def _weekly(ax: Axes, stats: MemberStats) -> None:
    """One line per type that has samples: the weekly mean ratio (self and peer) as a percentage."""
    index = {week: i for i, week in enumerate(stats.weeks)}
    for type_id in TYPE_IDS:
        points = [p for p in stats.weekly if p.type_id == type_id]
        if points:
            ax.plot(
                [index[p.week] for p in points],
                [100 * p.ratio for p in points],
                marker="o",
                linewidth=2,
                color=TYPE_COLOURS[type_id],
                label=SHORT_NAMES[type_id].replace("\n", " "),
            )
    step = max(1, len(stats.weeks) // 6)
    ticks = list(range(0, len(stats.weeks), step))
    ax.set_xticks(ticks, [f"{stats.weeks[i]:%b %d}" for i in ticks], fontsize=9)
    ax.set_xlim(-0.5, len(stats.weeks) - 0.5)
    ax.set_ylim(0, 105)
    ax.set_ylabel("mean score (%)", fontsize=10)
    ax.set_xlabel("week starting", fontsize=10)
    ax.set_title(f"By week, last {len(stats.weeks)} weeks", fontsize=11)
    ax.grid(True, alpha=0.3)
    if ax.get_lines():
        ax.legend(fontsize=8, loc="lower left", ncol=2, frameon=False)
    else:
        ax.text(0.5, 0.5, "no scores in these weeks", ha="center", va="center", transform=ax.transAxes, fontsize=11)


def _no_data(fig: Figure) -> None:
    """Text on the figure itself: an empty Axes, with its ticks and spines, costs more than the text."""
    fig.text(0.5, 0.6, NO_DATA_TITLE, ha="center", va="center", fontsize=26, fontweight="bold", color="#444444")
    fig.text(0.5, 0.38, NO_DATA_TEXT, ha="center", va="center", fontsize=14, color="#666666")
