"""Run every benchmark and rewrite bench/RESULTS.md with the machine, the date and the figures.

    python -m bench.report [--quick]      (what `make bench` runs)

Each benchmark runs as its own process, one after another, and prints its RESULT lines against a
baseline measured in the same run. The machine's load average is recorded before and after: on a
shared machine the figures are noisy, so read the ratios first. `--quick` passes small sizes.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"
FULL = {
    "bench.leaderboard": ["--members", "10000", "--votes", "1000000", "--growth"],
    "bench.votes": [],
    "bench.acks": [],
    "bench.footprint": [],
    "bench.content": [],
    "bench.fanout": [],
    "bench.store": [],
}
QUICK = {
    "bench.leaderboard": ["--members", "1000", "--answers", "20000", "--votes", "100000", "--reads", "10"],
    "bench.votes": ["--votes", "2000", "--runs", "1"],
    "bench.acks": ["--concurrent", "50", "--bursts", "1"],
    "bench.footprint": ["--starts", "1", "--bursts", "1"],
    "bench.content": [],
    "bench.fanout": [],
    "bench.store": ["--votes", "2000", "--runs", "1", "--members", "1000", "--answers", "20000", "--reads", "5"],
}


def machine() -> list[str]:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor() or "unknown CPU",
    )
    return [
        f"- machine: {platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu})",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def main(quick: bool) -> None:
    plan = QUICK if quick else FULL
    started = datetime.now(UTC)
    lines = ["# Benchmark results", "", "Written by `make bench` (`python -m bench.report`); do not edit by hand.", ""]
    lines += [f"- date: {started:%Y-%m-%d %H:%M} UTC{' (quick sizes)' if quick else ''}", *machine()]
    lines += [f"- before: {load()}"]
    sections = []
    for module, args in plan.items():
        if importlib.util.find_spec(module) is None:
            continue  # a benchmark another branch adds
        command = [sys.executable, "-m", module, *args]
        print("$", " ".join(command[1:]), flush=True)
        t0 = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        print(done.stdout + done.stderr, flush=True)
        marked = [ln.removeprefix("RESULT ") for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        results = marked or done.stdout.splitlines()  # a benchmark without RESULT lines: all it printed
        status = "" if done.returncode == 0 else f" (exit {done.returncode})"
        sections += ["", f"## `python -m {module} {' '.join(args)}`{status}", "", f"{time.monotonic() - t0:.0f} s.", ""]
        sections += [f"- {r.strip()}" for r in results if r.strip()] or ["- no results: see the output below"]
        sections += ["", "<details><summary>output</summary>", "", "```", done.stdout.rstrip(), "```", "</details>"]
    lines += [f"- after: {load()}", *sections, ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a check that everything runs")
    main(parser.parse_args().quick)
