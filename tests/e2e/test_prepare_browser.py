"""The scheme of work and messages in a real headless Chromium: solve PASS, plan the weeks,
keep one week open by hand, download the module's handbook and the leaders' .eml drafts.

Run with ``python -m pytest tests/e2e/test_prepare_browser.py -m e2e``. Screenshot:
``artifacts/screenshots/scheme_of_work.png``.
"""

from __future__ import annotations

import io
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from e2e_support import ROOT
from test_browser import _idle, _nav, _open, _shot

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"


def _download(page, name: str) -> bytes:
    button = page.get_by_role("button", name=name, exact=False)
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_plan_the_weeks_mark_one_open_and_download(browser, server, screenshots):
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    context, page, outside = _open(browser, server.url)
    page.get_by_role("button", name="Start with the sample department").click()
    _idle(page)
    _nav(page, "Scheme")
    page.get_by_text("PASS sessions", exact=True).click()
    _idle(page)
    _nav(page, "Solve")
    page.get_by_role("button", name="Solve", exact=True).click()
    _idle(page, timeout=90_000)

    _nav(page, "Scheme of work")
    page.get_by_text("Modules of the current PASS plan", exact=False).wait_for(timeout=30_000)
    page.get_by_role("button", name="Plan the weeks").click()
    _idle(page)
    page.get_by_text("Scheme of work for 5 PASS module(s)", exact=False).wait_for(timeout=60_000)

    # Week 2 of the first module: keep it for students' own questions.
    box = page.get_by_label("Week", exact=True)
    box.click()
    box.fill("2")
    page.get_by_role("option").filter(has_text="2").first.click()
    _idle(page)
    page.get_by_role("button", name="Keep this week for students' own questions").click()
    _idle(page)
    page.get_by_text("Left out, and why", exact=True).wait_for()
    _shot(page, screenshots, "scheme_of_work.png")

    handbook = _download(page, "Download the handbook for this module").decode()
    assert handbook.startswith("<!DOCTYPE html>") and "marked open by hand" in handbook

    _nav(page, "Messages")
    page.get_by_text("Leaders' sessions and handbook", exact=False).click()
    _idle(page)
    archive = zipfile.ZipFile(io.BytesIO(_download(page, "Download the drafts")))
    emails = [
        BytesParser(policy=policy.default).parsebytes(archive.read(n)) for n in archive.namelist()
    ]
    assert emails and all(e["To"].addresses for e in emails)
    assert all(e["Subject"].startswith("Your PASS sessions for ") for e in emails)
    assert any(
        "marked open by hand" in a.get_content() for e in emails for a in e.iter_attachments()
    )
    assert not outside, f"requests left the machine: {outside}"
    context.close()
