"""Smaller points of the coordinator's voice: Home knows a plan exists; the Solve page says who a
plan is for (the students of one module, not the whole cohort)."""

from __future__ import annotations

from tests.test_app import needs_sample, no_errors, page, solved
from tests.test_app_groups import scheme_page


def _captions(at) -> str:
    return "\n".join(c.value.replace("\\", "") for c in at.caption)


@needs_sample
def test_home_offers_the_plan_once_there_is_one() -> None:
    at = solved("mentoring")
    at = page(at, "home")
    no_errors(at)
    said = " ".join(s.value for s in at.success)
    assert "Next: choose a scheme" not in said
    assert at.session_state["scenario"].name.replace("\\", "") in said.replace("\\", "")


@needs_sample
def test_the_solve_page_says_who_the_groups_are_for() -> None:
    at = scheme_page("study")
    at = page(at, "solve")
    no_errors(at)
    cohort = at.session_state["cohort"]
    text = _captions(at)
    assert f"for {len(cohort.students):,} students" not in text
    assert any(
        f"for {n:,} students of " in text
        for n in cohort.enrolments.groupby("module_code")["student_id"].nunique()
    ), text


@needs_sample
def test_pairs_name_people_with_their_ids_and_say_why_in_one_column() -> None:
    import json

    at = solved("mentoring")
    chosen = at.session_state["scenario"]
    students = chosen.cohort_tables["students"].set_index("student_id")["name"]
    pairs = at.data_editor[0].value
    first = pairs.iloc[0]
    assert first["mentee"] == f"{students[first['mentee_id']]} ({first['mentee_id']})"
    assert first["mentor"] == f"{students[first['mentor_id']]} ({first['mentor_id']})"
    assert pairs["why"].str.len().gt(0).all()
    config = json.loads(at.data_editor[0].proto.columns)
    shown = [c for c in at.data_editor[0].proto.column_order]
    assert shown[:5] == ["lock", "mentee", "mentor", "score", "why"]
    assert len(shown) <= 10  # no horizontal cut at 1,280 px
    for column in shown:
        label = config.get(column, {}).get("label", column)
        assert "_" not in label, label  # headers in words
