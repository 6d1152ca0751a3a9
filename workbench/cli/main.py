"""Command line: ``python -m workbench COMMAND ...``.

Exit codes: 0 done, 2 bad input (the message says what to fix), 1 an internal error.
Each scheme registers its ``solve`` sub-command from its own module in ``workbench/cli/`` (a
function ``register(subparsers)`` that sets ``func`` on its parser); their shared helpers are in
:mod:`workbench.cli.common`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from workbench.cli.common import (  # noqa: F401 (the sub-commands' helpers, re-exported)
    BAD_INPUT,
    UsageError,
    load_or_fail,
    output_folder,
    print_verdict,
    write_table,
)
from workbench.cohort.generate import generate_tables
from workbench.cohort.loading import template_tables, write_tables
from workbench.cohort.summary import cohort_summary_text
from workbench.term.generate import add_term

SOLVE_MODULES = (
    "workbench.cli.mentoring",
    "workbench.cli.pass_sessions",
    "workbench.cli.groups",
    "workbench.cli.training",
)
EXTRA_MODULES = (
    "workbench.cli.whatif",
    "workbench.cli.volunteers",
    "workbench.cli.term",
    "workbench.cli.prepare",
    "workbench.cli.access",
)


def _cmd_validate(args: argparse.Namespace) -> int:
    cohort = load_or_fail(args.data, args.mapping)
    print(cohort_summary_text(cohort))
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = (
        "xlsx"
        if out.suffix.lower() == ".xlsx"
        else ("zip" if out.suffix.lower() == ".zip" else "csv")
    )
    write_tables(template_tables(), out, fmt)
    print(f"wrote an empty cohort template to {out}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    if args.students < 10:
        raise UsageError("--students must be at least 10")
    tables = generate_tables(args.students, seed=args.seed, names=not args.no_names)
    if args.term:  # registers, meetings and results with a planted effect (workbench/term)
        tables = add_term(tables, args.seed)
    out = Path(args.out)
    fmt = args.format or (
        "xlsx"
        if out.suffix.lower() == ".xlsx"
        else "zip"
        if out.suffix.lower() == ".zip"
        else "csv"
    )
    write_tables(tables, out, fmt)
    print(f"wrote a cohort of {args.students} students (seed {args.seed}) to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workbench",
        description="Plan peer mentoring, PASS and study groups from cohort data.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check a cohort and print a summary",
        description="Check a cohort (folder, .zip or .xlsx) against the data "
        "contract. Exit 0 when it is good, 2 with every problem "
        "listed when it is not.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "template",
        help="write an empty cohort template",
        description="Write every table with its header row: a folder of CSVs, "
        "or a .xlsx / .zip when OUT ends so.",
    )
    p.add_argument("out", help="output folder, .xlsx or .zip")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser(
        "generate",
        help="generate a realistic synthetic cohort",
        description="Generate a realistic cohort of any size, the same for the same seed.",
    )
    p.add_argument("out", help="output folder, .xlsx or .zip")
    p.add_argument("--students", type=int, default=300, help="number of students (default 300)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--format", choices=["csv", "zip", "xlsx"], help="output format")
    p.add_argument(
        "--no-names", action="store_true", help="leave out students' names and e-mails (ids only)"
    )
    p.add_argument(
        "--term",
        action="store_true",
        help="add a term: term weeks, attendance, meetings, outcomes and progression with a "
        "known effect of attending (workbench/term/generate.py)",
    )
    p.set_defaults(func=_cmd_generate)

    solve = sub.add_parser(
        "solve",
        help="solve a scheme (mentoring, pass, groups) or plan training",
        description="Solve one scheme for a cohort and write the plan.",
    )
    schemes = solve.add_subparsers(dest="scheme", metavar="SCHEME")
    for name in SOLVE_MODULES:
        _register(name, schemes)
    for name in EXTRA_MODULES:
        _register(name, sub)
    return parser


def _register(module_name: str, subparsers: argparse._SubParsersAction) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return
    module.register(subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 (the coordinator never sees a traceback)
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in the workbench; please report it with the command you ran.",
            file=sys.stderr,
        )
        return 1
