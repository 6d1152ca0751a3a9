"""The scheme of work's exports: the weeks as a table (CSV), a printable handbook per module
for its leaders (self-contained HTML, every value escaped) and calendar events whose
description names that week's topics.

``sessions`` is a PASS plan's sessions table (module_code, day, start, end, room_id,
leader_id; days 0 = Mon, times in minutes); without it, dates are the weeks' Mondays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd

from workbench.cohort.domain import DAY_NAMES, DAYS, Cohort, format_time
from workbench.prepare.scheme_of_work import SchemePlan, left_out
from workbench.prepare.sow_instance import REVISIT, ModuleTerm

WEEK_COLUMNS = ["module_code", "week", "date", "kind", "topics", "sessions", "notes"]
PRODID = "-//peer-support-workbench//PASS scheme of work//EN"


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def module_sessions(sessions: pd.DataFrame | None, code: str) -> list[dict]:
    if sessions is None or not len(sessions) or "module_code" not in sessions.columns:
        return []
    mine = sessions[sessions["module_code"] == code].sort_values(["day", "start"])
    return mine.to_dict("records")


def _session_text(row: dict) -> str:
    text = f"{DAYS[int(row['day'])]} {format_time(row['start'])}-{format_time(row['end'])}"
    room = row.get("room_id")
    return f"{text} in {room}" if isinstance(room, str) and room else text


def _week_row(plan: SchemePlan, module: ModuleTerm, week, sessions: list[dict]) -> dict:
    visits = [v for v in plan.module_visits(module.module_code) if v.week == week.week]
    first_day = int(sessions[0]["day"]) if sessions else 0
    row = {
        "module_code": module.module_code,
        "week": week.week,
        "date": (week.starts + dt.timedelta(days=first_day)).isoformat(),
        "topics": "; ".join(v.topic + (" (revisit)" if v.visit == REVISIT else "") for v in visits),
        "sessions": "; ".join(_session_text(s) for s in sessions) if week.has_sessions else "",
    }
    kind, note = _kind_and_note(plan, module, week, visits)
    due = [a.topic for a in module.assessments if a.week == week.week]
    if due:
        note = "; ".join([n for n in (note, f"{', '.join(due)} this week") if n])
    return {**row, "kind": kind, "notes": note}


def _kind_and_note(plan: SchemePlan, module: ModuleTerm, week, visits) -> tuple[str, str]:
    """topics / open / break / exams, and a note for the leaders."""
    if not week.has_sessions:
        return week.kind, f"no session ({'break' if week.kind == 'break' else 'exams'})"
    if week.week in module.open_weeks and not visits:
        return "open", f"bring your own questions: {module.open_weeks[week.week]}"
    if not visits:
        return "open", "bring your own questions: no new topic this week"
    hard = [
        v.topic
        for v in visits
        if (t := module.topic(v.topic)) and t.difficulty >= plan.settings.difficult_from
    ]
    return "topics", f"students find {', '.join(hard)} difficult" if hard else ""


def weeks_table(plan: SchemePlan, sessions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per module per term week: module_code, week, date, kind, topics, sessions, notes
    (kind: topics, open, break or exams)."""
    rows = []
    for module in plan.instance.modules:
        mine = module_sessions(sessions, module.module_code)
        rows += [_week_row(plan, module, week, mine) for week in module.weeks]
    return pd.DataFrame(rows, columns=WEEK_COLUMNS)


# ------------------------------------------------------------------------------ handbook

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1a1a1a; background: #fff; margin: 0; line-height: 1.45; }
main { max-width: 900px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; margin: 10px 0; }
th, td { border: 1px solid #767676; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
tr.open td, tr.break td, tr.exams td { background: #f5f5f5; }
@media print { main { padding: 0; } }
"""


def handbook_html(
    plan: SchemePlan,
    module_code: str,
    sessions: pd.DataFrame | None = None,
    leaders: str = "",
    left: pd.DataFrame | None = None,
) -> str:
    """The module's scheme of work as a printable page for its leaders (all values escaped)."""
    module = plan.instance.module(module_code)
    weeks = weeks_table(plan, sessions)
    weeks = weeks[weeks["module_code"] == module_code]
    title = f"PASS scheme of work: {module.module_code} {module.module_name}".strip()
    head = "".join(f"<th scope='col'>{h}</th>" for h in ("Week", "Date", "Topics", "Notes"))
    body = "".join(
        f"<tr class='{esc(r['kind'])}'><td>{r['week']}</td><td>{esc(r['date'])}</td>"
        f"<td>{esc(r['topics'] or _kind_words(r['kind']))}</td><td>{esc(r['notes'])}</td></tr>"
        for r in weeks.to_dict("records")
    )
    parts = [
        f"<h1>{esc(title)}</h1>",
        _intro(module, sessions, leaders),
        f"<table><caption>Week by week</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>",
        _left_out_html(left, module_code),
    ]
    return _page(title, "".join(parts))


def _kind_words(kind: str) -> str:
    return {"open": "Bring your own questions", "break": "No session", "exams": "No session"}.get(
        kind, ""
    )


def _intro(module: ModuleTerm, sessions: pd.DataFrame | None, leaders: str) -> str:
    mine = module_sessions(sessions, module.module_code)
    lines = []
    if mine:
        lines.append("Sessions each week: " + "; ".join(_session_text(s) for s in mine) + ".")
    if leaders:
        lines.append(f"Leaders: {leaders}.")
    lines.append(
        "Each session works on what was lectured the week before; difficult topics come back a "
        "few weeks later; open weeks are for students' own questions."
    )
    return "".join(f"<p>{esc(line)}</p>" for line in lines)


def _left_out_html(left: pd.DataFrame | None, code: str) -> str:
    if left is None or not len(left):
        return ""
    mine = left[left["module_code"] == code]
    if not len(mine):
        return ""
    items = "".join(
        f"<li>{esc(r['topic'])}: {esc(r['reason'])}</li>" for r in mine.to_dict("records")
    )
    return f"<h2>Not in the plan</h2><ul>{items}</ul>"


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def handbook_file_name(module_code: str) -> str:
    """A safe file name for a module's handbook (a short hash keeps two codes apart)."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", str(module_code))[:40] or "module"
    digest = hashlib.sha1(str(module_code).encode("utf-8")).hexdigest()[:6]
    return f"handbook_{safe}_{digest}.html"


# ------------------------------------------------------------------------------ calendar


def scheme_ics(plan: SchemePlan, sessions: pd.DataFrame, timezone: str = "Europe/London") -> bytes:
    """One event per PASS session per session week; its description names that week's topics."""
    tz = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "PASS scheme of work")
    weeks = weeks_table(plan, sessions)
    for module in plan.instance.modules:
        rows = weeks[(weeks["module_code"] == module.module_code)]
        for session in module_sessions(sessions, module.module_code):
            for week in module.weeks:
                if week.has_sessions:
                    row = rows[rows["week"] == week.week].iloc[0]
                    cal.add_component(_event(module, week, session, row, tz))
    return cal.to_ical()


def _event(module: ModuleTerm, week, session: dict, row: pd.Series, tz: ZoneInfo):
    day, start, end = int(session["day"]), int(session["start"]), int(session["end"])
    date = week.starts + dt.timedelta(days=day)
    event = icalendar.Event()
    key = f"{module.module_code}|{week.week}|{day}|{start}|{date.isoformat()}"
    event.add("uid", hashlib.sha1(key.encode()).hexdigest()[:24] + "@sow.peer-support-workbench")
    event.add("dtstamp", dt.datetime.combine(date, dt.time(0, 0), tzinfo=dt.UTC))
    event.add("summary", f"PASS {module.module_code} week {week.week}")
    event.add("dtstart", dt.datetime.combine(date, dt.time(start // 60, start % 60), tzinfo=tz))
    event.add("dtend", dt.datetime.combine(date, dt.time(end // 60, end % 60), tzinfo=tz))
    room = session.get("room_id")
    if isinstance(room, str) and room:
        event.add("location", room)
    topics = row["topics"] or "bring your own questions"
    event.add(
        "description",
        f"{DAY_NAMES[day]} {format_time(start)}. This week: {topics}. {row['notes']}".strip(),
    )
    return event


# ------------------------------------------------------------------------------ every module


def leader_names(cohort: Cohort, sessions: pd.DataFrame | None, code: str) -> str:
    """The module's leaders in the plan, by name when the cohort gives names."""
    if sessions is None or not len(sessions) or "leader_id" not in sessions.columns:
        return ""
    students = cohort.students
    named = students["name"] if "name" in students.columns else students["student_id"]
    names = {str(i): n for i, n in zip(students["student_id"], named, strict=True)}
    ids = sorted({str(i) for i in sessions.loc[sessions["module_code"] == code, "leader_id"]})
    return ", ".join(str(names.get(i) or i) for i in ids if i)


def module_handbooks(
    cohort: Cohort, plan: SchemePlan, sessions: pd.DataFrame | None = None
) -> dict[str, tuple[str, bytes]]:
    """module_code -> (file name, handbook HTML) for every module of the scheme of work."""
    left = left_out(plan)
    out = {}
    for module in plan.instance.modules:
        code = module.module_code
        page = handbook_html(plan, code, sessions, leader_names(cohort, sessions, code), left)
        out[code] = (handbook_file_name(code), page.encode("utf-8"))
    return out
