"""sessions.ics: parses with icalendar, one weekly recurring event per session, stable UIDs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd
import pytest
from dateutil.rrule import rrulestr

from workbench.review.calendar import first_occurrence, next_monday, sessions_ics

SESSIONS = pd.DataFrame(
    [
        {
            "module_code": "CH201",
            "module_name": "Physical Chemistry 2",
            "day": 1,
            "start": 600,
            "end": 660,
            "room_id": "LIB-1.02",
            "leader_id": "2300123",
            "expected_attendance": 7.5,
        },
        {
            "module_code": "MA101",
            "module_name": "Calculus",
            "day": 4,
            "start": 14 * 60,
            "end": 15 * 60,
            "room_id": None,
            "leader_id": None,
            "expected_attendance": 12.0,
        },
    ]
)


def events(data: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_one_weekly_event_per_session_for_the_teaching_weeks():
    term = dt.date(2025, 9, 22)  # a Monday
    data = sessions_ics(SESSIONS, term, weeks=11)
    cal = icalendar.Calendar.from_ical(data)
    assert cal["version"] == "2.0" and "PRODID" in cal
    assert [c.name for c in cal.walk() if c.name == "VTIMEZONE"] == ["VTIMEZONE"]
    evs = events(data)
    assert len(evs) == 2
    london = ZoneInfo("Europe/London")
    for ev, row in zip(evs, SESSIONS.itertuples(), strict=True):
        start = ev.decoded("dtstart")
        end = ev.decoded("dtend")
        assert start.weekday() == row.day
        assert (start.hour * 60 + start.minute, end.hour * 60 + end.minute) == (row.start, row.end)
        assert start.tzinfo == london
        rule = ev["rrule"]
        assert rule["FREQ"] == ["WEEKLY"] and rule["COUNT"] == [11]
        dates = list(rrulestr(ev["rrule"].to_ical().decode(), dtstart=start))
        assert len(dates) == 11
        assert all((b - a) == dt.timedelta(days=7) for a, b in zip(dates, dates[1:], strict=False))
        assert dates[0].date() >= term and (dates[0].date() - term).days < 7
        assert str(ev["summary"]).startswith(f"PASS: {row.module_code}")
    assert str(evs[0]["location"]) == "LIB-1.02"
    assert "Leader: 2300123." in str(evs[0]["description"])
    assert "location" not in evs[1]


def test_local_time_holds_across_the_clock_change():
    # Autumn term 2025: clocks go back on 26 October; a 10:00 session stays at 10:00.
    data = sessions_ics(SESSIONS.iloc[:1], dt.date(2025, 9, 22), weeks=10)
    ev = events(data)[0]
    dates = list(rrulestr(ev["rrule"].to_ical().decode(), dtstart=ev.decoded("dtstart")))
    assert {(d.hour, d.minute) for d in dates} == {(10, 0)}
    assert {d.utcoffset() for d in dates} == {dt.timedelta(hours=1), dt.timedelta(0)}


def test_uids_are_stable_and_unique():
    a = sessions_ics(SESSIONS, dt.date(2025, 9, 22), weeks=10)
    b = sessions_ics(SESSIONS.iloc[::-1], dt.date(2025, 9, 22), weeks=10)
    assert a == b  # same plan, same file
    uids = [str(e["uid"]) for e in events(a)]
    assert len(set(uids)) == 2
    other_term = [str(e["uid"]) for e in events(sessions_ics(SESSIONS, dt.date(2026, 1, 12)))]
    assert not set(uids) & set(other_term)


def test_term_starting_midweek_and_empty_plans():
    assert first_occurrence(dt.date(2025, 9, 24), 0) == dt.date(2025, 9, 29)
    assert first_occurrence(dt.date(2025, 9, 24), 2) == dt.date(2025, 9, 24)
    assert next_monday(dt.date(2025, 9, 24)) == dt.date(2025, 9, 29)
    ev = events(sessions_ics(SESSIONS.iloc[:1], dt.date(2025, 9, 24)))[0]
    assert ev.decoded("dtstart").date() == dt.date(2025, 9, 30)  # the first Tuesday
    assert events(sessions_ics(SESSIONS.iloc[:0], dt.date(2025, 9, 22))) == []
    with pytest.raises(ValueError, match="at least 1"):
        sessions_ics(SESSIONS, dt.date(2025, 9, 22), weeks=0)
