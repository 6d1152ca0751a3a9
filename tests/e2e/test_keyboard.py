"""Keyboard only (WCAG 2.1.1, 2.4.7): upload a cohort, solve, download the report, never a click.

Every step moves focus with Tab (or Shift+Tab) and acts with Enter, as someone who cannot use a
mouse does; the operating system's file dialog is the one thing the test fills in for them. Run
with ``python -m pytest tests/e2e/test_keyboard.py -m e2e``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import ROOT
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import _idle, _open, _sample_zip

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"
FOCUSED = """() => {
    const e = document.activeElement;
    const style = getComputedStyle(e);
    return {
        text: (e.innerText || e.getAttribute('aria-label') || '').trim(),
        outline: [style.outlineStyle, style.outlineWidth, style.outlineColor],
    };
}"""


def focus(page, text: str, *, backwards: bool = False, limit: int = 250) -> dict:
    """Press Tab (Shift+Tab) until the focused element's text is ``text``; its text and ring."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = page.evaluate(FOCUSED)
        if now["text"] == text or now["text"].endswith(f"\n{text}"):  # after an icon's name
            return now
    raise AssertionError(f"{text!r} cannot be reached with the keyboard in {limit} presses")


def open_file_dialog(page, button: str, attempts: int = 3):
    """Focus ``button`` by keyboard and press Enter until the file dialog opens; the dialog.

    On a loaded machine a rerun can replace the button between the Tab and the Enter, or the
    browser's window for opening a dialog after a key press can pass before the page acts on it;
    so the focus is checked before each Enter and a dialog that did not open is asked for again.
    Every attempt is by keyboard: the test fails if three in a row open nothing.
    """
    focus(page, button)
    for attempt in range(attempts):
        _idle(page)
        if page.evaluate(FOCUSED)["text"] != button:
            focus(page, button)
        try:
            with page.expect_file_chooser(timeout=15_000) as chooser:
                page.keyboard.press("Enter")
            return chooser.value
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def go(page, title: str) -> None:
    """Open a page from the sidebar navigation by keyboard."""
    focus(page, title, backwards=True)
    page.keyboard.press("Enter")
    _idle(page)
    assert page.title().startswith(f"{title} · ")


def test_upload_solve_and_download_the_report_by_keyboard(browser, server):
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    context, page, outside = _open(browser, server.url)
    try:
        go(page, "Cohort")
        chooser = open_file_dialog(page, "Upload")  # the file uploader's button
        chooser.set_files(
            files=[
                {"name": "department.zip", "mimeType": "application/zip", "buffer": _sample_zip()}
            ]
        )
        _idle(page)
        page.get_by_text("Quick facts", exact=True).wait_for(timeout=60_000)

        go(page, "Scheme")
        go(page, "Solve")
        solve = focus(page, "Solve")
        # The focus ring is drawn solid in the theme's blue (8.1:1 on white), not Streamlit's
        # half-transparent red (2.21:1).
        assert solve["outline"][0] == "solid" and solve["outline"][2] == "rgb(31, 78, 153)"
        assert float(solve["outline"][1].removesuffix("px")) >= 2
        page.keyboard.press("Enter")
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
        _idle(page)

        go(page, "Report and export")
        focus(page, "Download the report (HTML, opens in any browser, prints to PDF)")
        with page.expect_download() as info:
            page.keyboard.press("Enter")
        report = Path(info.value.path()).read_text(encoding="utf-8")
        assert report.startswith("<!DOCTYPE html>") and "Peer mentoring plan" in report
        assert not outside, f"requests left the machine: {outside}"
    finally:
        context.close()
