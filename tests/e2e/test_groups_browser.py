"""Study groups in a real headless Chromium: choose them on the Scheme page, solve, see the
groups and their charts, move a student and see the broken rule, download the groups CSV.

Run with ``python -m pytest tests/e2e/test_groups_browser.py -m e2e``. Screenshots go to
``artifacts/screenshots/`` (``solve_groups.png``, ``groups_moved.png``).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from e2e_support import ROOT
from test_browser import _idle, _nav, _open, _shot

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (typing to filter, as people do)."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option").filter(has_text=option).first.click()
    _idle(page)


def test_study_groups_solve_move_and_download(browser, server, screenshots):
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    context, page, outside = _open(browser, server.url)
    page.get_by_role("button", name="Start with the sample department").click()
    _idle(page)

    _nav(page, "Scheme")
    page.get_by_text("Study groups", exact=True).click()
    _idle(page)
    page.get_by_text("55 students of SCI1000 in study groups of 4-6", exact=False).wait_for()
    page.get_by_text("Nobody the only one of their kind", exact=True).wait_for()

    _nav(page, "Solve")
    page.get_by_role("button", name="Solve", exact=True).click()
    page.get_by_text("Move a student by hand", exact=True).wait_for(timeout=90_000)
    _idle(page)
    page.get_by_text("Groups (", exact=False).first.wait_for()
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2
    assert page.get_by_text("Students placed", exact=True).count() >= 1
    _shot(page, screenshots, "solve_groups.png")

    # Move a student out of their group: the group may fall below 4 or leave someone alone.
    _choose(page, "Move to", "Not in any group")
    page.get_by_role("button", name="Move", exact=True).click()
    _idle(page)
    page.get_by_text("Your changes", exact=True).wait_for()
    assert page.get_by_text("→ not in a group", exact=False).count() >= 1
    verdict = page.get_by_text("The edited plan", exact=False).first
    verdict.wait_for()
    assert "rule" in verdict.inner_text()
    _shot(page, screenshots, "groups_moved.png")

    _nav(page, "Report and export")
    button = page.get_by_role("button", name="Groups (CSV)")
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    groups = pd.read_csv(
        io.BytesIO(Path(info.value.path()).read_bytes()),
        encoding="utf-8-sig",
        dtype={"student_id": str},
    )
    assert len(groups) == 55 and groups["group_id"].nunique() >= 10
    assert not outside, f"requests left the machine: {outside}"
    context.close()
