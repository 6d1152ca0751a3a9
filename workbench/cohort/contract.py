"""The data contract (v1.1): which tables and columns a cohort has, their kinds and aliases.

The README's "Data contract" section is written from this module; keep them in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CONTRACT_VERSION = "1.1"  # 1.1: the term (term_weeks, attendance, meetings, outcomes, ...)

# Column kinds understood by the validator.
ID, TEXT, LEVEL, DAY, TIME, BOOL, FRACTION, INT, LIST, NUMBER, DATE = (
    "id",
    "text",
    "level",
    "day",
    "time",
    "bool",
    "fraction",
    "int",
    "list",
    "number",  # any number (a mark, hours, minutes, an entry tariff); bounds optional
    "date",  # a calendar date written YYYY-MM-DD
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    low: float | None = None  # inclusive bounds for numbers
    high: float | None = None
    default: object = None
    help: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns_list: tuple[Column, ...]
    help: str = ""
    unique: tuple[str, ...] = ()  # columns whose combination must be unique
    aliases: tuple[str, ...] = ()  # other file / sheet names for the table
    references: tuple[tuple[str, str, str], ...] = field(default=())  # (column, table, column)
    # Columns of which each row must give at least one, each with its words ("a term week").
    one_of: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns_list}

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns_list if c.required]


_STUDENT_ALIASES = (
    "student number",
    "student no",
    "student",
    "studentid",
    "student id",
    "student_number",
    "id number",
    "spr code",
    "candidate number",
)
_MODULE_ALIASES = (
    "module",
    "module code",
    "modulecode",
    "course code",
    "unit code",
    "course",
    "unit",
)
_DAY_ALIASES = ("weekday", "day of week")
_START_ALIASES = ("start time", "from", "starts", "begin")
_END_ALIASES = ("end time", "to", "finish", "ends", "finish time")


# A student's name and e-mail (optional). A file with separate first and last name columns
# (and no full name) gets `name` = first + last; a preferred name wins over a full name.
NAME_ALIASES = (
    "full name",
    "student name",
    "preferred name",
    "known as",
    "display name",
    "fullname",
)
# Columns that identify a person: never a breakdown, a grouping rule or a matching criterion.
PERSONAL_COLUMNS = ("student_id", "name", "email")
FIRST_NAME_HEADERS = ("first name", "forename", "forenames", "given name", "firstname")
LAST_NAME_HEADERS = ("last name", "surname", "family name", "lastname")
EMAIL_ALIASES = (
    "email address",
    "e-mail",
    "e-mail address",
    "mail",
    "university email",
    "student email",
    "contact email",
)


def _sid(required: bool = True, name: str = "student_id") -> Column:
    return Column(name, ID, required, _STUDENT_ALIASES if name == "student_id" else ())


def _when() -> tuple[Column, ...]:
    return (
        Column("day", DAY, True, _DAY_ALIASES),
        Column("start", TIME, True, _START_ALIASES),
        Column("end", TIME, True, _END_ALIASES),
    )


_WEEK_ALIASES = ("teaching week", "week number", "wk", "term week")

# Contract v1.1: running and evaluating the term (all optional).
_TERM_TABLES = (
    TableSpec(
        "term_weeks",
        (
            Column("week", INT, True, _WEEK_ALIASES, low=1, high=60),
            Column("starts", DATE, True, ("week starts", "start date", "monday", "week beginning")),
            Column("kind", TEXT, aliases=("week kind", "type"), default="teaching"),
        ),
        "The term's weeks: the Monday each starts and its kind (teaching, break, revision, "
        "exams); no session is planned in a break.",
        unique=("week",),
        aliases=("term", "term_calendar", "teaching_weeks", "weeks"),
    ),
    TableSpec(
        "attendance",
        (
            _sid(),
            Column("module_code", ID, True, _MODULE_ALIASES),
            Column("week", INT, True, _WEEK_ALIASES, low=1, high=60),
            Column("day", DAY, aliases=_DAY_ALIASES),
            Column("start", TIME, aliases=("start time", "session start", "starts")),
            Column("minutes", NUMBER, aliases=("duration", "mins", "time spent"), low=0, high=1440),
        ),
        "One row per student per session attended (a register or a card-swipe export).",
        aliases=("registers", "register", "sign_ins", "swipes", "attendances"),
        references=(
            ("student_id", "students", "student_id"),
            ("module_code", "modules", "module_code"),
        ),
    ),
    TableSpec(
        "meetings",
        (
            Column("mentee_id", ID, True, ("mentee", "mentee student id")),
            Column("mentor_id", ID, True, ("mentor", "mentor student id")),
            Column("week", INT, True, _WEEK_ALIASES, low=1, high=60),
            Column("minutes", NUMBER, aliases=("duration", "mins"), low=0, high=1440),
        ),
        "Mentoring meetings: which mentee met which mentor in which term week.",
        aliases=("mentoring_meetings", "mentor_meetings"),
        references=(
            ("mentee_id", "students", "student_id"),
            ("mentor_id", "students", "student_id"),
        ),
    ),
    TableSpec(
        "outcomes",
        (
            _sid(),
            Column("module_code", ID, True, _MODULE_ALIASES),
            Column("mark", NUMBER, aliases=("final mark", "score", "grade %"), low=0, high=100),
            Column("result", TEXT, aliases=("outcome", "decision")),
        ),
        "Each student's result in a module: mark (0-100), result (pass, fail, withdrawn), or both.",
        unique=("student_id", "module_code"),
        aliases=("results", "marks", "module_results"),
        references=(
            ("student_id", "students", "student_id"),
            ("module_code", "modules", "module_code"),
        ),
        one_of=(("mark", "a mark"), ("result", "a result")),
    ),
    TableSpec(
        "progression",
        (
            _sid(),
            Column("continued", BOOL, True, ("progressed", "continuing", "retained")),
        ),
        "Whether each student continued to the next year (yes/no).",
        unique=("student_id",),
        aliases=("continuation", "retention"),
        references=(("student_id", "students", "student_id"),),
    ),
)

# The volunteers' year (all optional): training attended and the staff who supervise.
_VOLUNTEER_TABLES = (
    TableSpec(
        "training",
        (
            _sid(),
            Column("date", DATE, aliases=("training date", "attended on", "session date")),
            Column("week", INT, aliases=_WEEK_ALIASES, low=1, high=60),
            Column("hours", NUMBER, True, ("training hours", "duration hours"), low=0, high=200),
        ),
        "Training volunteers attended: one row per volunteer per session (a date or a term week, "
        "and the hours).",
        aliases=("training_attended", "volunteer_training", "trained"),
        references=(("student_id", "students", "student_id"),),
        one_of=(("date", "a date"), ("week", "a term week")),
    ),
    TableSpec(
        "supervisors",
        (
            Column("staff_id", ID, True, ("staff", "staff number", "staff no", "supervisor id")),
            Column("name", TEXT, True, ("staff name", "supervisor", "supervisor name")),
            Column("email", TEXT, aliases=("e-mail", "email address", "staff email")),
            Column(
                "capacity",
                INT,
                True,
                ("max volunteers", "supervision capacity", "load"),
                low=1,
                high=500,
            ),
            Column("faculty", TEXT, aliases=("school", "college", "department")),
        ),
        "Staff who supervise volunteers: how many each can take and their faculty.",
        unique=("staff_id",),
        aliases=("staff_supervisors", "supervisor"),
    ),
)

CONTRACT: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "students",
            (
                _sid(),
                Column(
                    "programme",
                    TEXT,
                    True,
                    ("programme name", "program", "course name", "programme of study", "degree"),
                ),
                Column("level", LEVEL, True, ("year", "year of study", "study level", "stage")),
                Column("faculty", TEXT, aliases=("school", "college", "department")),
                Column(
                    "home_status",
                    TEXT,
                    aliases=("fee status", "residency", "domicile", "home/international"),
                ),
                Column("first_generation", BOOL, aliases=("first gen", "first in family")),
                Column("commuter", BOOL, aliases=("commuting", "commuter student")),
                Column("gender", TEXT, aliases=("sex",)),
                Column("languages", LIST, aliases=("language", "languages spoken")),
                Column("interests", LIST, aliases=("interest", "hobbies")),
                Column("name", TEXT, aliases=NAME_ALIASES),
                Column("email", TEXT, aliases=EMAIL_ALIASES),
                Column(
                    "prior_attainment",
                    NUMBER,
                    aliases=(
                        "prior attainment",
                        "entry tariff",
                        "ucas tariff",
                        "tariff",
                        "entry points",
                        "previous average",
                    ),
                ),
            ),
            "Every student in the cohort: mentees, mentors, leaders and everyone PASS could reach.",
            unique=("student_id",),
        ),
        TableSpec(
            "modules",
            (
                Column("module_code", ID, True, _MODULE_ALIASES),
                Column(
                    "module_name", TEXT, aliases=("module title", "title", "name", "course title")
                ),
                Column("programme", TEXT, aliases=("programme name", "program")),
                Column("level", LEVEL, aliases=("year", "year of study", "stage")),
                Column(
                    "fail_rate",
                    FRACTION,
                    aliases=("dfw rate", "failure rate", "fail %"),
                    low=0.0,
                    high=1.0,
                ),
            ),
            "Modules taught; fail_rate (0-1) picks the modules PASS targets.",
            unique=("module_code",),
        ),
        TableSpec(
            "enrolments",
            (_sid(), Column("module_code", ID, True, _MODULE_ALIASES)),
            "Which students take which modules.",
            unique=("student_id", "module_code"),
            aliases=("enrollments", "registrations"),
            references=(
                ("student_id", "students", "student_id"),
                ("module_code", "modules", "module_code"),
            ),
        ),
        TableSpec(
            "timetable",
            (
                Column("module_code", ID, True, _MODULE_ALIASES),
                *_when(),
                Column("activity", TEXT, aliases=("event", "type", "activity type")),
            ),
            "The main timetable: events every student of the module attends.",
            aliases=("main_timetable", "events"),
            references=(("module_code", "modules", "module_code"),),
        ),
        TableSpec(
            "busy",
            (_sid(), *_when(), Column("reason", TEXT, aliases=("why", "commitment"))),
            "A student's own commitments: their own seminar group, a job, caring.",
            aliases=("commitments", "student_busy"),
            references=(("student_id", "students", "student_id"),),
        ),
        TableSpec(
            "rooms",
            (
                Column("room_id", ID, True, ("room", "room code", "room name", "space")),
                Column(
                    "capacity", INT, True, ("seats", "size", "room capacity"), low=1, high=100_000
                ),
                Column("building", TEXT, aliases=("site",)),
                Column("accessible", BOOL, aliases=("step free", "wheelchair accessible")),
            ),
            "Rooms PASS sessions can use.",
            unique=("room_id",),
        ),
        TableSpec(
            "room_busy",
            (Column("room_id", ID, True, ("room", "room code")), *_when()),
            "When a room is already booked.",
            aliases=("room_bookings", "bookings"),
            references=(("room_id", "rooms", "room_id"),),
        ),
        TableSpec(
            "mentors",
            (_sid(), Column("capacity", INT, True, ("max mentees", "mentees"), low=1, high=20)),
            "Mentor volunteers and how many mentees each can take (1-20).",
            unique=("student_id",),
            references=(("student_id", "students", "student_id"),),
        ),
        TableSpec(
            "mentees",
            (_sid(),),
            "Students who signed up for a mentor.",
            unique=("student_id",),
            aliases=("signups", "sign_ups"),
            references=(("student_id", "students", "student_id"),),
        ),
        TableSpec(
            "leaders",
            (
                _sid(),
                Column("module_code", ID, True, _MODULE_ALIASES),
                Column(
                    "max_sessions",
                    INT,
                    aliases=("max sessions", "sessions per week"),
                    low=1,
                    high=20,
                    default=2,
                ),
            ),
            "Trained PASS leaders and the modules they can lead (weekly max_sessions, default 2).",
            unique=("student_id", "module_code"),
            aliases=("pass_leaders",),
            references=(
                ("student_id", "students", "student_id"),
                ("module_code", "modules", "module_code"),
            ),
        ),
        TableSpec(
            "preferences",
            (
                _sid(),
                Column("prefers_id", ID, True, ("prefers", "preferred id", "choice")),
                Column("rank", INT, True, ("preference", "choice rank", "order"), low=1, high=1000),
            ),
            "Ranked choices from both sides: mentees ranking mentors and mentors ranking mentees.",
            unique=("student_id", "prefers_id"),
            references=(
                ("student_id", "students", "student_id"),
                ("prefers_id", "students", "student_id"),
            ),
        ),
        TableSpec(
            "avoid",
            (
                Column("student_id_a", ID, True, ("student a", "student_a")),
                Column("student_id_b", ID, True, ("student b", "student_b")),
            ),
            "Pairs that must never be matched or grouped together.",
            unique=("student_id_a", "student_id_b"),
            references=(
                ("student_id_a", "students", "student_id"),
                ("student_id_b", "students", "student_id"),
            ),
        ),
        TableSpec(
            "topics",
            (
                Column("module_code", ID, True, _MODULE_ALIASES),
                Column("week", INT, True, ("teaching week", "week number", "wk"), low=1, high=60),
                Column("topic", TEXT, True, ("topic title", "subject", "concept", "lecture")),
                Column(
                    "difficulty",
                    INT,
                    aliases=("how difficult", "difficulty rating", "hard"),
                    low=1,
                    high=5,
                    default=3,
                ),
                Column("kind", TEXT, aliases=("topic kind", "type"), default="lecture"),
            ),
            "What each module lectures or assesses week by week (difficulty 1-5; kind lecture "
            "or assessment); PASS plans its scheme of work from it.",
            unique=("module_code", "week", "topic"),
            aliases=("scheme_of_work", "lecture_topics"),
            references=(("module_code", "modules", "module_code"),),
        ),
        *_TERM_TABLES,
        *_VOLUNTEER_TABLES,
    )
}


def normalise_header(text: str) -> str:
    """Header key for matching: lower case, spaces/dashes/underscores folded, BOM stripped."""
    text = str(text).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s_\-./]+", " ", text).strip()


def header_lookup(spec: TableSpec) -> dict[str, str]:
    """Normalised header or alias -> canonical column name."""
    lookup: dict[str, str] = {}
    for col in spec.columns_list:
        for alias in (col.name, *col.aliases):
            lookup.setdefault(normalise_header(alias), col.name)
    return lookup


def table_lookup() -> dict[str, str]:
    """Normalised file/sheet name or alias -> canonical table name."""
    lookup: dict[str, str] = {}
    for spec in CONTRACT.values():
        for alias in (spec.name, *spec.aliases):
            lookup[normalise_header(alias)] = spec.name
    return lookup


_KIND_WORDS = {
    ID: "id",
    TEXT: "text",
    LEVEL: "level (UG1..UG6, PGT, PGR)",
    DAY: "day (Mon..Sun)",
    TIME: "time (HH:MM, 24-hour)",
    BOOL: "yes/no",
    FRACTION: "fraction 0-1 (or 35%)",
    INT: "whole number",
    LIST: "list separated by ;",
    NUMBER: "number",
    DATE: "date (YYYY-MM-DD)",
}


def contract_markdown() -> str:
    """The data contract as the Markdown table in ``docs/data-contract.md``."""
    lines = [
        "| table | column | required | kind | also accepted as header |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in CONTRACT.values():
        either = [name for name, _ in spec.one_of]
        for col in spec.columns_list:
            required = "yes" if col.required else ""
            if col.name in either:
                required = "one of " + " / ".join(either)
            kind = _KIND_WORDS[col.kind]
            if col.low is not None and col.kind in (INT, NUMBER):
                kind += f", {col.low:g}-{col.high:g}"
            if col.default is not None:
                kind += f", default {col.default}"
            lines.append(
                f"| {spec.name} | {col.name} | {required} | {kind} | {', '.join(col.aliases)} |"
            )
    lines += ["", "| table | what it holds | unique | refers to |", "| --- | --- | --- | --- |"]
    for spec in CONTRACT.values():
        refs = ", ".join(f"{c} -> {t}.{tc}" for c, t, tc in spec.references)
        lines.append(f"| {spec.name} | {spec.help} | {', '.join(spec.unique)} | {refs} |")
    return "\n".join(lines) + "\n"
