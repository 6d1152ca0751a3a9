"""Mentoring at whole-university scale: today's solve, the new one and OR-Tools min-cost flow,
each timed as a whole process from the same cohort files to the same plan.

    python benchmarks/bench_mentoring.py [--students 2000,10000,40000,60000] [--repeats 3]
        [--baseline 2bfc6c0] [--reference-max 40000]

For each size it writes a generated cohort (``generate_tables`` with a third of the students
signed up as mentees, as many mentor volunteers as the generator makes) as CSV files, then runs
three fresh processes on those files, each loading and validating the folder, solving with the
default settings (as many mentees as possible, then the best total score) and writing the plan
(``matches.csv``):

* **project**: ``solve_mentoring`` of this tree (large cohorts are priced block by block);
* **today**: the same with the mentoring package of ``--baseline`` (the commit before the block
  path; every other module from this tree), extracted with ``git archive``;
* **OR-Tools**: every eligible pair and its score (the project's vectorised scorer), OR-Tools'
  ``solve_max_flow_with_min_cost`` over them, the plan written the same way.

Times are wall-clock seconds of the whole process (interpreter start, imports, loading, pairs,
scores, model, solve, writing), with the CPU seconds it used in brackets (the fairer figure on
a machine shared with other work), the median of ``--repeats`` runs for sizes up to 10,000 students
(after one untimed run of each, the three taken in turns, so a drifting machine weighs on every
column alike; measured one after another, the first column paid for the warm-up) and one run
above; peak is the process's maximum resident memory. ``equal`` says the three
plans match the same number of mentees with the same total score (OR-Tools' flow is the
independent maximum flow). Today and OR-Tools are not run above ``--reference-max`` students
(about 17 million pairs at 60,000: several GB). The last column times one what-if point
(intake x1.2, the project's what-if sweep with one point, in one process) from the same files.

Targets (issue 18): 40,000 students at most 0.8x OR-Tools and under 600 MB; 60,000 under 15 s
and 1 GB; 2,000 and 10,000 no slower than today.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
MENTEE_SHARE = 0.34
SEED = 11


def write_cohort(n_students: int, folder: Path) -> None:
    """The generated cohort as CSV files (what a coordinator would hand the workbench)."""
    from workbench.cohort.generate import generate_tables
    from workbench.cohort.loading import write_tables

    write_tables(generate_tables(n_students, SEED, mentee_share=MENTEE_SHARE), folder, "csv")


def _load(folder: str):
    from workbench.cohort.loading import load_cohort

    result = load_cohort(folder)
    if result.cohort is None:
        raise SystemExit(result.report.format_text())
    return result.cohort


def child_solve(folder: str, out: str) -> dict:
    """Files -> plan with ``solve_mentoring`` (this tree's or the baseline's)."""
    from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring

    cohort = _load(folder)
    result = solve_mentoring(cohort, MentoringSettings(time_limit=600))
    Path(out).mkdir(parents=True, exist_ok=True)
    result.matches.to_csv(Path(out) / "matches.csv", index=False)
    result.unmatched.to_csv(Path(out) / "unmatched.csv", index=False)
    return {
        "mentees": result.mentees,
        "pairs": result.eligible_pairs,
        "status": result.status.status,
        "matched": result.matched,
        "score_milli": int(round(result.total_score * 1000)),
        "model_pairs": result.extra.get("lp_columns"),
    }


def child_ortools(folder: str, out: str) -> dict:
    """Files -> plan with OR-Tools min-cost flow over every eligible pair."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    from workbench.schemes.mentoring.scoring import (
        DEFAULT_WEIGHTS,
        build_people,
        eligible_pairs,
        score_pairs,
    )

    cohort = _load(folder)
    mentees, mentors = build_people(cohort)
    cand = eligible_pairs(cohort, mentees, mentors, "programme", 1)
    score, _ = score_pairs(
        cohort, mentees, mentors, cand.mentee, cand.mentor, DEFAULT_WEIGHTS, breakdown=False
    )
    n_e, n_m = len(mentees), len(mentors)
    source, sink = n_e + n_m, n_e + n_m + 1
    tails = np.concatenate([np.full(n_e, source), cand.mentee, n_e + np.arange(n_m)])
    heads = np.concatenate([np.arange(n_e), n_e + cand.mentor, np.full(n_m, sink)])
    caps = np.concatenate([np.ones(n_e), np.ones(len(cand)), mentors.capacity]).astype(np.int64)
    costs = np.concatenate([np.zeros(n_e), -score, np.zeros(n_m)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    flow.set_node_supply(source, n_e)
    flow.set_node_supply(sink, -n_e)
    status = flow.solve_max_flow_with_min_cost()
    assert status == flow.OPTIMAL, status
    used = flow.flows(arcs[n_e : n_e + len(cand)]) > 0
    Path(out).mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "mentee_id": mentees.ids[cand.mentee[used]],
            "mentor_id": mentors.ids[cand.mentor[used]],
            "score": score[used] / 1000,
        }
    ).sort_values("mentee_id").to_csv(Path(out) / "matches.csv", index=False)
    return {
        "mentees": n_e,
        "pairs": len(cand),
        "status": "optimal",
        "matched": int(flow.maximum_flow()),
        "score_milli": int(-flow.optimal_cost()),
        "model_pairs": len(cand),
    }


def child_whatif(folder: str, out: str) -> dict:
    """Files -> one what-if point (intake x1.2, solved in this process as the app's worker
    does), to compare with a solve of the same cohort."""
    from workbench.review.whatif import run_sweep
    from workbench.schemes.mentoring.solve import MentoringSettings

    cohort = _load(folder)
    table = run_sweep(
        cohort, "mentoring", MentoringSettings(time_limit=600), "intake", [1.2], parallel=False
    )
    Path(out).mkdir(parents=True, exist_ok=True)
    table.to_csv(Path(out) / "whatif.csv", index=False)
    return {"mentees": len(cohort.mentees), "pairs": None, "status": "done", "matched": None}


def child(kind: str, folder: str, out: str) -> None:
    started = time.perf_counter()
    if kind == "whatif":
        row = child_whatif(folder, out)
    elif kind == "ortools":
        row = child_ortools(folder, out)
    else:
        row = child_solve(folder, out)
    row["inner_s"] = time.perf_counter() - started
    row["peak_MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(row))


def baseline_tree(rev: str, into: Path) -> Path:
    """This tree's ``workbench`` with the mentoring package of ``rev`` (today's solve), and the
    cost module it was written against (the budget helpers it imports moved since)."""
    shutil.copytree(
        ROOT / "workbench", into / "workbench", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.rmtree(into / "workbench" / "schemes" / "mentoring")
    archive = subprocess.run(
        [
            "git",
            "-C",
            str(ROOT),
            "archive",
            rev,
            "workbench/schemes/mentoring",
            "workbench/outcomes/costs.py",
        ],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def timed(kind: str, folder: Path, out: Path, pythonpath: Path | None) -> dict:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(folder), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(folder.parent),
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode:
        raise RuntimeError(f"{kind} failed:\n{proc.stderr[-2000:]}")
    row = json.loads([x for x in proc.stdout.splitlines() if x.startswith("{")][-1])
    row["s"], row["cpu"] = seconds, cpu
    return row


def _summary(runs: list[dict]) -> dict:
    row = dict(runs[-1])
    row["s"] = statistics.median(r["s"] for r in runs)
    row["cpu"] = statistics.median(r["cpu"] for r in runs)
    row["peak_MB"] = max(r["peak_MB"] for r in runs)
    return row


def measure(kind: str, folder: Path, tmp: Path, repeats: int, pythonpath: Path | None) -> dict:
    return _summary([timed(kind, folder, tmp / f"{kind}{k}", pythonpath) for k in range(repeats)])


def measure_interleaved(
    kinds: dict[str, Path | None], folder: Path, tmp: Path, repeats: int
) -> dict[str, dict]:
    """Each kind's medians, the runs taken in turns (each round in a rotated order) after one
    untimed run of each when there are repeats: a machine that drifts during the run (a warm
    file cache, a clock that steps down) weighs on every column alike."""
    names = list(kinds)
    if repeats > 1:
        for name in names:
            timed(name, folder, tmp / f"{name}_warm", kinds[name])
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for k in range(repeats):
        for name in names[k % len(names) :] + names[: k % len(names)]:
            runs[name].append(timed(name, folder, tmp / f"{name}{k}", kinds[name]))
    return {name: _summary(done) for name, done in runs.items()}


def run(sizes: list[int], repeats: int, baseline: str, reference_max: int) -> pd.DataFrame:
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        old = baseline_tree(baseline, tmp / "baseline")
        for n in sizes:
            folder = tmp / f"cohort{n}"
            write_cohort(n, folder)
            reps = repeats if n <= 10_000 else 1
            kinds = {"new": None}
            if n <= reference_max:
                kinds.update(today=old, ortools=None)
            timings = measure_interleaved(kinds, folder, tmp / f"runs{n}", reps)
            new = timings["new"]
            row = {
                "students": n,
                "mentees": new["mentees"],
                "pairs": new["pairs"],
                "model_pairs": new["model_pairs"],
                "new_s": new["s"],
                "new_cpu": new["cpu"],
                "new_MB": new["peak_MB"],
                "matched": new["matched"],
            }
            point = measure("whatif", folder, tmp / f"whatif{n}", 1, None)
            row.update(whatif_s=point["s"], whatif_cpu=point["cpu"], whatif_MB=point["peak_MB"])
            row["equal"] = "not compared"
            if n <= reference_max:
                today, ref = timings["today"], timings["ortools"]
                row.update(
                    today_s=today["s"],
                    today_cpu=today["cpu"],
                    ortools_cpu=ref["cpu"],
                    cpu_ratio=new["cpu"] / ref["cpu"],
                    today_MB=today["peak_MB"],
                    ortools_s=ref["s"],
                    ortools_MB=ref["peak_MB"],
                    ratio=new["s"] / ref["s"],
                )
                agree = [
                    (r["matched"], r["score_milli"]) == (new["matched"], new["score_milli"])
                    for r in (today, ref)
                ]
                row["equal"] = "yes" if all(agree) else "NO"
            rows.append(row)
            print(pd.DataFrame([row]).to_string(index=False), file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The README's table."""

    def num(v, fmt="{:,.0f}"):
        return "" if pd.isna(v) else fmt.format(v)

    def both(r, kind):
        wall = r.get(f"{kind}_s")
        return "" if wall is None or pd.isna(wall) else f"{wall:.2f} ({r[f'{kind}_cpu']:.2f})"

    def ratio(r):
        wall = r.get("ratio")
        return "" if wall is None or pd.isna(wall) else f"{wall:.2f}x ({r['cpu_ratio']:.2f}x)"

    lines = [
        "| students | mentees | eligible pairs | pairs in the model | today s (CPU s) "
        "| project s (CPU s) | OR-Tools min-cost flow s (CPU s) | project / OR-Tools (CPU) "
        "| project peak MB | today peak MB "
        "| OR-Tools peak MB | same plan value | what-if point s (CPU s, peak MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in table.to_dict("records"):
        lines.append(
            f"| {r['students']:,} | {r['mentees']:,} | {r['pairs']:,} | {num(r['model_pairs'])} "
            f"| {both(r, 'today')} | {both(r, 'new')} | {both(r, 'ortools')} "
            f"| {ratio(r)} "
            f"| {r['new_MB']:,.0f} | {num(r.get('today_MB'))} | {num(r.get('ortools_MB'))} "
            f"| {r['equal']} | {r['whatif_s']:.2f} ({r['whatif_cpu']:.2f}, {r['whatif_MB']:,.0f}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", default="2000,10000,40000,60000", help="comma separated")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size up to 10,000")
    parser.add_argument("--baseline", default="2bfc6c0", help="commit of today's solve")
    parser.add_argument("--reference-max", type=int, default=40_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    sizes = [int(s) for s in args.students.split(",") if s.strip()]
    table = run(sizes, args.repeats, args.baseline, args.reference_max)
    print(markdown(table))
    return 0 if (table["equal"] != "NO").all() else 1


if __name__ == "__main__":
    sys.exit(main())
