"""The PASS scheme of work: planning every PASS module of a cohort, and how it grows.

    python benchmarks/bench_scheme_of_work.py [--repeats 3] [--modules 20,60,120]

First the sample faculty (every module in its topics table, its term weeks), then generated
cohorts where every module gets topics (``--modules``: how many modules are planned at once).
Each row prints the seconds to build and solve, the status, the topics placed and revisited,
and checks the plan against every rule (``plan_problems`` must be empty) and its value against
the LP relaxation's bound in the same run.

Target (issue 17): the faculty sample plans all its PASS modules in under 5 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pulp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.cohort.generate import generate_tables  # noqa: E402
from workbench.cohort.generate_topics import topics_table  # noqa: E402
from workbench.cohort.loading import load_cohort  # noqa: E402
from workbench.cohort.validation import validate_tables  # noqa: E402
from workbench.prepare.scheme_of_work import (  # noqa: E402
    build_model,
    plan_problems,
    plan_value,
    solve_instance,
)
from workbench.prepare.sow_instance import FIRST, REVISIT, build_instance  # noqa: E402
from workbench.prepare.term import term_weeks  # noqa: E402

TARGET_SECONDS = 5.0


def lp_bound(instance) -> float:
    model = build_model(instance)
    for var in model.prob.variables():
        var.cat = pulp.LpContinuous
    model.prob.solve(pulp.HiGHS(msg=False))
    return float(pulp.value(model.prob.objective))


def run(label: str, cohort, repeats: int) -> bool:
    weeks = term_weeks(cohort)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        instance = build_instance(cohort, weeks)
        plan = solve_instance(instance)
        best = min(best, time.perf_counter() - started)
    topics = sum(len(m.topics) for m in plan.instance.modules)
    placed = sum(1 for v in plan.visits if v.visit == FIRST)
    again = sum(1 for v in plan.visits if v.visit == REVISIT)
    bound = lp_bound(build_instance(cohort, weeks))
    ok = not plan_problems(plan) and plan_value(plan) <= bound + 1e-6
    print(
        f"{label:<28} {len(plan.instance.modules):>7} {topics:>6} {placed:>6} {again:>8} "
        f"{plan.status.status:>8} {best:>8.2f} {plan_value(plan):>9.1f} {bound:>9.1f} "
        f"{'yes' if ok else 'NO':>5}"
    )
    return ok and (label != "sample faculty" or best < TARGET_SECONDS)


def generated(modules: int):
    students = max(300, modules * 40)
    tables = generate_tables(students, seed=3)
    codes = tables["modules"].head(modules)
    fake_leaders = codes[["module_code"]]  # every chosen module gets topics
    tables["topics"] = topics_table(codes, fake_leaders).astype(str)
    return validate_tables(tables).cohort


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--modules", default="20,60,120")
    args = parser.parse_args(argv)
    print(
        f"{'cohort':<28} {'modules':>7} {'topics':>6} {'placed':>6} {'revisits':>8} "
        f"{'status':>8} {'seconds':>8} {'value':>9} {'LP bound':>9} {'rules':>5}"
    )
    ok = run("sample faculty", load_cohort(ROOT / "sample_data" / "faculty").cohort, args.repeats)
    for count in (int(m) for m in args.modules.split(",") if m.strip()):
        ok &= run(f"generated, {count} modules", generated(count), args.repeats)
    print(
        f"target: the sample faculty in under {TARGET_SECONDS:g} s -> {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
