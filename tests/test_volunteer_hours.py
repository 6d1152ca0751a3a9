"""Hours per volunteer recomputed by hand on a small case; the award record; certificates that
escape every value from a file."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbench.cohort.validation import cohort_from_records
from workbench.volunteers.certificates import (
    certificate_file_name,
    certificate_html,
    write_certificates,
)
from workbench.volunteers.hours import HoursSettings, VolunteerPlans, award_record, volunteer_hours


def small_cohort(with_records: bool = True, extra_students: list[dict] = ()):
    people = ["L1", "M1", "B1", "E1", "E2", "E3"]
    tables = {
        "students": [{"student_id": s, "programme": "Physics", "level": "UG2"} for s in people]
        + list(extra_students),
        "modules": [{"module_code": "PH1"}],
        "leaders": [{"student_id": s, "module_code": "PH1"} for s in ("L1", "B1")],
        "mentors": [{"student_id": s, "capacity": "3"} for s in ("M1", "B1")],
        "mentees": [{"student_id": s} for s in ("E1", "E2", "E3")],
    }
    if with_records:
        tables["training"] = [
            {"student_id": "L1", "date": "2026-09-21", "hours": "1.5"},
            {"student_id": "L1", "week": "1", "hours": "1.5"},
            {"student_id": "B1", "date": "2026-09-22", "hours": "2"},
        ]
        tables["attendance"] = [
            {"student_id": e, "module_code": "PH1", "week": w, "day": "Mon", "start": "10:00"}
            for e, w in (("E1", 1), ("E2", 1), ("E1", 2), ("E3", 3))
        ] + [
            {"student_id": e, "module_code": "PH1", "week": w, "day": "Wed", "start": "14:00"}
            for e, w in (("E2", 2), ("E2", 4))
        ]
        tables["meetings"] = [
            {"mentee_id": "E1", "mentor_id": "M1", "week": "1", "minutes": "45"},
            {"mentee_id": "E1", "mentor_id": "M1", "week": "3", "minutes": "45"},
            {"mentee_id": "E2", "mentor_id": "M1", "week": "2"},  # no minutes: 30
            {"mentee_id": "E3", "mentor_id": "B1", "week": "2", "minutes": "60"},
        ]
    return cohort_from_records(**tables)


def plans() -> VolunteerPlans:
    return VolunteerPlans(
        sessions=pd.DataFrame(
            {
                "module_code": ["PH1", "PH1"],
                "day": [0, 2],
                "start": [600, 840],
                "end": [660, 930],
                "leader_id": ["L1", "B1"],
            }
        ),
        matches=pd.DataFrame({"mentee_id": ["E1", "E2", "E3"], "mentor_id": ["M1", "M1", "B1"]}),
        training_sessions=pd.DataFrame({"session_id": ["T01"], "start": [600], "end": [720]}),
        training_assignments=pd.DataFrame(
            {"student_id": ["L1", "M1"], "session_id": ["T01", "T01"]}
        ),
    )


def test_hours_by_hand_with_records() -> None:
    hours = volunteer_hours(small_cohort(), plans()).set_index("student_id")
    # L1: training recorded 1.5 + 1.5 (the plan's 2 h is not used: attended wins);
    #     Mon 10:00-11:00 ran in weeks 1, 2, 3 (registers): 3 x 1 h; prep 3 x 0.5 h
    assert hours.loc["L1", HOURS].tolist() == [3.0, 3.0, 1.5, 0.0, 7.5]
    # M1: no training recorded, placed in T01 (10:00-12:00): 2 h; meetings 45 + 45 + 30 min
    assert hours.loc["M1", HOURS].tolist() == [2.0, 0.0, 0.0, 2.0, 4.0]
    # B1: training 2 h; Wed 14:00-15:30 ran in weeks 2 and 4: 2 x 1.5 h; prep 2 x 0.5; 60 min
    assert hours.loc["B1", HOURS].tolist() == [2.0, 3.0, 1.0, 1.0, 7.0]
    assert hours.loc["B1", "role"] == "mentor and PASS leader"
    assert hours.loc["L1", "name"] == "L1"  # no names in the cohort: the id


HOURS = ["training_hours", "session_hours", "prep_hours", "meeting_hours", "total_hours"]


def test_hours_by_hand_from_the_plan_alone() -> None:
    settings = HoursSettings(
        prep_minutes=15, meetings_per_mentee=4, meeting_minutes=30, term_weeks=11
    )
    hours = volunteer_hours(small_cohort(with_records=False), plans(), settings)
    hours = hours.set_index("student_id")
    # L1: planned training 2 h; 11 weeks x 1 h; 11 x 0.25 h prep
    assert hours.loc["L1", HOURS].tolist() == [2.0, 11.0, 2.75, 0.0, 15.75]
    # M1: 2 mentees x 4 meetings x 0.5 h; planned training 2 h
    assert hours.loc["M1", HOURS].tolist() == [2.0, 0.0, 0.0, 4.0, 6.0]
    # B1: 11 x 1.5 h; 11 x 0.25 h; 1 mentee x 4 x 0.5 h; no training
    assert hours.loc["B1", HOURS].tolist() == [0.0, 16.5, 2.75, 2.0, 21.25]


def test_award_record_one_row_per_volunteer_and_role() -> None:
    cohort = small_cohort()
    hours = volunteer_hours(cohort, plans())
    record = award_record(cohort, hours, HoursSettings(coordinator="Dr Ada Lovelace"))
    both = record[record["student_id"] == "B1"].set_index("role")
    assert both.loc["mentor", "hours"] == 1.0 + 1.0  # meetings + half the training
    assert both.loc["PASS leader", "hours"] == 3.0 + 1.0 + 1.0
    assert record.groupby("student_id")["hours"].sum().to_dict() == {
        "B1": 7.0,
        "L1": 7.5,
        "M1": 4.0,
    }
    assert set(record["coordinator"]) == {"Dr Ada Lovelace"}
    assert list(record.columns) == [
        "student_id",
        "name",
        "email",
        "role",
        "activity",
        "hours",
        "skills",
        "coordinator",
    ]
    edited = HoursSettings(skills={"mentor": "patience", "PASS leader": "teaching"})
    record = award_record(cohort, hours, edited)
    assert set(record.loc[record["role"] == "mentor", "skills"]) == {"patience"}


HOSTILE = "<script>alert('x')</script>&\"'<img src=x onerror=alert(1)>"


def test_certificates_escape_every_file_value(tmp_path) -> None:
    row = {
        "student_id": "../../etc/<passwd>",
        "name": HOSTILE,
        "role": "mentor and PASS leader",
        "training_hours": 2.0,
        "session_hours": 3.0,
        "prep_hours": 1.0,
        "meeting_hours": 1.0,
        "total_hours": 7.0,
    }
    settings = HoursSettings(
        coordinator="<b>Dr</b> Evil & co",
        scheme_name="<iframe src=//evil>",
        skills={"mentor": "<u>listening</u>", "PASS leader": "<i>leading</i>"},
    )
    page = certificate_html(row, settings, dt.date(2026, 6, 1))
    for raw in (HOSTILE, "<b>Dr</b>", "<iframe", "<u>", "<i>", "<passwd>", "<script"):
        assert raw not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Dr&lt;/b&gt; Evil &amp; co" in page
    assert "7.0 hours" in page and "2026-06-01" in page
    assert "http" not in page and "@import" not in page  # nothing fetched from elsewhere
    written = write_certificates(pd.DataFrame([row]), tmp_path / "certificates", settings)
    assert [p.parent for p in written] == [tmp_path / "certificates"]
    assert written[0].name.startswith("certificate-etc_passwd-")
    assert certificate_file_name("a/b") != certificate_file_name("a_b")


def test_names_shown_when_the_cohort_has_them() -> None:
    cohort = small_cohort()
    students = cohort.students.assign(name=None, email=None)
    students.loc[students["student_id"] == "M1", ["name", "email"]] = ["Mo Reed", "mo@x.ac"]
    cohort = cohort.model_copy(update={"students": students})
    hours = volunteer_hours(cohort, plans()).set_index("student_id")
    assert hours.loc["M1", "name"] == "Mo Reed" and hours.loc["L1", "name"] == "L1"
    record = award_record(cohort, hours.reset_index())
    assert record.loc[record["student_id"] == "M1", "email"].tolist() == ["mo@x.ac"]
