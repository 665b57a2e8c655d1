"""Benchmark: validating content packs, including hostile ones, stays fast and bounded.

    python -m bench.content

Times the shipped bank, a maximal valid pack (2,000 questions, just under 1 MiB), an alias bomb,
deeply nested YAML and an oversized file. Prints medians over a few runs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.core.content import MAX_PACK_BYTES, load_bank, load_frameworks, read_pack
from bot.settings import DEFAULT_CONTENT

RUNS = 5


def median_ms(action: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def maximal_pack() -> str:
    lines = ["pack: big", "title: Big", "questions:"]
    for i in range(2000):
        lines.append(
            f'  - {{id: q-{i}, type: systems, topics: [serving], difficulty: 2, prompt: "Question {i} about batching '
            f'and latency?", key_points: ["point one for {i}", "point two for {i}", "point three"]}}'
        )
    return "\n".join(lines) + "\n"


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


def main() -> None:
    types = load_frameworks(DEFAULT_CONTENT / "frameworks.yaml")
    print(f"shipped bank ({DEFAULT_CONTENT}): {median_ms(lambda: load_bank(DEFAULT_CONTENT)):.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "maximal valid pack (2,000 questions)": maximal_pack(),
            "alias bomb (9^10 expansions)": alias_bomb(),
            "nesting 50,000 deep": "x: " + "[" * 50_000 + "]" * 50_000 + "\n",
            "oversized file (1 MiB + 1)": "#" * (MAX_PACK_BYTES + 1),
        }
        for label, text in cases.items():
            path = Path(tmp) / "pack.yaml"
            path.write_text(text)
            pack, problems = read_pack(path, types)
            outcome = f"{len(pack.questions)} questions" if pack else str(problems[0]).split(": ", 1)[1][:60]
            size = len(text.encode()) / 1024
            print(f"{label:<38} {size:8.0f} KiB  {median_ms(lambda p=path: read_pack(p, types)):8.1f} ms  {outcome}")


if __name__ == "__main__":
    main()
