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
README_SHOTS = [
    "home.png",
    "cohort.png",
    "scheme.png",
    "solve_mentoring.png",
    "solve_pass.png",
    "coverage.png",
    "whatif.png",
    "report.png",
]


def _idle(page, timeout: float = 60_000) -> None:
    """Wait until the script has finished its run (and the page has painted)."""
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
    page = context.new_page()
    outside: list[str] = []

    def watch(request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in (
            "127.0.0.1",
            "localhost",
        ):
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
        for title in (
            "Home",
            "Cohort",
            "Scheme",
            "Solve",
            "Coverage",
            "What-if",
            "Report and export",
        ):
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
    page.get_by_role("button", name="Start with the sample department").wait_for()
    _shot(page, screenshots, "home.png")

    # Upload through the real file input.
    _nav(page, "Cohort")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "department.zip", "mimeType": "application/zip", "buffer": _sample_zip()}]
    )
    page.get_by_text("department.zip").first.wait_for()
    _idle(page)
    page.get_by_text("Quick facts", exact=True).wait_for(timeout=60_000)
    _shot(page, screenshots, "cohort.png")

    # Scheme: the defaults (peer mentoring, the recommended preset).
    _nav(page, "Scheme")
    page.get_by_text("Start from a preset", exact=True).wait_for()
    _shot(page, screenshots, "scheme.png")

    # Solve: one button; the outcome, the result table and the charts.
    _nav(page, "Solve")
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text("Mentees matched", exact=True).wait_for(timeout=90_000)
    _idle(page)
    page.get_by_text("mentees matched (").first.wait_for()  # the verdict, in words
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    page.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    ).first.wait_for()
    _shot(page, screenshots, "solve_mentoring.png")

    _nav(page, "Coverage")
    page.get_by_text("Coverage by group", exact=True).wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').nth(1).wait_for()
    _shot(page, screenshots, "coverage.png")

    _nav(page, "What-if")
    page.get_by_text("Try a change", exact=True).wait_for()
    intake = page.get_by_role("slider").first
    intake.focus()
    for _ in range(4):  # 1.00 -> 1.20: a fifth more students
        intake.press("ArrowRight")
    page.get_by_role("button", name="Solve with these changes").click()
    _idle(page)
    page.get_by_text("the latest variation side by side", exact=False).wait_for(timeout=60_000)
    _shot(page, screenshots, "whatif.png")

    # A long sweep shows its progress and stops when cancelled, keeping the points solved.
    page.get_by_role("textbox", name="Values").fill("0.6:2.0:0.1")
    page.keyboard.press("Enter")
    _idle(page)
    page.get_by_role("button", name="Run sweep").click()
    page.get_by_text("points solved", exact=False).wait_for(timeout=60_000)
    page.get_by_role("button", name="Cancel the sweep").click()
    page.get_by_text("The sweep was cancelled", exact=False).first.wait_for(timeout=60_000)

    # Report: the download is a self-contained HTML page.
    _nav(page, "Report and export")
    button = page.get_by_role("button", name="Download the report", exact=False)
    button.wait_for(timeout=60_000)
    _shot(page, screenshots, "report.png")
    with page.expect_download() as info:
        button.click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>") and "Peer mentoring plan" in report

    # A refresh keeps the workspace: the plan is still there.
    page.reload()
    _idle(page)
    page.get_by_role("button", name="Download the report", exact=False).wait_for(timeout=30_000)

    # PASS: sessions on the free-students heat map.
    _nav(page, "Scheme")
    page.get_by_text("PASS sessions", exact=True).click()
    _idle(page)
    _nav(page, "Solve")
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text("Reach per module", exact=True).wait_for(timeout=90_000)
    _idle(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    _shot(page, screenshots, "solve_pass.png")

    copy_to_docs(README_SHOTS)
    assert not outside, f"requests left the machine: {outside}"
    context.close()
