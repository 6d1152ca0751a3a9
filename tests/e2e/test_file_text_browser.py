"""A hostile cohort through every page in a real browser: its values are text, nothing leaks.

The sample department with Markdown and HTML in its module codes, programmes and file name
(tests/hostile_app_cohort.py) is uploaded, solved as PASS and as peer mentoring, and every page
is opened. On every page: no image, link, bold text or tag made from a value in the file, the
values shown literally where the page names them, and not one request from the browser to
anywhere but the app itself (the file's addresses point at another port on this machine, which
a host-only check would miss).

Run with ``python -m pytest tests/e2e/test_file_text_browser.py -m e2e``.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from e2e_support import SCREENSHOTS
from hostile_app_cohort import FILE_NAME, LEAK, MODULES, SAMPLE, hostile_zip
from test_browser import _idle, _nav

from app_common.file_text import JOINER

pytestmark = pytest.mark.e2e

PAGES = ["Home", "Cohort", "Scheme", "Solve", "Coverage", "What-if", "Report and export"]
# Elements a value from the file would have become if it were read as Markdown or HTML. The file's
# addresses by their whole host and port: the app's own links may be on a port like 49999.
INTERPRETED = (
    f'img[src*="{urlparse(LEAK).netloc}"]',
    f'a[href*="{urlparse(LEAK).netloc}"]',
    'a[href="y"]',
    "strong:text-is('bold')",
    "strong:text-is('cohort')",
    "b:text-is('istry')",
    "b:text-is('one')",
    "[data-testid='stMarkdownContainer'] span[style*='color']:text-is('Chem')",
)


def _open_watched(browser, url: str):
    """A page that records every request not addressed to the app's own origin."""
    context = browser.new_context(viewport={"width": 1400, "height": 1500})
    page = context.new_page()
    app = urlparse(url)
    outside: list[str] = []

    def watch(request) -> None:
        target = urlparse(request.url)
        if target.scheme in ("http", "https", "ws", "wss") and (
            target.hostname,
            target.port,
        ) != (app.hostname, app.port):
            outside.append(request.url)

    page.on("request", watch)
    page.goto(url)
    _idle(page)
    return context, page, outside


def _nothing_interpreted(page, where: str) -> None:
    for selector in INTERPRETED:
        assert page.locator(selector).count() == 0, f"{where}: {selector} found"


def _solve(page, done_text: str) -> None:
    _nav(page, "Solve")
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text(done_text, exact=True).wait_for(timeout=120_000)
    _idle(page)


def test_hostile_cohort_is_text_on_every_page_and_nothing_is_fetched(browser, server) -> None:
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    context, page, outside = _open_watched(browser, server.url)
    try:
        _nav(page, "Cohort")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            files=[{"name": FILE_NAME, "mimeType": "application/zip", "buffer": hostile_zip()}]
        )
        page.get_by_text("Quick facts", exact=True).wait_for(timeout=60_000)
        _idle(page)
        _nothing_interpreted(page, "Cohort after the upload")
        # The file name is shown as it is, in the page and in the sidebar.
        assert FILE_NAME in page.locator("[data-testid='stMain']").inner_text()
        assert FILE_NAME in page.locator('[data-testid="stSidebar"]').inner_text()

        # PASS: the targeted modules (the caption that once fetched the image) and the plan.
        _nav(page, "Scheme")
        page.get_by_text("PASS sessions", exact=True).click()
        _idle(page)
        _nothing_interpreted(page, "Scheme (PASS)")
        body = page.locator("body").inner_text().replace(JOINER, "")
        assert MODULES["MA2001"] in body and MODULES["CH2001"] in body, body[:2000]
        _solve(page, "Reach per module")
        seen = {"Scheme (PASS)"}
        for title in PAGES:
            _nav(page, title)
            _nothing_interpreted(page, f"{title} (PASS plan)")
            seen.add(title)
        page.screenshot(path=str(SCREENSHOTS / "hostile_pass_report.png"), full_page=True)

        # Peer mentoring: programme names in the coverage breakdowns and the headline.
        _nav(page, "Scheme")
        page.get_by_text("Peer mentoring", exact=True).click()
        _idle(page)
        _solve(page, "Mentees matched")
        for title in PAGES:
            _nav(page, title)
            _nothing_interpreted(page, f"{title} (mentoring plan)")
        assert len(seen) == len(PAGES) + 1
        assert not outside, f"the browser fetched addresses named in the file: {outside}"
    finally:
        context.close()
