"""The app's "Run the term" pages through AppTest: upload registers -> monitoring ->
evaluation -> report, on the sample department with a solved PASS plan."""

from __future__ import annotations

import html
import io

import numpy as np
import pandas as pd
import pytest
from test_app import (  # noqa: F401 (the fixtures: own store, recorded downloads)
    ROOT,
    _own_store,
    _record_downloads,
    button,
    download,
    loaded_sample,
    needs_sample,
    new_app,
    no_errors,
    page,
    solved,
    texts,
    vega_charts,
)

from workbench.term.calendar import term_for
from workbench.term.evaluation import impact_of
from workbench.term.monitoring import Plan, monitor
from workbench.term.registers import check_attendance


def _filled_registers(csv: bytes) -> tuple[bytes, set[str]]:
    """The downloaded registers filled in: every other student of a module comes, to the
    first session only, in most weeks."""
    frame = pd.read_csv(io.BytesIO(csv), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    first = frame.groupby("module_code")[["day", "start"]].transform("first")
    at_first = (frame["day"] == first["day"]) & (frame["start"] == first["start"])
    students = sorted(set(frame["student_id"]))
    comes = set(students[::2])
    weeks = frame["week"].astype(int)
    frame["attended"] = np.where(
        at_first & frame["student_id"].isin(comes) & (weeks % 4 != 0), "yes", ""
    )
    return frame.to_csv(index=False).encode("utf-8"), comes


def _outcomes(cohort, comes: set[str]) -> bytes:
    """Results for every enrolment: attenders 5 marks up, a few fails."""
    rng = np.random.default_rng(7)
    enrol = cohort.enrolments
    mark = 55 + rng.normal(0, 10, len(enrol)) + 5 * enrol["student_id"].isin(comes)
    mark = np.clip(np.round(mark, 1), 0, 100)
    frame = pd.DataFrame(
        {
            "student_id": enrol["student_id"],
            "module_code": enrol["module_code"],
            "mark": mark,
            "result": np.where(mark >= 40, "pass", "fail"),
        }
    )
    return frame.to_csv(index=False).encode("utf-8")


@needs_sample
def test_upload_registers_then_monitoring_evaluation_and_the_report() -> None:
    at = solved("pass")
    at = page(at, "attendance")
    no_errors(at)
    registers = download(at, "Download the registers to fill in")
    assert download(at, "Download the sign-in sheets").count(b"<section>") == len(
        at.session_state["scenario"].results["sessions"]
    )
    filled, comes = _filled_registers(registers)
    cohort = at.session_state["cohort"]
    uploads = [
        ("registers.csv", filled, "text/csv"),
        ("outcomes.csv", _outcomes(cohort, comes), "text/csv"),
    ]
    at.file_uploader(key="term_uploads").set_value(uploads).run()
    button(at, "Check and add them").click().run()
    no_errors(at)
    assert "Added." in texts(at), texts(at)
    term_cohort = at.session_state["_term_cohort"][1]
    expected_rows = pd.read_csv(io.BytesIO(filled), dtype=str, keep_default_na=False)
    assert len(term_cohort.attendance) == (expected_rows["attended"] == "yes").sum()
    assert "fit the plan and the term" in texts(at)  # the sample's term has a break: no row in it

    at = page(at, "monitoring")
    no_errors(at)
    plan_sessions = at.session_state["scenario"].results["sessions"]
    term = term_for(term_cohort)
    plan = Plan(
        sessions=plan_sessions.astype({"expected_attendance": float}),
        settings=dict(at.session_state["scenario"].settings),
    )
    _, flagged, _, _ = monitor(term_cohort, plan, term)
    # Only the first session of each module is attended: the others are flagged.
    assert len(flagged) == plan_sessions.groupby("module_code").size().sub(1).sum()
    assert f"{len(flagged)} to look at" in texts(at)
    assert vega_charts(at) >= 1
    assert len(check_attendance(term_cohort, term, plan.sessions)) == 0
    # Calibration: the observed take-up becomes the PASS plan's assumption.
    button(at, "Plan PASS with this observed take-up").click().run()
    no_errors(at)
    observed = at.session_state["observed_uptake"]
    assert observed and "uses this observed take-up" in texts(at)

    at = page(at, "evaluation")
    no_errors(at)
    effect = impact_of(term_cohort, "pass").effect
    assert effect.adjusted_difference is not None
    assert effect.sentence in texts(at)
    assert "not proof of cause" in effect.sentence

    at = page(at, "report")
    no_errors(at)
    report = download(at, "Download the report").decode("utf-8")
    assert 'id="impact"' in report
    assert html.escape(effect.sentence) in report

    first = at.session_state["scenario"]  # planned with the documented defaults
    at = page(at, "solve")
    button(at, "Solve").click().run()
    no_errors(at)
    again = at.session_state["scenario"]
    for code, values in observed.items():
        assert again.settings["module_uptake"][code]["regular"] == values["regular"]
        assert again.settings["module_uptake"][code]["once"] == values["once"]

    # Reopened in a new session, the plan brings its observed take-up back: solved again, it
    # plans with the same take-up; reopening the first plan goes back to the defaults.
    reopened = new_app()
    reopened.query_params.update(ws=at.session_state["owner"], plan=again.id)
    reopened.run()
    reopened = page(reopened, "solve")
    no_errors(reopened)
    assert reopened.session_state["scenario"].id == again.id
    assert reopened.session_state["observed_uptake"] == observed
    button(reopened, "Solve").click().run()
    no_errors(reopened)
    assert (
        reopened.session_state["scenario"].settings["module_uptake"]
        == (again.settings["module_uptake"])
    )
    reopened = page(reopened, "home")
    reopened.selectbox(key="reopen_choice").set_value(first.id)
    button(reopened, "Reopen").click().run()
    no_errors(reopened)
    assert reopened.session_state["scenario"].id == first.id
    assert "observed_uptake" not in reopened.session_state


TERM_PAGES = ["attendance", "monitoring", "evaluation"]


@pytest.mark.parametrize("name", TERM_PAGES)
def test_term_pages_open_cold_say_what_to_do_first_and_stay_thin(name: str) -> None:
    at = page(new_app().run(), name)
    no_errors(at)
    assert "First, load a cohort" in texts(at)
    assert len((ROOT / "app_pages" / f"{name}.py").read_bytes()) < 12_000


@needs_sample
def test_before_a_plan_or_registers_the_pages_say_what_is_missing() -> None:
    at = loaded_sample()
    at = page(at, "attendance")
    no_errors(at)
    assert "Solve a PASS plan first to print its registers" in texts(at)
    at = page(at, "evaluation")
    no_errors(at)
    assert "Nothing to evaluate yet" in texts(at)
    at = page(at, "monitoring")
    no_errors(at)
    assert "Next, solve a plan" in texts(at)


@needs_sample
def test_registers_with_problems_are_listed_in_words() -> None:
    at = page(solved("pass"), "attendance")
    bad = b"student_id,module_code,week,attended\nnobody,PH1,soon,yes\n"
    at.file_uploader(key="term_uploads").set_value([("registers.csv", bad, "text/csv")]).run()
    button(at, "Check and add them").click().run()
    no_errors(at)
    assert "cannot be added yet" in texts(at)
    shown = [d.value for d in at.dataframe if "What is wrong" in d.value.columns]
    assert shown and list(shown[0].columns) == ["File", "Row", "Column", "Kind", "What is wrong"]
    assert "week" in set(shown[0]["Column"]) and "2" in set(shown[0]["Row"])
