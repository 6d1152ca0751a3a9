"""Loading and validation speed, against plain pandas reading the same files.

    python benchmarks/bench_loading.py [--sizes 1000,10000,40000]

For each generated cohort (written as a CSV folder, a zip and a workbook) it prints the seconds to
load and validate with the workbench, and, as the reference, the seconds plain
``pandas.read_csv`` takes just to parse the same CSV files with no checks at all. Target: a
10,000-student cohort loads and validates in well under a second.

Each load reads its files in a capped worker process (:mod:`workbench.cohort.reading`), so the
times include starting that worker (a fork from a warm fork server); ``worker_peak_MB`` is the
worker's peak resident memory (the reading memory cap is 1,024 MB by default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from workbench.cohort.generate import generate_tables
from workbench.cohort.loading import load_cohort, load_cohort_measured, write_tables


def _best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def run(sizes: list[int], repeats: int = 3) -> pd.DataFrame:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            tables = generate_tables(n, seed=1)
            folder = write_tables(tables, Path(tmp) / f"c{n}", "csv")
            archive = write_tables(tables, Path(tmp) / f"c{n}.zip", "zip")
            rows_total = sum(len(t) for t in tables.values())
            result = load_cohort(folder)
            assert result.report.ok, result.report.format_text()

            def reference(folder: Path = folder) -> None:
                for path in folder.glob("*.csv"):
                    pd.read_csv(path, dtype=str, keep_default_na=False)

            peak = load_cohort_measured(folder)[1]  # the reading worker's peak resident memory
            row = {
                "students": n,
                "rows": rows_total,
                "folder_s": _best_of(repeats, lambda f=folder: load_cohort(f)),
                "zip_s": _best_of(repeats, lambda a=archive: load_cohort(a)),
                "pandas_read_s": _best_of(repeats, reference),
                "worker_peak_MB": peak,
            }
            if n <= 10_000:
                book = write_tables(tables, Path(tmp) / f"c{n}.xlsx", "xlsx")
                row["xlsx_s"] = _best_of(1, lambda b=book: load_cohort(b))
            row["x_reference"] = row["folder_s"] / row["pandas_read_s"]
            rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000,40000", help="comma-separated cohort sizes (students)"
    )
    args = parser.parse_args(argv)
    table = run([int(s) for s in args.sizes.split(",")])
    print("Loading and validation (seconds, best of 3; reference = pandas.read_csv, no checks)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
