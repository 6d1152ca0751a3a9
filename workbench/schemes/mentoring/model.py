"""The assignment LP of peer mentoring, solved exactly by pricing.

The assignment constraints form a bipartite b-matching, whose matrix is totally unimodular, so
the model is solved as an LP and its optimum checked to be integral. Each connected group of
mentees and mentors (with the programme rule, one per programme) is its own LP, solved by
pricing: start from each mentee's and each mentor's best few pairs, then add every pair whose
reduced cost (from the LP duals) shows it could improve the plan, until none can. The duals of
a totally unimodular LP with integer costs are integral, so that stopping test proves the plan
optimal over all eligible pairs; when the duals cannot certify it, the whole group is solved at
once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pulp

from workbench.cohort.domain import SolveStatus
from workbench.schemes.mentoring.budget import MentorBudget
from workbench.schemes.mentoring.rules import (
    locked_pairs_hold,
    mentor_capacity,
    one_mentor_per_mentee,
    pair_columns,
    runs,
    safe_name,
)
from workbench.schemes.mentoring.scoring import People
from workbench.schemes.mentoring.settings import MentoringSettings
from workbench.schemes.solving import solve

INTEGRAL_TOL = 1e-6
DUAL_TOL = 1e-6
PRICING_MIN_PAIRS = 300  # smaller groups are solved with all their pairs at once
START_PER_MENTEE = 2  # pricing starts from each mentee's best few mentors
START_PER_MENTOR = 24  # ... and each mentor's best (capacity + this) mentees
MAX_PRICING_ROUNDS = 25
# Simplex duals of a totally unimodular LP with integer costs are integers, so any pair that
# could improve the plan has a reduced cost of at least 1; the tolerance only absorbs rounding.
REDUCED_COST_TOL = 1e-3


@dataclass
class Pairs:
    """The pairs one model chooses from (sorted by mentee, then mentor)."""

    e: np.ndarray
    m: np.ndarray
    score: np.ndarray  # int64 milli-points
    locked: np.ndarray  # bool
    kept: np.ndarray  # bool: in the previous plan

    def subset(self, idx: np.ndarray) -> Pairs:
        return Pairs(self.e[idx], self.m[idx], self.score[idx], self.locked[idx], self.kept[idx])

    def __len__(self) -> int:
        return len(self.e)


@dataclass
class Context:
    mentees: People
    mentors: People
    settings: MentoringSettings
    deadline: float
    stages: list[SolveStatus] = field(default_factory=list)
    model_seconds: float = 0.0  # building PuLP models
    columns: int = 0  # pairs put into LP models, over all pricing rounds
    budget: MentorBudget | None = None

    def remaining(self) -> float:
        return max(1.0, self.deadline - time.perf_counter())


@dataclass
class RowsByPerson:
    """The constraints of an assignment model, to read their duals back."""

    mentee: dict[int, pulp.LpConstraint]
    mentor: dict[int, pulp.LpConstraint]


def assignment_model(
    name: str, pairs: Pairs, ctx: Context, coefs: np.ndarray, rows_out: RowsByPerson | None = None
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """Bipartite b-matching over ``pairs`` maximising ``coefs . x`` (built in linear time):
    the rules one mentor per mentee, mentor capacity and locked pairs hold. ``rows_out``
    collects the constraints by mentee and by mentor."""
    started = time.perf_counter()
    prob = pulp.LpProblem(name, pulp.LpMaximize)
    xs = pair_columns(prob, len(pairs))
    locked_pairs_hold(xs, pairs.locked)
    rows: dict[str, pulp.LpConstraint] = {}
    ids, mids = ctx.mentees.ids, ctx.mentors.ids
    out = rows_out if rows_out is not None else RowsByPerson({}, {})
    out.mentee.update(
        one_mentor_per_mentee(rows, xs, pairs.e, lambda e: f"{e}_{safe_name(ids[e])}")
    )
    out.mentor.update(
        mentor_capacity(
            rows, xs, pairs.m, ctx.mentors.capacity, label=lambda j: f"{j}_{safe_name(mids[j])}"
        )
    )
    prob.extend(rows)
    prob.setObjective(pulp.LpAffineExpression(zip(xs, coefs.tolist(), strict=True)))
    ctx.model_seconds += time.perf_counter() - started
    return prob, xs


def plan_values(xs: list[pulp.LpVariable]) -> np.ndarray:
    """The columns' values in the last solve (0 where the solver gave none)."""
    return np.fromiter((v.varValue or 0.0 for v in xs), dtype=float, count=len(xs))


def greedy_plan(pairs: Pairs, ctx: Context) -> np.ndarray:
    """Locked pairs, then best score first: the warm start and the time-limit fallback.
    With a budget, a mentor is only opened while the budget pays for one more."""
    order = np.lexsort((pairs.m, pairs.e, -pairs.score, ~pairs.kept, ~pairs.locked))
    taken = np.zeros(len(ctx.mentees), dtype=bool)
    load = np.zeros(len(ctx.mentors), dtype=np.int64)
    cap = ctx.mentors.capacity
    chosen = np.zeros(len(pairs), dtype=bool)
    e, m = pairs.e.tolist(), pairs.m.tolist()
    limit = ctx.budget.limit if ctx.budget is not None else None
    opened = 0
    for k in order.tolist():
        if not taken[e[k]] and load[m[k]] < cap[m[k]]:
            if limit is not None and load[m[k]] == 0:
                if opened >= limit and not pairs.locked[k]:
                    continue
                opened += 1
            taken[e[k]] = True
            load[m[k]] += 1
            chosen[k] = True
    return chosen


def integral_plan(
    prob: pulp.LpProblem, xs: list[pulp.LpVariable], status: SolveStatus, ctx: Context
) -> tuple[np.ndarray | None, SolveStatus]:
    """The LP optimum as a 0/1 plan, checked integral (solved as a MIP in the unexpected case
    it is not)."""
    values = plan_values(xs)
    if np.abs(values - np.rint(values)).max(initial=0.0) > INTEGRAL_TOL:
        status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=True)
        status.messages.append("the LP optimum was fractional, so the model was solved as a MIP")
        ctx.stages.append(status)
        if status.status not in ("optimal", "feasible"):
            return None, status
        values = plan_values(xs)
    return np.rint(values) > 0.5, status


def components(pairs: Pairs, n_e: int, n_m: int) -> list[np.ndarray]:
    """Pair indices of each connected group of mentees and mentors (each is a separate model;
    with the programme rule, one per programme). Order within a group is kept."""
    if not len(pairs):
        return []
    e, m = pairs.e, pairs.m
    label_e = np.arange(n_e, dtype=np.int64)
    label_m = np.full(n_m, n_e + n_m, dtype=np.int64)
    while True:  # propagate the smallest mentee index along pairs until nothing changes
        new_m = label_m.copy()
        np.minimum.at(new_m, m, label_e[e])
        new_e = label_e.copy()
        np.minimum.at(new_e, e, new_m[m])
        if np.array_equal(new_e, label_e) and np.array_equal(new_m, label_m):
            break
        label_e, label_m = new_e, new_m
    comp = label_e[e]
    order, starts, ends = runs(comp)
    return [np.sort(order[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def initial_columns(pairs: Pairs, ctx: Context) -> np.ndarray:
    """A small start for pricing: each mentee's best few mentors, each mentor's best few
    mentees, locked and previous pairs."""
    n = len(pairs)
    order = np.lexsort((pairs.m, -pairs.score, pairs.e))
    _, starts, ends = runs(pairs.e[order])
    rank_e = np.empty(n, dtype=np.int64)
    rank_e[order] = np.arange(n) - np.repeat(starts, ends - starts)
    order = np.lexsort((pairs.e, -pairs.score, pairs.m))
    _, starts, ends = runs(pairs.m[order])
    rank_m = np.empty(n, dtype=np.int64)
    rank_m[order] = np.arange(n) - np.repeat(starts, ends - starts)
    cap = ctx.mentors.capacity[pairs.m]
    return (
        (rank_e < START_PER_MENTEE) | (rank_m < cap + START_PER_MENTOR) | pairs.locked | pairs.kept
    )


def certified_duals(
    rows: RowsByPerson,
    ctx: Context,
    e: np.ndarray,
    m: np.ndarray,
    coefs: np.ndarray,
    primal: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """(mentee duals, mentor duals) of the model solved on the pairs (e, m) with objective
    ``coefs``, or None when they are not a valid certificate (see :func:`checked_duals`)."""
    pi_e = np.zeros(len(ctx.mentees))
    pi_m = np.zeros(len(ctx.mentors))
    for k, row in rows.mentee.items():
        pi_e[k] = row.pi or 0.0
    for k, row in rows.mentor.items():
        pi_m[k] = row.pi or 0.0
    have_e = np.fromiter(rows.mentee, dtype=np.int64, count=len(rows.mentee))
    have_m = np.fromiter(rows.mentor, dtype=np.int64, count=len(rows.mentor))
    return checked_duals(pi_e, pi_m, have_e, have_m, ctx.mentors.capacity, e, m, coefs, primal)


def checked_duals(
    pi_e: np.ndarray,
    pi_m: np.ndarray,
    have_e: np.ndarray,
    have_m: np.ndarray,
    capacity: np.ndarray,
    e: np.ndarray,
    m: np.ndarray,
    coefs: np.ndarray,
    primal: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The row duals as (mentee, mentor) prices when they certify the plan: not negative (the
    rows are "at most"), and the dual objective (rows' right-hand sides, plus the positive
    reduced costs the pairs' upper bounds carry) equal to the plan's value. Rows not in the
    model (``have_e``, ``have_m`` list those that are) have price 0."""
    for sign in (-1.0, 1.0):  # solvers differ in the sign they report when maximising
        u, v = sign * pi_e, sign * pi_m
        if u.min(initial=0.0) < -DUAL_TOL or v.min(initial=0.0) < -DUAL_TOL:
            continue
        dual = float(u[have_e].sum() + (v[have_m] * capacity[have_m]).sum())
        dual += float(np.maximum(coefs - u[e] - v[m], 0.0).sum())
        if abs(dual - primal) <= 0.5 + 1e-9 * abs(primal):
            return u, v
    return None


def reduced_costs(
    rows: RowsByPerson,
    pairs: Pairs,
    ctx: Context,
    coefs: np.ndarray,
    active: np.ndarray,
    primal: float,
) -> np.ndarray | None:
    """Reduced costs of every pair from the duals of the model on the ``active`` pairs, or
    None when the duals are not a valid certificate (dual objective = primal objective)."""
    duals = certified_duals(rows, ctx, pairs.e[active], pairs.m[active], coefs[active], primal)
    if duals is None:
        return None
    u, v = duals
    return coefs - u[pairs.e] - v[pairs.m]


def pricing_lp(
    name: str, pairs: Pairs, ctx: Context, coefs: np.ndarray
) -> tuple[np.ndarray | None, SolveStatus]:
    """Solve one connected group's LP over its pairs by pricing: solve on a few promising
    pairs, add every pair whose reduced cost shows it could improve the plan, repeat. With
    integer coefficients and a totally unimodular matrix the simplex duals are integral, so
    "no positive reduced cost" (and dual objective = plan value) proves the plan optimal over
    all pairs; when the duals cannot certify it, the whole group is solved at once."""
    n = len(pairs)
    active = np.ones(n, dtype=bool) if n <= PRICING_MIN_PAIRS else initial_columns(pairs, ctx)
    status = SolveStatus("not solved")
    for _ in range(MAX_PRICING_ROUNDS):
        idx = np.flatnonzero(active)
        ctx.columns += len(idx)
        rows = RowsByPerson({}, {})
        prob, xs = assignment_model(name, pairs.subset(idx), ctx, coefs[idx], rows)
        status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=False)
        ctx.stages.append(status)
        if status.status != "optimal":
            return None, status
        if active.all():
            break
        values = plan_values(xs)
        primal = float(coefs[idx] @ values)
        reduced = reduced_costs(rows, pairs, ctx, coefs.astype(float), active, primal)
        if reduced is None:
            active[:] = True
            continue
        add = ~active & (reduced > REDUCED_COST_TOL)
        if not add.any():
            break
        active |= add
    else:
        active[:] = True
        idx = np.arange(n)
        prob, xs = assignment_model(name, pairs, ctx, coefs)
        status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=False)
        ctx.stages.append(status)
        if status.status != "optimal":
            return None, status
    plan, status = integral_plan(prob, xs, status, ctx)
    if plan is None:
        return None, status
    chosen = np.zeros(n, dtype=bool)
    chosen[idx[plan]] = True
    return chosen, status


def per_mentee_max(pairs: Pairs, n: int) -> np.ndarray:
    best = np.full(n, -1, dtype=np.int64)
    np.maximum.at(best, pairs.e, pairs.score)
    return best
