"""``python -m workbench solve training DATA --out OUT``: training sessions for the volunteers.

Writes ``OUT/training_sessions.csv`` (session_id, day, start, end, room_id, trainees),
``OUT/training_assignments.csv`` (student_id, role, session_id), ``OUT/untrained.csv``
(student_id, reason, and what would help), ``OUT/training.ics`` and ``OUT/summary.json``
(status, volunteers, trained, sessions, headline, fixes). Exit 0 when a plan was written,
2 on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

from pydantic import ValidationError

from workbench.cli.common import UsageError, load_or_fail, output_folder, write_table
from workbench.cohort.validation import parse_day, parse_time
from workbench.volunteers.training import TrainingSettings, sessions_for_csv, solve_training
from workbench.volunteers.training_explain import training_ics


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``training`` solve command."""
    p = subparsers.add_parser(
        "training",
        help="plan the fewest training sessions for mentors and PASS leaders",
        description="Choose the fewest training sessions so that every volunteer who can attend "
        "one is placed in one they are free for, in a free room that seats them. Writes "
        "training_sessions.csv, training_assignments.csv, untrained.csv, training.ics and "
        "summary.json.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument("--who", default="mentors,leaders", help="mentors, leaders or both (default)")
    p.add_argument("--days", default="Mon-Fri", help="days training may use (default Mon-Fri)")
    p.add_argument("--first-start", default="09:00", help="earliest start HH:MM (default 09:00)")
    p.add_argument("--last-start", default="17:00", help="latest start HH:MM (default 17:00)")
    p.add_argument("--minutes", type=int, default=120, help="session length (default 120)")
    p.add_argument("--max-size", type=int, default=20, help="largest group (default 20)")
    p.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
    p.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    p.add_argument(
        "--week-of",
        help="the Monday of the training week for training.ics, YYYY-MM-DD (default: next Monday)",
    )
    p.add_argument("--timezone", default="Europe/London", help="time zone for training.ics")
    p.set_defaults(func=run)


def parse_days(text: str) -> list[int]:
    """``Mon-Fri``, ``Mon,Wed,Fri`` or ``Tue`` as day numbers; UsageError in words."""
    days: list[int] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        ends = [parse_day(x.strip()) for x in part.split("-")]
        if None in ends or len(ends) > 2:
            raise UsageError(f"--days {text}: '{part}' is not a day or a range like Mon-Fri")
        first, last = ends[0], ends[-1]
        if last < first:
            raise UsageError(f"--days {text}: '{part}' runs backwards")
        days.extend(range(first, last + 1))
    if not days:
        raise UsageError("--days: give at least one day")
    return days


def _clock(value: str, flag: str) -> int:
    minutes = parse_time(value)
    if minutes is None:
        raise UsageError(f"{flag} {value}: use a 24-hour time HH:MM")
    return minutes


def settings_from_args(args: argparse.Namespace) -> TrainingSettings:
    try:
        return TrainingSettings(
            who=args.who,
            days=parse_days(args.days),
            first_start=_clock(args.first_start, "--first-start"),
            last_start=_clock(args.last_start, "--last-start"),
            minutes=args.minutes,
            max_size=args.max_size,
            time_limit=args.time_limit,
            solver=args.solver,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise UsageError(f"bad settings: {problems}") from exc


def _week_of(text: str | None) -> dt.date:
    if not text:
        today = dt.date.today()
        return today + dt.timedelta(days=(7 - today.weekday()) % 7)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--week-of {text}: use YYYY-MM-DD") from exc


def run(args: argparse.Namespace) -> int:
    """Solve and write the training plan."""
    settings = settings_from_args(args)
    week_of = _week_of(args.week_of)
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    try:
        plan = solve_training(cohort, settings)
        calendar = training_ics(plan.sessions, week_of, args.timezone)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out = output_folder(args.out)
    write_table(sessions_for_csv(plan.sessions), out / "training_sessions.csv")
    write_table(plan.assignments, out / "training_assignments.csv")
    write_table(plan.untrained[["student_id", "reason", "help"]], out / "untrained.csv")
    (out / "training.ics").write_bytes(calendar)
    summary = plan.summary() | {"week_of": week_of.isoformat()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"Training: {plan.headline()}")
    for fix in plan.fixes:
        print(f"  what would help: {fix}")
    print(
        "wrote training_sessions.csv, training_assignments.csv, untrained.csv, training.ics and "
        f"summary.json to {out}"
    )
    return 0
