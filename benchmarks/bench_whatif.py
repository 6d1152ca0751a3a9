"""Benchmark: a 10-point intake sweep (x0.6 .. x1.5) on the faculty sample, serial and parallel.

    python benchmarks/bench_whatif.py [--data sample_data/faculty] [--points 10]

For mentoring and PASS it solves every point one after another (the reference) and then in
two worker processes, prints the seconds, the speed-up and whether both runs found the same
plans (they must: same seed, same figures). Target: under 20 s per sweep on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 20.0
COMPARED = ["value", "status", "reached", "eligible", "coverage", "cost", "students"]


def main() -> int:
    from workbench.cohort.loading import load_cohort
    from workbench.review.whatif import run_sweep
    from workbench.schemes import registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "sample_data" / "faculty"))
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--schemes", default="mentoring,pass")
    args = parser.parse_args()

    started = time.perf_counter()
    loaded = load_cohort(args.data)
    if loaded.cohort is None:
        print(loaded.report.format_text())
        return 2
    cohort = loaded.cohort
    load_seconds = time.perf_counter() - started
    values = [round(0.6 + 0.1 * i, 2) for i in range(args.points)]
    print(
        f"cohort {args.data}: {len(cohort.students):,} students, loaded in "
        f"{load_seconds:.2f} s; intake x{values[0]:g} .. x{values[-1]:g} "
        f"({len(values)} points); {os.cpu_count()} CPUs"
    )
    print()
    header = (
        f"{'scheme':<10} {'mode':<9} {'points':>6} {'seconds':>8} {'s/point':>8} "
        f"{'speed-up':>8} {'same plans':>10} {'< 20 s':>7}"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    ok = True
    for scheme in args.schemes.split(","):
        settings = registry.get(scheme).coerce_settings(None)
        timings = {}
        tables = {}
        for mode, parallel in (("serial", False), ("parallel", True)):
            t0 = time.perf_counter()
            tables[mode] = run_sweep(
                cohort, scheme, settings, "intake", values, parallel=parallel, seed=1
            )
            timings[mode] = time.perf_counter() - t0
        same = tables["serial"][COMPARED].equals(tables["parallel"][COMPARED])
        ok &= same and not (tables["serial"]["status"] == "error").any()
        for mode in ("serial", "parallel"):
            seconds = timings[mode]
            worst = max(worst, seconds)
            speedup = timings["serial"] / seconds if mode == "parallel" else 1.0
            print(
                f"{scheme:<10} {mode:<9} {len(values):>6} {seconds:>8.2f} "
                f"{seconds / len(values):>8.2f} {speedup:>7.2f}x "
                f"{'yes' if same else 'NO':>10} {'yes' if seconds < TARGET_SECONDS else 'NO':>7}"
            )
        cov = tables["serial"]["coverage"]
        print(
            f"{'':<10} coverage {cov.min():.1%} .. {cov.max():.1%}; solve seconds per point "
            f"(serial) {tables['serial']['seconds'].median():.2f} median"
        )
    print()
    print(
        f"slowest sweep {worst:.1f} s (target < {TARGET_SECONDS:.0f} s): "
        f"{'met' if worst < TARGET_SECONDS else 'NOT met'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
