"""The hostile corpus: every case gets a clear message and exit 2, never a traceback, and the
big ones stay within bounded memory and time."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.cli.main import main

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import CASES  # noqa: E402

LIGHT = [c for c in CASES if not c.heavy]
HEAVY = [c for c in CASES if c.heavy]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", LIGHT, ids=[c.name for c in LIGHT])
def test_hostile_cohort_is_reported(case, tmp_path: Path, capsys, monkeypatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    data = case.build(work)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    before = sorted(p for p in tmp_path.rglob("*"))
    code = main(["validate", str(data)])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert code == case.exit_code, output
    assert case.message in output, output
    assert "Traceback" not in output and "internal error" not in output
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere


@pytest.mark.parametrize("case", HEAVY, ids=[c.name for c in HEAVY])
def test_big_hostile_cohort_is_bounded(case, tmp_path: Path) -> None:
    data = case.build(tmp_path)
    started = time.perf_counter()
    limit = 1536 * 2**20
    run = subprocess.run(
        [sys.executable, "-m", "workbench", "validate", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit * 2, limit * 2)),
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert run.returncode == case.exit_code, run.stderr[-2000:]
    assert case.message in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert peak_kib * 1024 < limit, f"peak memory {peak_kib // 1024} MB"
    assert seconds < 90
