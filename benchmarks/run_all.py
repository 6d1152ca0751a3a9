"""Every benchmark in one command, each printing its own table.

    python benchmarks/run_all.py            # the full set (several minutes on 2 cores)
    python benchmarks/run_all.py --quick    # smaller sizes, for a first look

Each benchmark compares the workbench with a reference implementation in the same run
(plain pandas for loading, OR-Tools min-cost flow for mentoring, greedy and the LP bound for PASS,
a greedy grouping for groups, serial runs for what-if sweeps, cache-cleared reruns for the app).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent

FULL = {
    "bench_loading.py": [],
    "bench_mentoring.py": [],
    "bench_pass.py": [],
    "bench_groups.py": [],
    "bench_whatif.py": [],
    "bench_app.py": [],
    "bench_app_mentoring.py": [],
    "bench_scheme_of_work.py": [],
    "bench_training.py": [],
    "bench_term.py": [],
}
QUICK = {
    "bench_loading.py": ["--sizes", "1000,10000"],
    "bench_mentoring.py": ["--students", "2000,10000", "--repeats", "1"],
    "bench_pass.py": ["--sizes", "1000,3000", "--no-stress"],
    "bench_groups.py": ["--quick"],
    "bench_whatif.py": ["--points", "4"],
    "bench_app.py": ["--sample", "department", "--repeats", "3"],
    "bench_app_mentoring.py": ["--students", "10000"],
    "bench_scheme_of_work.py": ["--repeats", "1", "--modules", "20"],
    "bench_training.py": ["--sizes", ""],
    "bench_term.py": ["--students", "10000", "--repeats", "1"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--only", help="comma-separated benchmark names, e.g. loading,pass")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.only:
        wanted = {f"bench_{name.strip()}.py" for name in args.only.split(",")}
        plan = {k: v for k, v in plan.items() if k in wanted}
    failed = []
    for script, extra in plan.items():
        print(f"\n=== {script} {' '.join(extra)}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / script), *extra])
        print(f"--- {script}: exit {code}, {time.perf_counter() - started:.1f} s", flush=True)
        if code:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
