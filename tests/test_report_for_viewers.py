"""A viewer's report (``people=False``): every figure of the plan, no student by name or id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.cohort.loading import load_cohort
from workbench.review.report import render_report
from workbench.scenarios.scenario import solve_scenario

DEPARTMENT = Path(__file__).resolve().parents[1] / "sample_data" / "department"
PLANS = [
    ("mentoring", {}),
    ("pass", {"top": 5}),
    ("groups", {"module": "MA1001", "min_size": 4, "max_size": 6}),
]


@pytest.fixture(scope="module")
def department():
    return load_cohort(DEPARTMENT).cohort


def _cells(html: str) -> set[str]:
    """Every piece of text between tags in the report."""
    return {text.strip() for text in re.findall(r">([^<>]+)<", html) if text.strip()}


@pytest.mark.parametrize(("scheme", "settings"), PLANS, ids=[p[0] for p in PLANS])
def test_the_viewers_report_names_no_student_but_keeps_the_figures(department, scheme, settings):
    plan = solve_scenario(department, scheme, settings)
    students = plan.cohort_tables["students"]
    ids = set(students["student_id"].astype(str))
    names = set()
    for column in ("first_name", "last_name", "name", "email"):
        if column in students:
            names |= set(students[column].dropna().astype(str))
    full = _cells(render_report(plan, charts=False))
    viewer_html = render_report(plan, charts=False, people=False)
    viewer = _cells(viewer_html)
    # The full report does list people (so the check below can fail) ...
    assert any(any(i in cell for i in ids | names) for cell in full), scheme
    # ... the viewer's names none of them, anywhere.
    leaked = {cell for cell in viewer if any(re.search(rf"\b{re.escape(i)}\b", cell) for i in ids)}
    leaked |= {cell for cell in viewer if any(n and n in cell for n in names)}
    assert not leaked, (scheme, sorted(leaked)[:5])
    assert "left out of this copy" in viewer_html
    # The headline figures are the same in both.
    headline = re.search(r'<section id="headline">.*?</section>', viewer_html, re.S)
    assert headline and headline.group(0) in render_report(plan, charts=False)
