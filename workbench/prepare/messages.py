"""Messages that launch a scheme, from templates the coordinator edits. Nothing is sent.

A template is plain text with named fields (``{mentee_name}``); each kind of message has its
own list of fields (:data:`FIELDS`). Filling a template never evaluates anything: the text is
split with :class:`string.Formatter` and each field must be a bare name from that list (no
attribute or index access, no conversion, no format spec), so ``{mentee_name.__class__}`` or
``{0}`` is refused in words. Values from files are put in as text on one line (newlines and
control characters become spaces), so a name can never add a header or a line to a message.

Kinds: ``introductions`` (each mentor-mentee pair), ``pass-timetable`` (each student of a PASS
module: its sessions, the ones they are free for first), ``leaders`` (each leader: their
sessions, rooms and handbook) and ``training`` (each volunteer: their training session).
The drafts are built by :mod:`workbench.prepare.drafts` (mail-merge CSV, ``.eml`` files).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

import pandas as pd

from workbench.cohort.availability import free_matrix
from workbench.cohort.domain import DAY_NAMES, Cohort, Slot, format_time

KINDS = ("introductions", "pass-timetable", "leaders", "training")
KIND_WORDS = {
    "introductions": "Introductions (each mentor and mentee)",
    "pass-timetable": "PASS timetable (each student of a PASS module)",
    "leaders": "Leaders' sessions and handbook (each PASS leader)",
    "training": "Training session (each volunteer)",
}
COMMON_FIELDS = ("coordinator_name",)
FIELDS: dict[str, tuple[str, ...]] = {
    "introductions": (
        "mentee_name",
        "mentee_email",
        "mentee_programme",
        "mentor_name",
        "mentor_email",
        "mentor_programme",
    ),
    "pass-timetable": (
        "student_name",
        "module_code",
        "module_name",
        "session_day",
        "session_time",
        "room",
        "sessions",
    ),
    "leaders": (
        "leader_name",
        "module_code",
        "module_name",
        "session_day",
        "session_time",
        "room",
        "sessions",
        "handbook",
    ),
    "training": ("volunteer_name", "role", "session_day", "session_time", "room"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


DEFAULT_TEMPLATES: dict[str, Template] = {
    "introductions": Template(
        "Meet your peer mentor, {mentor_name}",
        "Dear {mentee_name},\n\nWelcome! Your peer mentor this year is {mentor_name} "
        "({mentor_programme}), who has been where you are now and is glad to help.\n"
        "You can write to {mentor_name} at {mentor_email}; {mentor_name} is copied in and "
        "can reach you at {mentee_email}.\n\nSuggest a first coffee in the next two weeks.\n\n"
        "Best wishes,\n{coordinator_name}",
    ),
    "pass-timetable": Template(
        "PASS sessions for {module_code} {module_name}",
        "Dear {student_name},\n\nPASS (Peer Assisted Study Sessions) for {module_code} "
        "{module_name} run every week, led by students who took the module last year. "
        "Come to any of them:\n\n{sessions}\n\nThe first that fits your timetable is "
        "{session_day} {session_time} in {room}. No booking needed.\n\nBest wishes,\n"
        "{coordinator_name}",
    ),
    "leaders": Template(
        "Your PASS sessions for {module_code}",
        "Dear {leader_name},\n\nThank you for leading PASS for {module_code} {module_name}. "
        "Your sessions this term:\n\n{sessions}\n\n{handbook}\n\nBest wishes,\n"
        "{coordinator_name}",
    ),
    "training": Template(
        "Your volunteer training: {session_day} {session_time}",
        "Dear {volunteer_name},\n\nThank you for volunteering as a {role}. Your training "
        "session is on {session_day}, {session_time}, in {room}. Please let us know if you "
        "cannot come.\n\nBest wishes,\n{coordinator_name}",
    ),
}


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


@dataclass
class Message:
    kind: str
    to: list[Recipient]
    values: dict[str, str]
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, HTML)
    subject: str = ""
    body: str = ""


class TemplateError(ValueError):
    """A template that cannot be filled; the message says which field and why."""


def one_line(value: object) -> str:
    """A file value as one line of text: control characters and line breaks become spaces."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return " ".join(_CONTROL.sub(" ", text).split())


def allowed_fields(kind: str) -> tuple[str, ...]:
    return FIELDS[kind] + COMMON_FIELDS


def template_problems(text: str, kind: str) -> list[str]:
    """What stops a template from being filled, in words (empty when it is fine)."""
    allowed = allowed_fields(kind)
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"the braces do not match ({exc}); write {{{{ and }}}} for a brace itself"]
    problems = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            problems.append(
                f"{{{name}}} is not a field here; use one of "
                + ", ".join(f"{{{f}}}" for f in allowed)
            )
        elif spec or conversion:
            problems.append(f"{{{name}}} takes no format or conversion; write it as {{{name}}}")
    return problems


def fill(text: str, kind: str, values: dict[str, str]) -> str:
    """The template with its fields filled (TemplateError when it is not valid)."""
    problems = template_problems(text, kind)
    if problems:
        raise TemplateError("; ".join(problems))
    out = []
    for literal, name, _, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def render(messages: list[Message], template: Template) -> list[Message]:
    """Each message with its subject (one line) and body filled from the template."""
    for message in messages:
        message.subject = one_line(fill(template.subject, message.kind, message.values))
        message.body = fill(template.body, message.kind, message.values)
    return messages


# ------------------------------------------------------------------------------ people


def people(cohort: Cohort) -> dict[str, tuple[str, str]]:
    """student_id -> (name on one line, e-mail) for every student (the id when no name)."""
    students = cohort.students
    names = students["name"] if "name" in students.columns else pd.Series(None, students.index)
    emails = students["email"] if "email" in students.columns else pd.Series(None, students.index)
    out = {}
    for sid, name, email in zip(students["student_id"], names, emails, strict=True):
        out[str(sid)] = (one_line(name) or str(sid), one_line(email))
    return out


def _programme(cohort: Cohort) -> dict[str, str]:
    return {
        str(s): one_line(p)
        for s, p in zip(cohort.students["student_id"], cohort.students["programme"], strict=True)
    }


def _module_names(cohort: Cohort) -> dict[str, str]:
    mods = cohort.modules
    names = mods["module_name"] if "module_name" in mods.columns else [None] * len(mods)
    return {str(c): one_line(n) for c, n in zip(mods["module_code"], names, strict=True)}


def _recipient(who: dict[str, tuple[str, str]], sid: str) -> Recipient:
    name, email = who.get(sid, (sid, ""))
    return Recipient(name, email)


def _when(row: dict) -> tuple[str, str]:
    return DAY_NAMES[int(row["day"])], f"{format_time(row['start'])}-{format_time(row['end'])}"


def _room(row: dict) -> str:
    return one_line(row.get("room_id")) or "the room to be confirmed"


def session_lines(rows: list[dict], free: list[bool] | None = None) -> str:
    """One line per session; with ``free``, the ones the student is free for first."""
    order = sorted(range(len(rows)), key=lambda i: (not free[i] if free else False, i))
    lines = []
    for i in order:
        day, time = _when(rows[i])
        note = "" if free is None else ("" if free[i] else " (clashes with your timetable)")
        lines.append(f"- {day} {time} in {_room(rows[i])}{note}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ kinds


def introductions(cohort: Cohort, matches: pd.DataFrame) -> list[Message]:
    """One message to each mentor-mentee pair (both are recipients)."""
    who, programme = people(cohort), _programme(cohort)
    out = []
    for row in matches.to_dict("records"):
        mentee, mentor = str(row["mentee_id"]), str(row["mentor_id"])
        a, b = _recipient(who, mentee), _recipient(who, mentor)
        values = {
            "mentee_name": a.name,
            "mentee_email": a.email,
            "mentee_programme": programme.get(mentee, ""),
            "mentor_name": b.name,
            "mentor_email": b.email,
            "mentor_programme": programme.get(mentor, ""),
        }
        out.append(Message("introductions", [a, b], values))
    return out


def _sessions_by_module(sessions: pd.DataFrame) -> dict[str, list[dict]]:
    ordered = sessions.sort_values(["module_code", "day", "start"]).to_dict("records")
    out: dict[str, list[dict]] = {}
    for row in ordered:
        out.setdefault(str(row["module_code"]), []).append(row)
    return out


def pass_timetable(cohort: Cohort, sessions: pd.DataFrame) -> list[Message]:
    """One message to each student of each PASS module: its sessions, free ones first."""
    who, names = people(cohort), _module_names(cohort)
    out = []
    for code, rows in _sessions_by_module(sessions).items():
        ids = sorted(
            set(cohort.enrolments.loc[cohort.enrolments["module_code"] == code, "student_id"])
        )
        slots = [Slot(int(r["day"]), int(r["start"]), int(r["end"])) for r in rows]
        free = free_matrix(cohort, ids, slots) if ids else []
        for i, sid in enumerate(ids):
            flags = [bool(f) for f in free[i]]
            best = rows[flags.index(True)] if any(flags) else rows[0]
            day, time = _when(best)
            values = {
                "student_name": _recipient(who, sid).name,
                "module_code": one_line(code),
                "module_name": names.get(code, ""),
                "session_day": day,
                "session_time": time,
                "room": _room(best),
                "sessions": session_lines(rows, flags),
            }
            out.append(Message("pass-timetable", [_recipient(who, sid)], values))
    return out


HANDBOOK_ATTACHED = (
    "Your module's scheme of work (the handbook) is attached: weeks, dates and topics."
)
NO_HANDBOOK = "The scheme of work for your sessions will follow."


def leaders(
    cohort: Cohort, sessions: pd.DataFrame, handbooks: dict[str, tuple[str, bytes]] | None = None
) -> list[Message]:
    """One message to each leader per module they lead: sessions, rooms, the handbook attached."""
    who, names, handbooks = people(cohort), _module_names(cohort), handbooks or {}
    out = []
    frame = sessions[sessions["leader_id"].astype(str).str.strip() != ""]
    for (leader, code), group in frame.groupby(["leader_id", "module_code"], sort=True):
        rows = group.sort_values(["day", "start"]).to_dict("records")
        day, time = _when(rows[0])
        book = handbooks.get(str(code))
        values = {
            "leader_name": _recipient(who, str(leader)).name,
            "module_code": one_line(code),
            "module_name": names.get(str(code), ""),
            "session_day": day,
            "session_time": time,
            "room": _room(rows[0]),
            "sessions": session_lines(rows),
            "handbook": HANDBOOK_ATTACHED if book else NO_HANDBOOK,
        }
        out.append(
            Message("leaders", [_recipient(who, str(leader))], values, [book] if book else [])
        )
    return out


def training(
    cohort: Cohort, training_sessions: pd.DataFrame, assignments: pd.DataFrame
) -> list[Message]:
    """One message to each volunteer placed in a training session."""
    who = people(cohort)
    by_id = {str(r["session_id"]): r for r in training_sessions.to_dict("records")}
    out = []
    for row in assignments.to_dict("records"):
        session = by_id.get(str(row["session_id"]))
        if session is None:
            continue
        sid = str(row["student_id"])
        day, time = _when(session)
        values = {
            "volunteer_name": _recipient(who, sid).name,
            "role": one_line(row.get("role")) or "volunteer",
            "session_day": day,
            "session_time": time,
            "room": _room(session),
        }
        out.append(Message("training", [_recipient(who, sid)], values))
    return out
