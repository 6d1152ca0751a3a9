"""The term's weeks: which weeks sessions run, which are breaks, and the date of each session.

A term comes from the cohort's ``term_weeks`` table (week, starts = its Monday, kind) when the
coordinator supplied one; otherwise from a first Monday, a number of teaching weeks and the
break weeks (``--term-start``, ``--weeks``, ``--breaks``). With breaks, term weeks are numbered
through them: ``--weeks 10 --breaks 6`` is an 11-week term whose week 6 is a break, so ten
sessions still run.

Sessions run in teaching and revision weeks; never in a break or in exam weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from workbench.cohort.domain import Cohort

KINDS = ("teaching", "break", "revision", "exams")
SESSION_KINDS = ("teaching", "revision")


@dataclass(frozen=True)
class TermCalendar:
    """The term's weeks as a table: week (1..N), starts (a Monday), kind."""

    weeks: pd.DataFrame

    @property
    def session_weeks(self) -> list[int]:
        """Weeks in which sessions run (teaching and revision weeks)."""
        mask = self.weeks["kind"].isin(SESSION_KINDS)
        return [int(w) for w in self.weeks.loc[mask, "week"]]

    @property
    def break_weeks(self) -> list[int]:
        """Weeks with no session: breaks and exams."""
        mask = ~self.weeks["kind"].isin(SESSION_KINDS)
        return [int(w) for w in self.weeks.loc[mask, "week"]]

    @property
    def all_weeks(self) -> list[int]:
        return [int(w) for w in self.weeks["week"]]

    @property
    def term_start(self) -> dt.date:
        return self.monday(self.all_weeks[0])

    def monday(self, week: int) -> dt.date:
        """The Monday of a term week."""
        row = self.weeks.loc[self.weeks["week"] == int(week)]
        if row.empty:
            raise ValueError(f"week {week} is not in the term (weeks {self.describe()})")
        return row["starts"].iloc[0]

    def date_of(self, week: int, day: int) -> dt.date:
        """The date of weekday ``day`` (0 = Mon) in a term week."""
        return self.monday(week) + dt.timedelta(days=int(day))

    def session_mondays(self) -> list[dt.date]:
        return [self.monday(w) for w in self.session_weeks]

    def weeks_up_to(self, week: int) -> list[int]:
        """Session weeks up to and including ``week``."""
        return [w for w in self.session_weeks if w <= week]

    def describe(self) -> str:
        """In words: '12 weeks from 2026-09-28; sessions in 11 (break: week 6)'."""
        breaks = self.break_weeks
        text = (
            f"{len(self.weeks)} weeks from {self.term_start.isoformat()}; "
            f"sessions in {len(self.session_weeks)}"
        )
        if breaks:
            text += f" (no sessions: week{'s' if len(breaks) > 1 else ''} "
            text += ", ".join(map(str, breaks)) + ")"
        return text


def calendar_from_start(
    term_start: dt.date, weeks: int, breaks: Sequence[int] = ()
) -> TermCalendar:
    """``weeks`` teaching weeks from the Monday of ``term_start``'s week, numbered through the
    ``breaks`` (term week numbers, each at most weeks + number of breaks)."""
    if weeks < 1:
        raise ValueError("the number of teaching weeks must be at least 1")
    breaks = sorted({int(b) for b in breaks})
    total = weeks + len(breaks)
    outside = [b for b in breaks if not 1 <= b <= total]
    if outside:
        raise ValueError(
            f"break week{'s' if len(outside) > 1 else ''} {', '.join(map(str, outside))} "
            f"outside the term (weeks 1-{total})"
        )
    monday = term_start - dt.timedelta(days=term_start.weekday())
    rows = [
        {
            "week": w,
            "starts": monday + dt.timedelta(weeks=w - 1),
            "kind": "break" if w in breaks else "teaching",
        }
        for w in range(1, total + 1)
    ]
    return TermCalendar(pd.DataFrame(rows))


def calendar_from_table(term_weeks: pd.DataFrame) -> TermCalendar:
    """The term from a validated ``term_weeks`` table (ValueError in words when unusable)."""
    problems = term_problems(term_weeks)
    if problems:
        raise ValueError("; ".join(problems))
    frame = term_weeks[["week", "starts", "kind"]].copy()
    frame["kind"] = frame["kind"].fillna("teaching").str.strip().str.lower()
    frame["starts"] = [s - dt.timedelta(days=s.weekday()) for s in frame["starts"]]
    return TermCalendar(frame.sort_values("week").reset_index(drop=True))


def term_problems(term_weeks: pd.DataFrame) -> list[str]:
    """What stops a term_weeks table from being used, in words (empty when it is fine)."""
    if term_weeks.empty:
        return ["the term_weeks table has no rows"]
    problems = []
    kinds = term_weeks["kind"].fillna("teaching").astype(str).str.strip().str.lower()
    for week, kind in zip(term_weeks["week"], kinds, strict=True):
        if kind not in KINDS:
            problems.append(f"week {week}: kind '{kind}' is not one of {', '.join(KINDS)}")
    ordered = term_weeks.sort_values("week")
    starts = list(ordered["starts"])
    for (w0, s0), (w1, s1) in zip(
        zip(ordered["week"], starts, strict=True),
        zip(ordered["week"][1:], starts[1:], strict=True),
        strict=False,
    ):
        if s1 <= s0:
            problems.append(f"week {w1} starts on {s1} but week {w0} starts on {s0}")
    if not kinds.isin(SESSION_KINDS).any():
        problems.append("no teaching week in term_weeks")
    return problems


def term_for(
    cohort: Cohort,
    term_start: dt.date | None = None,
    weeks: int = 10,
    breaks: Sequence[int] = (),
) -> TermCalendar:
    """The cohort's own term_weeks when supplied, else the term from a start, weeks and breaks.

    A start given explicitly wins over the table (the command line's ``--term-start``)."""
    if term_start is None and "term_weeks" in cohort.supplied and len(cohort.term_weeks):
        return calendar_from_table(cohort.term_weeks)
    if term_start is None:
        today = dt.date.today()
        term_start = today + dt.timedelta(days=(7 - today.weekday()) % 7)
    return calendar_from_start(term_start, weeks, breaks)


def parse_breaks(text: str | None) -> list[int]:
    """``"6,7"`` -> [6, 7] (ValueError in words)."""
    if not text:
        return []
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"--breaks {text}: '{part}' is not a week number")
        out.append(int(part))
    return out


def weeks_table(calendar: TermCalendar) -> pd.DataFrame:
    """The term as contract-format strings (for writing a term_weeks.csv)."""
    frame = calendar.weeks.copy()
    return pd.DataFrame(
        {
            "week": frame["week"].astype(int).astype(str),
            "starts": [d.isoformat() for d in frame["starts"]],
            "kind": frame["kind"].astype(str),
        }
    )
