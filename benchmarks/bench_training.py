"""Volunteer training sessions: solve times on the samples and generated cohorts, against a greedy
plan and the seat bound in the same run.

    python benchmarks/bench_training.py [--sizes 10000] [--no-samples]

For each cohort (the bundled department and faculty samples, then generated cohorts) it prints
the volunteers, the possible times and availability patterns, the seconds to build and to
solve, the status, the volunteers placed and sessions used, and in the same run a greedy plan
(take the session that seats the most unplaced volunteers until none does) and the seat bound
(volunteers placed / largest group, rounded up: no plan can use fewer sessions).

Target (issue 16): the sample department and faculty solve in under 5 s.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.cohort.generate import generate_cohort  # noqa: E402
from workbench.cohort.loading import load_cohort  # noqa: E402
from workbench.volunteers.training import (  # noqa: E402
    TrainingInstance,
    TrainingSettings,
    build_instance,
    solve_training,
)

TARGET_SECONDS = 5.0


def greedy(inst: TrainingInstance) -> tuple[int, int]:
    """(placed, sessions) of the greedy plan: the session seating most unplaced, repeatedly."""
    usable = inst.free.copy()
    room_busy = ~inst.room_free.copy()
    placed = sessions = 0
    while True:
        best, gain = None, 0
        for t in range(len(inst.times)):
            waiting = int(usable[:, t].sum())
            for r in np.flatnonzero(~room_busy[:, t]):
                take = min(waiting, int(inst.seats[r]))
                if take > gain:
                    best, gain = (t, r), take
        if best is None:
            return placed, sessions
        t, r = best
        people = np.flatnonzero(usable[:, t])[:gain]
        usable[people, :] = False
        slot = inst.times[t]
        for u, other in enumerate(inst.times):
            if other.overlaps(slot.day, slot.start, slot.end):
                room_busy[r, u] = True
        placed, sessions = placed + gain, sessions + 1


def run_case(label: str, cohort, settings: TrainingSettings) -> dict:
    started = time.perf_counter()
    inst = build_instance(cohort, settings)
    patterns = len(inst.patterns()[0])
    build = time.perf_counter() - started
    plan = solve_training(cohort, settings)
    total = time.perf_counter() - started
    g_placed, g_sessions = greedy(inst)
    return {
        "cohort": label,
        "volunteers": plan.volunteers,
        "times": len(inst.times),
        "patterns": patterns,
        "build s": build,
        "total s": total,
        "status": plan.status.status,
        "placed": plan.trained,
        "sessions": len(plan.sessions),
        "seat bound": math.ceil(plan.trained / settings.max_size),
        "greedy placed": g_placed,
        "greedy sessions": g_sessions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="generated cohort sizes (comma list)")
    parser.add_argument("--no-samples", action="store_true", help="skip the bundled samples")
    args = parser.parse_args(argv)
    settings = TrainingSettings(time_limit=60)
    rows = []
    if not args.no_samples:
        for name in ("department", "faculty"):
            cohort = load_cohort(ROOT / "sample_data" / name).cohort
            rows.append(run_case(f"sample {name}", cohort, settings))
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        rows.append(run_case(f"generated {size:,}", generate_cohort(size, seed=1), settings))
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    failed = False
    for row in rows:
        cells = [
            f"{v:.2f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else v
            for v in row.values()
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
        failed |= row["sessions"] < row["seat bound"] or row["placed"] < row["greedy placed"]
        if row["cohort"].startswith("sample") and row["total s"] > TARGET_SECONDS:
            print(f"  over the {TARGET_SECONDS:g} s target: {row['cohort']}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
