"""Group formation: speed, proof and quality against simple references, in one run.

    python benchmarks/bench_groups.py [--quick]

Cases (generated cohorts, fixed seeds):

* ``study-60``: a 60-student module (SCI1000 of a 300-student cohort, seed 3) into groups of
  4-6 that share a free slot, diverse programme and gender, no-isolation on home status and
  gender. Target (issue 7): proven optimal in under 10 s.
* ``social-300``: the 300 UG1 students of a 1,001-student cohort into social groups of 4-6
  (programmes mixed, similar interests, no-isolation on home status). Target: a plan keeping
  every hard rule in under 30 s, with its proven gap.
* ``study-split-70`` (informational): a 70-student module where no slot has everyone free.
* ``mentor-led`` (informational): UG1 social groups each led by a mentor.

References in the same run, scored and checked with the same functions:

* ``random``: students shuffled and cut into groups of even size, each meeting at the slot most
  of its members are free (what a quick spreadsheet split gives);
* ``dealt``: students sorted by the diverse attributes and dealt round robin (the usual manual
  method for mixed groups), same slot choice.

``breaks`` counts the hard-rule messages of :func:`workbench.schemes.groups.solve.check_groups` (a member not
free at the group's time, an isolated student, an avoid pair, a wrong size...).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.cohort.availability import free_matrix  # noqa: E402
from workbench.cohort.generate import generate_cohort  # noqa: E402
from workbench.schemes.groups.prepare import select_pool  # noqa: E402
from workbench.schemes.groups.solve import GroupSettings, check_groups, form_groups, score_groups  # noqa: E402

STUDY_TARGET_S = 10.0
SOCIAL_TARGET_S = 30.0


def _cases(quick: bool) -> list[tuple[str, int, int, dict, str | None]]:
    cases = [
        (
            "study-60",
            300,
            3,
            dict(
                module="SCI1000",
                diverse=["programme", "gender"],
                no_isolation=["home_status", "gender"],
                time_limit=60,
            ),
            "optimal",
        ),
        (
            "social-300",
            1001,
            1,
            dict(
                kind="social",
                level="UG1",
                similar=["interests"],
                no_isolation=["home_status"],
                time_limit=25,
            ),
            "rules",
        ),
    ]
    if not quick:
        cases += [
            (
                "study-split-70",
                2000,
                3,
                dict(
                    module="LAN1001",
                    diverse=["programme"],
                    no_isolation=["home_status"],
                    time_limit=30,
                ),
                None,
            ),
            (
                "mentor-led",
                1001,
                1,
                dict(
                    kind="social",
                    level="UG1",
                    led_by_mentors=True,
                    no_isolation=["home_status"],
                    time_limit=20,
                ),
                None,
            ),
        ]
    return cases


def _reference(cohort, settings: GroupSettings, how: str, seed: int = 0) -> pd.DataFrame:
    """A simple plan: groups of even size, each at the slot most of its members are free."""
    ids, _ = select_pool(cohort, settings)
    lo, hi = settings.min_size, settings.max_size
    k = max(1, math.ceil(len(ids) / hi))
    while k > 1 and k * lo > len(ids):
        k -= 1
    if how == "random":
        order = list(ids)
        random.Random(seed).shuffle(order)
        groups = [order[i::k] for i in range(k)]
    else:
        table = cohort.students.set_index("student_id").loc[ids]
        keys = [a for a in settings.diverse if a in table.columns] or ["programme"]
        ordered = table.sort_values(keys, key=lambda s: s.astype(str)).index.tolist()
        groups = [ordered[i::k] for i in range(k)]
    grid = settings.slots()
    free = free_matrix(cohort, ids, grid)
    row = {s: i for i, s in enumerate(ids)}
    mentors = cohort.mentors.sort_values("capacity", ascending=False)["student_id"].tolist()
    rows = []
    for g, members in enumerate(groups):
        best = int(np.argmax(free[[row[s] for s in members]].sum(axis=0)))
        slot = grid[best]
        mentor = mentors[g] if settings.led_by_mentors and g < len(mentors) else None
        rows += [
            {
                "group_id": f"R{g + 1:03d}",
                "student_id": s,
                "day": slot.day,
                "start": slot.start,
                "end": slot.end,
                "mentor_id": mentor,
            }
            for s in members
        ]
    return pd.DataFrame(rows)


def _row(
    case: str,
    method: str,
    cohort,
    settings,
    groups: pd.DataFrame,
    students: int,
    seconds: float,
    status: str,
    gap: float | None,
) -> dict:
    scores = score_groups(cohort, settings, groups)
    return {
        "case": case,
        "method": method,
        "students": students,
        "placed": int(groups["student_id"].nunique()),
        "groups": len(scores),
        "worst": float(scores["score"].min()) if len(scores) else float("nan"),
        "mean": float(scores["score"].mean()) if len(scores) else float("nan"),
        "breaks": len(check_groups(cohort, settings, groups)),
        "status": status,
        "gap": gap,
        "seconds": seconds,
    }


def run(quick: bool) -> tuple[pd.DataFrame, list[str]]:
    rows: list[dict] = []
    verdicts: list[str] = []
    for name, n, seed, config, target in _cases(quick):
        cohort = generate_cohort(n, seed=seed)
        settings = GroupSettings(**config)
        started = time.perf_counter()
        result = form_groups(cohort, settings)
        seconds = time.perf_counter() - started
        summary = result.summary()
        rows.append(
            _row(
                name,
                "workbench",
                cohort,
                settings,
                result.groups,
                result.students,
                seconds,
                summary["status"],
                summary["gap"],
            )
        )
        breaks = rows[-1]["breaks"]
        for how in ("random", "dealt"):
            t0 = time.perf_counter()
            plan = _reference(cohort, settings, how)
            rows.append(
                _row(
                    name,
                    how,
                    cohort,
                    settings,
                    plan,
                    result.students,
                    time.perf_counter() - t0,
                    "-",
                    None,
                )
            )
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in summary["stages"].items())
        verdicts.append(
            f"{name}: {summary['label']}; worst {summary['worst_score']} "
            f"(bound {summary['worst_bound']}), total {summary['total_score']} "
            f"(bound {summary['total_bound']}); {stages}"
        )
        if target == "optimal":
            ok = summary["status"] == "optimal" and seconds < STUDY_TARGET_S and breaks == 0
            verdicts.append(
                f"  target proven optimal in < {STUDY_TARGET_S:.0f} s: "
                f"{'yes' if ok else 'NO'} ({seconds:.1f} s)"
            )
        elif target == "rules":
            ok = (
                breaks == 0
                and seconds < SOCIAL_TARGET_S
                and summary["status"] in ("optimal", "feasible")
            )
            gap = "none" if summary["gap"] is None else f"{summary['gap']:.1%}"
            verdicts.append(
                f"  target every hard rule kept in < {SOCIAL_TARGET_S:.0f} s with "
                f"its gap: {'yes' if ok else 'NO'} ({seconds:.1f} s, gap {gap})"
            )
    return pd.DataFrame(rows), verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the two target cases")
    args = parser.parse_args()
    table, verdicts = run(args.quick)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}", na_rep="-"))
    print()
    for line in verdicts:
        print(line)


if __name__ == "__main__":
    main()
