"""Hours per volunteer, the skills each role builds, and the award record.

For each mentor and PASS leader:

- **training_hours**: the ``training`` table's hours when it has rows for them (training
  attended); otherwise the length of the training session they are placed in (a training plan);
- **session_hours**: each PASS session they lead, its length times the weeks it ran: the term
  weeks with a register (``attendance`` rows for the module, on the session's day and start when
  the register gives them) when the module has registers, else every teaching week of the term;
- **prep_hours**: the preparation per session (a setting) times the sessions run;
- **meeting_hours**: their mentoring meetings (``meetings`` minutes, or the usual meeting length
  when a row has none); without a ``meetings`` table, the planned meetings per mentee matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from workbench.cohort.domain import Cohort
from workbench.prepare.plans import clock_columns, read_table
from workbench.volunteers.people import display_name, emails, names, volunteers
from workbench.volunteers.supervision import term_weeks

DEFAULT_SKILLS = {
    "mentor": "listening and guidance; communication; helping new students settle in; "
    "reliability and commitment",
    "PASS leader": "leading group learning; planning and running sessions; explaining ideas "
    "clearly; leadership and teamwork",
}
HOUR_COLUMNS = ["training_hours", "session_hours", "prep_hours", "meeting_hours", "total_hours"]


class HoursSettings(BaseModel):
    """How hours are counted where the records are silent; the skills per role."""

    model_config = ConfigDict(frozen=True)

    prep_minutes: float = Field(30.0, ge=0, le=600)  # preparation per PASS session led
    meeting_minutes: float = Field(30.0, gt=0, le=600)  # a mentoring meeting with no minutes
    meetings_per_mentee: int = Field(6, ge=0, le=60)  # planned, when there is no meetings table
    term_weeks: int = Field(10, ge=1, le=60)  # teaching weeks, when there is no term_weeks table
    skills: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SKILLS))
    coordinator: str = ""  # the scheme coordinator's name, for certificates and the record
    scheme_name: str = "Peer support"


@dataclass
class VolunteerPlans:
    """What the volunteers were planned to do: PASS sessions, mentoring pairs, training."""

    sessions: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # module_code, day, start, end, leader_id
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)  # mentee_id, mentor_id
    training_sessions: pd.DataFrame = field(default_factory=pd.DataFrame)  # session_id, start, end
    training_assignments: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # student_id, session_id


# ------------------------------------------------------------------------------ reading plans


def read_plans(plan_dir: str | Path, training_dir: str | Path | None = None) -> VolunteerPlans:
    """The plan files a solve wrote: sessions.csv (PASS), matches.csv (mentoring), and the
    training plan (training_sessions.csv, training_assignments.csv); ValueError in words."""
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise ValueError(f"{plan_dir}: not a folder of plan files")
    plans = VolunteerPlans()
    sessions = read_table(folder / "sessions.csv")
    if len(sessions):
        plans.sessions = clock_columns(sessions, f"{folder / 'sessions.csv'}")
    plans.matches = read_table(folder / "matches.csv")
    if training_dir is not None:
        tfolder = Path(training_dir)
        tsessions = read_table(tfolder / "training_sessions.csv")
        if len(tsessions):
            plans.training_sessions = clock_columns(
                tsessions, f"{tfolder / 'training_sessions.csv'}"
            )
        plans.training_assignments = read_table(tfolder / "training_assignments.csv")
    if not len(plans.sessions) and not len(plans.matches):
        raise ValueError(f"{plan_dir}: has neither sessions.csv (PASS) nor matches.csv (mentoring)")
    return plans


# ------------------------------------------------------------------------------ hours


def training_hours(cohort: Cohort, plans: VolunteerPlans, ids: list[str]) -> pd.Series:
    """Training attended (the training table) or else the planned training session's length."""
    recorded = cohort.training.groupby("student_id")["hours"].sum()
    planned = pd.Series(dtype=float)
    if len(plans.training_assignments) and len(plans.training_sessions):
        length = plans.training_sessions.set_index("session_id")
        hours = (length["end"] - length["start"]) / 60.0
        planned = plans.training_assignments.set_index("student_id")["session_id"].map(hours)
    return pd.Series([float(recorded.get(i, planned.get(i, 0.0)) or 0.0) for i in ids], index=ids)


def weeks_run(cohort: Cohort, session: dict, default_weeks: int) -> int:
    """Weeks a PASS session ran: weeks with a register for it, else the term's teaching weeks."""
    registers = cohort.attendance[cohort.attendance["module_code"] == session["module_code"]]
    if len(registers) == 0:
        return default_weeks
    for col in ("day", "start"):
        if col in registers and registers[col].notna().any():
            registers = registers[registers[col].isna() | (registers[col] == session[col])]
    return int(registers["week"].nunique())


def session_hours(cohort: Cohort, plans: VolunteerPlans, settings: HoursSettings) -> pd.DataFrame:
    """Per leader: session_hours and prep_hours over every session they lead."""
    if len(plans.sessions) == 0 or "leader_id" not in plans.sessions:
        return pd.DataFrame(columns=["session_hours", "prep_hours"], dtype=float)
    teaching = len(term_weeks(cohort, settings.term_weeks))
    rows = []
    for s in plans.sessions.to_dict("records"):
        if not str(s.get("leader_id", "")).strip():
            continue
        weeks = weeks_run(cohort, s, teaching)
        rows.append(
            (
                str(s["leader_id"]).strip(),
                weeks * (s["end"] - s["start"]) / 60.0,
                weeks * settings.prep_minutes / 60.0,
            )
        )
    frame = pd.DataFrame(rows, columns=["student_id", "session_hours", "prep_hours"])
    return frame.groupby("student_id")[["session_hours", "prep_hours"]].sum()


def meeting_hours(cohort: Cohort, plans: VolunteerPlans, settings: HoursSettings) -> pd.Series:
    """Per mentor: the meetings table's minutes, or the planned meetings per mentee matched."""
    meetings = cohort.meetings
    if len(meetings):
        minutes = meetings["minutes"].fillna(settings.meeting_minutes)
        return (minutes / 60.0).groupby(meetings["mentor_id"]).sum()
    if len(plans.matches) == 0 or "mentor_id" not in plans.matches:
        return pd.Series(dtype=float)
    mentees = plans.matches.groupby(plans.matches["mentor_id"].str.strip()).size()
    return mentees * settings.meetings_per_mentee * settings.meeting_minutes / 60.0


def volunteer_hours(
    cohort: Cohort, plans: VolunteerPlans, settings: HoursSettings | None = None
) -> pd.DataFrame:
    """hours.csv: student_id, name, role, training_hours, session_hours, prep_hours,
    meeting_hours, total_hours (one row per volunteer, hours to 2 decimals)."""
    settings = settings or HoursSettings()
    people = volunteers(cohort)
    ids = people["student_id"].tolist()
    called = names(cohort)
    led = session_hours(cohort, plans, settings)
    met = meeting_hours(cohort, plans, settings)
    out = pd.DataFrame(
        {
            "student_id": ids,
            "name": [display_name(called, i) for i in ids],
            "role": people["role"].tolist(),
            "training_hours": training_hours(cohort, plans, ids).to_numpy(),
            "session_hours": [float(led["session_hours"].get(i, 0.0)) for i in ids],
            "prep_hours": [float(led["prep_hours"].get(i, 0.0)) for i in ids],
            "meeting_hours": [float(met.get(i, 0.0)) for i in ids],
        }
    )
    out["total_hours"] = out[HOUR_COLUMNS[:-1]].sum(axis=1)
    return out.round({c: 2 for c in HOUR_COLUMNS})


# ------------------------------------------------------------------------------ award record


def _role_rows(row: dict) -> list[tuple[str, float]]:
    roles = row["role"].split(" and ")
    own = {
        "mentor": row["meeting_hours"],
        "PASS leader": row["session_hours"] + row["prep_hours"],
    }
    share = row["training_hours"] / len(roles)  # training counts once, shared between roles
    return [(role, round(own[role] + share, 2)) for role in roles]


ACTIVITY = {
    "mentor": "Peer mentor: met and supported new students through their first year",
    "PASS leader": "PASS leader: planned and led weekly Peer Assisted Study Sessions",
}


def award_record(
    cohort: Cohort, hours: pd.DataFrame, settings: HoursSettings | None = None
) -> pd.DataFrame:
    """One row per volunteer and role for the university's award or achievement record:
    student_id, name, email, role, activity, hours, skills, coordinator. A volunteer with two
    roles has their training hours shared equally between the two rows."""
    settings = settings or HoursSettings()
    mail = emails(cohort)
    rows = []
    for row in hours.to_dict("records"):
        for role, total in _role_rows(row):
            rows.append(
                {
                    "student_id": row["student_id"],
                    "name": row["name"],
                    "email": mail.get(row["student_id"], ""),
                    "role": role,
                    "activity": ACTIVITY[role],
                    "hours": total,
                    "skills": settings.skills.get(role, DEFAULT_SKILLS[role]),
                    "coordinator": settings.coordinator,
                }
            )
    columns = ["student_id", "name", "email", "role", "activity", "hours", "skills", "coordinator"]
    return pd.DataFrame(rows, columns=columns)


__all__ = ["HoursSettings", "VolunteerPlans", "award_record", "read_plans", "volunteer_hours"]
