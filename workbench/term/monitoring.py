"""Monitoring the term: actual against expected attendance, flagged sessions, follow-ups, take-up.

* **Expected** attendance is the plan's: a session's ``expected_attendance`` (regular take-up x
  the students it can reach / the module's sessions) in every session week.
* **Attended** is the number of different students in the registers for that module (or session,
  when the registers say which day and time) and week.
* A session is **flagged** when it averaged below ``threshold`` (default half) of its expected
  attendance over the weeks so far; the suggested better slot is the free slot of the planner's
  grid (the same availability: timetable and own commitments) where most of the module's students
  are free, when that is more than are free at the session now.
* A mentoring pair is listed for **follow-up** when it has had no meeting in the last
  ``quiet_weeks`` session weeks (default 3) up to the latest week in the registers.
* **Calibration**: per module, the share of the students the plan counted on who came at least
  once and who came regularly (in at least half of the session weeks so far). ``uptake.json``
  holds them; ``solve pass --uptake-from`` and ``whatif --uptake-from`` plan with them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.cohort.availability import free_matrix
from workbench.cohort.domain import Cohort, Slot
from workbench.cohort.names import name_lookup, person_label
from workbench.cohort.validation import parse_day, parse_time
from workbench.schemes.pass_sessions.settings import PassSettings, grid_slots, slot_label
from workbench.term.calendar import TermCalendar

THRESHOLD = 0.5  # a session below half its expected attendance is flagged
QUIET_WEEKS = 3
REGULAR_SHARE = 0.5  # "regularly": in at least half the session weeks so far
MIN_UPTAKE = 0.01  # the planner needs a positive take-up


@dataclass
class Plan:
    """An earlier plan read back: PASS sessions and/or mentoring pairs, and its settings."""

    sessions: pd.DataFrame = field(default_factory=pd.DataFrame)  # day/start/end as numbers
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: dict = field(default_factory=dict)

    @property
    def is_pass(self) -> bool:
        return len(self.sessions) > 0


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read_plan(folder: str | Path) -> Plan:
    """A ``solve pass`` or ``solve mentoring`` output folder (ValueError in words)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder (give an earlier solve pass or mentoring output)")
    plan = Plan()
    if (folder / "sessions.csv").exists():
        plan.sessions = sessions_from_csv(_read_csv(folder / "sessions.csv"))
    if (folder / "matches.csv").exists():
        plan.matches = _read_csv(folder / "matches.csv")[["mentee_id", "mentor_id"]]
    if plan.sessions.empty and plan.matches.empty:
        raise ValueError(f"{folder}: has neither sessions.csv nor matches.csv")
    summary = folder / "summary.json"
    if summary.exists():
        plan.settings = json.loads(summary.read_text(encoding="utf-8")).get("settings") or {}
    return plan


def sessions_from_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """sessions.csv (days Mon..Sun, times HH:MM) with day and minutes as numbers."""
    out = frame.copy()
    out["day"] = [parse_day(str(d)) for d in out["day"]]
    out["start"] = [parse_time(str(t)) for t in out["start"]]
    out["end"] = [parse_time(str(t)) for t in out["end"]]
    if out[["day", "start", "end"]].isna().any().any():
        raise ValueError("sessions.csv has a day or time that cannot be read")
    out["expected_attendance"] = pd.to_numeric(out["expected_attendance"], errors="coerce")
    return out.astype({"day": int, "start": int, "end": int})


def observed_weeks(cohort: Cohort, calendar: TermCalendar) -> list[int]:
    """Session weeks up to the latest week in the registers (or meetings)."""
    weeks = pd.concat([cohort.attendance["week"], cohort.meetings["week"]])
    if weeks.empty:
        return []
    return calendar.weeks_up_to(int(weeks.max()))


def attendance_by_week(cohort: Cohort, plan: Plan, calendar: TermCalendar) -> pd.DataFrame:
    """module_code, week, expected, attended for the plan's modules and the weeks so far."""
    weeks = observed_weeks(cohort, calendar)
    expected = plan.sessions.groupby("module_code")["expected_attendance"].sum()
    att = cohort.attendance
    attended = (
        att.drop_duplicates(["student_id", "module_code", "week"])
        .groupby(["module_code", "week"])
        .size()
    )
    rows = [
        {
            "module_code": code,
            "week": week,
            "expected": round(float(expected[code]), 1),
            "attended": int(attended.get((code, week), 0)),
        }
        for code in expected.index
        for week in weeks
    ]
    return pd.DataFrame(rows, columns=["module_code", "week", "expected", "attended"])


def attendance_by_session(cohort: Cohort, plan: Plan, calendar: TermCalendar) -> pd.DataFrame:
    """Per plan session: expected, weeks so far, mean attended a week and the share of expected.

    Registers that name the day and start are counted at that session; registers that do not
    are shared across the module's sessions in proportion to their expected attendance.
    """
    weeks = observed_weeks(cohort, calendar)
    sessions = plan.sessions.copy()
    att = cohort.attendance[cohort.attendance["week"].isin(weeks)]
    timed = att[att["day"].notna() & att["start"].notna()] if "day" in att else att.iloc[0:0]
    untimed = att.drop(index=timed.index)
    at_session = (
        timed.astype({"day": int, "start": int})
        .drop_duplicates(["student_id", "module_code", "week", "day", "start"])
        .groupby(["module_code", "day", "start"])
        .size()
    )
    module_untimed = (
        untimed.drop_duplicates(["student_id", "module_code", "week"]).groupby("module_code").size()
    )
    share = sessions["expected_attendance"] / sessions.groupby("module_code")[
        "expected_attendance"
    ].transform("sum")
    total = [
        at_session.get((m, d, s), 0) + share_i * module_untimed.get(m, 0)
        for m, d, s, share_i in zip(
            sessions["module_code"],
            sessions["day"],
            sessions["start"],
            share.fillna(0),
            strict=True,
        )
    ]
    n_weeks = max(1, len(weeks))
    sessions["weeks_so_far"] = len(weeks)
    sessions["attended_per_week"] = np.round(np.asarray(total, float) / n_weeks, 1)
    sessions["share_of_expected"] = np.round(
        sessions["attended_per_week"] / sessions["expected_attendance"].replace(0, np.nan), 2
    )
    return sessions


def planner_settings(plan: Plan) -> PassSettings:
    """The plan's own PASS settings (the defaults when the plan has none)."""
    try:
        return PassSettings.model_validate(plan.settings or {})
    except ValueError:
        return PassSettings()


def better_slot(
    cohort: Cohort, module: str, current: Slot, taken: list[Slot], settings: PassSettings
) -> tuple[Slot, int, int] | None:
    """(slot, students free then, students free now) for the module's best other slot, or None."""
    students = cohort.enrolments.loc[cohort.enrolments["module_code"] == module, "student_id"]
    students = list(dict.fromkeys(students))
    if not students:
        return None
    slots = [current] + [
        s for s in grid_slots(settings) if not any(s.overlaps(t.day, t.start, t.end) for t in taken)
    ]
    free = free_matrix(cohort, students, slots).sum(axis=0)
    best = int(np.argmax(free[1:])) + 1 if len(slots) > 1 else 0
    if best == 0 or free[best] <= free[0]:
        return None
    return slots[best], int(free[best]), int(free[0])


def flag_sessions(
    cohort: Cohort, plan: Plan, by_session: pd.DataFrame, threshold: float = THRESHOLD
) -> list[dict]:
    """Sessions well below their expected attendance, each with a suggested better slot."""
    settings = planner_settings(plan)
    flags = []
    low = by_session[by_session["share_of_expected"] < threshold]
    for row in low.itertuples(index=False):
        current = Slot(int(row.day), int(row.start), int(row.end))
        mine = by_session[by_session["module_code"] == row.module_code]
        taken = [
            Slot(int(d), int(s), int(e))
            for d, s, e in zip(mine.day, mine.start, mine.end, strict=True)
        ]
        found = better_slot(cohort, row.module_code, current, taken, settings)
        if found is None:
            suggestion = (
                "no slot in the planning grid has more of the module's students free; "
                "ask the students why, or advertise it again in lectures"
            )
        else:
            slot, then, now = found
            suggestion = (
                f"move it to {slot.label}: {then} of the module's students are free then, "
                f"against {now} now"
            )
        flags.append(
            {
                "what": f"{row.module_code} PASS session {slot_label(current.day, current.start, current.end)}",
                "why": (
                    f"{row.attended_per_week:g} students a week over {row.weeks_so_far} weeks "
                    f"against {row.expected_attendance:g} expected ({row.share_of_expected:.0%})"
                ),
                "suggestion": suggestion,
            }
        )
    return flags


def quiet_pairs(
    cohort: Cohort, plan: Plan, calendar: TermCalendar, quiet_weeks: int = QUIET_WEEKS
) -> list[dict]:
    """Mentoring pairs with no meeting in the last ``quiet_weeks`` session weeks so far."""
    weeks = observed_weeks(cohort, calendar)
    if plan.matches.empty or not weeks:
        return []
    recent = set(weeks[-quiet_weeks:])
    names = name_lookup(cohort.students)
    meetings = cohort.meetings
    last = meetings.groupby(["mentee_id", "mentor_id"])["week"].max()
    flags = []
    for mentee, mentor in zip(plan.matches["mentee_id"], plan.matches["mentor_id"], strict=True):
        week = last.get((mentee, mentor))
        if week is not None and int(week) >= min(recent):
            continue
        why = "no meeting yet" if week is None else f"last met in week {int(week)}"
        flags.append(
            {
                "what": f"mentor {person_label(mentor, names)} and mentee "
                f"{person_label(mentee, names)}",
                "why": f"{why}; no meeting in the last {len(recent)} weeks",
                "suggestion": "follow up with the mentor",
            }
        )
    return flags


def observed_uptake(
    cohort: Cohort, plan: Plan, calendar: TermCalendar, regular_share: float = REGULAR_SHARE
) -> dict:
    """Per module: students the plan counted on, who came at least once and regularly, shares."""
    weeks = observed_weeks(cohort, calendar)
    needed = max(1, math.ceil(regular_share * len(weeks)))
    settings = planner_settings(plan)
    att = cohort.attendance[cohort.attendance["week"].isin(weeks)]
    per_student = (
        att.drop_duplicates(["student_id", "module_code", "week"])
        .groupby(["module_code", "student_id"])
        .size()
    )
    modules = {}
    for code, part in plan.sessions.groupby("module_code"):
        planned = settings.uptake(code).regular
        base = max(1, round(float(part["expected_attendance"].sum()) / planned))
        known = code in per_student.index.get_level_values(0)
        counts = per_student.xs(code, level=0) if known else pd.Series(dtype=int)
        once, regular = int((counts >= 1).sum()), int((counts >= needed).sum())
        modules[code] = {
            "students": base,
            "attended_once": once,
            "attended_regularly": regular,
            "once": round(min(1.0, max(MIN_UPTAKE, once / base)), 3),
            "regular": round(min(1.0, max(MIN_UPTAKE, regular / base)), 3),
        }
    return {
        "weeks_observed": len(weeks),
        "regular_means": f"came in at least {needed} of the {len(weeks)} session weeks so far",
        "modules": modules,
    }


def read_uptake(path: str | Path) -> dict[str, dict[str, float]]:
    """``uptake.json`` -> {module: {"regular": r, "once": o}} for the planner (ValueError in words)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot be read ({exc})") from exc
    modules = data.get("modules") if isinstance(data, dict) else None
    if not isinstance(modules, dict) or not modules:
        raise ValueError(f"{path}: no module take-up in it (write it with the monitor command)")
    out = {}
    for code, values in modules.items():
        try:
            regular, once = float(values["regular"]), float(values["once"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: module {code} has no regular and once take-up") from exc
        out[str(code)] = {"regular": regular, "once": max(once, regular)}
    return out


def monitor(
    cohort: Cohort,
    plan: Plan,
    calendar: TermCalendar,
    threshold: float = THRESHOLD,
    quiet_weeks: int = QUIET_WEEKS,
) -> tuple[pd.DataFrame, pd.DataFrame, dict, pd.DataFrame]:
    """(attendance by week, flagged what/why/suggestion, uptake, attendance by session)."""
    flags: list[dict] = []
    by_week = pd.DataFrame(columns=["module_code", "week", "expected", "attended"])
    by_session = pd.DataFrame()
    uptake: dict = {"weeks_observed": 0, "modules": {}}
    if plan.is_pass:
        by_week = attendance_by_week(cohort, plan, calendar)
        by_session = attendance_by_session(cohort, plan, calendar)
        flags += flag_sessions(cohort, plan, by_session, threshold)
        uptake = observed_uptake(cohort, plan, calendar)
    flags += quiet_pairs(cohort, plan, calendar, quiet_weeks)
    flagged = pd.DataFrame(flags, columns=["what", "why", "suggestion"])
    return by_week, flagged, uptake, by_session


def sessions_for_people(by_session: pd.DataFrame) -> pd.DataFrame:
    """Attendance by session as a coordinator reads it (days Mon..Sun, times HH:MM)."""
    columns = [
        "module_code",
        "slot",
        "room_id",
        "leader_id",
        "expected_attendance",
        "weeks_so_far",
        "attended_per_week",
        "share_of_expected",
    ]
    if by_session.empty:
        return pd.DataFrame(columns=columns)
    out = by_session.copy()
    out["slot"] = [slot_label(d, s, e) for d, s, e in zip(out.day, out.start, out.end, strict=True)]
    return out[[c for c in columns if c in out.columns]]
