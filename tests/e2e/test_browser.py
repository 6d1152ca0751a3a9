"""The app in a real headless Chromium: upload, solve, chart, table, report, deep links.

Run with ``python -m pytest tests/e2e -m e2e``. Screenshots of every page go to
``artifacts/screenshots/`` (CI keeps that folder); set ``WORKBENCH_UPDATE_SCREENSHOTS=1`` to
refresh the README's copies in ``docs/screenshots/``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from e2e_support import IDLE, ROOT, copy_to_docs, start_server

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"
README_SHOTS = ["home.png", "cohort.png", "solve_mentoring.png", "coverage.png", "whatif.png",
                "report.png"]


def _idle(page, timeout: float = 60_000) -> None:
    """Wait until the script has finished its run (and the page has painted)."""
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []

    def watch(request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in (
                "127.0.0.1", "localhost"):
            outside.append(request.url)

    page.on("request", watch)
    page.goto(url)
    _idle(page)
    return context, page, outside


def _shot(page, screenshots: Path, name: str) -> None:
    page.screenshot(path=str(screenshots / name), full_page=True)


def _nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    _idle(page)


def _sample_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(SAMPLE.glob("*.csv")):
            archive.write(path, f"department/{path.name}")
    return buffer.getvalue()


def test_cold_deep_link_shows_navigation_and_first_step(browser, tmp_path, screenshots):
    """A page opened by URL on a freshly started server has the real navigation."""
    fresh = start_server(tmp_path / "data", tmp_path / "streamlit.log")
    try:
        context, page, outside = _open(browser, f"{fresh.url}/solve")
        nav = page.locator('[data-testid="stSidebarNav"]')
        for title in ("Home", "Cohort", "Scheme", "Solve", "Coverage", "What-if",
                      "Report and export"):
            assert nav.get_by_text(title, exact=True).count() == 1, title
        page.get_by_text("First, load a cohort").wait_for()
        assert page.get_by_text("Page not found").count() == 0
        assert "ws=" in page.url  # the workspace key survives a refresh
        _shot(page, screenshots, "deep_link_solve.png")
        assert not outside, f"requests left the machine: {outside}"
        context.close()
    finally:
        fresh.stop()


def test_upload_solve_chart_table_report(browser, server, screenshots, tmp_path):
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    context, page, outside = _open(browser, server.url)
    page.get_by_text("Start with the sample department").wait_for()
    _shot(page, screenshots, "home.png")

    # Upload through the real file input.
    _nav(page, "Cohort")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "department.zip", "mimeType": "application/zip",
                "buffer": _sample_zip()}])
    page.get_by_text("department.zip").first.wait_for()
    _idle(page)
    page.get_by_text("Quick facts").wait_for(timeout=60_000)
    _shot(page, screenshots, "cohort.png")

    copy_to_docs(README_SHOTS)
    assert not outside, f"requests left the machine: {outside}"
    context.close()
