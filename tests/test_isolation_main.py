"""A worker never runs the script the server was running.

Streamlit runs each page script as a module it installs as ``__main__`` with the script's path
as ``__file__``, and leaves it there. A worker started from the fork server (or spawned) is told
to re-run the parent's ``__main__`` from its path: every solve worker ran ``app.py`` again, and
after a test's temporary script was deleted, every worker failed at once (exit code 1).
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from workbench.isolation import run_isolated


def _main_that_was_rerun() -> str | None:
    """In the worker: the path of a parent's ``__main__`` that multiprocessing re-ran here."""
    rerun = sys.modules.get("__mp_main__")
    return getattr(rerun, "__file__", None) if rerun is not sys.modules["__main__"] else None


@pytest.fixture
def streamlit_main(monkeypatch: pytest.MonkeyPatch):
    """Installs a ``__main__`` as Streamlit's script runner does; gives its script's path."""

    def install(path: Path) -> None:
        module = types.ModuleType("__main__")
        module.__dict__["__file__"] = str(path)
        monkeypatch.setitem(sys.modules, "__main__", module)

    return install


def test_a_deleted_script_as_main_does_not_stop_the_workers(tmp_path: Path, streamlit_main) -> None:
    gone = tmp_path / "deleted_page.py"
    streamlit_main(gone)
    assert run_isolated(os.getpid) != os.getpid()


def test_the_page_script_is_not_run_again_in_the_worker(tmp_path: Path, streamlit_main) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    streamlit_main(script)
    assert run_isolated(_main_that_was_rerun) is None
    assert not marker.exists()
    assert sys.modules["__main__"].__file__ == str(script)  # the server's own is left as it was


def test_after_a_real_streamlit_run_a_worker_runs_only_its_function(tmp_path: Path) -> None:
    script = tmp_path / "page.py"
    script.write_text("import streamlit as st\nst.write('hello')\n")
    before = sys.modules["__main__"]
    try:
        AppTest.from_file(str(script)).run()
        assert getattr(sys.modules["__main__"], "__file__", None) == str(script)
        assert run_isolated(_main_that_was_rerun) is None
        script.unlink()
        assert run_isolated(os.getpid) != os.getpid()
    finally:
        sys.modules["__main__"] = before
