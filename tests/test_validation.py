"""Every validation rule, with the exact message a coordinator sees."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.cohort.validation import (
    Mapping,
    cohort_from_records,
    parse_day,
    parse_level,
    parse_time,
    validate_tables,
)

STUDENTS = [
    {"student_id": "S1", "programme": "Physics", "level": "UG1"},
    {"student_id": "S2", "programme": "Physics", "level": "UG3"},
]


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype=object)


def messages(tables: dict[str, list[dict]], mapping: Mapping | None = None) -> list[str]:
    tables = {"students": STUDENTS, **tables}
    result = validate_tables({k: frame(v) for k, v in tables.items()}, mapping)
    return [str(p) for p in result.report.problems]


def errors_only(tables: dict[str, list[dict]]) -> list[str]:
    return [m for m in messages(tables) if "warning:" not in m]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("UG1", "UG1"),
        ("ug2", "UG2"),
        ("Year 1", "UG1"),
        ("y3", "UG3"),
        ("2", "UG2"),
        ("first year", "UG1"),
        ("PGT", "PGT"),
        ("Masters", "PGT"),
        ("PhD", "PGR"),
        ("pgr", "PGR"),
        ("UG6", "UG6"),
        ("UG7", None),
        ("Year 9", None),
        ("", None),
        ("level", None),
    ],
)
def test_levels(text: str, level: str | None) -> None:
    assert parse_level(text) == level


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Mon", 0),
        ("monday", 0),
        ("TUES", 1),
        ("Tue", 1),
        ("wednesday", 2),
        ("Thurs", 3),
        ("fri", 4),
        ("Sat", 5),
        ("SUNDAY", 6),
        ("M", None),
        ("Funday", None),
        ("", None),
    ],
)
def test_days(text: str, day: int | None) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("09:00", 540),
        ("9:30", 570),
        ("23:59", 1439),
        ("24:00", 1440),
        ("13:00:00", 780),
        ("25:61", None),
        ("12:60", None),
        ("24:30", None),
        ("9am", None),
        ("0930", None),
        ("13:00:30", None),
    ],
)
def test_times(text: str, minutes: int | None) -> None:
    assert parse_time(text) == minutes


def test_good_cohort_has_no_problems() -> None:
    cohort = cohort_from_records(
        students=STUDENTS,
        mentors=[{"student_id": "S2", "capacity": "3"}],
        mentees=[{"student_id": "S1"}],
    )
    assert cohort.counts()["students"] == 2
    assert cohort.students["level"].tolist() == ["UG1", "UG3"]
    assert cohort.mentors["capacity"].tolist() == [3]


def test_missing_students_table() -> None:
    result = validate_tables({"mentees": frame([{"student_id": "S1"}])})
    assert result.cohort is None
    assert (
        "students: the cohort has no students table (a students.csv file or a 'students' sheet)"
    ) in [str(p) for p in result.report.problems]


def test_missing_required_column() -> None:
    result = validate_tables({"students": frame([{"student_id": "S1", "programme": "P"}])})
    assert result.cohort is None
    assert [str(p) for p in result.report.problems] == [
        "students.csv:1: level: missing required column 'level' (a header such as: level, year, "
        "year of study, study level, stage)"
    ]


def test_doubled_column() -> None:
    rows = [{"Student ID": "S1", "Student Number": "S1", "programme": "P", "level": "UG1"}]
    result = validate_tables({"students": frame(rows)})
    assert result.cohort is None
    assert (
        "students.csv:1: Student Number: columns 'Student ID' and 'Student Number' both give "
        "student_id; keep one of them"
    ) in [str(p) for p in result.report.problems]


def test_empty_required_value() -> None:
    assert errors_only(
        {"students": [*STUDENTS, {"student_id": "S3", "programme": "", "level": "UG1"}]}
    ) == ["students.csv:4: programme: programme is empty"]


def test_duplicate_id() -> None:
    assert errors_only(
        {"students": [*STUDENTS, {"student_id": "S1", "programme": "Maths", "level": "UG2"}]}
    ) == ["students.csv:4: student_id: duplicate student_id 'S1' (first given at row 2)"]


def test_bad_level() -> None:
    assert errors_only({"students": [{"student_id": "S1", "programme": "P", "level": "UG9"}]}) == [
        "students.csv:2: level: 'UG9' is not a level (use one of UG1, UG2, UG3, UG4, UG5, UG6, "
        "PGT, PGR)"
    ]


def test_bad_boolean() -> None:
    assert errors_only(
        {
            "students": [
                {"student_id": "S1", "programme": "P", "level": "UG1", "commuter": "sometimes"}
            ]
        }
    ) == ["students.csv:2: commuter: 'sometimes' is not yes or no"]


def test_bad_day_time_and_backwards_interval() -> None:
    assert errors_only(
        {
            "busy": [
                {"student_id": "S1", "day": "Funday", "start": "09:00", "end": "10:00"},
                {"student_id": "S1", "day": "Mon", "start": "25:61", "end": "10:00"},
                {"student_id": "S1", "day": "Mon", "start": "11:00", "end": "10:00"},
            ]
        }
    ) == [
        "busy.csv:2: day: 'Funday' is not a day (use Mon..Sun)",
        "busy.csv:3: start: '25:61' is not a 24-hour time HH:MM",
        "busy.csv:4: end: ends before or when it starts (11:00-10:00)",
    ]


def test_numbers_out_of_range_and_not_numbers() -> None:
    assert errors_only(
        {
            "mentors": [{"student_id": "S2", "capacity": "25"}],
            "rooms": [
                {"room_id": "R1", "capacity": "0"},
                {"room_id": "R2", "capacity": "ten"},
                {"room_id": "R3", "capacity": "12.5"},
            ],
            "modules": [
                {"module_code": "M1", "fail_rate": "1.5"},
                {"module_code": "M2", "fail_rate": "35%"},
            ],
        }
    ) == [
        "modules.csv:2: fail_rate: '1.5' is out of range (must be between 0 and 1)",
        "rooms.csv:2: capacity: '0' is out of range (must be from 1 to 100000)",
        "rooms.csv:3: capacity: 'ten' is not a whole number",
        "rooms.csv:4: capacity: '12.5' is not a whole number",
        "mentors.csv:2: capacity: '25' is out of range (must be from 1 to 20)",
    ]


def test_percent_fail_rate_is_read() -> None:
    cohort = cohort_from_records(
        students=STUDENTS, modules=[{"module_code": "M", "fail_rate": "35%"}]
    )
    assert cohort.modules["fail_rate"].tolist() == [pytest.approx(0.35)]


def test_unknown_references() -> None:
    assert errors_only(
        {
            "modules": [{"module_code": "M1"}],
            "enrolments": [
                {"student_id": "S9", "module_code": "M1"},
                {"student_id": "S1", "module_code": "M7"},
            ],
            "mentees": [{"student_id": "S8"}],
        }
    ) == [
        "enrolments.csv:2: student_id: 'S9' is not in students.csv",
        "enrolments.csv:3: module_code: 'M7' is not in modules.csv",
        "mentees.csv:2: student_id: 'S8' is not in students.csv",
    ]


def test_reference_to_missing_table() -> None:
    assert errors_only(
        {"room_busy": [{"room_id": "R1", "day": "Mon", "start": "09:00", "end": "10:00"}]}
    ) == ["room_busy.csv: room_id: refers to the rooms table, which the cohort does not have"]


def test_self_avoid_and_self_rank_and_unordered_avoid_duplicates() -> None:
    assert errors_only(
        {
            "avoid": [
                {"student_id_a": "S1", "student_id_b": "S1"},
                {"student_id_a": "S1", "student_id_b": "S2"},
                {"student_id_a": "S2", "student_id_b": "S1"},
            ],
            "preferences": [{"student_id": "S1", "prefers_id": "S1", "rank": "1"}],
        }
    ) == [
        "preferences.csv:2: prefers_id: a student cannot rank themself",
        "avoid.csv:2: student_id_b: a student cannot be on their own avoid list",
        "avoid.csv:4: student_id_a: duplicate student_id_a and student_id_b 'S1, S2' (first "
        "given at row 3)",
    ]


def test_every_problem_is_collected_not_only_the_first() -> None:
    bad = [{"student_id": f"S{i}", "programme": "P", "level": "bad"} for i in range(5)]
    result = validate_tables({"students": frame(bad)})
    assert len(result.report.errors) == 5
    assert result.report.counts_by_file() == {"students.csv": 5}
    assert result.report.format_text().endswith("5 problems (students.csv: 5).")


def test_many_identical_problems_are_summarised() -> None:
    bad = [{"student_id": f"S{i}", "programme": "P", "level": "bad"} for i in range(120)]
    report = validate_tables({"students": frame(bad)}).report
    listed = [p for p in report.errors if p.row is not None]
    assert len(listed) == 50
    assert str(report.errors[-1]) == (
        "students.csv: level: ... and 70 more rows with this problem: not a level"
    )


def test_aliases_and_extra_columns() -> None:
    rows = [
        {
            " Student Number ": "S1",
            "Programme Name": "Physics",
            "Year of Study": "Year 1",
            "Tutor": "Dr A",
        }
    ]
    result = validate_tables({"students": frame(rows)})
    assert result.report.ok
    students = result.cohort.students
    assert students.loc[0, "student_id"] == "S1"
    assert students.loc[0, "level"] == "UG1"
    assert students.loc[0, "tutor"] == "Dr A"
    assert result.cohort.extra_student_columns() == ["tutor"]


def test_mapping_renames_columns_and_values() -> None:
    mapping = Mapping.from_dict(
        {
            "columns": {
                "students": {"Reg No": "student_id", "Course": "programme", "Stage": "level"}
            },
            "values": {"students": {"level": {"Foundation": "UG1", "Final": "UG3"}}},
        }
    )
    rows = [
        {"Reg No": "A", "Course": "Physics", "Stage": "Foundation"},
        {"Reg No": "B", "Course": "Physics", "Stage": "final"},
    ]
    result = validate_tables({"students": frame(rows)}, mapping)
    assert result.report.ok, result.report.format_text()
    assert result.cohort.students["level"].tolist() == ["UG1", "UG3"]


def test_mapping_rejects_unknown_sections_and_tables() -> None:
    with pytest.raises(ValueError, match="unknown mapping section"):
        Mapping.from_dict({"colums": {}})
    with pytest.raises(ValueError, match="unknown table 'pupils'"):
        Mapping.from_dict({"tables": {"export": "pupils"}})


def test_lists_are_lowercase_sorted_sets() -> None:
    cohort = cohort_from_records(
        students=[
            {
                "student_id": "S1",
                "programme": "P",
                "level": "UG1",
                "languages": "Welsh; english;; English",
            }
        ]
    )
    assert cohort.students.loc[0, "languages"] == ("english", "welsh")


def test_empty_optional_table_is_valid() -> None:
    result = validate_tables(
        {
            "students": frame(STUDENTS),
            "avoid": pd.DataFrame(columns=["student_id_a", "student_id_b"]),
        }
    )
    assert result.report.ok
    assert len(result.cohort.avoid) == 0
    assert "avoid" in result.cohort.supplied


def test_modules_stand_alone_when_no_modules_table() -> None:
    cohort = cohort_from_records(
        students=STUDENTS, enrolments=[{"student_id": "S1", "module_code": "PH101"}]
    )
    assert cohort.modules["module_code"].tolist() == ["PH101"]


def test_warnings_do_not_block() -> None:
    result = validate_tables(
        {
            "students": frame(STUDENTS),
            "mentors": frame([{"student_id": "S1", "capacity": "2"}]),
            "mentees": frame([{"student_id": "S1"}, {"student_id": "S2"}]),
        }
    )
    assert result.cohort is not None
    assert [str(w) for w in result.report.warnings] == [
        "mentors.csv: student_id: warning: 1 student(s) are both mentor and mentee (e.g. S1)",
        "mentors.csv: student_id: warning: no mentor is at a higher level than any mentee",
    ]


def test_a_row_needs_one_of_its_either_columns() -> None:
    """A training row with neither a date nor a term week, or a result row with neither a mark
    nor a result, is an error at its row; a row whose date is wrong is told that once."""
    training = [
        {"student_id": "S1", "date": "2026-09-21", "week": "", "hours": "2"},
        {"student_id": "S1", "date": "", "week": "3", "hours": "2"},
        {"student_id": "S2", "date": "", "week": "", "hours": "1.5"},
        {"student_id": "S2", "date": "not a date", "week": "", "hours": "1"},
    ]
    outcomes = [
        {"student_id": "S1", "module_code": "M1", "mark": "62", "result": ""},
        {"student_id": "S2", "module_code": "M1", "mark": "", "result": "withdrawn"},
        {"student_id": "S2", "module_code": "M2", "mark": "", "result": ""},
    ]
    modules = [{"module_code": "M1"}, {"module_code": "M2"}]
    found = errors_only({"training": training, "outcomes": outcomes, "modules": modules})
    assert "training.csv:4: date: gives neither a date nor a term week: one is needed" in found
    assert "outcomes.csv:4: mark: gives neither a mark nor a result: one is needed" in found
    assert [m for m in found if m.startswith("training.csv:5")] == [
        m for m in found if m.startswith("training.csv:5: date:") and "neither" not in m
    ]
    assert len([m for m in found if m.startswith("training.csv:5")]) == 1
    assert not [m for m in found if m.startswith(("training.csv:2", "training.csv:3"))]
    assert not [m for m in found if m.startswith(("outcomes.csv:2", "outcomes.csv:3"))]


def test_a_table_without_either_column_is_told_at_each_row() -> None:
    found = errors_only({"training": [{"student_id": "S1", "hours": "2"}]})
    assert found == ["training.csv:2: date: gives neither a date nor a term week: one is needed"]
