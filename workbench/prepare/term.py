"""The term's weeks as the scheme of work sees them: each week's Monday and kind.

From the cohort's ``term_weeks`` table (week, starts, kind) when it has one; otherwise from a
first Monday, a number of teaching weeks and the break weeks (numbered through the breaks:
10 teaching weeks with a break in week 6 is an 11-week term). Sessions run in teaching and
revision weeks, never in a break or in exam weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.cohort.domain import Cohort

WEEK_KINDS = ("teaching", "break", "revision", "exams")
SESSION_KINDS = ("teaching", "revision")


@dataclass(frozen=True)
class TermWeek:
    week: int
    starts: dt.date
    kind: str = "teaching"

    @property
    def has_sessions(self) -> bool:
        return self.kind in SESSION_KINDS


def next_monday(today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7)


def weeks_from_start(
    term_start: dt.date, weeks: int = 10, breaks: Sequence[int] = ()
) -> list[TermWeek]:
    """``weeks`` teaching weeks from the Monday of ``term_start``, numbered through ``breaks``."""
    if weeks < 1:
        raise ValueError("the term needs at least one teaching week")
    breaks = sorted({int(b) for b in breaks})
    total = weeks + len(breaks)
    outside = [b for b in breaks if not 1 <= b <= total]
    if outside:
        raise ValueError(f"break week {outside[0]} is outside the term (weeks 1-{total})")
    monday = term_start - dt.timedelta(days=term_start.weekday())
    return [
        TermWeek(w, monday + dt.timedelta(weeks=w - 1), "break" if w in breaks else "teaching")
        for w in range(1, total + 1)
    ]


def weeks_from_table(cohort: Cohort) -> list[TermWeek]:
    """The cohort's own term_weeks (ValueError in words when a kind is unknown)."""
    out = []
    for row in cohort.term_weeks.sort_values("week").to_dict("records"):
        kind = str(row.get("kind") or "teaching").strip().lower()
        if kind not in WEEK_KINDS:
            raise ValueError(
                f"term_weeks week {row['week']}: '{kind}' is not one of {', '.join(WEEK_KINDS)}"
            )
        starts = row["starts"]
        out.append(TermWeek(int(row["week"]), starts - dt.timedelta(days=starts.weekday()), kind))
    return out


def term_weeks(
    cohort: Cohort,
    term_start: dt.date | None = None,
    weeks: int = 10,
    breaks: Sequence[int] = (),
) -> list[TermWeek]:
    """The cohort's term_weeks when given, else the term from a start, weeks and breaks."""
    if "term_weeks" in cohort.supplied and len(cohort.term_weeks):
        return weeks_from_table(cohort)
    return weeks_from_start(term_start or next_monday(), weeks, breaks)
