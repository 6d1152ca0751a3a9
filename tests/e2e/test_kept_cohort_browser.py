"""An upload survives reloads and a server restart; reloads do not swell the server (issue 11,
items 9 and 10), in a real browser against a real ``streamlit run app.py``.

Run with ``python -m pytest tests/e2e/test_kept_cohort_browser.py -m e2e``.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from e2e_support import ROOT, start_server
from test_browser import _idle, _nav, _open

from workbench.cohort.generate import generate_tables

pytestmark = pytest.mark.e2e

PAGES = ["Home", "Cohort", "Scheme", "Solve", "Coverage", "What-if", "Report and export"]
FACULTY = ROOT / "sample_data" / "faculty"


def _generated_zip(n: int, seed: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, frame in generate_tables(n, seed).items():
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()


def _folder_zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.glob("*.csv")):
            archive.write(path, path.name)
    return buffer.getvalue()


def _upload(page, name: str, data: bytes) -> None:
    _nav(page, "Cohort")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": data}]
    )
    page.get_by_text("Quick facts", exact=True).wait_for(timeout=180_000)
    _idle(page)


def _sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def _says_cohort(page, name: str, students: int, where: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("students,", exact=False).first.wait_for(timeout=60_000)
    text = _sidebar(page)
    assert name in text and f"{students:,} students" in text, f"{where}: {text}"
    assert "Sample department" not in text, f"{where}: {text}"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_every_page_reloaded_before_a_solve_and_a_restart_keep_the_upload(
    browser, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = start_server(data, tmp_path / "first.log")
    context = None
    try:
        context, page, outside = _open(browser, server.url)
        _upload(page, "our_cohort.zip", _generated_zip(150, seed=21))
        _says_cohort(page, "our_cohort.zip", 150, "after the upload")
        for title in PAGES:
            _nav(page, title)
            page.reload()
            _idle(page)
            _says_cohort(page, "our_cohort.zip", 150, f"{title} reloaded")
        workspace = page.url.split("ws=", 1)[1].split("&", 1)[0]
        context.close()
        server.stop()

        # A restart: a new server process on the same data folder, the workspace's address.
        server = start_server(data, tmp_path / "second.log")
        context, page, outside = _open(browser, f"{server.url}/solve?ws={workspace}")
        _says_cohort(page, "our_cohort.zip", 150, "after a restart")
        # The Solve page says whose students it plans for.
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("our_cohort.zip", exact=False).first.wait_for(timeout=30_000)
        assert not outside, outside
    finally:
        if context is not None:
            context.close()
        server.stop()


def test_twenty_reloads_leave_the_server_memory_where_it_started(
    browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not FACULTY.is_dir():
        pytest.skip("the sample faculty is not installed")
    monkeypatch.setenv("WORKBENCH_SESSION_RELEASE_S", "3")  # closed sessions go after 3 s
    server = start_server(tmp_path / "data", tmp_path / "streamlit.log")
    context = None
    try:
        context, page, _ = _open(browser, server.url)
        _upload(page, "faculty.zip", _folder_zip(FACULTY))
        _nav(page, "Solve")
        page.get_by_role("button", name="Solve", exact=True).click()
        page.get_by_text("Mentees matched", exact=True).wait_for(timeout=300_000)
        _idle(page)
        page.reload()  # warm: every page module imported, the plan reopened once
        _idle(page, 120_000)
        time.sleep(5)
        start = _rss_mb(server.process.pid)
        peak = start
        for _ in range(20):
            page.reload()
            _idle(page, 120_000)
            page.get_by_text("Mentees matched", exact=True).wait_for(timeout=60_000)
            peak = max(peak, _rss_mb(server.process.pid))
        context.close()
        context = None
        deadline, now = time.monotonic() + 90, _rss_mb(server.process.pid)
        while now > start * 1.1 and time.monotonic() < deadline:
            time.sleep(2)
            now = _rss_mb(server.process.pid)
        assert now <= start * 1.1, (
            f"server memory {now:.0f} MB after the sessions ended; {start:.0f} MB before 20 "
            f"reloads (peak {peak:.0f} MB)"
        )
    finally:
        if context is not None:
            context.close()
        server.stop()
