"""``python -m workbench solve groups DATA --out OUT``: form study or social groups.

Writes ``OUT/groups.csv`` (group_id, student_id, day, start, end; mentor_id for mentor-led
groups), ``OUT/group_scores.csv`` (each group's size, time, score and parts),
``OUT/unplaced.csv`` (student_id, reason) and ``OUT/summary.json``. Exit 0 on a solved run,
infeasible or not (the summary and unplaced.csv say why), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from workbench.cli.common import UsageError, load_or_fail, output_folder, print_verdict, write_table
from workbench.cohort.domain import DAYS, format_time
from workbench.cohort.names import named
from workbench.schemes.groups.solve import GroupSettings, form_groups
from workbench.schemes.registry import plan_summary


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``groups`` solve command."""
    p = subparsers.add_parser(
        "groups",
        help="form study groups or social-integration groups",
        description="Split the students of a module (or a programme and/or level) into groups "
        "that share a free weekly slot: most students placed, then the best worst "
        "group, then the best total. Writes groups.csv, group_scores.csv, "
        "unplaced.csv and summary.json.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument("--module", help="group the students enrolled on this module")
    p.add_argument("--programme", help="group the students of this programme")
    p.add_argument("--level", help="group the students of this level (UG1..UG6, PGT, PGR)")
    p.add_argument(
        "--size", default="4-6", metavar="MIN-MAX", help="group size range (default 4-6)"
    )
    p.add_argument(
        "--similar",
        nargs="+",
        action="extend",
        default=[],
        metavar="ATTR",
        help="attributes group members should share (e.g. interests programme)",
    )
    p.add_argument(
        "--diverse",
        nargs="+",
        action="extend",
        default=[],
        metavar="ATTR",
        help="attributes to mix within each group (e.g. programme gender)",
    )
    p.add_argument(
        "--no-isolation",
        nargs="+",
        action="extend",
        default=[],
        metavar="ATTR",
        help="never leave one student alone with their value of ATTR in a group "
        "(e.g. home_status gender)",
    )
    p.add_argument(
        "--keep-together",
        nargs="+",
        action="extend",
        default=[],
        metavar="A:B",
        help="student pairs that must be in the same group",
    )
    p.add_argument(
        "--social",
        action="store_true",
        help="social-integration groups (programmes mixed unless you say otherwise)",
    )
    p.add_argument(
        "--mentors",
        action="store_true",
        help="each group led by a mentor from mentors.csv (within their capacity)",
    )
    p.add_argument("--days", default="Mon-Fri", help="meeting days, e.g. Mon-Fri or Mon,Wed,Fri")
    p.add_argument(
        "--hours",
        default="09:00-17:00",
        metavar="FIRST-LAST",
        help="first and last meeting start (default 09:00-17:00)",
    )
    p.add_argument("--minutes", type=int, default=60, help="meeting length (default 60)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument(
        "--solver", choices=["highs", "cbc"], default="highs", help="highs (default) or cbc"
    )
    p.set_defaults(func=run)


def _size(text: str) -> tuple[int, int]:

    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text or "")
    if not match:
        raise UsageError(f"--size {text}: use MIN-MAX, e.g. 4-6")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    return low, high


def _days(text: str) -> list[int]:

    names = [d.lower() for d in DAYS]

    def day(token: str) -> int:
        token = token.strip().lower()[:3]
        if token not in names:
            raise UsageError(f"--days {text}: '{token}' is not a day (Mon..Sun)")
        return names.index(token)

    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, last = (day(x) for x in part.split("-", 1))
            if last < first:
                raise UsageError(f"--days {text}: {part} runs backwards")
            out.extend(range(first, last + 1))
        elif part.strip():
            out.append(day(part))
    if not out:
        raise UsageError("--days: give at least one day")
    return out


def _hours(text: str) -> tuple[int, int]:

    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text or "")
    if not match:
        raise UsageError(f"--hours {text}: use FIRST-LAST, e.g. 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return h1 * 60 + m1, h2 * 60 + m2


def _pairs(items: list[str]) -> list[tuple[str, str]]:

    out = []
    for item in items:
        a, sep, b = item.partition(":")
        if not sep:
            a, sep, b = item.partition(",")
        if not sep or not a.strip() or not b.strip():
            raise UsageError(f"--keep-together {item}: use A:B with two student ids")
        out.append((a.strip(), b.strip()))
    return out


def run(args: argparse.Namespace) -> int:
    """Solve and write the plan; raise UsageError on bad input."""
    low, high = _size(args.size)
    first, last = _hours(args.hours)
    try:
        settings = GroupSettings(
            kind="social" if args.social else "study",
            module=args.module,
            programme=args.programme,
            level=args.level,
            min_size=low,
            max_size=high,
            similar=args.similar,
            diverse=args.diverse,
            no_isolation=args.no_isolation,
            keep_together=_pairs(args.keep_together),
            led_by_mentors=args.mentors,
            days=_days(args.days),
            first_start=first,
            last_start=last,
            session_minutes=args.minutes,
            time_limit=args.time_limit,
            solver=args.solver,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise UsageError(f"bad settings: {problems}") from exc
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    missing = [t for t in ("enrolments", "timetable") if t not in cohort.supplied]
    if settings.module and "enrolments" in missing:
        raise UsageError(
            f"{args.data}: grouping a module needs the enrolments table (enrolments.csv)"
        )
    if settings.led_by_mentors and "mentors" not in cohort.supplied:
        raise UsageError(f"{args.data}: mentor-led groups need the mentors table (mentors.csv)")
    try:
        result = form_groups(cohort, settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out = output_folder(args.out)
    groups = result.groups.copy()
    groups["day"] = groups["day"].map(lambda d: DAYS[int(d)])
    groups["start"] = groups["start"].map(format_time)
    groups["end"] = groups["end"].map(format_time)
    columns = ["group_id", "student_id", "day", "start", "end"]
    if settings.led_by_mentors:
        columns.append("mentor_id")
    write_table(
        named(groups[columns], cohort.students, at_end=True), out / "groups.csv"
    )  # names with ids
    scores = result.group_scores.copy()
    if len(scores):
        scores["day"] = scores["day"].map(lambda d: DAYS[int(d)])
        scores["start"] = scores["start"].map(format_time)
        scores["end"] = scores["end"].map(format_time)
    write_table(scores.round(4), out / "group_scores.csv")
    write_table(named(result.unplaced, cohort.students, at_end=True), out / "unplaced.csv")
    summary = {**result.summary(), **plan_summary(cohort, "groups", settings, result)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    _print(result, summary, out)
    return 0


def _print(result, summary: dict, out: Path) -> None:
    print_verdict(summary)
    worst = "-" if summary["worst_score"] is None else f"{summary['worst_score']:.2f}"
    mean = "-" if summary["mean_score"] is None else f"{summary['mean_score']:.2f}"
    print(
        f"{result.pool}: {summary['groups']} groups, {result.placed} of "
        f"{result.students} students placed; worst group {worst}, mean {mean} "
        f"({result.status.label}, {summary['seconds']:.1f} s)"
    )
    for message in summary["messages"]:
        print(f"  {message}")
    for note in summary["notes"]:
        print(f"  note: {note}")
    if len(result.unplaced):
        reasons = pd.Series(result.unplaced["reason"]).value_counts()
        print(f"  {len(result.unplaced)} not placed:")
        for reason, count in reasons.head(5).items():
            print(f"    {count} x {reason}")
    print(f"wrote {out / 'groups.csv'}, group_scores.csv, unplaced.csv and summary.json")
