"""What a scheme costs: editable rates, a line-by-line breakdown, budget checks.

Every cost is *hours x rate* so a coordinator can check each line against their own payroll:

* PASS: leaders' session hours and preparation hours every week of term, leader training once,
  room hire for every session hour, staff supervision (a fixed weekly amount plus a weekly
  debrief share per leader);
* mentoring: mentor training (paid only when the scheme pays mentors for it), an optional mentor
  stipend, staff supervision (fixed weekly plus a weekly check-in share per mentor);
* study groups: staff time to run the scheme and, optionally, booked rooms.

:func:`pass_cost_model` gives the PASS cost as ``fixed + per_session x sessions + per_leader x
leaders`` so the PASS solver can take a budget cap as a linear constraint;
:func:`max_sessions_within_budget` turns a cap into the sessions and leaders it pays for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from workbench.outcomes.coverage import assumptions_for, groups_reach, mentoring_reach, pass_reach

BREAKDOWN_COLUMNS = ["item", "hours", "rate", "cost", "note"]


class CostRates(BaseModel):
    """Editable cost rates (pounds and hours). Defaults and their sources: docs/assumptions.md."""

    model_config = ConfigDict(validate_assignment=True)

    currency: str = Field("£", description="Currency symbol used in texts.")
    leader_pay_per_hour: float = Field(
        13.45, ge=0, description="PASS leader pay per hour (sessions and preparation)."
    )
    leader_prep_hours_per_session: float = Field(
        1.0, ge=0, description="Paid preparation hours per session run."
    )
    leader_training_hours: float = Field(
        12.0, ge=0, description="Training hours per PASS leader, once per term."
    )
    mentor_training_hours: float = Field(
        3.0, ge=0, description="Training hours per mentor, once per term."
    )
    training_pay_per_hour: float = Field(13.45, ge=0, description="Pay per training hour.")
    pay_mentors_for_training: bool = Field(
        False, description="Whether mentors are paid for their training hours."
    )
    mentor_stipend_per_term: float = Field(
        0.0, ge=0, description="Stipend or voucher per mentor per term (often none)."
    )
    staff_hourly_cost: float = Field(
        30.0, ge=0, description="Cost of one hour of staff time, with employer on-costs."
    )
    pass_staff_hours_per_week: float = Field(
        2.0, ge=0, description="Staff hours a week to coordinate PASS (fixed)."
    )
    pass_staff_hours_per_leader_per_week: float = Field(
        0.25, ge=0, description="Staff debrief and supervision hours a week per leader."
    )
    mentoring_staff_hours_per_week: float = Field(
        2.0, ge=0, description="Staff hours a week to coordinate mentoring (fixed)."
    )
    mentoring_staff_hours_per_mentor_per_week: float = Field(
        0.1, ge=0, description="Staff check-in hours a week per active mentor."
    )
    groups_staff_hours_per_week: float = Field(
        1.0, ge=0, description="Staff hours a week to run study groups (fixed)."
    )
    groups_book_rooms: bool = Field(
        False, description="Whether study groups meet in booked (charged) rooms."
    )
    room_cost_per_hour: float = Field(
        0.0, ge=0, description="Charge per room hour (0 when teaching rooms are free)."
    )
    weeks_per_term: int = Field(10, ge=1, le=52, description="Teaching weeks the scheme runs.")

    def money(self, value: float) -> str:
        """An amount of money as text, e.g. ``£1,234``."""
        return f"{self.currency}{value:,.0f}"


RATE_SOURCES: dict[str, str] = {
    "currency": "UK pounds.",
    "leader_pay_per_hour": (
        "Real Living Wage 2025-26, UK outside London (Living Wage Foundation, announced "
        "22 October 2025); many universities are accredited Living Wage employers. The "
        "statutory floor is the National Living Wage, £12.21 from 1 April 2025 (GOV.UK); "
        "London Living Wage £14.80."
    ),
    "leader_prep_hours_per_session": (
        "Leaders are paid for session preparation as well as sessions (UTAS PASS); one hour "
        "of preparation per one-hour session is a planning value."
    ),
    "leader_training_hours": (
        "Leader training before term: three half-days at Teesside, an intensive two days at "
        "UTAS; 12 hours sits between them."
    ),
    "mentor_training_hours": (
        "Planning value: a half-day briefing is typical for volunteer peer mentors; no anchor "
        "figure."
    ),
    "training_pay_per_hour": "Same as leader pay (Real Living Wage 2025-26).",
    "pay_mentors_for_training": (
        "Peer mentors are usually volunteers (e.g. QMUL PASS mentors are voluntary); switch on "
        "if your scheme pays them."
    ),
    "mentor_stipend_per_term": "Usually none for volunteer mentors.",
    "staff_hourly_cost": (
        "HE single pay spine grade 6-7 (about £35,000-£45,000) plus employer on-costs "
        "(National Insurance 15% from April 2025, pension) over about 1,650 working hours."
    ),
    "pass_staff_hours_per_week": (
        "Planning value for coordination (rooms, publicity, registers); PASS supervisors run "
        "weekly debriefs (UWTSD case study, Advance HE)."
    ),
    "pass_staff_hours_per_leader_per_week": (
        "Planning value: a one-hour weekly debrief for a group of four leaders."
    ),
    "mentoring_staff_hours_per_week": "Planning value for coordinating the scheme.",
    "mentoring_staff_hours_per_mentor_per_week": (
        "Planning value: about an hour per mentor every ten weeks of check-ins."
    ),
    "groups_staff_hours_per_week": "Planning value: study groups run themselves once formed.",
    "groups_book_rooms": "Off: groups usually meet in open study space.",
    "room_cost_per_hour": (
        "Internal teaching rooms are usually not charged to peer-support schemes; set your "
        "room-hire rate if they are."
    ),
    "weeks_per_term": (
        "PASS usually runs from week two to week eleven of a twelve-week UK semester; "
        "Collings, Swanson & Watkins (2016) followed mentoring for ten weeks."
    ),
}


def rates_table(rates: CostRates | None = None) -> pd.DataFrame:
    """The rates as a table: parameter, value, default, meaning, source."""
    rates = rates or CostRates()
    return pd.DataFrame(
        [
            {
                "parameter": name,
                "value": getattr(rates, name),
                "default": field.default,
                "meaning": field.description,
                "source": RATE_SOURCES[name],
            }
            for name, field in CostRates.model_fields.items()
        ]
    )


@dataclass
class CostBreakdown:
    """The cost of one scheme plan, line by line."""

    scheme: str
    items: pd.DataFrame  # item, hours, rate, cost, note
    students_reached: int
    expected_students: float | None = None
    currency: str = "£"

    @property
    def total(self) -> float:
        return float(self.items["cost"].sum())

    @property
    def per_student_reached(self) -> float | None:
        return self.total / self.students_reached if self.students_reached else None

    @property
    def per_expected_student(self) -> float | None:
        if not self.expected_students:
            return None
        return self.total / self.expected_students

    def totals(self) -> pd.DataFrame:
        """One row: scheme, total, students_reached, per_student_reached, expected_students,
        per_expected_student."""
        return pd.DataFrame(
            [
                {
                    "scheme": self.scheme,
                    "total": self.total,
                    "students_reached": self.students_reached,
                    "per_student_reached": self.per_student_reached,
                    "expected_students": self.expected_students,
                    "per_expected_student": self.per_expected_student,
                }
            ]
        )

    def table(self) -> pd.DataFrame:
        """The items with a closing total row."""
        total = pd.DataFrame(
            [
                {
                    "item": "Total",
                    "hours": self.items["hours"].sum(),
                    "rate": np.nan,
                    "cost": self.total,
                    "note": "",
                }
            ]
        )
        return pd.concat([self.items, total], ignore_index=True)

    def summary(self) -> str:
        money = f"{self.currency}{self.total:,.0f}"
        if self.per_student_reached is None:
            return f"{self.scheme}: {money} in total; nobody reached."
        return (
            f"{self.scheme}: {money} in total, {self.currency}"
            f"{self.per_student_reached:,.2f} per student reached "
            f"({self.students_reached:,} students)."
        )


def _items(rows: list[tuple[str, float, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["item", "hours", "rate", "note"])
    frame["hours"] = frame["hours"].astype(float)
    frame["rate"] = frame["rate"].astype(float)
    frame["cost"] = frame["hours"] * frame["rate"]
    return frame[BREAKDOWN_COLUMNS]


# ---------------------------------------------------------------------------------------------
# PASS


@dataclass(frozen=True)
class PassCostModel:
    """PASS cost per term as ``fixed + per_session * sessions + per_leader * leaders``.

    ``sessions`` are weekly sessions (each runs every week of term) of ``session_minutes``.
    """

    fixed: float
    per_session: float
    per_leader: float
    session_minutes: int = 60

    def total(self, sessions: int, leaders: int) -> float:
        return self.fixed + self.per_session * sessions + self.per_leader * leaders


def _session_week_cost(rates: CostRates, minutes: float) -> float:
    """Cost of running one weekly session of ``minutes`` for the whole term."""
    hours = minutes / 60.0
    per_week = (
        hours * rates.leader_pay_per_hour
        + rates.leader_prep_hours_per_session * rates.leader_pay_per_hour
        + hours * rates.room_cost_per_hour
    )
    return per_week * rates.weeks_per_term


def _leader_cost(rates: CostRates) -> float:
    return (
        rates.leader_training_hours * rates.training_pay_per_hour
        + rates.pass_staff_hours_per_leader_per_week
        * rates.weeks_per_term
        * rates.staff_hourly_cost
    )


def pass_cost_model(rates: CostRates, session_minutes: int = 60) -> PassCostModel:
    """The linear PASS cost model (for a budget constraint in the solver)."""
    return PassCostModel(
        fixed=rates.pass_staff_hours_per_week * rates.weeks_per_term * rates.staff_hourly_cost,
        per_session=_session_week_cost(rates, session_minutes),
        per_leader=_leader_cost(rates),
        session_minutes=session_minutes,
    )


def cost_of_pass_plan(
    sessions: pd.DataFrame,
    rates: CostRates,
    students_reached: int = 0,
    expected_students: float | None = None,
) -> CostBreakdown:
    """Cost of a PASS timetable given as its sessions (day, start, end, leader_id, ...)."""
    weeks = rates.weeks_per_term
    n_sessions = len(sessions)
    session_hours = (
        float(((sessions["end"] - sessions["start"]) / 60.0).sum()) if n_sessions else 0.0
    )
    leaders = int(sessions["leader_id"].dropna().nunique()) if n_sessions else 0
    staff_fixed = rates.pass_staff_hours_per_week * weeks
    staff_leaders = rates.pass_staff_hours_per_leader_per_week * weeks * leaders
    rows = [
        (
            "Leader pay: sessions",
            session_hours * weeks,
            rates.leader_pay_per_hour,
            f"{n_sessions} weekly sessions, {session_hours:g} hours a week, {weeks} weeks",
        ),
        (
            "Leader pay: preparation",
            rates.leader_prep_hours_per_session * n_sessions * weeks,
            rates.leader_pay_per_hour,
            f"{rates.leader_prep_hours_per_session:g} hours per session",
        ),
        (
            "Leader training",
            rates.leader_training_hours * leaders,
            rates.training_pay_per_hour,
            f"{leaders} leaders x {rates.leader_training_hours:g} hours",
        ),
        (
            "Rooms",
            session_hours * weeks,
            rates.room_cost_per_hour,
            "room hours booked for sessions",
        ),
        (
            "Staff: coordination",
            staff_fixed,
            rates.staff_hourly_cost,
            f"{rates.pass_staff_hours_per_week:g} hours a week",
        ),
        (
            "Staff: leader debriefs",
            staff_leaders,
            rates.staff_hourly_cost,
            f"{rates.pass_staff_hours_per_leader_per_week:g} hours a week per leader",
        ),
    ]
    return CostBreakdown("pass", _items(rows), students_reached, expected_students, rates.currency)


def cost_of_pass(
    result: Any, rates: CostRates | None = None, assumptions: Any = None
) -> CostBreakdown:
    """Cost of a PASS result, per student reached (students with at least one session that
    fits) and per student expected to attend regularly."""

    rates = rates or CostRates()
    assumptions = assumptions_for(result, assumptions, "pass")
    reach = pass_reach(result)
    students = int(reach.loc[reach["reached"], "student_id"].nunique())
    return cost_of_pass_plan(
        result.sessions, rates, students, students * assumptions.pass_uptake_regular
    )


# ---------------------------------------------------------------------------------------------
# Mentoring


def cost_of_mentors(
    mentors: int,
    rates: CostRates,
    students_reached: int = 0,
    expected_students: float | None = None,
) -> CostBreakdown:
    """Cost of a mentoring scheme with ``mentors`` active mentors."""
    weeks = rates.weeks_per_term
    training_rate = rates.training_pay_per_hour if rates.pay_mentors_for_training else 0.0
    rows = [
        (
            "Mentor training",
            rates.mentor_training_hours * mentors,
            training_rate,
            f"{mentors} mentors x {rates.mentor_training_hours:g} hours"
            + ("" if rates.pay_mentors_for_training else " (unpaid volunteers)"),
        ),
        ("Mentor stipends", 0.0, 0.0, ""),
        (
            "Staff: coordination",
            rates.mentoring_staff_hours_per_week * weeks,
            rates.staff_hourly_cost,
            f"{rates.mentoring_staff_hours_per_week:g} hours a week",
        ),
        (
            "Staff: mentor check-ins",
            rates.mentoring_staff_hours_per_mentor_per_week * weeks * mentors,
            rates.staff_hourly_cost,
            f"{rates.mentoring_staff_hours_per_mentor_per_week:g} hours a week per mentor",
        ),
    ]
    items = _items(rows)
    # A stipend is a flat amount, not hours x rate: one "unit" per mentor.
    stipend = items["item"] == "Mentor stipends"
    items.loc[stipend, "hours"] = np.nan
    items.loc[stipend, "rate"] = rates.mentor_stipend_per_term
    items.loc[stipend, "cost"] = rates.mentor_stipend_per_term * mentors
    items.loc[stipend, "note"] = (
        f"{mentors} mentors x {rates.money(rates.mentor_stipend_per_term)} per term"
    )
    return CostBreakdown("mentoring", items, students_reached, expected_students, rates.currency)


def cost_of_mentoring(
    result: Any, rates: CostRates | None = None, assumptions: Any = None
) -> CostBreakdown:
    """Cost of a mentoring result: the mentors it uses (at least one mentee), per mentee
    matched and per pair expected to stay active."""

    rates = rates or CostRates()
    assumptions = assumptions_for(result, assumptions, "mentoring")
    load = result.mentor_load
    mentors = (
        int((load["assigned"] > 0).sum())
        if len(load)
        else int(result.matches["mentor_id"].nunique())
    )
    reach = mentoring_reach(result)
    matched = int(reach["reached"].sum())
    return cost_of_mentors(mentors, rates, matched, matched * assumptions.mentoring_active_share)


# ---------------------------------------------------------------------------------------------
# Study groups


def cost_of_groups(
    result: Any, rates: CostRates | None = None, assumptions: Any = None
) -> CostBreakdown:
    """Cost of a study-groups result (groups: group_id, student_id, day, start, end)."""

    rates = rates or CostRates()
    assumptions = assumptions_for(result, assumptions, "groups")
    weeks = rates.weeks_per_term
    groups = result.groups.drop_duplicates("group_id") if len(result.groups) else result.groups
    meeting_hours = float(((groups["end"] - groups["start"]) / 60.0).sum()) if len(groups) else 0.0
    room_rate = rates.room_cost_per_hour if rates.groups_book_rooms else 0.0
    rows = [
        (
            "Staff: running groups",
            rates.groups_staff_hours_per_week * weeks,
            rates.staff_hourly_cost,
            f"{rates.groups_staff_hours_per_week:g} hours a week",
        ),
        (
            "Rooms",
            meeting_hours * weeks,
            room_rate,
            f"{len(groups)} groups, {meeting_hours:g} meeting hours a week"
            + ("" if rates.groups_book_rooms else " (open study space, not charged)"),
        ),
    ]
    reach = groups_reach(result)
    placed = int(reach["reached"].sum())
    return CostBreakdown(
        "groups", _items(rows), placed, placed * assumptions.groups_active_share, rates.currency
    )


def cost_per_student_table(
    breakdowns: list[CostBreakdown],
    labels: list[str] | None = None,
    scheme_names: list[str] | None = None,
) -> pd.DataFrame:
    """Totals of several breakdowns (schemes or scenarios) side by side.

    Columns: label, scheme, total, students_reached, per_student_reached, expected_students,
    per_expected_student; and ``scheme_name`` when ``scheme_names`` are given (each scheme's
    name from the registry, which the cost chart shows).
    """
    if not breakdowns:
        return pd.DataFrame(
            columns=[
                "label",
                "scheme",
                "total",
                "students_reached",
                "per_student_reached",
                "expected_students",
                "per_expected_student",
            ]
        )
    labels = labels or [b.scheme for b in breakdowns]
    table = pd.concat([b.totals() for b in breakdowns], ignore_index=True)
    table.insert(0, "label", labels)
    if scheme_names is not None:
        table.insert(2, "scheme_name", list(scheme_names))
    return table
