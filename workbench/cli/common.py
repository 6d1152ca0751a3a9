"""What every command of the command line shares: bad input, loading, output, the verdict.

Exit codes: 0 done, 2 bad input (the message says what to fix), 1 an internal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.cohort.loading import load_cohort, load_mapping
from workbench.cohort.validation import Mapping
from workbench.review.export import to_csv_bytes

BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the coordinator: printed as it is, exit code 2."""


def load_or_fail(data: str, mapping_path: str | None = None, quiet: bool = False):
    """Load and validate ``data``; print the report and raise UsageError when it is bad."""
    mapping = Mapping()
    if mapping_path:
        try:
            mapping = load_mapping(mapping_path)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    result = load_cohort(data, mapping)
    if result.cohort is None:
        raise UsageError(f"{data}: the cohort has problems:\n{result.report.format_text()}")
    if result.report.warnings and not quiet:
        for warning in result.report.warnings:
            print(warning, file=sys.stderr)
    return result.cohort


def output_folder(out: str) -> Path:
    """The ``--out`` folder, created if needed; a folder that cannot be made is bad input."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the folder ({exc})") from exc
    return path


def write_table(frame, path: Path) -> None:
    """Write a result table as CSV with formula-like cells made inert (see export.py)."""
    path.write_bytes(to_csv_bytes(frame))


def print_verdict(summary: dict) -> None:
    """The plan's verdict first, then each measured fix (what it would add)."""
    print(summary["headline"])
    for fix in summary.get("fixes") or []:
        print(f"  would help: {fix['text']}")
