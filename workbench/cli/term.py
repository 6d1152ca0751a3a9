"""Running the term from the command line: ``registers``, ``monitor`` and ``evaluate``.

``python -m workbench registers DATA --plan PLAN_DIR --out OUT`` writes ``registers.html`` (a
printable page per session) and ``registers.csv`` (to fill in).

``python -m workbench monitor DATA --plan PLAN_DIR --out OUT`` writes
``attendance_by_week.csv`` (module_code, week, expected, attended), ``flagged.csv`` (what, why,
suggestion), ``attendance_by_session.csv``, ``attendance_problems.csv`` and ``uptake.json``
(observed take-up per module, for ``solve pass --uptake-from`` and ``whatif --uptake-from``).

``python -m workbench evaluate DATA --scheme pass|mentoring --out OUT`` writes ``bands.csv``
(module_code, band, students, mean_mark, pass_rate, dfw_rate) and ``effect.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

from workbench.cli.common import UsageError, load_or_fail, output_folder, write_table
from workbench.cohort.domain import Cohort
from workbench.term.calendar import TermCalendar, parse_breaks, term_for
from workbench.term.evaluation import (
    DEFAULT_BANDS,
    bands_table,
    evaluate,
    outcomes_for,
    parse_bands,
)
from workbench.term.monitoring import (
    QUIET_WEEKS,
    THRESHOLD,
    monitor,
    read_plan,
    sessions_for_people,
)
from workbench.term.registers import check_attendance, register_rows, registers_html


def _term_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument(
        "--term-start",
        help="first day of teaching, YYYY-MM-DD (when the cohort has no term_weeks table)",
    )
    p.add_argument("--weeks", type=int, default=10, help="teaching weeks (default 10)")
    p.add_argument("--breaks", help="term weeks with no sessions, e.g. 6,7")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``registers``, ``monitor`` and ``evaluate`` commands."""
    p = subparsers.add_parser(
        "registers",
        help="printable sign-in sheets and CSV registers for a PASS plan",
        description="Write registers.html (a page per session) and registers.csv (to fill in).",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--plan", required=True, help="an earlier solve pass output folder")
    p.add_argument("--out", required=True, help="output folder")
    _term_options(p)
    p.set_defaults(func=run_registers)

    p = subparsers.add_parser(
        "monitor",
        help="actual against expected attendance, flagged sessions, observed take-up",
        description="Compare the registers with the plan: writes attendance_by_week.csv, "
        "flagged.csv and uptake.json (and attendance_by_session.csv, attendance_problems.csv).",
    )
    p.add_argument("data", help="cohort folder with attendance (and meetings)")
    p.add_argument("--plan", required=True, help="an earlier solve pass or solve mentoring output")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--threshold",
        type=float,
        default=THRESHOLD,
        help=f"flag sessions below this share of expected attendance (default {THRESHOLD})",
    )
    p.add_argument(
        "--quiet-weeks",
        type=int,
        default=QUIET_WEEKS,
        help=f"list mentoring pairs with no meeting in this many weeks (default {QUIET_WEEKS})",
    )
    _term_options(p)
    p.set_defaults(func=run_monitor)

    p = subparsers.add_parser(
        "evaluate",
        help="attendance bands and an adjusted estimate of PASS or mentoring's effect",
        description="Writes bands.csv (students, mean mark, pass and DFW rate by attendance "
        "band, per module and ALL) and effect.json (raw and adjusted difference, 95% CI).",
    )
    p.add_argument("data", help="cohort folder with attendance and outcomes (or progression)")
    p.add_argument("--scheme", required=True, choices=["pass", "mentoring"])
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--bands", default=DEFAULT_BANDS, help=f"attendance bands (default {DEFAULT_BANDS})"
    )
    p.add_argument(
        "--attender-min",
        type=int,
        default=1,
        help="sessions (or meetings) that make an attender (default 1)",
    )
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.set_defaults(func=run_evaluate)


def _calendar(cohort: Cohort, args: argparse.Namespace) -> TermCalendar:
    try:
        start = dt.date.fromisoformat(args.term_start) if args.term_start else None
        return term_for(cohort, start, args.weeks, parse_breaks(args.breaks))
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _plan(path: str):
    try:
        return read_plan(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def run_registers(args: argparse.Namespace) -> int:
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    plan = _plan(args.plan)
    if not plan.is_pass:
        raise UsageError(f"{args.plan}: registers need a PASS plan (sessions.csv)")
    calendar = _calendar(cohort, args)
    out = output_folder(args.out)
    (out / "registers.html").write_text(registers_html(cohort, plan.sessions, calendar), "utf-8")
    write_table(register_rows(cohort, plan.sessions, calendar), out / "registers.csv")
    print(
        f"{len(plan.sessions)} session registers for {calendar.describe()}; "
        f"wrote registers.html and registers.csv to {out}"
    )
    return 0


def run_monitor(args: argparse.Namespace) -> int:
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    if len(cohort.attendance) == 0 and len(cohort.meetings) == 0:
        raise UsageError(f"{args.data}: monitoring needs the attendance or meetings table")
    plan = _plan(args.plan)
    calendar = _calendar(cohort, args)
    by_week, flagged, uptake, by_session = monitor(
        cohort, plan, calendar, args.threshold, args.quiet_weeks
    )
    problems = check_attendance(cohort, calendar, plan.sessions if plan.is_pass else None)
    out = output_folder(args.out)
    write_table(by_week, out / "attendance_by_week.csv")
    write_table(flagged, out / "flagged.csv")
    write_table(sessions_for_people(by_session), out / "attendance_by_session.csv")
    write_table(problems, out / "attendance_problems.csv")
    (out / "uptake.json").write_text(json.dumps(uptake, indent=2) + "\n", encoding="utf-8")
    if len(flagged):
        print(f"{len(flagged)} to look at:")
        for row in flagged.itertuples(index=False):
            print(f"  {row.what}: {row.why}; {row.suggestion}")
    else:
        print("Nothing to flag: every session is near its expected attendance.")
    if len(problems):
        print(f"{len(problems)} register rows do not fit the plan (attendance_problems.csv)")
    print(
        "wrote attendance_by_week.csv, flagged.csv, attendance_by_session.csv, "
        f"attendance_problems.csv and uptake.json to {out}"
    )
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    if args.attender_min < 1:
        raise UsageError("--attender-min must be at least 1")
    try:
        bands = parse_bands(args.bands)
    except ValueError as exc:
        raise UsageError(f"--bands {args.bands}: {exc}") from exc
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    try:
        frame = outcomes_for(cohort, args.scheme, args.attender_min)
    except ValueError as exc:
        raise UsageError(f"{args.data}: {exc}") from exc
    effect = evaluate(frame, args.scheme)
    out = output_folder(args.out)
    write_table(bands_table(frame, bands), out / "bands.csv")
    (out / "effect.json").write_text(json.dumps(effect.to_dict(), indent=2) + "\n", "utf-8")
    print(effect.sentence)
    print(effect.dfw_sentence)
    print(f"wrote bands.csv and effect.json to {out}")
    return 0
