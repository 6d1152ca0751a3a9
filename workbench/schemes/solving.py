"""Solver configuration shared by every scheme: HiGHS (through highspy) by default, CBC fallback.

Only configures and reads back; the models live in one module per scheme. The outcome is
always one of the honest statuses of :class:`workbench.cohort.domain.SolveStatus`:
``optimal``, ``feasible`` (an incumbent with its proven gap, e.g. after the time limit),
``infeasible``, ``timed out`` (no plan found in time) or ``not solved``.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any

import pulp

from workbench.cohort.domain import SolveStatus

SOLVERS = ("highs", "cbc")
DEFAULT_TIME_LIMIT = 60.0


class _HiGHS(pulp.HiGHS):  # type: ignore[misc, valid-type]
    """PuLP's highspy interface, plus a warm start from the variables' current values."""

    def __init__(self, *args: Any, warm_start: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warm_start = warm_start

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
        if self.warm_start:
            import highspy

            variables = lp.variables()
            if any(v.varValue is not None for v in variables):
                solution = highspy.HighsSolution()
                solution.col_value = [float(v.varValue or 0.0) for v in variables]
                solution.value_valid = True
                lp.solverModel.setSolution(solution)
        super().callSolver(lp)


_banner_shown = False


def _swallow_highs_banner() -> None:
    """HiGHS prints a banner to the process's stdout on its first instance; keep CLI output clean."""
    global _banner_shown
    if _banner_shown:
        return
    _banner_shown = True
    import os
    import sys

    import highspy

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        highspy.Highs()  # no real stdout (e.g. captured): nothing to protect
        return
    sys.stdout.flush()
    saved, null = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
        highspy.Highs()
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(null)


def make_solver(
    name: str = "highs",
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    mip: bool = True,
    gap: float | None = None,
    warm_start: bool = False,
) -> Any:
    """A configured PuLP solver: ``highs`` (highspy) or ``cbc`` (PuLP's bundled CBC)."""
    if name == "highs":
        _swallow_highs_banner()
        return _HiGHS(
            mip=mip,
            msg=False,
            timeLimit=time_limit,
            gapRel=gap,
            threads=1,
            warm_start=warm_start,
            random_seed=0,
        )
    if name == "cbc":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pulp.PULP_CBC_CMD(
                mip=mip,
                msg=False,
                timeLimit=time_limit,
                gapRel=gap,
                warmStart=warm_start,
                threads=1,
            )
    raise ValueError(f"unknown solver '{name}' (use one of: {', '.join(SOLVERS)})")


def solve(
    prob: pulp.LpProblem,
    solver: str = "highs",
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    mip: bool = True,
    gap: float | None = None,
    warm_start: bool = False,
) -> SolveStatus:
    """Solve ``prob`` and report the outcome honestly (status, objective, bound, gap)."""
    engine = make_solver(solver, time_limit, mip, gap, warm_start)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(engine)
    except pulp.PulpSolverError as exc:
        return SolveStatus(
            "not solved",
            seconds=time.perf_counter() - started,
            solver=solver,
            messages=[f"the solver failed: {exc}"],
        )
    seconds = time.perf_counter() - started
    return _read_status(prob, solver, seconds, time_limit, lp=not mip or not prob.isMIP())


def _read_status(
    prob: pulp.LpProblem, solver: str, seconds: float, time_limit: float | None, lp: bool = False
) -> SolveStatus:
    objective = pulp.value(prob.objective) if prob.objective is not None else 0.0
    objective = float(objective) if objective is not None else None
    sol = prob.sol_status
    if prob.status == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        return SolveStatus("infeasible", seconds=seconds, solver=solver)
    if sol == pulp.LpSolutionNoSolutionFound or prob.status == pulp.LpStatusNotSolved:
        hit_limit = time_limit is not None and seconds >= 0.95 * time_limit
        if hit_limit:
            return SolveStatus(
                "timed out",
                seconds=seconds,
                solver=solver,
                messages=[f"no plan was found within the time limit of {time_limit:g} s"],
            )
        return SolveStatus(
            "not solved",
            seconds=seconds,
            solver=solver,
            messages=["the solver stopped without a plan"],
        )
    if prob.status == pulp.LpStatusUnbounded:
        return SolveStatus(
            "not solved",
            seconds=seconds,
            solver=solver,
            messages=["the model is unbounded (a bug: please report it)"],
        )
    if sol == pulp.LpSolutionOptimal:
        return SolveStatus("optimal", objective, objective, 0.0, seconds, solver)
    if lp:
        # An LP stopped early (time or iteration limit) has no proven plan: its last simplex
        # point need not even be feasible, and HiGHS reports no bound for it.
        return SolveStatus(
            "timed out",
            seconds=seconds,
            solver=solver,
            messages=["stopped at the time limit before the model was solved"],
        )
    bound = _dual_bound(prob, solver, objective)
    gap = relative_gap(objective, bound)
    status = "optimal" if gap is not None and gap <= 1e-9 else "feasible"
    return SolveStatus(status, objective, bound, gap, seconds, solver)


def _dual_bound(prob: pulp.LpProblem, solver: str, objective: float | None) -> float | None:
    model = getattr(prob, "solverModel", None)
    if solver == "highs" and model is not None:
        try:
            bound = float(model.getInfo().mip_dual_bound)
        except Exception:  # noqa: BLE001 (an LP has no MIP bound)
            return None
        if math.isinf(bound) or math.isnan(bound):
            return None
        # PuLP hands HiGHS a maximisation as the minimisation of -objective.
        return -bound if prob.sense == pulp.LpMaximize else bound
    return None


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound - objective| / max(1, |objective|); None when either is unknown."""
    if objective is None or bound is None:
        return None
    return abs(bound - objective) / max(1.0, abs(objective))
