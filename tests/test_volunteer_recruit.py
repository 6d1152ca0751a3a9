"""Recruit: the shortfalls per module and programme, and candidates ranked with earlier marks
first, never someone already volunteering, enrolled on the module or who failed it."""

from __future__ import annotations

from workbench.cohort.validation import cohort_from_records
from workbench.schemes.pass_sessions.settings import PassSettings
from workbench.volunteers.recruit import (
    candidates,
    leader_shortfall,
    mentor_shortfall,
)


def cohort():
    students = [
        ("N1", "UG1"),
        ("N2", "UG1"),
        ("A", "UG2"),
        ("B", "UG2"),
        ("C", "UG2"),
        ("D", "UG3"),
        ("E", "UG2"),
        ("F", "UG2"),
        ("L", "UG3"),
        ("M", "UG3"),
        ("G", "UG1"),
    ]
    return cohort_from_records(
        students=[{"student_id": s, "programme": "Physics", "level": lvl} for s, lvl in students],
        modules=[
            {"module_code": "PH1", "module_name": "Mechanics", "level": "UG1", "fail_rate": "0.3"},
            {"module_code": "PH2", "level": "UG1", "fail_rate": "0.2"},
        ],
        enrolments=[{"student_id": s, "module_code": "PH1"} for s in ("N1", "N2", "G")],
        leaders=[{"student_id": "L", "module_code": "PH2", "max_sessions": "2"}],
        mentors=[{"student_id": "M", "capacity": "1"}],
        mentees=[{"student_id": s} for s in ("N1", "N2", "G")],
        outcomes=[
            {"student_id": "A", "module_code": "PH1", "mark": "62", "result": "pass"},
            {"student_id": "B", "module_code": "PH1", "mark": "81", "result": "pass"},
            {"student_id": "C", "module_code": "PH1", "mark": "31", "result": "fail"},
            {"student_id": "L", "module_code": "PH1", "mark": "90", "result": "pass"},
        ],
    )


def test_shortfalls() -> None:
    short = leader_shortfall(cohort(), PassSettings(modules=["PH1", "PH2"]))
    assert short.set_index("module_code")["short"].to_dict() == {"PH1": 1, "PH2": 0}
    short = mentor_shortfall(cohort()).set_index("programme")
    assert short.loc["Physics", ["mentees", "places", "short"]].tolist() == [3, 1, 2]


def test_leader_candidates_ranked_by_earlier_marks() -> None:
    table = candidates(cohort(), "pass", PassSettings(modules=["PH1", "PH2"]))
    ids = table["student_id"].tolist()
    assert ids[:2] == ["B", "A"]  # took PH1 and did well: best mark first
    assert "C" not in ids  # failed it
    assert "L" not in ids and "M" not in ids  # already volunteering
    assert not {"N1", "N2", "G"} & set(ids)  # on the module (and mentees)
    assert table.iloc[0]["why"] == "took PH1 Mechanics earlier (mark 81, pass); now UG2 Physics"
    assert table.iloc[0]["invited_to"] == "lead PASS sessions for PH1 Mechanics"
    assert table["rank"].tolist() == list(range(1, len(table) + 1))


def test_mentor_candidates_one_level_above_first() -> None:
    table = candidates(cohort(), "mentoring")
    assert set(table["for"]) == {"Physics"}
    levels = table["level"].tolist()
    assert levels == sorted(levels)  # UG2 (one level above the UG1 mentees) before UG3
    assert "M" not in set(table["student_id"]) and "L" not in set(table["student_id"])
    assert table["invited_to"].iloc[0] == "mentor new Physics students"


def test_needed_overrides_and_each_student_invited_once() -> None:
    table = candidates(
        cohort(), "pass", PassSettings(modules=["PH1", "PH2"]), needed={"PH1": 1, "PH2": 2}
    )
    assert not table["student_id"].duplicated().any()
    assert set(table["for"]) == {"PH1", "PH2"}
