"""``python -m workbench solve pass DATA --out OUT``: weekly PASS sessions, rooms and leaders.

Writes ``OUT/sessions.csv`` (one row per weekly session), ``OUT/coverage.csv`` (per module),
``OUT/unreached.csv`` (each targeted enrolment no session fits, and why),
``OUT/free_by_slot.csv`` (targeted students free at each slot, for a heat map),
``OUT/summary.json`` and ``OUT/sessions.ics`` (one weekly recurring event per session).
Exit 0 when a plan was written (the summary gives its status), 2 on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import ValidationError

from workbench.cli.common import UsageError, load_or_fail, output_folder, print_verdict, write_table
from workbench.cohort.domain import DAYS, format_time
from workbench.cohort.names import name_lookup, named
from workbench.cohort.validation import parse_day, parse_time
from workbench.review.calendar import next_monday, sessions_ics
from workbench.schemes.pass_sessions.settings import LUNCH, PassSettings
from workbench.schemes.pass_sessions.solve import free_students_by_slot, solve_pass
from workbench.schemes.registry import plan_summary
from workbench.term.calendar import TermCalendar, parse_breaks, term_for
from workbench.term.monitoring import read_uptake
from workbench.volunteers.people import trained_only

TERM_YEARS = (2000, 2200)  # a --term-start outside these is a typo, not a term
MAX_WEEKS = 104


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``pass`` solve command."""
    p = subparsers.add_parser(
        "pass",
        help="plan weekly PASS sessions, rooms and leaders",
        description="Plan weekly PASS sessions for the targeted modules: which slots, rooms and "
        "leaders reach the most students. Writes sessions.csv, coverage.csv, "
        "unreached.csv, free_by_slot.csv, summary.json and sessions.ics.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--modules", help="target these modules (comma-separated codes)")
    which.add_argument(
        "--top", type=int, help="target the N modules with the highest fail rates (default 5)"
    )
    which.add_argument(
        "--threshold", type=float, help="target every module with a fail rate of at least F (0-1)"
    )
    p.add_argument("--sessions-per-module", type=int, help="weekly sessions per module (default 2)")
    p.add_argument(
        "--uptake", type=float, help="share of reached students attending regularly (default 0.30)"
    )
    p.add_argument(
        "--uptake-once",
        type=float,
        help="share of reached students attending at least once (default 0.45)",
    )
    p.add_argument(
        "--uptake-from",
        metavar="JSON",
        help="the take-up observed per module (uptake.json from the monitor command) instead "
        "of the defaults",
    )
    p.add_argument("--days", help="days sessions may run, e.g. Mon,Tue,Thu (default Mon-Fri)")
    p.add_argument("--first-start", help="earliest session start HH:MM (default 09:00)")
    p.add_argument("--last-start", help="latest session start HH:MM (default 17:00)")
    p.add_argument("--session-minutes", type=int, help="session length (default 60)")
    p.add_argument(
        "--avoid-lunch", action="store_true", help="no sessions over lunch (12:00-13:00) on any day"
    )
    p.add_argument(
        "--locked",
        metavar="CSV",
        help="sessions to keep: a CSV with module_code, day, start and optionally "
        "room_id and leader_id (an edited sessions.csv works)",
    )
    p.add_argument(
        "--settings",
        metavar="JSON",
        help="every setting as JSON (e.g. summary.json's settings); the options above override it",
    )
    p.add_argument("--time-limit", type=float, help="seconds (default 60)")
    p.add_argument("--solver", choices=["highs", "cbc"], help="highs (default) or cbc")
    p.add_argument(
        "--budget",
        type=float,
        metavar="POUNDS",
        help="cap the cost per term: reach as many students as this pays for "
        "(cost rates: docs/assumptions.md)",
    )
    p.add_argument(
        "--trained-only",
        action="store_true",
        help="use only the PASS leaders the training table says were trained",
    )
    p.add_argument(
        "--term-start",
        help="first day of teaching, YYYY-MM-DD, for sessions.ics (default: next Monday)",
    )
    p.add_argument(
        "--weeks", type=int, default=10, help="teaching weeks in sessions.ics (default 10)"
    )
    p.add_argument(
        "--breaks",
        help="term weeks with no session, e.g. 6,7 (sessions.ics excludes them); without "
        "--term-start or --breaks the cohort's term_weeks table is used when it has one",
    )
    p.add_argument(
        "--timezone",
        default="Europe/London",
        help="time zone of the sessions in sessions.ics (default Europe/London)",
    )
    p.set_defaults(func=run)


def _usage(message: str) -> Exception:

    return UsageError(message)


def _time_arg(value: str, flag: str) -> int:
    minutes = parse_time(value)
    if minutes is None:
        raise _usage(f"{flag} {value}: use a 24-hour time HH:MM")
    return minutes


def _day_arg(value: str, what: str) -> int:
    text = str(value).strip()
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    day = parse_day(text)
    if day is None:
        raise _usage(f"{what}: '{value}' is not a day (use Mon..Sun)")
    return day


def read_locks(path: str) -> list[dict[str, Any]]:
    """Locked sessions from a CSV (module_code, day, start, optional room_id, leader_id)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise _usage(f"--locked {path}: cannot be read ({exc})") from exc
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    missing = [c for c in ("module_code", "day", "start") if c not in frame.columns]
    if missing:
        raise _usage(
            f"--locked {path}: needs the columns module_code, day and start "
            f"(missing: {', '.join(missing)})"
        )
    locks = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        code = row["module_code"].strip()
        if not code:
            continue
        where = f"--locked {path} row {i}"
        lock: dict[str, Any] = {
            "module_code": code,
            "day": _day_arg(row["day"], where),
            "start": _time_arg(row["start"], where),
        }
        for col in ("room_id", "leader_id"):
            value = str(row.get(col, "") or "").strip()
            if value:
                lock[col] = value
        locks.append(lock)
    return locks


# Options copied as they are: option name -> setting name.
PLAIN_OPTIONS = {
    "sessions_per_module": "sessions_per_module",
    "session_minutes": "session_minutes",
    "time_limit": "time_limit",
    "solver": "solver",
    "budget": "budget",
}


def settings_from_args(args: argparse.Namespace):
    """The PassSettings the options ask for (UsageError when they are bad): the ``--settings``
    file first, then targeting, uptake, the weekly grid and the rest of the options."""
    values: dict[str, Any] = _settings_file(args.settings) if args.settings else {}
    _targeting(args, values)
    _uptake_options(args, values)
    _grid_options(args, values)
    for option, setting in PLAIN_OPTIONS.items():
        if getattr(args, option, None) is not None:
            values[setting] = getattr(args, option)
    if args.locked:
        values["locked_sessions"] = read_locks(args.locked)
    try:
        return PassSettings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise _usage(f"bad settings: {problems}") from exc


def _settings_file(path: str) -> dict[str, Any]:
    """Settings from a JSON file (a summary.json's ``settings`` too)."""
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _usage(f"--settings {path}: cannot be read ({exc})") from exc
    if isinstance(loaded, dict) and isinstance(loaded.get("settings"), dict):
        loaded = loaded["settings"]  # a summary.json
    if not isinstance(loaded, dict):
        raise _usage(f"--settings {path}: expected a JSON object")
    return dict(loaded)


def _targeting(args: argparse.Namespace, values: dict[str, Any]) -> None:
    """``--modules``, ``--top`` or ``--threshold`` replace any targeting from the file."""
    if args.modules is not None or args.top is not None or args.threshold is not None:
        values.update(modules=None, top=None, threshold=None)
    if args.modules is not None:
        values["modules"] = [m.strip() for m in args.modules.split(",") if m.strip()]
    if args.top is not None:
        values["top"] = args.top
    if args.threshold is not None:
        values["threshold"] = args.threshold


def _uptake_options(args: argparse.Namespace, values: dict[str, Any]) -> None:
    if args.uptake is not None:
        values["uptake_regular"] = args.uptake
        if args.uptake_once is None:
            values["uptake_once"] = max(args.uptake, values.get("uptake_once", 0.45))
    if args.uptake_once is not None:
        values["uptake_once"] = args.uptake_once
    if getattr(args, "uptake_from", None):
        values["module_uptake"] = {**values.get("module_uptake", {}), **_uptake(args.uptake_from)}


def _grid_options(args: argparse.Namespace, values: dict[str, Any]) -> None:
    """Days, first and last start, and lunch time left free."""
    if args.days:
        values["days"] = [_day_arg(d, "--days") for d in args.days.split(",") if d.strip()]
    if args.first_start:
        values["first_start"] = _time_arg(args.first_start, "--first-start")
    if args.last_start:
        values["last_start"] = _time_arg(args.last_start, "--last-start")
    if args.avoid_lunch:
        values["avoid_slots"] = [*values.get("avoid_slots", []), LUNCH.model_dump()]


def _term(cohort, term_start: dt.date, args: argparse.Namespace) -> TermCalendar:
    """The term's weeks: the cohort's term_weeks, else --term-start, --weeks and --breaks."""
    explicit = term_start if args.term_start or args.breaks else None
    try:
        return term_for(cohort, explicit, args.weeks, parse_breaks(args.breaks))
    except ValueError as exc:
        raise _usage(str(exc)) from exc


def _uptake(path: str) -> dict[str, dict[str, float]]:
    try:
        return read_uptake(path)
    except ValueError as exc:
        raise _usage(f"--uptake-from {exc}") from exc


def sessions_for_csv(sessions: pd.DataFrame) -> pd.DataFrame:
    """sessions.csv as a coordinator reads it: days as Mon..Sun, times as HH:MM."""
    out = sessions.copy()
    out["day"] = [DAYS[int(d)] for d in out["day"]]
    out["start"] = [format_time(m) for m in out["start"]]
    out["end"] = [format_time(m) for m in out["end"]]
    first = ["module_code", "day", "start", "end", "room_id", "leader_id", "expected_attendance"]
    return out[first + [c for c in out.columns if c not in first]]


def run(args: argparse.Namespace) -> int:
    """Solve and write the plan; raise UsageError on bad input."""
    settings = settings_from_args(args)
    if args.weeks < 1:
        raise _usage("--weeks must be at least 1")
    if args.weeks > MAX_WEEKS:
        raise _usage(f"--weeks must be at most {MAX_WEEKS} (two years of term weeks)")
    if args.term_start:
        try:
            term_start = dt.date.fromisoformat(args.term_start)
        except ValueError as exc:
            raise _usage(f"--term-start {args.term_start}: use YYYY-MM-DD") from exc
        if not TERM_YEARS[0] <= term_start.year <= TERM_YEARS[1]:
            raise _usage(
                f"--term-start {args.term_start}: a term starts between {TERM_YEARS[0]} "
                f"and {TERM_YEARS[1]}"
            )
    else:
        term_start = next_monday()
    try:
        ZoneInfo(args.timezone)
    except (KeyError, ValueError) as exc:
        raise _usage(f"--timezone {args.timezone}: not a known time zone") from exc
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    if args.trained_only:
        if "training" not in cohort.supplied:
            raise _usage("--trained-only needs the training table (who was trained)")
        cohort = trained_only(cohort)
    missing = [t for t in ("enrolments", "leaders", "rooms") if len(cohort.table(t)) == 0]
    if missing:
        raise _usage(f"{args.data}: PASS needs the {', '.join(missing)} table(s) with rows")
    try:
        result = solve_pass(cohort, settings)
        free = free_students_by_slot(cohort, settings)
    except ValueError as exc:
        raise _usage(str(exc)) from exc
    if not result.targeted:
        raise _usage(
            " ".join(result.notes) or f"no module to target ({settings.describe_targeting()})"
        )

    out = output_folder(args.out)
    write_table(
        named(sessions_for_csv(result.sessions), cohort.students, at_end=True), out / "sessions.csv"
    )
    write_table(result.coverage, out / "coverage.csv")
    unreached = result.reach.loc[~result.reach["reached"], ["student_id", "module_code", "reason"]]
    write_table(named(unreached, cohort.students, at_end=True), out / "unreached.csv")
    write_table(free, out / "free_by_slot.csv")
    summary = {**result.summary(), **plan_summary(cohort, "pass", settings, result)}
    term = _term(cohort, term_start, args)
    summary["calendar"] = {
        "term_start": term.term_start.isoformat(),
        "weeks": len(term.session_weeks),
        "break_weeks": term.break_weeks,
        "timezone": args.timezone,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out / "sessions.ics").write_bytes(
        sessions_ics(
            result.sessions,
            term_start,
            args.weeks,
            args.timezone,
            names=name_lookup(cohort.students),
            session_mondays=term.session_mondays(),
        )
    )

    print_verdict(summary)
    print(
        f"PASS: {result.status.label}; reach {result.reach_count:,} of "
        f"{result.targeted_pairs:,} targeted enrolments ({summary['coverage']:.1%}) in "
        f"{len(result.sessions)} weekly sessions; expected about "
        f"{summary['expected_attendance']:.0f} regular attendees "
        f"({summary['expected_at_least_once']:.0f} at least once)"
    )
    print(f"  modules: {', '.join(result.targeted) or 'none'}")
    for line in result.diagnostics:
        print(f"  before solving: {line}")
    for line in result.messages:
        print(f"  {line}")
    for line in result.notes:
        print(f"  note: {line}")
    if not args.term_start:
        print(
            f"  sessions.ics starts on Monday {term_start.isoformat()} (choose with --term-start)"
        )
    print(
        "wrote sessions.csv, coverage.csv, unreached.csv, free_by_slot.csv, summary.json and "
        f"sessions.ics to {out}"
    )
    return 0
