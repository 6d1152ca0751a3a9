"""Two coordinators on one server, in two real browser contexts, each with their own cohort:
each sees only their own students, plan and scenarios, also when both solve at once.

Run with ``python -m pytest tests/e2e/test_many_users_browser.py -m e2e``.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from e2e_support import ROOT
from test_browser import _idle, _nav, _open

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"
ID_COLUMNS = {
    "students": ["student_id"],
    "enrolments": ["student_id"],
    "busy": ["student_id"],
    "mentors": ["student_id"],
    "mentees": ["student_id"],
    "leaders": ["student_id"],
    "preferences": ["student_id", "prefers_id"],
    "avoid": ["student_id_a", "student_id_b"],
}


def _sample_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(SAMPLE.glob("*.csv")):
            archive.write(path, path.name)
    return buffer.getvalue()


def _generated_zip(n: int, seed: int, prefix: str) -> bytes:
    from workbench.cohort.generate import generate_tables

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, frame in generate_tables(n, seed).items():
            frame = frame.copy()
            for column in ID_COLUMNS.get(name, []):
                frame[column] = prefix + frame[column].astype(str)
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()


def _upload(page, name: str, data: bytes) -> None:
    _nav(page, "Cohort")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": data}]
    )
    page.get_by_text("Quick facts", exact=True).wait_for(timeout=60_000)
    _idle(page)


def _students(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Students").first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _name_plan(page, plan_name: str) -> None:
    _nav(page, "Solve")
    name = page.get_by_role("textbox", name="Name of this plan")
    name.fill(plan_name)
    name.press("Enter")
    _idle(page)


def _sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_two_coordinators_see_only_their_own_data(browser, server) -> None:
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    ctx_a, a, outside_a = _open(browser, server.url)
    ctx_b, b, outside_b = _open(browser, server.url)
    try:
        _upload(a, "mine.zip", _sample_zip())
        _upload(b, "theirs.zip", _generated_zip(240, seed=11, prefix="X"))
        assert _students(a) == "300" and _students(b) == "240"
        assert "mine.zip" in _sidebar(a) and "theirs.zip" not in _sidebar(a)
        assert "theirs.zip" in _sidebar(b) and "mine.zip" not in _sidebar(b)

        # Both solve at once: A and B press Solve one right after the other.
        _name_plan(a, "Plan of A")
        _name_plan(b, "Plan of B")
        a.get_by_role("button", name="Solve", exact=True).click()
        b.get_by_role("button", name="Solve", exact=True).click()
        for page in (a, b):
            page.get_by_text("Mentees matched", exact=True).wait_for(timeout=90_000)
            _idle(page)
        text_a, text_b = a.locator("body").inner_text(), b.locator("body").inner_text()
        assert "Plan of A" in text_a and "Plan of B" not in text_a
        assert "Plan of B" in text_b and "Plan of A" not in text_b
        matched_a = (
            a.locator('[data-testid="stMetric"]')
            .filter(has_text="Mentees matched")
            .first.inner_text()
        )
        matched_b = (
            b.locator('[data-testid="stMetric"]')
            .filter(has_text="Mentees matched")
            .first.inner_text()
        )
        assert matched_a != matched_b
        for page in (a, b):
            page.locator('[data-testid="stDataFrame"]').first.wait_for()
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()

        # Each one's saved scenarios: their own plan only, also after a refresh.
        for page, own, other in ((a, "Plan of A", "Plan of B"), (b, "Plan of B", "Plan of A")):
            page.reload()
            _idle(page)
            _nav(page, "Home")
            page.get_by_text("Your saved scenarios", exact=True).wait_for()
            chooser = page.get_by_role("combobox", name="Scenario to reopen")
            chooser.wait_for()
            chooser.click()
            options = page.get_by_role("option")
            options.first.wait_for()
            assert [o.strip() for o in options.all_inner_texts()] == [own]
            page.keyboard.press("Escape")
            assert other not in page.locator("body").inner_text()
        assert "300 students" in _sidebar(a) and "240 students" in _sidebar(b)
        assert not outside_a and not outside_b, (outside_a, outside_b)
    finally:
        ctx_a.close()
        ctx_b.close()
