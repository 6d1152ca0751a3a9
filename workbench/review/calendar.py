"""iCalendar export: one weekly recurring event per session for the teaching weeks.

The file opens in common calendar apps (Outlook, Google Calendar, Apple Calendar): times carry
their time zone (with its VTIMEZONE), each event repeats weekly (``RRULE:FREQ=WEEKLY;COUNT=N``)
and has a deterministic UID, so exporting the same plan twice gives the same file and a
re-import updates events rather than duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd

from workbench.cohort.domain import DAY_NAMES, format_time
from workbench.cohort.names import person_label

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_WEEKS = 10
PRODID = "-//peer-support-workbench//PASS sessions//EN"


def first_occurrence(term_start: dt.date, day: int) -> dt.date:
    """The first date on or after ``term_start`` falling on weekday ``day`` (0 = Mon)."""
    return term_start + dt.timedelta(days=(int(day) - term_start.weekday()) % 7)


def next_monday(today: dt.date | None = None) -> dt.date:
    """The next Monday on or after ``today`` (default: today)."""
    today = today or dt.date.today()
    return first_occurrence(today, 0)


def session_uid(module_code: str, day: int, start: int, term_start: dt.date) -> str:
    """A stable UID: the same session of the same term always gets the same one."""
    key = f"{module_code}|{int(day)}|{int(start)}|{term_start.isoformat()}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:24] + "@pass.peer-support-workbench"


def sessions_ics(
    sessions: pd.DataFrame,
    term_start: dt.date,
    weeks: int = DEFAULT_WEEKS,
    timezone: str = DEFAULT_TIMEZONE,
    name: str = "PASS sessions",
    names: Mapping[str, str] | None = None,
    session_mondays: Sequence[dt.date] | None = None,
) -> bytes:
    """The sessions (module_code, day, start, end, room_id, leader_id, ...) as an iCalendar
    file of weekly recurring events from ``term_start`` for ``weeks`` teaching weeks.

    ``names`` (student id -> name) shows each leader by name with their id.
    ``session_mondays`` (the Mondays of the term weeks with sessions, from the term calendar)
    overrides the start and weeks: each event then repeats from the first to the last of those
    weeks with an exclusion (EXDATE) for each week between with no session, such as a break."""
    if session_mondays:
        return _term_ics(sessions, list(session_mondays), timezone, name, names)
    if weeks < 1:
        raise ValueError("the number of teaching weeks must be at least 1")
    tz = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    stamp = dt.datetime.combine(term_start, dt.time(0, 0), tzinfo=dt.UTC)
    rows = sessions.sort_values(["module_code", "day", "start"]) if len(sessions) else sessions
    for row in rows.to_dict("records"):
        day, start, end = int(row["day"]), int(row["start"]), int(row["end"])
        date = first_occurrence(term_start, day)
        event = icalendar.Event()
        event.add("uid", session_uid(row["module_code"], day, start, term_start))
        event.add("dtstamp", stamp)
        title = row.get("module_name") or row["module_code"]
        summary = f"PASS: {row['module_code']}"
        if title and title != row["module_code"]:
            summary += f" {title}"
        event.add("summary", summary)
        event.add("dtstart", dt.datetime.combine(date, _time(start), tzinfo=tz))
        event.add("dtend", dt.datetime.combine(date, _time(end), tzinfo=tz))
        event.add("rrule", {"freq": "weekly", "count": int(weeks)})
        room = row.get("room_id")
        if isinstance(room, str) and room:
            event.add("location", room)
        details = [
            f"Weekly PASS session, {DAY_NAMES[day]} {format_time(start)}-"
            f"{format_time(end)}, {weeks} weeks from {date.isoformat()}."
        ]
        leader = row.get("leader_id")
        if isinstance(leader, str) and leader:
            details.append(f"Leader: {person_label(leader, names or {})}.")
        expected = row.get("expected_attendance")
        if expected is not None and not pd.isna(expected):
            details.append(f"Expected attendance: about {float(expected):.0f}.")
        event.add("description", " ".join(details))
        cal.add_component(event)
    # The time zone's rules for the term only (a year either side keeps every client happy).
    cal.add_missing_timezones(
        first_date=dt.date(term_start.year - 1, 1, 1), last_date=dt.date(term_start.year + 2, 1, 1)
    )
    return cal.to_ical()


def _time(minutes: int) -> dt.time:
    if minutes >= 24 * 60:
        return dt.time(23, 59)
    return dt.time(minutes // 60, minutes % 60)


def _term_ics(
    sessions: pd.DataFrame,
    mondays: list[dt.date],
    timezone: str,
    name: str,
    names: Mapping[str, str] | None,
) -> bytes:
    """Weekly events over the term's session weeks, the weeks without sessions excluded."""
    mondays = sorted(set(mondays))
    span = (mondays[-1] - mondays[0]).days // 7 + 1
    every = [mondays[0] + dt.timedelta(weeks=i) for i in range(span)]
    skipped = [m for m in every if m not in set(mondays)]
    body = sessions_ics(sessions, mondays[0], span, timezone, name, names)
    if not skipped:
        return body
    cal = icalendar.Calendar.from_ical(body)
    tz = ZoneInfo(timezone)
    for event in cal.walk("VEVENT"):
        first = event.decoded("dtstart")
        for monday in skipped:
            day = monday + dt.timedelta(days=first.weekday())
            event.add("exdate", dt.datetime.combine(day, first.time(), tzinfo=tz))
        event["description"] = icalendar.vText(
            str(event["description"]).replace(
                f"{span} weeks from", f"{len(mondays)} weeks (none in the break) from"
            )
        )
    return cal.to_ical()
