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
from workbench.cohort.loading import Upload, load_uploads
from workbench.cohort.mapping import mapping_from_bytes

sys.path.insert(0, str(Path(__file__).parent))
from hostile_corpus import CASES  # noqa: E402
from hostile_files import SIGNS_OF_A_CRASH  # noqa: E402

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
    args = case.cli_args(data)
    before = sorted(p for p in tmp_path.rglob("*"))
    code = main(args)
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


def _uploads(data: Path) -> list[Upload]:
    """The files a coordinator would pick in the app for this case (a folder: its files)."""
    paths = sorted(p for p in data.iterdir() if p.is_file()) if data.is_dir() else [data]
    return [Upload(p.name, p.read_bytes()) for p in paths]


@pytest.mark.parametrize("case", LIGHT, ids=[c.name for c in LIGHT])
def test_hostile_upload_is_reported(case, tmp_path: Path, capfd) -> None:
    """The same files through the app's upload path (and its mapping upload)."""
    data = case.build(tmp_path)
    expected = case.upload_message or case.message
    if case.mapping:
        with pytest.raises(ValueError) as raised:
            mapping_from_bytes(*case.mapping)
        assert expected in str(raised.value)
        return
    result = load_uploads(_uploads(data))
    text = result.report.format_text()
    if case.exit_code == 0:
        assert result.cohort is not None, text
    else:
        assert result.cohort is None
        assert expected in text, text
    captured = capfd.readouterr()
    assert not any(s in captured.out + captured.err + text for s in SIGNS_OF_A_CRASH)


def test_whole_light_corpus_under_an_address_space_cap(tmp_path: Path) -> None:
    """Every light case through the CLI in one process capped at 3 GB of address space (the
    heavy ones have their own capped process above): exit 0 or 2, the message, no crash."""
    limit = 3 * 2**30
    run = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "hostile_corpus.py"),
            "--check",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "every case was reported" in run.stdout
    assert not any(sign in run.stderr for sign in SIGNS_OF_A_CRASH), run.stderr[-3000:]
