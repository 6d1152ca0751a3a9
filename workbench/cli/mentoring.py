"""``python -m workbench solve mentoring DATA --out OUT``: match mentees to mentors.

Writes ``OUT/matches.csv`` (one row per pair with the score broken down by criterion),
``OUT/unmatched.csv`` (each unmatched mentee and why), ``OUT/mentor_load.csv`` and
``OUT/summary.json``. Exit 0 on a solved run, infeasible or not (the summary says why), 2 on
bad input.
"""

from __future__ import annotations

import argparse
import json

import pandas as pd
from pydantic import ValidationError

from workbench.cli.common import UsageError, load_or_fail, output_folder, print_verdict, write_table
from workbench.cohort.names import named
from workbench.schemes.mentoring.scoring import CRITERIA, DEFAULT_WEIGHTS
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring
from workbench.schemes.registry import plan_summary
from workbench.volunteers.people import trained_only


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``mentoring`` solve command."""
    p = subparsers.add_parser(
        "mentoring",
        help="match mentees to mentors",
        description="Match mentees to mentors: as many mentees as possible, then the best "
        "total compatibility (or --objective quality / fairness, or --stable). "
        "Writes matches.csv, unmatched.csv, mentor_load.csv and summary.json.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument(
        "--rule",
        choices=["programme", "faculty", "any"],
        default="programme",
        help="who may mentor whom: same programme (default), same faculty, anyone",
    )
    p.add_argument(
        "--min-level-gap",
        type=int,
        default=1,
        help="how many levels a mentor must be above the mentee (default 1)",
    )
    p.add_argument(
        "--objective",
        choices=["coverage", "quality", "fairness"],
        default="coverage",
        help="coverage: most mentees, then best total score (default); quality: "
        "best total score, no pair below --min-score; fairness: most mentees, "
        "then the best lowest score",
    )
    p.add_argument(
        "--min-score",
        type=float,
        default=0.0,
        help="quality: the lowest score a pair may have (default 0)",
    )
    p.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="CRITERION=W",
        help="a criterion's weight (repeatable); criteria: "
        + ", ".join(f"{k} (default {v:g})" for k, v in DEFAULT_WEIGHTS.items()),
    )
    p.add_argument(
        "--stable",
        nargs="?",
        const="mentee_optimal",
        choices=["mentee_optimal", "best_score"],
        help="stable matching from both sides' preferences: the mentee-optimal one "
        "(default) or best_score, the best total score among stable matchings",
    )
    p.add_argument(
        "--locked", metavar="CSV", help="pairs to keep: a CSV with mentee_id and mentor_id columns"
    )
    p.add_argument(
        "--previous",
        metavar="CSV",
        help="an earlier matches.csv: keep its pairs unless moving one matches more "
        "mentees, and report how many changed",
    )
    p.add_argument(
        "--budget",
        type=float,
        metavar="POUNDS",
        help="cap the cost per term: match as many mentees as the mentors this "
        "pays for can take (cost rates: docs/assumptions.md)",
    )
    p.add_argument(
        "--trained-only",
        action="store_true",
        help="use only the mentors the training table says were trained",
    )
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument(
        "--solver", choices=["highs", "cbc"], default="highs", help="highs (default) or cbc"
    )
    p.set_defaults(func=run)


def _read_pairs(path: str, what: str) -> list[tuple[str, str]]:

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise UsageError(f"{what} {path}: cannot be read ({exc})") from exc
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    missing = [c for c in ("mentee_id", "mentor_id") if c not in frame.columns]
    if missing:
        raise UsageError(
            f"{what} {path}: needs the columns mentee_id and mentor_id "
            f"(missing: {', '.join(missing)})"
        )
    frame = frame[["mentee_id", "mentor_id"]].apply(lambda s: s.str.strip())
    frame = frame[(frame["mentee_id"] != "") & (frame["mentor_id"] != "")]
    return list(frame.itertuples(index=False, name=None))


def _weights(items: list[str]) -> dict[str, float]:

    weights: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in CRITERIA:
            raise UsageError(
                f"--weight {item}: use CRITERION=NUMBER with a criterion from "
                + ", ".join(CRITERIA)
            )
        try:
            weights[name] = float(value)
        except ValueError as exc:
            raise UsageError(f"--weight {item}: '{value}' is not a number") from exc
    return weights


def run(args: argparse.Namespace) -> int:
    """Solve and write the plan; raise UsageError on bad input."""
    try:
        settings = MentoringSettings(
            rule=args.rule,
            min_level_gap=args.min_level_gap,
            objective=args.objective,
            min_score=args.min_score,
            weights=_weights(args.weight),
            stable=args.stable or "off",
            locked_pairs=_read_pairs(args.locked, "--locked") if args.locked else [],
            previous_pairs=_read_pairs(args.previous, "--previous") if args.previous else [],
            time_limit=args.time_limit,
            solver=args.solver,
            budget=args.budget,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise UsageError(f"bad settings: {problems}") from exc
    cohort = load_or_fail(args.data, args.mapping, quiet=True)
    if args.trained_only:
        if "training" not in cohort.supplied:
            raise UsageError("--trained-only needs the training table (who was trained)")
        cohort = trained_only(cohort)
    missing = [t for t in ("mentees", "mentors") if t not in cohort.supplied]
    if missing:
        raise UsageError(
            f"{args.data}: mentoring needs the {' and '.join(missing)} "
            f"table{'s' if len(missing) > 1 else ''} "
            f"({', '.join(t + '.csv' for t in missing)})"
        )
    try:
        result = solve_mentoring(cohort, settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc

    out = output_folder(args.out)
    write_table(
        named(result.matches, cohort.students, at_end=True), out / "matches.csv"
    )  # names with ids
    write_table(named(result.unmatched, cohort.students, at_end=True), out / "unmatched.csv")
    write_table(result.mentor_load, out / "mentor_load.csv")
    summary = {**result.summary(), **plan_summary(cohort, "mentoring", settings, result)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    print_verdict(summary)
    print(
        f"mentoring: {result.status.label}; matched {result.matched} of {result.mentees} "
        f"mentees ({result.coverage:.1%}), total score {result.total_score:g}"
    )
    for message in result.status.messages:
        print(f"  {message}")
    if result.changed_pairs is not None:
        print(f"  {result.changed_pairs} of {len(settings.previous_pairs)} previous pairs changed")
    if len(result.unmatched):
        top = result.unmatched["reason"].value_counts().head(5)
        print("unmatched mentees, most common reasons:")
        for reason, n in top.items():
            print(f"  {n} x {reason}")
    print(f"wrote matches.csv, unmatched.csv, mentor_load.csv and summary.json to {out}")
    return 0
