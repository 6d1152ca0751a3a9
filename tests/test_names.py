"""Students' names and e-mails: aliases, first + last combined, labels with the id."""

import pandas as pd

from workbench.cohort.names import name_lookup, person_label, with_names
from workbench.cohort.validation import validate_tables


def _students(**columns: list[str]) -> pd.DataFrame:
    base = {"student_id": ["1", "2", "3"], "programme": ["Maths"] * 3, "level": ["UG1"] * 3}
    return pd.DataFrame({**base, **columns})


def _load(frame: pd.DataFrame):
    result = validate_tables({"students": frame})
    assert result.report.ok, result.report.format_text()
    return result.cohort.students


def test_full_name_and_email_aliases_are_read() -> None:
    students = _load(
        _students(**{"Full Name": ["Asha Patel", "Tom Reed", ""], "E-mail": ["a@x.ac.uk"] * 3})
    )
    assert list(students["name"]) == ["Asha Patel", "Tom Reed", None]
    assert list(students["email"]) == ["a@x.ac.uk"] * 3


def test_first_and_last_name_are_combined() -> None:
    students = _load(_students(Forename=["Asha", "Tom", "Li"], Surname=["Patel", "Reed", ""]))
    assert list(students["name"]) == ["Asha Patel", "Tom Reed", "Li"]


def test_preferred_name_wins_over_full_name_and_parts_fill_gaps() -> None:
    students = _load(
        _students(
            **{
                "Preferred name": ["Ash", "", ""],
                "Full name": ["Asha Patel", "Thomas Reed", ""],
                "First name": ["Asha", "Thomas", "Li"],
                "Last name": ["Patel", "Reed", "Wei"],
            }
        )
    )
    assert list(students["name"]) == ["Ash", "Thomas Reed", "Li Wei"]


def test_without_names_the_cohort_has_an_empty_name_column() -> None:
    students = _load(_students())
    assert students["name"].isna().all()
    assert name_lookup(students) == {}
    table = pd.DataFrame({"mentee_id": ["1"]})
    assert with_names(table, {}, {"mentee_id": "mentee"}).equals(table)
    assert person_label("1", {}) == "1"


def test_labels_and_name_columns_show_the_name_with_the_id() -> None:
    names = name_lookup(_load(_students(**{"Student name": ["Asha Patel", "Tom Reed", "Li"]})))
    assert person_label("2", names) == "Tom Reed (2)"
    table = with_names(
        pd.DataFrame({"mentee_id": ["1", "9"], "score": [1, 2]}), names, {"mentee_id": "mentee"}
    )
    assert list(table.columns) == ["mentee_id", "mentee", "score"]
    assert list(table["mentee"]) == ["Asha Patel", None]
