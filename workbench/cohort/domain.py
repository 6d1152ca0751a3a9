"""The validated cohort: what every scheme, chart and report works from.

A :class:`Cohort` holds one pandas table per contract table, already checked and
normalised by :mod:`workbench.cohort.validation`:

* ids and codes are stripped strings;
* ``level`` is one of :data:`LEVELS` (``UG1`` .. ``UG6``, ``PGT``, ``PGR``);
* days are integers ``0`` (Mon) .. ``6`` (Sun); ``start`` / ``end`` are minutes after midnight;
* yes/no columns are pandas nullable booleans; ``languages`` / ``interests`` are tuples of
  lower-case strings;
* a table the coordinator did not supply is present but empty, with its columns.

Build one with :func:`workbench.cohort.validation.validate_tables` (or :func:`workbench.cohort.loading.load_cohort`)
so that every rule of the data contract has been checked; tests may also use
:func:`workbench.cohort.validation.cohort_from_records` for tiny hand-built cohorts, which runs the same validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from workbench.cohort.contract import CONTRACT

LEVELS: tuple[str, ...] = ("UG1", "UG2", "UG3", "UG4", "UG5", "UG6", "PGT", "PGR")
LEVEL_RANK: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}
DAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

TABLES: tuple[str, ...] = (
    "students",
    "modules",
    "enrolments",
    "timetable",
    "busy",
    "rooms",
    "room_busy",
    "mentors",
    "mentees",
    "leaders",
    "preferences",
    "avoid",
    "topics",
    "term_weeks",
    "attendance",
    "meetings",
    "outcomes",
    "progression",
    "training",
    "supervisors",
)


def format_time(minutes: int) -> str:
    """Minutes after midnight as 24-hour ``HH:MM``."""
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def level_gap(mentor_level: str, mentee_level: str) -> int:
    """How many levels the mentor's level is above the mentee's (negative when below)."""
    return LEVEL_RANK[mentor_level] - LEVEL_RANK[mentee_level]


@dataclass(frozen=True, order=True)
class Slot:
    """A weekly time slot: a day (0 = Mon) and a start/end in minutes after midnight."""

    day: int
    start: int
    end: int

    @property
    def label(self) -> str:
        return f"{DAYS[self.day]} {format_time(self.start)}-{format_time(self.end)}"

    def overlaps(self, day: int, start: int, end: int) -> bool:
        return self.day == day and self.start < end and start < self.end


class Student(BaseModel):
    """One student as the solvers and explanations see them."""

    model_config = ConfigDict(frozen=True)

    student_id: str
    programme: str
    level: str
    faculty: str | None = None
    home_status: str | None = None
    first_generation: bool | None = None
    commuter: bool | None = None
    gender: str | None = None
    languages: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    name: str | None = None  # how the coordinator knows them (optional)
    email: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def label(self) -> str:
        """The name with the id ("Asha Patel (2400045)"), or the id alone."""
        return f"{self.name} ({self.student_id})" if self.name else self.student_id


class Cohort(BaseModel):
    """A validated cohort: one normalised DataFrame per contract table."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    students: pd.DataFrame
    modules: pd.DataFrame
    enrolments: pd.DataFrame
    timetable: pd.DataFrame
    busy: pd.DataFrame
    rooms: pd.DataFrame
    room_busy: pd.DataFrame
    mentors: pd.DataFrame
    mentees: pd.DataFrame
    leaders: pd.DataFrame
    preferences: pd.DataFrame
    avoid: pd.DataFrame
    topics: pd.DataFrame
    term_weeks: pd.DataFrame
    attendance: pd.DataFrame
    meetings: pd.DataFrame
    outcomes: pd.DataFrame
    progression: pd.DataFrame
    training: pd.DataFrame
    supervisors: pd.DataFrame
    supplied: frozenset[str] = frozenset()
    name: str = "cohort"

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (one of :data:`TABLES`)."""
        return getattr(self, name)

    def student(self, student_id: str) -> Student:
        """The student with this id as a :class:`Student` model."""
        row = self.students.loc[self.students["student_id"] == student_id].iloc[0]
        return _student_from_row(row, self.extra_student_columns())

    def student_models(self) -> list[Student]:
        """Every student as a :class:`Student` model (for small cohorts and explanations)."""
        extra = self.extra_student_columns()
        return [_student_from_row(row, extra) for _, row in self.students.iterrows()]

    def extra_student_columns(self) -> list[str]:

        known = set(CONTRACT["students"].columns)
        return [c for c in self.students.columns if c not in known]

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {name: len(self.table(name)) for name in TABLES}


def _student_from_row(row: pd.Series, extra: list[str]) -> Student:
    def opt(name: str) -> Any:
        value = row.get(name)
        if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
            return None
        return value

    return Student(
        student_id=row["student_id"],
        programme=row["programme"],
        level=row["level"],
        faculty=opt("faculty"),
        home_status=opt("home_status"),
        first_generation=None if opt("first_generation") is None else bool(row["first_generation"]),
        commuter=None if opt("commuter") is None else bool(row["commuter"]),
        gender=opt("gender"),
        languages=tuple(row.get("languages") or ()),
        interests=tuple(row.get("interests") or ()),
        name=opt("name"),
        email=opt("email"),
        extra={name: opt(name) for name in extra},
    )


@dataclass
class SolveStatus:
    """The honest outcome of a solve, in the words the app and reports use."""

    status: str  # "optimal" | "feasible" | "infeasible" | "timed out" | "not solved"
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None  # relative proven gap, 0.0 when optimal
    seconds: float = 0.0
    solver: str = ""
    messages: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.status == "feasible" and self.gap is not None:
            return f"feasible, within {self.gap:.2%} of optimal (proven)"
        return self.status
