"""Registers: printable sign-in sheets and CSV registers to fill in, and checking uploaded ones.

A session's register lists every student of its module (a student may come to any of the
module's sessions) by name when the cohort has names, by id otherwise, with a column to sign
for each session week; one printed page per session. The CSV has one row per student, session
and week with an empty ``attended`` column to fill in with yes; :func:`attendance_from_register`
turns a filled one into attendance rows.

Uploaded attendance is checked against the plan and the term: a student at a module they are
not enrolled on, a week outside the term or in a break, a day and time that is none of the
module's sessions.
"""

from __future__ import annotations

import html

import pandas as pd

from workbench.cohort.contract import normalise_header
from workbench.cohort.domain import DAYS, Cohort, format_time
from workbench.cohort.loading import Upload, cohort_to_tables, read_uploads
from workbench.cohort.names import name_lookup, person_label
from workbench.cohort.validation import RawTable, ValidationResult, validate_tables
from workbench.term.calendar import TermCalendar

_PAGE_CSS = """
body { font-family: system-ui, sans-serif; color: #1a1a1a; }
section { page-break-after: always; break-after: page; }
h1 { font-size: 1.3rem; margin: 0 0 0.2rem; }
p { margin: 0 0 0.6rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.8rem; }
th, td { border: 1px solid #444; padding: 0.25rem 0.3rem; text-align: left; }
td.sign { min-width: 3.2rem; height: 1.3rem; }
@page { size: A4 landscape; margin: 12mm; }
"""


def _label(row: dict) -> str:
    return (
        f"{DAYS[int(row['day'])]} {format_time(int(row['start']))}-{format_time(int(row['end']))}"
    )


def module_students(cohort: Cohort, module: str) -> list[tuple[str, str]]:
    """(student_id, label) for the module's students, sorted by how they are shown."""
    names = name_lookup(cohort.students)
    ids = cohort.enrolments.loc[cohort.enrolments["module_code"] == module, "student_id"]
    people = [(sid, person_label(sid, names)) for sid in dict.fromkeys(ids)]
    return sorted(people, key=lambda p: p[1].lower())


def register_rows(cohort: Cohort, sessions: pd.DataFrame, calendar: TermCalendar) -> pd.DataFrame:
    """The CSV register: student_id, name, module_code, day, start, room_id, week, date,
    attended (empty, to fill in with yes)."""
    names = name_lookup(cohort.students)
    rows = []
    for session in sessions.sort_values(["module_code", "day", "start"]).to_dict("records"):
        for sid, _ in module_students(cohort, session["module_code"]):
            for week in calendar.session_weeks:
                rows.append(
                    {
                        "student_id": sid,
                        "name": names.get(sid, ""),
                        "module_code": session["module_code"],
                        "day": DAYS[int(session["day"])],
                        "start": format_time(int(session["start"])),
                        "room_id": session.get("room_id", "") or "",
                        "week": week,
                        "date": calendar.date_of(week, int(session["day"])).isoformat(),
                        "attended": "",
                    }
                )
    columns = ["student_id", "name", "module_code", "day", "start", "room_id", "week", "date"]
    return pd.DataFrame(rows, columns=[*columns, "attended"])


def attendance_from_register(filled: pd.DataFrame) -> pd.DataFrame:
    """A filled CSV register (attended yes) as attendance rows (student_id, module_code, week,
    day, start) in contract format."""
    yes = (
        filled["attended"]
        .fillna("")
        .astype(str)
        .str.strip()
        .str.lower()
        .isin(["yes", "y", "1", "x"])
    )
    keep = filled.loc[yes, ["student_id", "module_code", "week", "day", "start"]]
    return keep.astype(str).reset_index(drop=True)


def registers_html(
    cohort: Cohort, sessions: pd.DataFrame, calendar: TermCalendar, title: str = "PASS registers"
) -> str:
    """Printable sign-in sheets: one page per session, a column per session week."""
    weeks = calendar.session_weeks
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_PAGE_CSS}</style></head><body>",
    ]
    for session in sessions.sort_values(["module_code", "day", "start"]).to_dict("records"):
        parts.append(_session_page(cohort, session, calendar, weeks))
    parts.append("</body></html>")
    return "".join(parts)


def _session_page(cohort: Cohort, session: dict, calendar: TermCalendar, weeks: list[int]) -> str:
    esc = html.escape
    room = session.get("room_id") or ""
    leader = session.get("leader_id") or ""
    head = "".join(
        f"<th scope='col'>Week {w}<br>{calendar.date_of(w, int(session['day'])):%d %b}</th>"
        for w in weeks
    )
    body = "".join(
        f"<tr><th scope='row'>{esc(label)}</th>"
        + "".join("<td class='sign'></td>" for _ in weeks)
        + "</tr>"
        for _, label in module_students(cohort, session["module_code"])
    )
    where = f" in {esc(str(room))}" if room else ""
    led = f"; leader {esc(person_label(leader, name_lookup(cohort.students)))}" if leader else ""
    return (
        f"<section><h1>{esc(str(session['module_code']))} PASS, {esc(_label(session))}</h1>"
        f"<p>Sign in each week you come{where}{led}.</p>"
        f"<table><thead><tr><th scope='col'>Student</th>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></section>"
    )


def check_attendance(
    cohort: Cohort, calendar: TermCalendar, sessions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Problems with the uploaded attendance: row (as the spreadsheet shows it), student_id,
    module_code, week, problem. Empty when every row fits the plan and the term."""
    att = cohort.attendance.reset_index(drop=True)
    problems = []
    enrolled = set(
        zip(cohort.enrolments["student_id"], cohort.enrolments["module_code"], strict=True)
    )
    pairs = pd.Series(list(zip(att["student_id"], att["module_code"], strict=True)), dtype=object)
    not_enrolled = ~pairs.isin(enrolled) if len(att) else pd.Series(dtype=bool)
    problems.append(_rows(att, not_enrolled, "the student is not enrolled on this module"))
    in_term = att["week"].isin(calendar.all_weeks)
    problems.append(
        _rows(
            att,
            ~in_term,
            f"week outside the term (weeks {calendar.all_weeks[0]}-{calendar.all_weeks[-1]})",
        )
    )
    in_break = att["week"].isin(calendar.break_weeks)
    problems.append(_rows(att, in_break, "a week with no sessions (a break or exams)"))
    if sessions is not None and len(sessions) and "day" in att:
        problems.append(_off_plan(att, sessions))
    out = pd.concat(problems, ignore_index=True)
    return out.sort_values("row", kind="stable").reset_index(drop=True)


def _rows(att: pd.DataFrame, mask: pd.Series, problem: str) -> pd.DataFrame:
    part = att.loc[
        mask.to_numpy(dtype=bool) if len(att) else [], ["student_id", "module_code", "week"]
    ]
    return part.assign(row=part.index + 2, problem=problem)[
        ["row", "student_id", "module_code", "week", "problem"]
    ]


def _off_plan(att: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    timed = att["day"].notna() & att["start"].notna()
    planned = set(
        zip(
            sessions["module_code"],
            sessions["day"].astype(int),
            sessions["start"].astype(int),
            strict=True,
        )
    )
    keys = [
        (m, int(d), int(s)) if t else None
        for m, d, s, t in zip(
            att["module_code"], att["day"].fillna(0), att["start"].fillna(0), timed, strict=True
        )
    ]
    planned_modules = set(sessions["module_code"])
    off = pd.Series(
        [k is not None and k[0] in planned_modules and k not in planned for k in keys],
        index=att.index,
    )
    return _rows(att, off, "no session of this module is planned at that day and time")


TERM_TABLES = ("term_weeks", "attendance", "meetings", "outcomes", "progression")
_YES = {"yes", "y", "1", "x", "true", "present"}


def _only_attended(raw: RawTable) -> RawTable:
    """A filled CSV register keeps the rows marked attended (a blank means not there)."""
    column = next((c for c in raw.frame.columns if normalise_header(c) == "attended"), None)
    if column is None:
        return raw
    mark = raw.frame[column].fillna("").astype(str).str.strip().str.lower()
    frame = raw.frame.loc[mark.isin(_YES)].drop(columns=[column])
    return RawTable(raw.name, raw.file, frame, raw.problems, raw.clean)


def with_term_uploads(cohort: Cohort, files: list[Upload]) -> ValidationResult:
    """The cohort with the uploaded tables (registers, meetings, outcomes, ...) added or
    replaced, validated again as a whole so every problem names its file, row and column."""
    raws, problems = read_uploads(files)
    tables: dict[str, pd.DataFrame | RawTable] = dict(cohort_to_tables(cohort))
    for name, raw in raws.items():
        tables[name] = _only_attended(raw) if name == "attendance" else raw
    result = validate_tables(tables, read_problems=problems)
    if result.cohort is not None:
        result.cohort = result.cohort.model_copy(update={"name": cohort.name})
    return result
