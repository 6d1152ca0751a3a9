"""Mentoring solve speed and memory, against OR-Tools min-cost flow on the same instance.

    python benchmarks/bench_mentoring.py [--sizes 500,2000,10000,40000] [--solver highs|cbc]

For each size it generates a cohort with about that many mentees (``generate_cohort`` with its
``mentee_share`` option) and keeps one mentor volunteer per eight mentees (a seeded random
subset, as in a scheme short of mentors). In a fresh process per size it times
``solve_mentoring`` with the default settings (coverage, then total score): pairs (eligible pairs
and scores), model (building the PuLP model), solve (PuLP handing the model to the solver and
the solve), the end-to-end total, and the peak memory of that process. The same eligible pairs
and scores then go to OR-Tools' max-flow-with-min-cost (a benchmark-only dependency), and the
table says whether the matched count and the total score are identical.

Targets (2-core machine): 2,000 mentees under 1 s end to end; 10,000 within 5x the min-cost
flow time; 40,000 optimal in under 30 s and 4 GB.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

MENTEE_SHARE = 0.58
MENTEES_PER_MENTOR = 8


def make_cohort(mentees: int, seed: int = 1):
    """A generated cohort with about ``mentees`` mentees and one mentor per eight of them."""
    from workbench.cohort.generate import generate_cohort

    cohort = generate_cohort(
        max(20, round(mentees / MENTEE_SHARE)), seed=seed, mentee_share=MENTEE_SHARE
    )
    rng = np.random.default_rng(seed)
    want = max(1, round(len(cohort.mentees) / MENTEES_PER_MENTOR))
    keep = np.sort(rng.permutation(len(cohort.mentors))[:want])
    mentors = cohort.mentors.iloc[keep].reset_index(drop=True)
    return cohort.model_copy(update={"mentors": mentors})


def reference_min_cost_flow(cohort, weights) -> dict:
    """Max flow with min cost: the most mentees, then the best total score (OR-Tools)."""
    from ortools.graph.python import min_cost_flow

    from workbench.schemes.mentoring.scoring import build_people, eligible_pairs, score_pairs

    mentees, mentors = build_people(cohort)
    cand = eligible_pairs(cohort, mentees, mentors, "programme", 1)
    score, _ = score_pairs(cohort, mentees, mentors, cand.mentee, cand.mentor, weights)
    started = time.perf_counter()
    n_e, n_m = len(mentees), len(mentors)
    source, sink = n_e + n_m, n_e + n_m + 1
    tails = np.concatenate([np.full(n_e, source), cand.mentee, n_e + np.arange(n_m)])
    heads = np.concatenate([np.arange(n_e), n_e + cand.mentor, np.full(n_m, sink)])
    caps = np.concatenate([np.ones(n_e), np.ones(len(cand)), mentors.capacity]).astype(np.int64)
    costs = np.concatenate([np.zeros(n_e), -score, np.zeros(n_m)]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    flow.set_node_supply(source, n_e)
    flow.set_node_supply(sink, -n_e)
    status = flow.solve_max_flow_with_min_cost()
    seconds = time.perf_counter() - started
    assert status == flow.OPTIMAL, status
    return {
        "matched": int(flow.maximum_flow()),
        "score_milli": int(-flow.optimal_cost()),
        "seconds": seconds,
        "pairs": len(cand),
    }


def child(path: str, solver: str) -> None:
    """Solve one pickled cohort in this fresh process; print the figures as JSON."""
    from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring

    with open(path, "rb") as fh:
        cohort = pickle.load(fh)
    settings = MentoringSettings(solver=solver, time_limit=600)
    started = time.perf_counter()
    result = solve_mentoring(cohort, settings)
    total = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ref = reference_min_cost_flow(cohort, settings.weights)
    print(
        json.dumps(
            {
                "mentees": result.mentees,
                "mentors": len(cohort.mentors),
                "pairs": result.eligible_pairs,
                "pairs_s": result.build_seconds,
                "model_s": result.model_seconds,
                "solve_s": result.status.seconds,
                "total_s": total,
                "peak_MB": peak_mb,
                "status": result.status.status,
                "matched": result.matched,
                "score": result.total_score,
                "mcf_s": ref["seconds"],
                "mcf_matched": ref["matched"],
                "mcf_score": ref["score_milli"] / 1000,
                "equal": (
                    ref["matched"] == result.matched
                    and ref["score_milli"] == round(result.total_score * 1000)
                ),
            }
        )
    )


def run(sizes: list[int], solver: str) -> pd.DataFrame:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"cohort{n}.pkl"
            with open(path, "wb") as fh:
                pickle.dump(make_cohort(n), fh)
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), "--solver", solver],
                capture_output=True,
                text=True,
                check=True,
            )
            line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
            row = json.loads(line)
            row["x_mcf"] = row["total_s"] / max(row["mcf_s"], 1e-9)
            rows.append(row)
            print(
                pd.DataFrame([row]).to_string(index=False, float_format=lambda v: f"{v:.3f}"),
                file=sys.stderr,
                flush=True,
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="500,2000,10000,40000", help="mentee counts, comma separated"
    )
    parser.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.solver)
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    table = run(sizes, args.solver)
    cols = [
        "mentees",
        "mentors",
        "pairs",
        "pairs_s",
        "model_s",
        "solve_s",
        "total_s",
        "peak_MB",
        "status",
        "matched",
        "score",
        "mcf_s",
        "x_mcf",
        "equal",
    ]
    print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    return 0 if table["equal"].all() else 1


if __name__ == "__main__":
    sys.exit(main())
