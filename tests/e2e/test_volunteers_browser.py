"""The Volunteers page in a real headless Chromium: plan the training, upload a supervisors file
through the real file input, and download a certificate with the coordinator's name.

Run with ``python -m pytest tests/e2e/test_volunteers_browser.py -m e2e``. The screenshot goes
to ``artifacts/screenshots/volunteers.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import ROOT
from test_browser import _idle, _nav, _open, _shot

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"
SUPERVISORS = (
    b"staff_id,name,email,capacity,faculty\n"
    b"S1,Dr Ada Byron,ada@uni.example,40,Faculty of Science\n"
    b"S2,Dr Alan Turing,alan@uni.example,40,Faculty of Engineering\n"
)


def test_volunteers_train_supervise_and_certificate(browser, server, screenshots):
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    context, page, outside = _open(browser, server.url)
    page.get_by_role("button", name="Start with the sample department").click()
    _idle(page)
    _nav(page, "Volunteers")
    page.get_by_role("heading", name="Volunteers").first.wait_for()

    page.get_by_role("tab", name="Train").click()
    page.get_by_role("button", name="Plan the training").click()
    page.get_by_text("volunteers placed in", exact=False).first.wait_for(timeout=90_000)
    _idle(page)

    page.get_by_role("tab", name="Supervise").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "supervisors.csv", "mimeType": "text/csv", "buffer": SUPERVISORS}]
    )
    _idle(page)
    page.get_by_role("tab", name="Supervise").click()
    verdict = page.get_by_text("volunteers have a supervisor", exact=False).first
    verdict.wait_for(timeout=60_000)
    assert "from their own faculty" in verdict.inner_text()
    _shot(page, screenshots, "volunteers.png")

    page.get_by_role("tab", name="Train").click()
    page.get_by_role("button", name="Plan the training").click()  # for the cohort with staff
    page.get_by_text("volunteers placed in", exact=False).first.wait_for(timeout=90_000)
    _idle(page)
    page.get_by_role("tab", name="Record").click()
    name = page.get_by_label("Coordinator's name (on certificates)", exact=True)
    name.fill("Dr Grace Hopper")
    name.press("Enter")
    _idle(page)
    button = page.get_by_role("button", name="Download the certificate", exact=False)
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    certificate = Path(info.value.path()).read_text(encoding="utf-8")
    assert "Dr Grace Hopper" in certificate and "Certificate of volunteering" in certificate
    assert not outside, f"requests left the machine: {outside}"
    context.close()
