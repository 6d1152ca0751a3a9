"""Running the term in a real headless Chromium: solve PASS on the sample, download the
registers, upload them filled in with results, then Monitoring, Evaluation and the report's
Impact section.

Run with ``python -m pytest tests/e2e/test_term_browser.py -m e2e``. Screenshot:
``artifacts/screenshots/evaluation.png``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from e2e_support import ROOT
from test_browser import _idle, _nav, _open, _shot

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"


def _download(page, name: str) -> bytes:
    button = page.get_by_role("button", name=name, exact=False)
    button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def _filled(registers: bytes) -> tuple[bytes, set[str]]:
    """Every other student comes to their module's first session, most weeks."""
    frame = pd.read_csv(
        io.BytesIO(registers), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    first = frame.groupby("module_code")[["day", "start"]].transform("first")
    at_first = (frame["day"] == first["day"]) & (frame["start"] == first["start"])
    comes = set(sorted(set(frame["student_id"]))[::2])
    weeks = frame["week"].astype(int)
    frame["attended"] = np.where(
        at_first & frame["student_id"].isin(comes) & (weeks % 4 != 0), "yes", ""
    )
    return frame.to_csv(index=False).encode(), comes


def _outcomes(comes: set[str]) -> bytes:
    enrol = pd.read_csv(SAMPLE / "enrolments.csv", dtype=str)
    rng = np.random.default_rng(7)
    mark = np.clip(
        np.round(55 + rng.normal(0, 10, len(enrol)) + 5 * enrol["student_id"].isin(comes), 1),
        0,
        100,
    )
    enrol["mark"] = mark
    enrol["result"] = np.where(mark >= 40, "pass", "fail")
    return enrol.to_csv(index=False).encode()


def test_registers_monitoring_evaluation_report(browser, server, screenshots):
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

    _nav(page, "Attendance")
    filled, comes = _filled(_download(page, "Download the registers to fill in"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[
            {"name": "registers.csv", "mimeType": "text/csv", "buffer": filled},
            {"name": "outcomes.csv", "mimeType": "text/csv", "buffer": _outcomes(comes)},
        ]
    )
    page.get_by_text("outcomes.csv").first.wait_for()
    _idle(page)
    page.get_by_role("button", name="Check and add them").click()
    _idle(page)
    page.get_by_text("Added.", exact=False).wait_for(timeout=60_000)

    _nav(page, "Monitoring")
    page.get_by_text("to look at", exact=False).first.wait_for(timeout=60_000)

    _nav(page, "Evaluation")
    page.get_by_text("not proof of cause", exact=False).first.wait_for(timeout=60_000)
    _shot(page, screenshots, "evaluation.png")

    _nav(page, "Report and export")
    report = _download(page, "Download the report").decode()
    assert 'id="impact"' in report and "not proof of cause" in report
    assert not outside, f"requests left the machine: {outside}"
    context.close()
