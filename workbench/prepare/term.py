"""The term's weeks as the scheme of work sees them: each week's Monday and kind.

The term itself is :mod:`workbench.term.calendar`'s: the cohort's ``term_weeks`` table when it
has one, otherwise a first Monday, a number of teaching weeks and the break weeks (numbered
through the breaks). Sessions run in teaching and revision weeks, never in a break or in exam
weeks. Here each week becomes a small :class:`TermWeek` the planner and its checks read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.cohort.domain import Cohort
from workbench.term.calendar import SESSION_KINDS, TermCalendar, calendar_from_start, term_for


@dataclass(frozen=True)
class TermWeek:
    week: int
    starts: dt.date  # its Monday
    kind: str = "teaching"  # teaching, break, revision or exams

    @property
    def has_sessions(self) -> bool:
        return self.kind in SESSION_KINDS


def from_calendar(calendar: TermCalendar) -> list[TermWeek]:
    return [
        TermWeek(int(row.week), row.starts, str(row.kind))
        for row in calendar.weeks.itertuples(index=False)
    ]


def weeks_from_start(
    term_start: dt.date, weeks: int = 10, breaks: Sequence[int] = ()
) -> list[TermWeek]:
    """``weeks`` teaching weeks from the Monday of ``term_start``, numbered through ``breaks``."""
    return from_calendar(calendar_from_start(term_start, weeks, breaks))


def term_weeks(
    cohort: Cohort,
    term_start: dt.date | None = None,
    weeks: int = 10,
    breaks: Sequence[int] = (),
) -> list[TermWeek]:
    """The cohort's term_weeks (unless a start is given), else the term from start, weeks and
    breaks; ValueError in words when the table cannot be used."""
    return from_calendar(term_for(cohort, term_start, weeks, breaks))
