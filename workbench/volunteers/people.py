"""Who the volunteers are, and how to name them (by name when the cohort gives names)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from workbench.cohort.domain import DAYS, Cohort
from workbench.cohort.loading import Upload, cohort_to_tables, load_uploads, tables_to_bytes
from workbench.cohort.validation import ValidationResult

ROLES = ("mentors", "leaders")
ROLE_WORD = {"mentors": "mentor", "leaders": "PASS leader"}


def parse_who(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"mentors,leaders"`` (or a list) as a checked tuple of roles; ValueError in words."""
    items = text.split(",") if isinstance(text, str) else list(text)
    who = tuple(dict.fromkeys(str(i).strip().lower() for i in items if str(i).strip()))
    wrong = [w for w in who if w not in ROLES]
    if wrong or not who:
        raise ValueError(
            f"volunteers are mentors, leaders or both (got {', '.join(wrong) or 'nothing'})"
        )
    return who


def volunteers(cohort: Cohort, who: Iterable[str] = ROLES) -> pd.DataFrame:
    """One row per volunteer: student_id and role ("mentor", "PASS leader" or both)."""
    roles: dict[str, list[str]] = {}
    for table in who:
        for sid in dict.fromkeys(cohort.table(table)["student_id"]):
            roles.setdefault(str(sid), []).append(ROLE_WORD[table])
    return pd.DataFrame(
        {"student_id": list(roles), "role": [" and ".join(r) for r in roles.values()]},
        dtype=object,
    )


def _column(cohort: Cohort, name: str) -> pd.Series:
    students = cohort.students
    if name not in students.columns:
        return pd.Series(dtype=object)
    values = students.set_index("student_id")[name]
    return values[values.map(lambda v: isinstance(v, str) and v.strip() != "")]


def names(cohort: Cohort) -> dict[str, str]:
    """student_id -> name, for students with a name (an optional ``students.name`` column)."""
    return {str(k): str(v).strip() for k, v in _column(cohort, "name").items()}


def emails(cohort: Cohort) -> dict[str, str]:
    """student_id -> e-mail address, for students with one (optional ``students.email``)."""
    return {str(k): str(v).strip() for k, v in _column(cohort, "email").items()}


def display_name(cohort_names: dict[str, str], student_id: str) -> str:
    """The student's name when known, else their id."""
    return cohort_names.get(str(student_id), str(student_id))


def day_range(days: Iterable[int]) -> str:
    """Days as a coordinator writes them: ``Mon-Thu``, ``Mon, Wed, Fri``."""
    ordered = sorted(set(int(d) for d in days))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [
        DAYS[r[0]]
        if len(r) == 1
        else f"{DAYS[r[0]]}-{DAYS[r[-1]]}"
        if len(r) > 2
        else f"{DAYS[r[0]]}, {DAYS[r[1]]}"
        for r in runs
    ]
    return ", ".join(parts)


def with_uploaded_table(cohort: Cohort, table: str, data: bytes) -> ValidationResult:
    """The cohort with one table added or replaced from an uploaded CSV, checked like any
    upload (the result's report names file, row and column; no cohort when it is bad)."""
    tables = {k: v for k, v in cohort_to_tables(cohort).items() if k != table}
    files = [Upload("cohort.zip", tables_to_bytes(tables, "zip")), Upload(f"{table}.csv", data)]
    return load_uploads(files)


def trained_only(cohort: Cohort) -> Cohort:
    """The cohort with only the mentors and PASS leaders the ``training`` table says were
    trained (and no preferences naming a mentor who is left out)."""
    trained = set(cohort.training["student_id"])
    mentors = cohort.mentors[cohort.mentors["student_id"].isin(trained)]
    leaders = cohort.leaders[cohort.leaders["student_id"].isin(trained)]
    dropped = set(cohort.mentors["student_id"]) - trained
    prefs = cohort.preferences
    prefs = prefs[~prefs["student_id"].isin(dropped) & ~prefs["prefers_id"].isin(dropped)]
    return cohort.model_copy(
        update={
            "mentors": mentors.reset_index(drop=True),
            "leaders": leaders.reset_index(drop=True),
            "preferences": prefs.reset_index(drop=True),
        }
    )


def with_names(cohort: Cohort, frame: pd.DataFrame) -> pd.DataFrame:
    """The table with a ``name`` column after ``student_id`` (the id when no name is known)."""
    called = names(cohort)
    out = frame.copy()
    position = list(out.columns).index("student_id") + 1
    out.insert(position, "name", [display_name(called, s) for s in out["student_id"]])
    return out
