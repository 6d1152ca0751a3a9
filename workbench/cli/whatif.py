"""``python -m workbench whatif ...`` (sweeps) and ``python -m workbench report ...`` (reports).

* ``whatif DATA --scheme mentoring|pass --vary intake=0.8:1.5:0.1 --out OUT`` solves every point
  and writes ``OUT/sweep.csv``, ``OUT/sweep.png`` (coverage and cost against the parameter, the
  current plan marked) and ``OUT/cost_per_student.png``.
* ``report SCENARIO.wbscenario --out report.html`` writes the printable report of a saved
  scenario; ``report DATA --scheme mentoring|pass --out report.html`` solves first (and
  ``--scenario FILE`` keeps the scenario file too).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from workbench.cli.common import UsageError, load_or_fail, output_folder, write_table
from workbench.outcomes.charts import cost_per_student_chart, render_png, sweep_chart
from workbench.outcomes.coverage import Assumptions
from workbench.review.export import scenario_excel_bytes
from workbench.review.options import (
    MAX_PLANS,
    MIN_PLANS,
    best_plan,
    plan_options,
    write_options,
)
from workbench.review.report import write_report
from workbench.review.whatif import (
    VARIATIONS,
    axis_label,
    check_variation,
    parse_range,
    run_sweep,
    variation_label,
)
from workbench.review.whatif_answer import sweep_sentences
from workbench.scenarios.scenario import ScenarioFileError, read_scenario, solve_scenario
from workbench.schemes import registry
from workbench.term.monitoring import read_uptake


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the top-level ``whatif`` and ``report`` commands."""

    p = subparsers.add_parser(
        "whatif",
        help="sweep one parameter and solve every point",
        description="Vary one parameter over a range, solve the scheme at every point and write "
        "sweep.csv (one row per point) with charts of coverage and cost.",
        epilog="Parameters: "
        + "; ".join(f"{k}: {v}" for k, v in VARIATIONS.items())
        + "; intake[programme=NAME] or intake[level=UG1]: one group's intake.",
    )
    p.add_argument("data", help="cohort folder of CSV files, .zip or .xlsx")
    p.add_argument(
        "--scheme",
        required=True,
        choices=["mentoring", "pass", "groups"],
        help="the scheme to solve at every point (groups needs --settings naming "
        "the module, programme or level)",
    )
    p.add_argument(
        "--vary",
        required=True,
        metavar="PARAM=RANGE",
        help="e.g. intake=0.8:1.5:0.1 (start:stop:step, stop included) or mentors=0,20,40",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0, help="resampling seed (default 0)")
    p.add_argument(
        "--serial",
        action="store_true",
        help="solve the points one after another (default: two worker processes)",
    )
    p.add_argument("--settings", metavar="JSON", help="the scheme's settings as a JSON file")
    p.add_argument("--budget", type=float, help="a budget cap per term, checked at every point")
    p.add_argument(
        "--uptake-from",
        metavar="JSON",
        help="PASS: the take-up observed per module (uptake.json from the monitor command)",
    )
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument("--no-charts", action="store_true", help="write the table only")
    p.add_argument(
        "--keep-volunteers",
        action="store_true",
        help="intake: keep the mentors as they are (default: mentors grow with the intake)",
    )
    p.set_defaults(func=run_whatif)

    p = subparsers.add_parser(
        "report",
        help="write the printable report of a scenario",
        description="Write a printable, self-contained HTML report: from a saved .wbscenario "
        "file, or from a cohort solved with --scheme first.",
    )
    p.add_argument(
        "source", nargs="?", help="a .wbscenario file, or a cohort folder / .zip / .xlsx"
    )
    p.add_argument("--out", required=True, help="the report file (.html)")
    p.add_argument(
        "--compare",
        metavar="A.wbscenario,B.wbscenario,...",
        help="an options report: two to four saved plans side by side on one printable page",
    )
    p.add_argument(
        "--for-budget",
        type=float,
        metavar="AMOUNT",
        help="with --compare: name the plan that reaches the most students within this budget",
    )
    p.add_argument(
        "--for-coverage",
        type=float,
        metavar="SHARE",
        help="with --compare: name the cheapest plan reaching this coverage (e.g. 0.8)",
    )
    p.add_argument(
        "--scheme",
        choices=["mentoring", "pass", "groups"],
        help="solve this scheme first (when SOURCE is a cohort)",
    )
    p.add_argument("--settings", metavar="JSON", help="the scheme's settings as a JSON file")
    p.add_argument("--name", help="the scenario's name")
    p.add_argument("--notes", help="notes to print in the report")
    p.add_argument(
        "--scenario", metavar="FILE", help="also write the solved scenario as a .wbscenario file"
    )
    p.add_argument("--excel", metavar="FILE", help="also write every table as an .xlsx")
    p.add_argument(
        "--whatif",
        metavar="SWEEP_CSV",
        action="append",
        default=[],
        help="a sweep.csv from the whatif command: its answers go into the report (repeatable)",
    )
    p.add_argument("--mapping", help="JSON or YAML file mapping your headers and values")
    p.add_argument("--no-charts", action="store_true", help="leave the charts out (faster)")
    p.set_defaults(func=run_report)


def _settings(scheme: str, path: str | None) -> Any:
    entry = registry.get(scheme)
    if not path:
        return entry.coerce_settings(None)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the settings ({exc})") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the settings must be a JSON object")
    data = data.get("settings", data) if isinstance(data.get("settings"), dict) else data
    try:
        return entry.coerce_settings(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise UsageError(f"{path}: the {scheme} settings are not valid: {problems}") from exc


def _with_uptake(settings: Any, scheme: str, path: str) -> Any:
    """PASS settings planning with the observed take-up per module (uptake.json)."""

    if not registry.get(scheme).form or not registry.get(scheme).form.observed_uptake:
        raise UsageError("--uptake-from is for PASS (the take-up of its sessions)")
    try:
        observed = read_uptake(path)
    except ValueError as exc:
        raise UsageError(f"--uptake-from {exc}") from exc
    data = settings.model_dump()
    data["module_uptake"] = {**data.get("module_uptake", {}), **observed}
    return type(settings).model_validate(data)


def _parse_vary(text: str, scheme: str) -> tuple[str, list[float]]:

    if "=" not in text:
        raise UsageError(f"--vary {text}: give PARAM=RANGE, e.g. intake=0.8:1.5:0.1")
    param, _, values = text.rpartition("=") if text.startswith("intake[") else text.partition("=")
    param = param.strip()
    try:
        check_variation(param, scheme)
        return param, parse_range(values)
    except ValueError as exc:
        raise UsageError(f"--vary: {exc}") from exc


def _current_value(param: str, scheme: str, settings: Any, budget: float | None) -> float | None:
    """Where today's plan sits on the swept axis (marked on the chart)."""
    if param.startswith("intake"):
        return 1.0
    if param in ("mentors", "leaders"):
        return 0.0
    if param == "sessions":
        return float(settings.sessions_per_module)
    if param == "uptake":
        return getattr(Assumptions(), registry.get(scheme).uptake_field)
    if param == "budget":
        return budget
    return None


def run_whatif(args: argparse.Namespace) -> int:

    if args.budget is not None and args.budget < 0:
        raise UsageError("--budget cannot be negative")
    param, values = _parse_vary(args.vary, args.scheme)
    settings = _settings(args.scheme, args.settings)
    if args.uptake_from:
        settings = _with_uptake(settings, args.scheme, args.uptake_from)
    cohort = load_or_fail(args.data, args.mapping)

    problems = registry.scheme_problems(cohort, args.scheme)
    if problems:
        raise UsageError("\n".join(str(p) for p in problems))
    out = output_folder(args.out)
    started = time.perf_counter()

    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\rsolved {done} of {total} points", end="", file=sys.stderr, flush=True)
        elif done == total:
            print(f"solved {done} of {total} points", end="", file=sys.stderr, flush=True)

    table = run_sweep(
        cohort,
        args.scheme,
        settings,
        param,
        values,
        parallel=not args.serial,
        progress=progress,
        seed=args.seed,
        budget=args.budget,
        volunteers_grow=not args.keep_volunteers,
    )
    print(file=sys.stderr)
    table.insert(0, "scheme", args.scheme)
    write_table(table, out / "sweep.csv")
    written = ["sweep.csv"]
    if not args.no_charts:
        written += _sweep_charts(table, param, args.scheme, settings, args.budget, out)
    errors = table.loc[table["status"] == "error"]
    for row in errors.itertuples():
        print(f"{param} = {row.value:g}: {row.message}", file=sys.stderr)
    print(
        f"{variation_label(param)}: {len(table)} points in "
        f"{time.perf_counter() - started:.1f} s; wrote {', '.join(written)} to {out}"
    )
    for sentence in sweep_sentences(table):  # the answer first, in words
        print(sentence)
    shown = table[["value", "status", "reached", "eligible", "coverage", "cost"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    return 0 if errors.empty else 1


def _sweep_charts(
    table: Any, param: str, scheme: str, settings: Any, budget: float | None, out: Path
) -> list[str]:

    good = table.loc[~table["status"].isin(["error", "cancelled"])].drop(columns="scheme")
    if good.empty:
        return []
    chart = sweep_chart(
        good,
        current=_current_value(param, scheme, settings, budget),
        param=param,
        param_label=axis_label(param),
    )
    (out / "sweep.png").write_bytes(render_png(chart))
    costs = good.assign(
        label=[f"{param} {v:g}" for v in good["value"]],
        scheme=scheme,
        scheme_name=registry.scheme_name(scheme, settings),
        total=good["cost"],
        per_student_reached=good["cost_per_student_reached"],
    )
    chart = cost_per_student_chart(
        costs[
            ["label", "scheme", "scheme_name", "total", "students_reached", "per_student_reached"]
        ],
        title=f"Cost per student reached as {param} changes",
    )
    (out / "cost_per_student.png").write_bytes(render_png(chart))
    return ["sweep.png", "cost_per_student.png"]


def _looks_like_scenario(path: Path) -> bool:
    if path.suffix.lower() == ".wbscenario":
        return True
    if path.is_file() and path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                return "manifest.json" in archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
    return False


def _sweep_answers(path: str, scenario: Any) -> list[str]:
    """One sentence per point of a sweep.csv, against the scenario's own figures."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"--whatif {path}: {exc}") from exc
    if not {"param", "value", "status", "coverage", "cost"} <= set(table.columns) or table.empty:
        raise UsageError(f"--whatif {path}: not a sweep.csv from the whatif command")
    table.attrs["scheme"] = str(table["scheme"].iloc[0]) if "scheme" in table else scenario.scheme
    table.attrs["param"] = str(table["param"].iloc[0])
    volunteers = table["volunteers"].dropna() if "volunteers" in table else pd.Series([])
    table.attrs["volunteers_grow"] = volunteers.nunique() > 1  # constant: kept as they are
    figures = {**scenario.summary, "status": scenario.status.get("status")}
    return sweep_sentences(table, figures)


def _run_options(args: argparse.Namespace) -> int:

    if args.source or args.scheme:
        raise UsageError("--compare takes saved plans only (no SOURCE or --scheme)")
    paths = [p.strip() for p in args.compare.split(",") if p.strip()]
    if not MIN_PLANS <= len(paths) <= MAX_PLANS:
        raise UsageError(f"--compare takes {MIN_PLANS} to {MAX_PLANS} .wbscenario files")
    scenarios = []
    for path in paths:
        try:
            scenarios.append(read_scenario(Path(path)))
        except (ScenarioFileError, OSError) as exc:
            raise UsageError(f"{path}: {exc}") from exc
    try:
        _, why = best_plan(plan_options(scenarios), args.for_budget, args.for_coverage)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out = write_options(scenarios, args.out, args.for_budget, args.for_coverage)
    if why:
        print(why)
    print(f"options report of {len(scenarios)} plans; wrote {out}")
    return 0


def run_report(args: argparse.Namespace) -> int:

    if args.compare:
        return _run_options(args)
    if not args.source:
        raise UsageError("give a .wbscenario file or a cohort (or --compare A,B,...)")
    source = Path(args.source)
    if _looks_like_scenario(source):
        if args.scheme:
            raise UsageError("--scheme is for a cohort; a scenario file is already solved")
        try:
            scenario = read_scenario(source)
        except ScenarioFileError as exc:
            raise UsageError(str(exc)) from exc
        if args.name:
            scenario.name = args.name
        if args.notes is not None:
            scenario.notes = args.notes
    else:
        if not args.scheme:
            raise UsageError(
                f"{source} is a cohort: say which scheme to solve with --scheme "
                "(or give a .wbscenario file)"
            )
        settings = _settings(args.scheme, args.settings)
        cohort = load_or_fail(str(source), args.mapping)

        problems = registry.scheme_problems(cohort, args.scheme)
        if problems:
            raise UsageError("\n".join(str(p) for p in problems))
        try:
            scenario = solve_scenario(
                cohort, args.scheme, settings, name=args.name or "", notes=args.notes or ""
            )
        except ValueError as exc:  # settings that do not fit this cohort
            raise UsageError(f"cannot solve {args.scheme}: {exc}") from exc
    out = Path(args.out)
    whatifs = [s for path in args.whatif for s in _sweep_answers(path, scenario)]
    write_report(scenario, out, charts=not args.no_charts, whatifs=whatifs)
    written = [str(out)]
    if args.scenario:
        written.append(str(scenario.save(args.scenario)))
    if args.excel:
        Path(args.excel).parent.mkdir(parents=True, exist_ok=True)
        Path(args.excel).write_bytes(scenario_excel_bytes(scenario))
        written.append(args.excel)
    print(
        f"{scenario.name} ({scenario.scheme}, {scenario.status_label}); wrote " + ", ".join(written)
    )
    return 0
