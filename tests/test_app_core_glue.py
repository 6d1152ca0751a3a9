"""Core logic the app's glue used to hold, now in ``workbench`` (usable by a script): the
comparison as text, a correction validated as a whole cohort, every download of a plan, and the
solver places a sweep may take."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from workbench.cohort.corrections import corrected_cohort, edit_digest
from workbench.cohort.generate import generate_tables
from workbench.cohort.loading import cohort_to_tables
from workbench.cohort.validation import validate_tables
from workbench.review.comparison import readable_comparison
from workbench.review.downloads import scenario_downloads
from workbench.scenarios import concurrency
from workbench.scenarios.scenario import read_scenario_bytes, solve_scenario


@pytest.fixture(scope="module")
def cohort():
    result = validate_tables(generate_tables(80, 7))
    assert result.cohort is not None
    return result.cohort


def test_comparison_figures_read_as_text() -> None:
    frame = pd.DataFrame(
        {
            "metric": ["coverage", "cost", "cost_per_student_reached", "matched", "note"],
            "label": ["Coverage", "Cost", "Per student", "Matched", "Note"],
            "plan": [0.8123, 1234.0, 4.361, 1500, "x"],
            "change": [0.015, -250.0, -4.36, None, None],
        }
    )
    shown = readable_comparison(frame)
    assert list(shown.columns) == ["Figure", "plan", "change"]
    assert shown["plan"].tolist() == ["81.2%", "£1,234", "£4.36", "1,500", "x"]
    assert shown["change"].tolist() == ["+1.5 points", "-£250", "-£4.36", "", ""]
    assert readable_comparison(None) is None


def test_a_correction_is_validated_with_the_whole_cohort(cohort) -> None:
    tables = cohort_to_tables(cohort)
    students = tables["students"].copy()
    first = students["student_id"].iloc[0]
    students.loc[students.index[0], "programme"] = "Astrophysics"
    fixed = corrected_cohort(tables, "students", students, "mine")
    assert fixed.cohort is not None and fixed.cohort.name == "mine"
    assert fixed.cohort.students.set_index("student_id").loc[first, "programme"] == "Astrophysics"

    students.loc[students.index[1], "level"] = "Year Nine"
    broken = corrected_cohort(tables, "students", students, "mine")
    assert broken.cohort is None
    assert any(p.column == "level" for p in broken.report.errors)
    assert tables["students"].loc[tables["students"].index[1], "level"] != "Year Nine"
    assert edit_digest(students) != edit_digest(tables["students"])
    assert edit_digest(students) == edit_digest(students.copy())


def test_every_download_of_a_plan(cohort) -> None:
    plan = solve_scenario(cohort, "mentoring", name="Plan")
    files = scenario_downloads(plan)
    assert files["Matches (CSV)"][0] == "_matches.csv"
    matches = pd.read_csv(io.BytesIO(files["Matches (CSV)"][1]))
    assert len(matches) == len(plan.results["matches"])
    with zipfile.ZipFile(io.BytesIO(files["Everything as CSV files (zip)"][1])) as archive:
        assert any(name.endswith("matches.csv") for name in archive.namelist())
    again = read_scenario_bytes(files["Scenario file to send to a colleague (.wbscenario)"][1])
    assert again.id == plan.id and again.summary == plan.summary
    assert "Sessions as a calendar (.ics)" not in files  # mentoring has no sessions


@pytest.mark.parametrize(("capacity", "most", "expected"), [(4, 8, 3), (4, 2, 2), (1, 8, 1)])
def test_a_sweep_leaves_the_last_solver_place_free(
    monkeypatch: pytest.MonkeyPatch, capacity: int, most: int, expected: int
) -> None:
    monkeypatch.setattr(concurrency, "_shared", concurrency.SolveLimiter(capacity))
    assert concurrency.sweep_places(most) == expected
