"""The volunteers at a glance, for the report: who they are, training, supervision and hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.volunteers.hours import HoursSettings, VolunteerPlans, volunteer_hours
from workbench.volunteers.people import volunteers
from workbench.volunteers.supervision import plan_supervision


@dataclass
class VolunteerOverview:
    lines: list[str] = field(default_factory=list)  # the verdict first, then the detail
    hours: pd.DataFrame = field(default_factory=pd.DataFrame)


def plans_from_results(results: dict[str, Any], training: Any = None) -> VolunteerPlans:
    """A scheme's result tables (PASS ``sessions``, mentoring ``matches``) as the plans hours
    are counted from; ``training`` a training plan (sessions and assignments) when made."""
    sessions = results.get("sessions", pd.DataFrame())
    plans = VolunteerPlans(
        sessions=sessions if "leader_id" in sessions else pd.DataFrame(),
        matches=results.get("matches", pd.DataFrame()),
    )
    if training is not None:
        plans.training_sessions = training.sessions
        plans.training_assignments = training.assignments
    return plans


def _trained_line(cohort: Cohort, people: pd.DataFrame) -> str:
    if "training" not in cohort.supplied:
        return "Training attended is not recorded (no training table)."
    trained = people["student_id"].isin(set(cohort.training["student_id"]))
    return f"{int(trained.sum())} of {len(people)} volunteers have training recorded."


def _supervision_line(cohort: Cohort) -> str:
    if len(cohort.supervisors) == 0:
        return "No supervisors table: supervision is not planned here."
    try:
        return "Supervision: " + plan_supervision(cohort, time_limit=10).headline()
    except ValueError as exc:
        return f"Supervision could not be planned: {exc}"


def volunteer_overview(
    cohort: Cohort, results: dict[str, Any], settings: HoursSettings | None = None
) -> VolunteerOverview | None:
    """Volunteers, training, supervision and hours from this plan; None with no volunteers."""
    people = volunteers(cohort)
    if len(people) == 0:
        return None
    roles = people["role"].value_counts()
    hours = volunteer_hours(cohort, plans_from_results(results), settings)
    active = hours[hours["total_hours"] > 0]
    verdict = (
        f"In this plan {len(active)} of the {len(people)} volunteers give "
        f"{hours['total_hours'].sum():,.1f} hours over the term."
    )
    mix = ", ".join(f"{n} {role}{'s' if n != 1 else ''}" for role, n in roles.items())
    lines = [
        verdict,
        f"Volunteers: {mix}.",
        _trained_line(cohort, people),
        _supervision_line(cohort),
    ]
    ordered = active.sort_values(["total_hours", "student_id"], ascending=[False, True])
    return VolunteerOverview(lines, ordered.reset_index(drop=True))
