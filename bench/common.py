"""What every benchmark shares: percentiles and one way to print a measured row against its baseline."""

from __future__ import annotations

import statistics


def pct(samples: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), pct(samples, 0.99)


def row(label: str, samples: list[float], baseline: list[float] | None = None, unit: str = "ms") -> str:
    """`label: median X p99 Y [baseline median B p99 C, p99 ratio]`, the baseline measured in the same run."""
    median, p99 = summary(samples)
    text = f"{label}: median {median:.1f} {unit}, p99 {p99:.1f} {unit}"
    if baseline:
        b_median, b_p99 = summary(baseline)
        text += f" | baseline median {b_median:.1f} {unit}, p99 {b_p99:.1f} {unit} | p99 {p99 / b_p99:.2f}x baseline"
    return text
