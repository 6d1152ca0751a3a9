"""``python -m workbench recruit ...`` and ``python -m workbench volunteers ...``.

``recruit DATA --scheme pass|mentoring --out OUT`` writes ``OUT/candidates.csv``: who to invite
where the scheme is short of volunteers, and why each is on the list.

``volunteers DATA --plan PLAN_DIR [--training DIR] --out OUT`` writes ``OUT/hours.csv``
(student_id, name, role, training_hours, session_hours, prep_hours, meeting_hours,
total_hours), ``OUT/award_record.csv`` (one row per volunteer and role), ``OUT/certificates/``
(one printable HTML page per volunteer with hours) and, when the cohort has a ``supervisors``
table, ``OUT/supervision.csv``, ``OUT/supervisor_load.csv`` and ``OUT/checkins.csv``.
"""

from __future__ import annotations

import argparse

import pandas as pd
from pydantic import ValidationError

from workbench.cli.common import UsageError, load_or_fail, output_folder, write_table
from workbench.schemes import registry
from workbench.volunteers.certificates import write_certificates
from workbench.volunteers.hours import (
    DEFAULT_SKILLS,
    HoursSettings,
    award_record,
    read_plans,
    volunteer_hours,
)
from workbench.volunteers.recruit import candidates, shortfall
from workbench.volunteers.supervision import checkin_schedule, plan_supervision


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``recruit`` and ``volunteers`` commands."""
    p = subparsers.add_parser(
        "recruit",
        help="who to invite as PASS leaders or mentors where the scheme is short",
        description="For every PASS module short of leaders or programme short of mentors, "
        "a ranked list of students to invite and why. Writes candidates.csv.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--scheme", required=True, choices=["pass", "mentoring"])
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument(
        "--needed",
        help="volunteers to recruit per module or programme, e.g. CH1001=2,PH1003=1 "
        "(for instance the what-if's answer); the rest as the cohort shows",
    )
    p.set_defaults(func=run_recruit)

    p = subparsers.add_parser(
        "volunteers",
        help="hours, award record and certificates for mentors and PASS leaders",
        description="Count each volunteer's hours from a plan (and the registers, meetings "
        "and training records when the cohort has them). Writes hours.csv, award_record.csv "
        "and certificates/; with a supervisors table also supervision.csv, "
        "supervisor_load.csv and checkins.csv.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument(
        "--plan", required=True, help="a solve's output folder (sessions.csv or matches.csv)"
    )
    p.add_argument("--training", help="a 'solve training' output folder (planned training)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument("--coordinator", default="", help="the coordinator's name on certificates")
    p.add_argument("--scheme-name", default="Peer support", help="the scheme's name")
    p.add_argument("--prep-minutes", type=float, default=30.0, help="preparation per session")
    p.add_argument("--mentor-skills", help="the skills mentoring builds, for the award record")
    p.add_argument("--leader-skills", help="the skills leading PASS builds, for the award record")
    p.add_argument("--checkin-weeks", type=int, default=2, help="check-ins every N weeks")
    p.set_defaults(func=run_volunteers)


def _needed(text: str | None) -> dict[str, int]:
    if not text:
        return {}
    needed = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, _, value = part.partition("=")
        if not key.strip() or not value.strip().isdigit():
            raise UsageError(f"--needed {text}: write CODE=N pairs, e.g. CH1001=2")
        needed[key.strip()] = int(value)
    return needed


def run_recruit(args: argparse.Namespace) -> int:
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    try:
        table = candidates(cohort, args.scheme, needed=_needed(args.needed))
        short = shortfall(cohort, args.scheme)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out = output_folder(args.out)
    write_table(table, out / "candidates.csv")
    entry = registry.get(args.scheme)
    what, key = entry.recruit_places, entry.recruit_by
    lacking = short[short["short"] > 0]
    if len(lacking):
        listed = ", ".join(f"{r[key]} ({r['short']})" for r in lacking.to_dict("records"))
        print(f"Short of volunteers: {listed}.")
    else:
        print(f"No {what} short of volunteers by the cohort's numbers.")
    print(f"{len(table)} students to invite; wrote candidates.csv to {out}")
    return 0


def _settings(args: argparse.Namespace) -> HoursSettings:
    try:
        skills = dict(DEFAULT_SKILLS)
        if args.mentor_skills:
            skills["mentor"] = args.mentor_skills
        if args.leader_skills:
            skills["PASS leader"] = args.leader_skills
        return HoursSettings(
            coordinator=args.coordinator,
            scheme_name=args.scheme_name,
            prep_minutes=args.prep_minutes,
            skills=skills,
        )
    except ValidationError as exc:
        raise UsageError(f"bad settings: {exc.errors()[0]['msg']}") from exc


def _supervision(cohort, out, every: int) -> str:
    plan = plan_supervision(cohort)
    write_table(plan.assignments, out / "supervision.csv")
    write_table(plan.loads, out / "supervisor_load.csv")
    write_table(checkin_schedule(cohort, plan.assignments, every), out / "checkins.csv")
    return plan.headline()


def run_volunteers(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.checkin_weeks < 1:
        raise UsageError("--checkin-weeks must be at least 1")
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    try:
        plans = read_plans(args.plan, args.training)
        hours = volunteer_hours(cohort, plans, settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out = output_folder(args.out)
    write_table(hours, out / "hours.csv")
    write_table(award_record(cohort, hours, settings), out / "award_record.csv")
    with_hours = hours[hours["total_hours"] > 0]
    written = write_certificates(with_hours, out / "certificates", settings)
    total = float(pd.to_numeric(hours["total_hours"]).sum())
    print(
        f"Volunteers: {len(hours)} volunteers gave {total:,.1f} hours; "
        f"{len(written)} certificates written."
    )
    files = "hours.csv, award_record.csv, certificates/"
    if len(cohort.supervisors):
        print(f"Supervision: {_supervision(cohort, out, args.checkin_weeks)}")
        files += ", supervision.csv, supervisor_load.csv, checkins.csv"
    print(f"wrote {files} to {out}")
    return 0
