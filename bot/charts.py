"""The /stats chart: a PNG of a member's strength per question type, and its trend by week.

Rendering is CPU work (a few hundred milliseconds) and must not run on the event loop: async
callers use `render_stats_chart_async`, which runs `render_stats_chart` in a worker thread via
`asyncio.to_thread`. Figures are built with the object-oriented API (`Figure`, no pyplot), so no
global figure state is shared between threads.
"""

from __future__ import annotations

import asyncio
import io
import math
from typing import cast

import matplotlib

matplotlib.use("Agg")  # no display: render straight to PNG bytes

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes

from bot.core.models import TYPE_IDS
from bot.core.services.stats import MemberStats

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
    """The member's chart as PNG bytes. Blocking: from async code use `render_stats_chart_async`."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    fig.suptitle(f"{stats.display_name}: strength by question type", fontsize=14, fontweight="bold")
    if stats.has_scores:
        grid = fig.add_gridspec(1, 2, width_ratios=(1.0, 1.25))
        _radar(cast(PolarAxes, fig.add_subplot(grid[0, 0], projection="polar")), stats)
        _weekly(fig.add_subplot(grid[0, 1]), stats)
    else:
        _no_data(fig.add_subplot())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


async def render_stats_chart_async(stats: MemberStats) -> bytes:
    """`render_stats_chart` in a worker thread, so the event loop keeps answering interactions."""
    return await asyncio.to_thread(render_stats_chart, stats)


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


def _no_data(ax: Axes) -> None:
    ax.axis("off")
    ax.text(0.5, 0.6, NO_DATA_TITLE, ha="center", va="center", fontsize=26, fontweight="bold", color="#444444")
    ax.text(0.5, 0.38, NO_DATA_TEXT, ha="center", va="center", fontsize=14, color="#666666")
