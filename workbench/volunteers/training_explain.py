"""Training in words: why a volunteer cannot be placed, what would help, the rule check and the
calendar file of the sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import icalendar
import numpy as np
import pandas as pd

from workbench.cohort.availability import free_matrix
from workbench.cohort.domain import DAY_NAMES, Cohort, Slot, format_time
from workbench.volunteers.people import day_range
from workbench.volunteers.training_instance import TrainingInstance

EVENING_LAST_START = 20 * 60  # an evening slot may start up to 20:00
SHOWN_TIMES = 3


def _labels(slots: Sequence[Slot]) -> str:
    shown = [s.label for s in slots[:SHOWN_TIMES]]
    more = len(slots) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _event_word(activity: object) -> str:
    if isinstance(activity, str) and activity.strip():
        word = activity.strip().lower()
        return word if word.endswith("s") else word + "s"
    return "classes"


def blockers(cohort: Cohort, student_id: str, times: Sequence[Slot]) -> str:
    """What keeps a volunteer busy at the possible times: "lectures on Mon-Thu, job on Fri"."""
    days: dict[str, set[int]] = {}
    enrolled = set(
        cohort.enrolments.loc[cohort.enrolments["student_id"] == student_id, "module_code"]
    )
    events = cohort.timetable[cohort.timetable["module_code"].isin(enrolled)]
    own = cohort.busy[cohort.busy["student_id"] == student_id]
    for rows, word in ((events, "activity"), (own, "reason")):
        for row in rows.to_dict("records"):
            if any(s.overlaps(row["day"], row["start"], row["end"]) for s in times):
                label = (
                    _event_word(row.get(word))
                    if word == "activity"
                    else (str(row.get("reason") or "").strip() or "own commitments")
                )
                days.setdefault(label, set()).add(int(row["day"]))
    ordered = sorted(days.items(), key=lambda kv: (-len(kv[1]), min(kv[1]), kv[0]))[:4]
    return ", ".join(f"{label} on {day_range(d)}" for label, d in ordered) or "busy"


def _alternatives(inst: TrainingInstance) -> dict[str, list[Slot]]:
    """Times outside the settings that could help: another day, an evening, a shorter session."""
    s = inst.settings
    first = -(-s.first_start // 60) * 60
    other_days = [d for d in range(6) if d not in s.days]
    evening = range(s.last_start + 60, min(EVENING_LAST_START, 24 * 60 - s.minutes) + 1, 60)
    shorter = 60 if s.minutes > 60 else None
    options: dict[str, list[Slot]] = {
        "another day": [
            Slot(d, m, m + s.minutes)
            for d in other_days
            for m in range(first, s.last_start + 1, 60)
        ],
        "an evening slot": [Slot(d, m, m + s.minutes) for d in s.days for m in evening],
    }
    if shorter:
        options["1-hour sessions"] = [
            Slot(d, m, m + shorter) for d in s.days for m in range(first, s.last_start + 1, 60)
        ]
    return {k: v for k, v in options.items() if v}


def _help_for(free_alt: dict[str, np.ndarray], alt: dict[str, list[Slot]], i: int) -> list[str]:
    helps = []
    for name, matrix in free_alt.items():
        hits = np.flatnonzero(matrix[i])
        if len(hits):
            slots = [alt[name][j] for j in hits]
            if name == "another day":
                helps.append(f"another day ({day_range(sorted({s.day for s in slots}))})")
            else:
                helps.append(f"{name} ({slots[0].label})")
    return helps


def _reason(inst: TrainingInstance, v: int) -> tuple[str, str]:
    """(kind, reason) for a volunteer who is not placed."""
    n = len(inst.times)
    free_times = [inst.times[t] for t in np.flatnonzero(inst.free[v])]
    usable = [inst.times[t] for t in np.flatnonzero(inst.usable()[v])]
    if not free_times:
        return "busy", f"free at none of the {n} possible times"
    if not usable:
        return "room", (
            f"free at {len(free_times)} of the {n} possible times ({_labels(free_times)}), "
            "but no room is free then"
        )
    return "full", f"the sessions at the times they are free ({_labels(usable)}) are full"


def explain_untrained(
    cohort: Cohort, inst: TrainingInstance, sessions: pd.DataFrame, assignments: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Every volunteer not placed, the reason and what would help; the fixes for them all."""
    placed = set(assignments["student_id"])
    left = [v for v, sid in enumerate(inst.people["student_id"]) if sid not in placed]
    alt = _alternatives(inst)
    ids = [inst.people["student_id"].iloc[v] for v in left]
    free_alt = {
        name: free_matrix(cohort, ids, slots, inst.intervals) for name, slots in alt.items()
    }
    rows, counts = [], {"busy": 0, "room": 0, "full": 0}
    helped: dict[str, int] = {}
    for i, v in enumerate(left):
        sid = ids[i]
        kind, reason = _reason(inst, v)
        counts[kind] += 1
        if kind == "busy":
            reason += ": " + blockers(cohort, sid, inst.times)
            helps = _help_for(free_alt, alt, i)
            for h in helps:
                helped[h.split(" (")[0]] = helped.get(h.split(" (")[0], 0) + 1
            help_text = "; ".join(helps) or "no other day or evening slot suits them either"
        elif kind == "room":
            help_text = "book a room at one of those times"
        else:
            help_text = "a larger group size or a bigger room at one of those times"
        rows.append((sid, inst.people["role"].iloc[v], reason, help_text))
    untrained = pd.DataFrame(rows, columns=["student_id", "role", "reason", "help"], dtype=object)
    return untrained, _fixes(counts, helped, len(left))


def _fixes(counts: dict[str, int], helped: dict[str, int], left: int) -> list[str]:
    fixes = []
    for name, k in sorted(helped.items(), key=lambda kv: -kv[1]):
        fixes.append(f"Offer {name}: {k} of the {left} volunteers not placed could come.")
    if counts["room"]:
        fixes.append(
            f"Book a room: {counts['room']} volunteers are free only when no room is free."
        )
    if counts["full"]:
        fixes.append(
            f"Raise the largest group size or use bigger rooms: {counts['full']} volunteers "
            "are free only when the sessions are full."
        )
    if counts["busy"] > sum(helped.values()) and not helped:
        fixes.append(
            "Ask the volunteers not placed when they could come, or offer the training online."
        )
    return fixes


# ------------------------------------------------------------------------------ rule check


def check_plan(
    inst: TrainingInstance, sessions: pd.DataFrame, assignments: pd.DataFrame
) -> list[str]:
    """Every broken rule of a plan, in words (empty when the plan keeps them all)."""
    problems: list[str] = []
    index = {sid: v for v, sid in enumerate(inst.people["student_id"])}
    room_index = {room: r for r, room in enumerate(inst.rooms)}
    slot_index = {(s.day, s.start): t for t, s in enumerate(inst.times)}
    by_id = {row["session_id"]: row for row in sessions.to_dict("records")}
    if assignments["student_id"].duplicated().any():
        problems.append("a volunteer is placed in two sessions")
    for row in assignments.to_dict("records"):
        session = by_id.get(row["session_id"])
        if session is None:
            problems.append(f"{row['student_id']} is placed in a session that does not run")
            continue
        t = slot_index[(session["day"], session["start"])]
        if not inst.free[index[row["student_id"]], t]:
            problems.append(f"{row['student_id']} is not free for session {row['session_id']}")
    counts = assignments["session_id"].value_counts()
    for sid, session in by_id.items():
        r, t = room_index[session["room_id"]], slot_index[(session["day"], session["start"])]
        if not inst.room_free[r, t]:
            problems.append(f"session {sid}: the room is booked then")
        if counts.get(sid, 0) > inst.seats[r] or counts.get(sid, 0) != session["trainees"]:
            problems.append(f"session {sid}: more trainees than seats, or a wrong count")
    rows = sessions.to_dict("records")
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            same = a["room_id"] == b["room_id"] and a["day"] == b["day"]
            if same and a["start"] < b["end"] and b["start"] < a["end"]:
                problems.append(f"sessions {a['session_id']} and {b['session_id']} share a room")
    return problems


# ------------------------------------------------------------------------------ calendar


def training_ics(
    sessions: pd.DataFrame, week_of: dt.date, timezone: str = "Europe/London"
) -> bytes:
    """The sessions as an iCalendar file: one event each, in the week starting ``week_of``."""
    tz = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//peer-support-workbench//volunteer training//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Volunteer training")
    stamp = dt.datetime.combine(week_of, dt.time(0, 0), tzinfo=dt.UTC)
    for row in sessions.to_dict("records"):
        day, start, end = int(row["day"]), int(row["start"]), int(row["end"])
        date = week_of + dt.timedelta(days=(day - week_of.weekday()) % 7)
        event = icalendar.Event()
        key = f"{row['session_id']}|{day}|{start}|{row['room_id']}|{week_of.isoformat()}"
        uid = hashlib.sha1(key.encode("utf-8")).hexdigest()[:24]
        event.add("uid", f"{uid}@training.peer-support-workbench")
        event.add("dtstamp", stamp)
        event.add("summary", f"Volunteer training {row['session_id']}")
        event.add("dtstart", dt.datetime.combine(date, _clock(start), tzinfo=tz))
        event.add("dtend", dt.datetime.combine(date, _clock(end), tzinfo=tz))
        event.add("location", str(row["room_id"]))
        event.add(
            "description",
            f"Training for mentors and PASS leaders, {DAY_NAMES[day]} {format_time(start)}-"
            f"{format_time(end)}; {int(row['trainees'])} volunteers.",
        )
        cal.add_component(event)
    cal.add_missing_timezones(
        first_date=dt.date(week_of.year - 1, 1, 1), last_date=dt.date(week_of.year + 2, 1, 1)
    )
    return cal.to_ical()


def _clock(minutes: int) -> dt.time:
    return dt.time(23, 59) if minutes >= 24 * 60 else dt.time(minutes // 60, minutes % 60)


__all__ = ["blockers", "check_plan", "explain_untrained", "training_ics"]
