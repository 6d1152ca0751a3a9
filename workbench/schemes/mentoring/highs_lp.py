"""One block's assignment LP held in HiGHS, with pairs added as pricing finds them.

PuLP rebuilds a model from scratch for every solve, which for a whole university costs more
than the solves themselves. Pricing only ever adds pairs, so the block path keeps the model in
HiGHS (through highspy, the solver PuLP uses by default) and adds the new pairs as columns;
each re-solve starts from the last optimal basis. The rows are the same rules as the PuLP
models (:mod:`workbench.schemes.mentoring.rules`), named the same way: one mentor per mentee,
mentor capacity; a locked pair's column has lower bound 1. With ``--solver cbc`` the block
path builds PuLP models instead.
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from workbench.cohort.domain import SolveStatus
from workbench.schemes.mentoring.model import INTEGRAL_TOL, Context, checked_duals
from workbench.schemes.mentoring.rules import safe_name
from workbench.schemes.solving import make_solver

INF = highspy.kHighsInf
# The first solve runs the dual simplex from the slack basis. New columns leave the last basis
# primal feasible (they enter at zero), so each re-solve runs the primal simplex from it: the
# dual simplex would first have to repair the new columns' dual infeasibility (measured on
# 40,000 students: a third of the re-solves' iterations and time).
SIMPLEX_DUAL, SIMPLEX_PRIMAL = 1, 4


class BlockLP:
    """The LP of one block: rows for its mentees and mentors, columns for the pairs added."""

    def __init__(self, mentees: np.ndarray, mentors: np.ndarray, ctx: Context) -> None:
        self.ctx, self.mentees, self.mentors = ctx, mentees, mentors
        make_solver("highs", mip=False)  # the shared set-up: keeps HiGHS's banner off stdout
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("threads", 1)  # as every other solve (schemes/solving.py)
        self.h.setOptionValue("random_seed", 0)
        # Each re-solve after new columns starts from the last optimal basis (hot start).
        self.h.setOptionValue("presolve", "off")
        self.h.setOptionValue("solver", "simplex")
        self.h.setOptionValue("simplex_strategy", SIMPLEX_DUAL)
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.e = np.zeros(0, dtype=np.int64)
        self.m = np.zeros(0, dtype=np.int64)
        self.coefs = np.zeros(0, dtype=float)
        started = time.perf_counter()
        self._one_mentor_per_mentee()
        self._mentor_capacity()
        ctx.model_seconds += time.perf_counter() - started

    def _add_rows(self, upper: np.ndarray, names: list[str]) -> None:
        first = self.h.getNumRow()
        n = len(upper)
        self.h.addRows(
            n,
            np.full(n, -INF),
            upper.astype(float),
            0,
            np.zeros(n, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        for k, name in enumerate(names):
            self.h.passRowName(first + k, name)

    def _one_mentor_per_mentee(self) -> None:
        """Rule: a mentee gets at most one mentor (rows 0 .. mentees - 1)."""
        ids = self.ctx.mentees.ids
        self._add_rows(
            np.ones(len(self.mentees)),
            [f"one_mentor_per_mentee_{e}_{safe_name(ids[e])}" for e in self.mentees.tolist()],
        )

    def _mentor_capacity(self) -> None:
        """Rule: a mentor takes at most ``capacity`` mentees (the rows after the mentees')."""
        ids = self.ctx.mentors.ids
        self._add_rows(
            self.ctx.mentors.capacity[self.mentors],
            [f"mentor_capacity_{j}_{safe_name(ids[j])}" for j in self.mentors.tolist()],
        )

    def add(self, e: np.ndarray, m: np.ndarray, coefs: np.ndarray, locked: np.ndarray) -> None:
        """Pairs (e[k], m[k]) as columns with objective ``coefs``; locked pairs always hold."""
        started = time.perf_counter()
        n = len(e)
        row_e = np.searchsorted(self.mentees, e)
        row_m = len(self.mentees) + np.searchsorted(self.mentors, m)
        index = np.empty(2 * n, dtype=np.int32)
        index[0::2], index[1::2] = row_e, row_m
        self.h.addCols(
            n,
            coefs.astype(float),
            locked.astype(float),
            np.ones(n),
            2 * n,
            np.arange(0, 2 * n, 2, dtype=np.int32),
            index,
            np.ones(2 * n),
        )
        self.e = np.concatenate([self.e, e])
        self.m = np.concatenate([self.m, m])
        self.coefs = np.concatenate([self.coefs, coefs.astype(float)])
        self.ctx.model_seconds += time.perf_counter() - started

    def run(self, mip: bool = False) -> SolveStatus:
        """Solve (from the last basis); ``mip`` makes every column integral first."""
        self.h.setOptionValue("time_limit", float(self.ctx.remaining()))
        if mip:
            n = self.h.getNumCol()
            self.h.changeColsIntegrality(
                n, np.arange(n, dtype=np.int32), np.full(n, 1, dtype=np.uint8)
            )
        started = time.perf_counter()
        self.h.run()
        self.h.setOptionValue("simplex_strategy", SIMPLEX_PRIMAL)
        seconds = time.perf_counter() - started
        optimal = self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        label = "optimal" if optimal else self.h.modelStatusToString(self.h.getModelStatus())
        value = self.h.getInfo().objective_function_value if optimal else None
        status = SolveStatus(
            "optimal" if optimal else "not solved",
            value,
            value,
            0.0 if optimal else None,
            seconds,
            "highs",
            [] if optimal else [f"HiGHS stopped: {label}"],
        )
        self.ctx.stages.append(status)
        return status

    def values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value, dtype=float)

    def duals(self, primal: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Certified (mentee, mentor) prices, or None (see ``checked_duals``)."""
        row_dual = np.asarray(self.h.getSolution().row_dual, dtype=float)
        pi_e = np.zeros(len(self.ctx.mentees))
        pi_m = np.zeros(len(self.ctx.mentors))
        pi_e[self.mentees] = row_dual[: len(self.mentees)]
        pi_m[self.mentors] = row_dual[len(self.mentees) :]
        return checked_duals(
            pi_e,
            pi_m,
            self.mentees,
            self.mentors,
            self.ctx.mentors.capacity,
            self.e,
            self.m,
            self.coefs,
            primal,
        )

    def integral(self) -> np.ndarray | None:
        """The plan as 0/1 per column, checked integral (solved as a MIP in the unexpected
        case it is not); None when that MIP stops without a plan."""
        values = self.values()
        if np.abs(values - np.rint(values)).max(initial=0.0) > INTEGRAL_TOL:
            status = self.run(mip=True)
            status.messages.append(
                "the LP optimum was fractional, so the model was solved as a MIP"
            )
            if status.status != "optimal":
                return None
            values = self.values()
        return np.rint(values) > 0.5
