"""The same cohort and settings give the same plan on any run, in any process.

Each scheme is solved from the command line in two fresh processes with different hash seeds
(so set and dict iteration orders differ); every file written must be identical, apart from the
solve time in summary.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DEPARTMENT = ROOT / "sample_data" / "department"

COMMANDS = {
    "mentoring": ["solve", "mentoring", str(DEPARTMENT), "--time-limit", "30"],
    "mentoring-fairness": [
        "solve",
        "mentoring",
        str(DEPARTMENT),
        "--objective",
        "fairness",
        "--time-limit",
        "30",
    ],
    "pass": ["solve", "pass", str(DEPARTMENT), "--top", "4", "--time-limit", "30"],
    "groups": [
        "solve",
        "groups",
        str(DEPARTMENT),
        "--module",
        "{module}",
        "--size",
        "4-6",
        "--time-limit",
        "20",
    ],
}


def _busiest_module() -> str:
    from workbench.cohort.loading import load_cohort

    cohort = load_cohort(DEPARTMENT).cohort
    return cohort.enrolments["module_code"].value_counts().index[0]


def _without_timings(value):
    """Drop the timings (``*seconds``, ``stages``): how long a solve took may vary, nothing else."""
    if isinstance(value, dict):
        return {
            k: _without_timings(v)
            for k, v in value.items()
            if not k.endswith("seconds") and k != "stages"
        }  # stages: seconds per step
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _run(args: list[str], out: Path, hash_seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "workbench", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    files = {}
    for path in sorted(out.iterdir()):
        data = path.read_bytes()
        if path.name == "summary.json":
            data = json.dumps(_without_timings(json.loads(data)), sort_keys=True).encode()
        files[path.name] = data
    return files


@pytest.mark.parametrize("scheme", sorted(COMMANDS))
def test_same_plan_in_two_processes(scheme: str, tmp_path: Path) -> None:
    args = [
        a.replace("{module}", _busiest_module()) if "{module}" in a else a for a in COMMANDS[scheme]
    ]
    first = _run(args, tmp_path / "a", "1")
    second = _run(args, tmp_path / "b", "98765")
    assert first.keys() == second.keys()
    assert len(first) >= 3
    for name in first:
        assert first[name] == second[name], f"{scheme}: {name} differs between runs"
