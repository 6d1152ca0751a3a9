"""Peer mentoring: match mentees to mentors optimally, explain the plan, re-solve after changes.

Hard rules (see :mod:`workbench.schemes.mentoring.scoring`): mentor level at least ``min_level_gap``
above the mentee's; same programme / faculty / anyone (``rule``); never an avoid pair; never the
mentee themself; a mentor takes at most ``capacity`` mentees; a mentee gets at most one mentor.

Objectives:

* ``coverage`` (default): match as many mentees as possible, then maximise the total score;
* ``quality``: maximise the total score; a pair below ``min_score`` is not made (then as many
  mentees as possible among equally good plans);
* ``fairness``: match as many mentees as possible, then maximise the lowest matched score,
  then the total score.

``stable`` replaces the objective: ``mentee_optimal`` is the mentee-optimal stable matching
(deferred acceptance) and ``best_score`` the stable matching with the best total score (a MILP
with "no blocking pair" constraints). Only pairs ranked by both sides are acceptable.

Locked pairs always hold (a lock even overrides ``min_score``). With ``previous_pairs`` the plan
is lexicographic: coverage, then how many previous pairs are kept, then the objective.

The assignment constraints form a bipartite b-matching, whose matrix is totally unimodular, so
every model whose objective keeps that property is solved as an LP and its optimum checked to be
integral; ``fairness`` (max-min) is a bisection over score thresholds, each step the same LP;
only ``best_score`` (stability rows) needs a MIP. Objective tiers are folded into one objective
of integer milli-points (exact in double precision).

Speed: each connected group of mentees and mentors (with the programme rule, one per programme)
is its own LP, solved by pricing: start from each mentee's and each mentor's best few pairs,
then add every pair whose reduced cost (from the LP duals) shows it could improve the plan,
until none can. The duals of a totally unimodular LP with integer costs are integral, so that
stopping test proves the plan optimal over all eligible pairs; when the duals cannot certify it,
the whole group is solved at once.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Literal

import numpy as np
import pandas as pd
import pulp
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.outcomes.costs import CostRates, budget_status, cost_of_mentors
from workbench.schemes.mentoring.budget import (
    MentorBudget,
    budget_model,
    budget_start,
    mentee_types,
    mentor_budget,
    mentors_by_types,
)
from workbench.schemes.mentoring.explain import MenteeFacts, cohort_fixes, unmatched_reasons
from workbench.schemes.mentoring.scoring import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    People,
    build_people,
    eligible_pairs,
    id_pairs_to_codes,
    member,
    pair_code,
    score_pairs,
)
from workbench.schemes.mentoring.stable import deferred_acceptance, stability_rows, stable_instance
from workbench.schemes.solving import solve

MAX_PAIRS = 25_000_000  # beyond this the model would not fit in memory: ask for a narrower rule
INTEGRAL_TOL = 1e-6
DUAL_TOL = 1e-6
PRICING_MIN_PAIRS = 300  # smaller groups are solved with all their pairs at once
START_PER_MENTEE = 2  # pricing starts from each mentee's best few mentors
START_PER_MENTOR = 24  # ... and each mentor's best (capacity + this) mentees
MAX_PRICING_ROUNDS = 25
# Simplex duals of a totally unimodular LP with integer costs are integers, so any pair that
# could improve the plan has a reduced cost of at least 1; the tolerance only absorbs rounding.
REDUCED_COST_TOL = 1e-3
# With a budget, up to this many pairs are solved as one exact MIP; more choose the mentors
# over mentee types first (coverage exact, score best for the mentors chosen).
FULL_MIP_MAX_PAIRS = 60_000


class MentoringSettings(BaseModel):
    """Everything the coordinator chooses for one mentoring solve (JSON-serialisable)."""

    model_config = ConfigDict(extra="forbid")

    rule: Literal["programme", "faculty", "any"] = "programme"
    min_level_gap: int = Field(1, ge=0, le=7)
    objective: Literal["coverage", "quality", "fairness"] = "coverage"
    min_score: float = Field(0.0, ge=0.0, description="quality: pairs below this are not made")
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    stable: Literal["off", "mentee_optimal", "best_score"] = "off"
    locked_pairs: list[tuple[str, str]] = Field(default_factory=list)
    previous_pairs: list[tuple[str, str]] = Field(default_factory=list)
    time_limit: float = Field(60.0, gt=0)
    solver: Literal["highs", "cbc"] = "highs"
    budget: float | None = Field(
        None, ge=0.0, allow_inf_nan=False, description="money per term; None = no cap"
    )
    cost_rates: CostRates = Field(default_factory=CostRates)

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(CRITERIA))
        if unknown:
            raise ValueError(f"unknown criteria {unknown} (use: {', '.join(CRITERIA)})")
        bad = sorted(k for k, v in value.items() if not (v >= 0 and math.isfinite(v)))
        if bad:
            raise ValueError(f"weights must be 0 or more: {bad}")
        return {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in value.items()}}

    @property
    def best_possible_score(self) -> float:
        """The score of a pair that meets every criterion in full: the sum of the weights."""
        return float(sum(self.weights.values()))

    @model_validator(mode="after")
    def _stable_locks(self) -> MentoringSettings:
        if self.stable == "mentee_optimal" and (self.locked_pairs or self.previous_pairs):
            raise ValueError(
                "the mentee-optimal stable matching cannot keep locked or previous "
                "pairs: use stable='best_score' for that"
            )
        if self.stable != "off" and self.budget is not None:
            raise ValueError(
                "a budget cannot be combined with a stable matching (a mentor left "
                "out for the budget would form blocking pairs): use the coverage, "
                "quality or fairness objective"
            )
        return self


@dataclass
class MentoringResult:
    """A mentoring plan with its explanations."""

    status: SolveStatus
    matches: pd.DataFrame
    unmatched: pd.DataFrame
    mentor_load: pd.DataFrame
    fixes: list[str]
    changed_pairs: int | None
    mentees: int
    matched: int
    settings: MentoringSettings
    eligible_pairs: int = 0
    build_seconds: float = 0.0  # eligible pairs and their scores
    model_seconds: float = 0.0  # building the PuLP models
    total_score: float = 0.0
    lowest_score: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        """Matched / mentees (0.0 when there are no mentees)."""
        return self.matched / self.mentees if self.mentees else 0.0

    @property
    def mentors_used(self) -> int:
        """Mentors with at least one mentee (the ones the scheme pays for)."""
        return int((self.mentor_load["assigned"] > 0).sum()) if len(self.mentor_load) else 0

    @property
    def cost(self) -> float:
        """What the plan costs per term by the settings' cost rates."""
        return cost_of_mentors(self.mentors_used, self.settings.cost_rates).total

    @property
    def budget_message(self) -> str:
        """The plan's cost against the budget, in words."""
        return budget_status(
            self.cost, self.settings.budget, self.settings.cost_rates.currency
        ).message

    def summary(self) -> dict[str, Any]:
        """The content of summary.json."""
        objective = (
            self.lowest_score
            if (self.settings.objective == "fairness" and self.settings.stable == "off")
            else self.total_score
        )
        return {
            "status": self.status.status,
            "status_label": self.status.label,
            "matched": self.matched,
            "mentees": self.mentees,
            "coverage": round(self.coverage, 6),
            "objective": objective,
            "objective_name": (
                self.settings.stable if self.settings.stable != "off" else self.settings.objective
            ),
            "total_score": self.total_score,
            "lowest_score": self.lowest_score,
            "gap": self.status.gap,
            "seconds": round(self.status.seconds, 3),
            "build_seconds": round(self.build_seconds, 3),
            "model_seconds": round(self.model_seconds, 3),
            "solver": self.status.solver,
            "eligible_pairs": self.eligible_pairs,
            "changed_pairs": self.changed_pairs,
            "unmatched": len(self.unmatched),
            "mentors_used": self.mentors_used,
            "cost": round(self.cost, 2),
            "budget": self.settings.budget,
            "within_budget": (
                None
                if self.settings.budget is None
                else bool(self.cost <= self.settings.budget + 1e-6)
            ),
            "budget_message": self.budget_message,
            "messages": list(self.status.messages),
            "fixes": list(self.fixes),
            "settings": self.settings.model_dump(mode="json"),
        }


# ---------------------------------------------------------------------------------------------
# Models


def _safe(text: Any) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text))[:40]


@dataclass
class _Pairs:
    """The pairs one model chooses from (sorted by mentee, then mentor)."""

    e: np.ndarray
    m: np.ndarray
    score: np.ndarray  # int64 milli-points
    locked: np.ndarray  # bool
    kept: np.ndarray  # bool: in the previous plan

    def subset(self, idx: np.ndarray) -> _Pairs:
        return _Pairs(self.e[idx], self.m[idx], self.score[idx], self.locked[idx], self.kept[idx])

    def __len__(self) -> int:
        return len(self.e)


@dataclass
class _Context:
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


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, starts, ends) of runs of equal keys after a stable sort."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    if len(sk) == 0:
        return order, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
    ends = np.r_[starts[1:], len(sk)]
    return order, starts, ends


@dataclass
class _Rows:
    """The constraints of an assignment model, to read their duals back."""

    mentee: dict[int, pulp.LpConstraint]
    mentor: dict[int, pulp.LpConstraint]


def _assignment_model(
    name: str, pairs: _Pairs, ctx: _Context, coefs: np.ndarray, rows_out: _Rows | None = None
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """Bipartite b-matching over ``pairs`` maximising ``coefs . x`` (built in linear time).
    ``rows_out`` collects the constraints by mentee and by mentor."""
    started = time.perf_counter()
    prob = pulp.LpProblem(name, pulp.LpMaximize)
    xs = [prob.add_variable(f"pair_{k:08d}", 0, 1, pulp.LpBinary) for k in range(len(pairs))]
    for k in np.flatnonzero(pairs.locked).tolist():
        xs[k].lowBound = 1
    le = pulp.LpConstraintLE
    rows: dict[str, pulp.LpConstraint] = {}
    e, m = pairs.e, pairs.m
    starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]]) if len(e) else np.zeros(0, int)
    ends = np.r_[starts[1:], len(e)]
    ids = ctx.mentees.ids
    out = rows_out if rows_out is not None else _Rows({}, {})
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        row = pulp.LpConstraint(pulp.LpAffineExpression(zip(xs[a:b], repeat(1))), le, rhs=1)
        rows[f"one_mentor_per_mentee_{e[a]}_{_safe(ids[e[a]])}"] = row
        out.mentee[int(e[a])] = row
    order, starts, ends = _groups(m)
    cap, mids = ctx.mentors.capacity, ctx.mentors.ids
    order_l = order.tolist()
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        j = int(m[order_l[a]])
        row = pulp.LpConstraint(
            pulp.LpAffineExpression((xs[k], 1) for k in order_l[a:b]), le, rhs=int(cap[j])
        )
        rows[f"mentor_capacity_{j}_{_safe(mids[j])}"] = row
        out.mentor[j] = row
    prob.extend(rows)
    prob.setObjective(pulp.LpAffineExpression(zip(xs, coefs.tolist(), strict=True)))
    ctx.model_seconds += time.perf_counter() - started
    return prob, xs


def _values(xs: list[pulp.LpVariable]) -> np.ndarray:
    return np.fromiter((v.varValue or 0.0 for v in xs), dtype=float, count=len(xs))


def _greedy(pairs: _Pairs, ctx: _Context) -> np.ndarray:
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


def _integral(
    prob: pulp.LpProblem, xs: list[pulp.LpVariable], status: SolveStatus, ctx: _Context
) -> tuple[np.ndarray | None, SolveStatus]:
    """The LP optimum as a 0/1 plan, checked integral (solved as a MIP in the unexpected case
    it is not)."""
    values = _values(xs)
    if np.abs(values - np.rint(values)).max(initial=0.0) > INTEGRAL_TOL:
        status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=True)
        status.messages.append("the LP optimum was fractional, so the model was solved as a MIP")
        ctx.stages.append(status)
        if status.status not in ("optimal", "feasible"):
            return None, status
        values = _values(xs)
    return np.rint(values) > 0.5, status


def _components(pairs: _Pairs, n_e: int, n_m: int) -> list[np.ndarray]:
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
    order, starts, ends = _groups(comp)
    return [np.sort(order[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def _initial_columns(pairs: _Pairs, ctx: _Context) -> np.ndarray:
    """A small start for pricing: each mentee's best few mentors, each mentor's best few
    mentees, locked and previous pairs."""
    n = len(pairs)
    order = np.lexsort((pairs.m, -pairs.score, pairs.e))
    _, starts, ends = _groups(pairs.e[order])
    rank_e = np.empty(n, dtype=np.int64)
    rank_e[order] = np.arange(n) - np.repeat(starts, ends - starts)
    order = np.lexsort((pairs.e, -pairs.score, pairs.m))
    _, starts, ends = _groups(pairs.m[order])
    rank_m = np.empty(n, dtype=np.int64)
    rank_m[order] = np.arange(n) - np.repeat(starts, ends - starts)
    cap = ctx.mentors.capacity[pairs.m]
    return (
        (rank_e < START_PER_MENTEE) | (rank_m < cap + START_PER_MENTOR) | pairs.locked | pairs.kept
    )


def _reduced_costs(
    rows: _Rows, pairs: _Pairs, ctx: _Context, coefs: np.ndarray, active: np.ndarray, primal: float
) -> np.ndarray | None:
    """Reduced costs of every pair from the duals of the model on the ``active`` pairs, or
    None when the duals are not a valid certificate (dual objective = primal objective)."""
    pi_e = np.zeros(len(ctx.mentees))
    pi_m = np.zeros(len(ctx.mentors))
    for k, row in rows.mentee.items():
        pi_e[k] = row.pi or 0.0
    for k, row in rows.mentor.items():
        pi_m[k] = row.pi or 0.0
    have_e = np.fromiter(rows.mentee, dtype=np.int64, count=len(rows.mentee))
    have_m = np.fromiter(rows.mentor, dtype=np.int64, count=len(rows.mentor))
    for sign in (-1.0, 1.0):  # solvers differ in the sign they report when maximising
        u, v = sign * pi_e, sign * pi_m
        if u.min(initial=0.0) < -DUAL_TOL or v.min(initial=0.0) < -DUAL_TOL:
            continue
        reduced = coefs - u[pairs.e] - v[pairs.m]
        dual = float(u[have_e].sum() + (v[have_m] * ctx.mentors.capacity[have_m]).sum())
        # Upper bounds x <= 1 of the active pairs carry the positive reduced costs.
        dual += float(np.maximum(reduced[active], 0.0).sum())
        if abs(dual - primal) <= 0.5 + 1e-9 * abs(primal):
            return reduced
    return None


def _colgen_lp(
    name: str, pairs: _Pairs, ctx: _Context, coefs: np.ndarray
) -> tuple[np.ndarray | None, SolveStatus]:
    """Solve one connected group's LP over its pairs by pricing: solve on a few promising
    pairs, add every pair whose reduced cost shows it could improve the plan, repeat. With
    integer coefficients and a totally unimodular matrix the simplex duals are integral, so
    "no positive reduced cost" (and dual objective = plan value) proves the plan optimal over
    all pairs; when the duals cannot certify it, the whole group is solved at once."""
    n = len(pairs)
    active = np.ones(n, dtype=bool) if n <= PRICING_MIN_PAIRS else _initial_columns(pairs, ctx)
    status = SolveStatus("not solved")
    for _ in range(MAX_PRICING_ROUNDS):
        idx = np.flatnonzero(active)
        ctx.columns += len(idx)
        rows = _Rows({}, {})
        prob, xs = _assignment_model(name, pairs.subset(idx), ctx, coefs[idx], rows)
        status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=False)
        ctx.stages.append(status)
        if status.status != "optimal":
            return None, status
        if active.all():
            break
        values = _values(xs)
        primal = float(coefs[idx] @ values)
        reduced = _reduced_costs(rows, pairs, ctx, coefs.astype(float), active, primal)
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
        prob, xs = _assignment_model(name, pairs, ctx, coefs)
        status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=False)
        ctx.stages.append(status)
        if status.status != "optimal":
            return None, status
    plan, status = _integral(prob, xs, status, ctx)
    if plan is None:
        return None, status
    chosen = np.zeros(n, dtype=bool)
    chosen[idx[plan]] = True
    return chosen, status


def _per_mentee_max(pairs: _Pairs, n: int) -> np.ndarray:
    best = np.full(n, -1, dtype=np.int64)
    np.maximum.at(best, pairs.e, pairs.score)
    return best


def _lexicographic(
    name: str, pairs: _Pairs, ctx: _Context, score_first: bool = False
) -> tuple[np.ndarray | None, SolveStatus]:
    """Coverage then score (or, ``score_first``, score then coverage); with previous pairs
    always coverage, then kept previous pairs, then score.

    Each connected group of mentees and mentors is solved on its own, with the tiers folded
    into one objective of integers: a tier's weight is more than the most the tiers below can
    add up to in that group, and every coefficient stays far below 2**53, so the LP is exact.
    """
    chosen, status = _tiers(name, pairs, ctx, score_first)
    budget = ctx.budget
    if chosen is None or budget is None or budget.limit is None:
        return chosen, status
    used = len(np.unique(pairs.m[chosen]))
    if budget.free_mentors is None:  # the first plan solved: coverage without the budget
        budget.free_mentors, budget.free_matched = used, int(chosen.sum())
    if used <= budget.limit:
        return chosen, status
    if len(pairs) <= FULL_MIP_MAX_PAIRS:
        return _budget_mip(name, pairs, ctx, chosen, score_first)
    return _budget_by_types(name, pairs, ctx, chosen, score_first)


def _tiers(
    name: str, pairs: _Pairs, ctx: _Context, score_first: bool
) -> tuple[np.ndarray | None, SolveStatus]:
    """The tiered objective without a budget: one exact LP per connected group."""
    chosen = np.zeros(len(pairs), dtype=bool)
    status = SolveStatus("optimal", solver=ctx.settings.solver)
    for group in _components(pairs, len(ctx.mentees), len(ctx.mentors)):
        sub = pairs.subset(group)
        best = _per_mentee_max(sub, len(ctx.mentees))
        span = int(best[best > 0].sum()) + 1  # more than any plan's total score in the group
        mentees = int((best >= 0).sum())
        if score_first and not sub.kept.any():
            coefs = sub.score * (mentees + 1) + 1
        else:
            kept = sub.kept.astype(np.int64)
            coefs = (int(kept.sum()) + 1) * span + kept * span + sub.score
        sub_chosen, status = _colgen_lp(name, sub, ctx, coefs)
        if sub_chosen is None:
            return None, status
        chosen[group[sub_chosen]] = True
    return chosen, status


def _tier_coefs(
    pairs: _Pairs, ctx: _Context, score_first: bool
) -> tuple[np.ndarray, float, float, int]:
    """Folded tier coefficients over all pairs at once, with (coverage weight, kept weight,
    mentees): coverage, then kept previous pairs, then score (or score first)."""
    best = _per_mentee_max(pairs, len(ctx.mentees))
    span = int(best[best > 0].sum()) + 1
    mentees = int((best >= 0).sum())
    if score_first and not pairs.kept.any():
        return pairs.score * (mentees + 1) + 1, 0.0, 0.0, mentees
    kept = pairs.kept.astype(np.int64)
    cover = (int(kept.sum()) + 1) * span
    return cover + kept * span + pairs.score, float(cover), float(span), mentees


def _budget_mip(
    name: str, pairs: _Pairs, ctx: _Context, unbudgeted: np.ndarray, score_first: bool
) -> tuple[np.ndarray, SolveStatus]:
    """The same tiers when the plan without the budget uses more mentors than the budget pays
    for: one MIP over every pair (the budget links the connected groups), warm-started from
    the busiest mentors of that plan; that start is also the plan if the MIP finds nothing
    better in time."""
    budget = ctx.budget
    budget.mip = True
    limit = int(budget.limit)
    start = budget_start(
        pairs.e, pairs.m, pairs.score, pairs.locked, ctx.mentors.capacity, unbudgeted, limit
    )
    coefs, _, _, _ = _tier_coefs(pairs, ctx, score_first)
    started = time.perf_counter()
    prob, xs, used = budget_model(
        f"{name}_budget", pairs.e, pairs.m, pairs.locked, coefs, ctx.mentors.capacity, limit
    )
    for v, c in zip(xs, start.tolist(), strict=True):
        v.setInitialValue(1.0 if c else 0.0)
    opened = set(pairs.m[start].tolist())
    for j, v in used.items():
        v.setInitialValue(1.0 if j in opened else 0.0)
    ctx.model_seconds += time.perf_counter() - started
    # The relative gap is small enough to prove the coverage and, on all but huge objectives,
    # the total score too.
    status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=True, gap=1e-9, warm_start=True)
    ctx.stages.append(status)
    start_value = float(coefs[start].sum())
    if status.status in ("optimal", "feasible"):
        chosen = np.rint(_values(xs)) > 0.5
        if (
            len(np.unique(pairs.m[chosen])) <= limit
            and float(coefs[chosen].sum()) >= start_value - 0.5
        ):
            if status.status != "optimal":
                budget.proven = False
            return chosen, status
    budget.proven = False
    note = (
        f"the budget model stopped ({status.status}) before proving a plan: this plan keeps "
        f"the {limit} busiest mentors of the plan without the budget"
    )
    budget.notes.append(note)
    return start, SolveStatus(
        "feasible", start_value, status.bound, None, status.seconds, status.solver, [note]
    )


def _fairness(pairs: _Pairs, ctx: _Context) -> tuple[np.ndarray | None, SolveStatus]:
    """Coverage (then kept previous pairs), then the lowest matched score, then the total score.

    The best lowest score is one of the pair scores, and leaving out every pair below a
    threshold can only lower the coverage, so a bisection over the distinct scores finds the
    highest threshold that keeps the coverage (and kept pairs): a handful of the same totally
    unimodular LPs, each exact, instead of a max-min MIP that does not scale. Locked pairs are
    kept whatever their score.
    """
    chosen, status = _lexicographic("mentoring_fairness_coverage", pairs, ctx)
    if chosen is None or not (chosen & ~pairs.locked).any():
        return chosen, status
    target = (int(chosen.sum()), int((chosen & pairs.kept).sum()))
    scores = np.unique(pairs.score)
    lo = int(np.searchsorted(scores, pairs.score[chosen & ~pairs.locked].min()))
    hi = len(scores) - 1
    best = chosen  # the coverage plan is the best-scoring plan at its own lowest score
    while lo < hi:
        mid = (lo + hi + 1) // 2
        keep = np.flatnonzero((pairs.score >= scores[mid]) | pairs.locked)
        sub_chosen, sub_status = _lexicographic(
            "mentoring_fairness_lowest_score", pairs.subset(keep), ctx
        )
        if sub_chosen is None:
            status = SolveStatus(
                "feasible",
                None,
                None,
                None,
                sub_status.seconds,
                sub_status.solver,
                [
                    f"stopped ({sub_status.status}) before proving the best "
                    f"lowest score: between {scores[lo] / 1000:g} and "
                    f"{scores[hi] / 1000:g}"
                ],
            )
            return best, status
        sub = pairs.subset(keep)
        if (int(sub_chosen.sum()), int((sub_chosen & sub.kept).sum())) == target:
            lo = mid
            best = np.zeros(len(pairs), dtype=bool)
            best[keep[sub_chosen]] = True
        else:
            hi = mid - 1
    return best, SolveStatus(
        "optimal",
        solver=ctx.settings.solver,
        messages=[
            f"the lowest matched score {scores[lo] / 1000:g} is "
            "the best possible at full coverage (bisection over "
            "scores, each step an exact LP)"
        ],
    )


def _stable_best(
    pairs: _Pairs, acceptable: np.ndarray, inst: Any, ctx: _Context, warm: np.ndarray | None
) -> tuple[np.ndarray | None, SolveStatus]:
    """The best total score among stable matchings (then kept previous pairs first)."""
    sub = pairs.subset(acceptable)
    best = _per_mentee_max(sub, len(ctx.mentees))
    span = int(best[best > 0].sum()) + 1
    coefs = sub.kept.astype(np.int64) * span + sub.score
    prob, xs = _assignment_model("mentoring_stable_best_score", sub, ctx, coefs)
    rows = {}
    ids, mids = ctx.mentees.ids, ctx.mentors.ids
    for k, idx, coef, rhs in stability_rows(inst, ctx.mentors.capacity):
        e, m = int(sub.e[k]), int(sub.m[k])
        rows[f"no_blocking_pair_{k}_{_safe(ids[e])}_{_safe(mids[m])}"] = pulp.LpConstraint(
            pulp.LpAffineExpression(zip([xs[j] for j in idx], coef, strict=True)),
            pulp.LpConstraintGE,
            rhs=rhs,
        )
    prob.extend(rows)
    use_warm = warm is not None
    if use_warm:
        for v, c in zip(xs, warm.tolist(), strict=True):
            v.setInitialValue(1.0 if c else 0.0)
    status = solve(prob, ctx.settings.solver, ctx.remaining(), mip=True, warm_start=use_warm)
    ctx.stages.append(status)
    if status.status not in ("optimal", "feasible"):
        return None, status
    chosen = np.zeros(len(pairs), dtype=bool)
    chosen[acceptable[np.rint(_values(xs)) > 0.5]] = True
    return chosen, status


def _budget_by_types(
    name: str, pairs: _Pairs, ctx: _Context, unbudgeted: np.ndarray, score_first: bool
) -> tuple[np.ndarray, SolveStatus]:
    """Large cohorts: choose the mentors to pay for with a MIP over mentee types (mentees with
    the same eligible mentors are interchangeable, so coverage and kept previous pairs are
    exact; thousands of pairs become a few hundred), then match exactly by the LP over the
    chosen mentors. The total score is the best for those mentors, not proven the best over
    every choice of mentors."""
    budget = ctx.budget
    budget.mip = True
    budget.proven = False
    limit = int(budget.limit)
    start = budget_start(
        pairs.e, pairs.m, pairs.score, pairs.locked, ctx.mentors.capacity, unbudgeted, limit
    )
    coefs, cover, kept_weight, mentees = _tier_coefs(pairs, ctx, score_first)
    started = time.perf_counter()
    types = mentee_types(pairs.e, pairs.m, pairs.score, pairs.locked, pairs.kept, len(ctx.mentees))
    if score_first and cover == 0.0:
        type_coefs = types.score * (mentees + 1) + 1
    else:
        type_coefs = cover + kept_weight * types.kept + types.score
    ctx.model_seconds += time.perf_counter() - started
    mentors, status = mentors_by_types(
        f"{name}_budget_mentors",
        types,
        ctx.mentors.capacity,
        limit,
        type_coefs,
        (pairs.e[start], pairs.m[start]),
        ctx.settings.solver,
        ctx.remaining(),
    )
    ctx.stages.append(status)
    start_value = float(coefs[start].sum())
    chosen = None
    if mentors is not None:
        keep = np.flatnonzero(mentors[pairs.m])
        sub_chosen, _ = _tiers(name, pairs.subset(keep), ctx, score_first)
        if sub_chosen is not None:
            chosen = np.zeros(len(pairs), dtype=bool)
            chosen[keep[sub_chosen]] = True
            if float(coefs[chosen].sum()) < start_value - 0.5:
                chosen = None
    if chosen is None:
        note = (
            f"the budget model stopped ({status.status}) before choosing the mentors: this "
            f"plan keeps the {limit} busiest mentors of the plan without the budget"
        )
        budget.notes.append(note)
        return start, SolveStatus(
            "feasible", start_value, None, None, status.seconds, status.solver, [note]
        )
    if status.status == "optimal":
        what = "coverage" if not score_first else "the score of the mentors chosen"
        note = (
            f"with the budget, the mentors were chosen by a MIP over groups of mentees with "
            f"the same eligible mentors ({what} proven the best the budget allows), then "
            "matched exactly by LP; the total score is the best for these mentors, not "
            "proven the best over every choice of mentors"
        )
    else:
        note = (
            f"with the budget, choosing the mentors stopped ({status.status}) before it was "
            "proven: the coverage is not proven the best the budget allows"
        )
    budget.notes.append(note)
    return chosen, SolveStatus(
        "feasible", float(coefs[chosen].sum()), None, None, status.seconds, status.solver, [note]
    )


# ---------------------------------------------------------------------------------------------
# Locks


def _lock_problems(
    cohort: Cohort,
    locks: list[tuple[str, str]],
    lock_codes: np.ndarray,
    pair_codes: np.ndarray,
    mentees: People,
    mentors: People,
    settings: MentoringSettings,
) -> list[str]:
    problems = []
    eligible = member(lock_codes, pair_codes, table_sorted=True)  # pairs sorted by code
    n_m = max(len(mentors), 1)
    for (mentee_id, mentor_id), code, ok in zip(
        locks, lock_codes.tolist(), eligible.tolist(), strict=True
    ):
        if ok:
            continue
        e, m = code // n_m, code % n_m
        why = []
        if mentee_id == mentor_id:
            why.append("a student cannot mentor themself")
        gap = int(mentors.rank[m] - mentees.rank[e])
        if gap < settings.min_level_gap:
            why.append(
                f"the mentor ({mentors.level[m]}) is not {settings.min_level_gap} "
                f"level(s) above the mentee ({mentees.level[e]})"
            )
        if settings.rule != "any" and (
            mentees.scope_code(settings.rule)[e] != mentors.scope_code(settings.rule)[m]
        ):
            why.append(
                f"they are not in the same {settings.rule} "
                f"({mentees.scope_label(e, settings.rule)} / "
                f"{mentors.scope_label(m, settings.rule)})"
            )
        if not why:
            why.append("the pair is on the avoid list")
        problems.append(
            f"locked pair {mentee_id} - {mentor_id} breaks a hard rule: " + "; ".join(why)
        )
    frame = pd.DataFrame(locks, columns=["mentee_id", "mentor_id"], dtype=object)
    frame = frame.drop_duplicates()
    for mentee_id, n in frame["mentee_id"].value_counts().sort_index().items():
        if n > 1:
            problems.append(f"mentee {mentee_id} is locked to {n} mentors")
    cap = dict(zip(mentors.ids.tolist(), mentors.capacity.tolist(), strict=True))
    for mentor_id, n in frame["mentor_id"].value_counts().sort_index().items():
        if n > cap[mentor_id]:
            problems.append(
                f"mentor {mentor_id} has {n} locked mentees but capacity {cap[mentor_id]}"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# The solve


def _check_ids(pairs: list[tuple[str, str]], mentees: People, mentors: People, what: str) -> None:
    if not pairs:
        return
    _, known = id_pairs_to_codes(pairs, mentees, mentors)
    if not known.all():
        bad = [f"{a} - {b}" for (a, b), ok in zip(pairs, known.tolist(), strict=True) if not ok]
        raise ValueError(
            f"{what} name a mentee or mentor who is not signed up: "
            + ", ".join(bad[:10])
            + (" ..." if len(bad) > 10 else "")
        )


def solve_mentoring(cohort: Cohort, settings: MentoringSettings | None = None) -> MentoringResult:
    """Match mentees to mentors under ``settings``; explain every unmatched mentee.

    Raises ``ValueError`` (in the coordinator's words) for a locked pair naming someone who
    is not a signed-up mentee or mentor, or a rule that allows too many pairs to model.
    """
    settings = settings or MentoringSettings()
    started = time.perf_counter()
    mentees, mentors = build_people(cohort)
    locks = [(str(a), str(b)) for a, b in settings.locked_pairs]
    _check_ids(locks, mentees, mentors, "locked pairs")
    cand = eligible_pairs(cohort, mentees, mentors, settings.rule, settings.min_level_gap)
    if len(cand) > MAX_PAIRS:
        raise ValueError(
            f"rule '{settings.rule}' allows {len(cand):,} mentee-mentor pairs, too "
            "many to plan at once: use rule 'programme' or 'faculty'"
        )
    e, m = cand.mentee, cand.mentor
    score, parts = score_pairs(cohort, mentees, mentors, e, m, settings.weights)
    codes = pair_code(e, m, len(mentors))
    lock_codes, _ = id_pairs_to_codes(locks, mentees, mentors)
    prev_codes, prev_known = id_pairs_to_codes(settings.previous_pairs, mentees, mentors)
    all_pairs = _Pairs(
        e, m, score, member(codes, lock_codes), member(codes, prev_codes[prev_known])
    )
    ctx = _Context(mentees, mentors, settings, started + settings.time_limit)
    ctx.budget = mentor_budget(settings.budget, settings.cost_rates, len({b for _, b in locks}))
    problems = _lock_problems(cohort, locks, lock_codes, codes, mentees, mentors, settings)

    # The pairs the objective may use.
    min_milli = int(round(settings.min_score * 1000))
    if settings.stable == "off" and settings.objective == "quality":
        usable = np.flatnonzero((score >= min_milli) | all_pairs.locked)
    else:
        usable = np.arange(len(e))
    stable_inst = None
    if settings.stable != "off":
        stable_inst = stable_instance(cohort, mentees, mentors, e, m)
        usable = stable_inst.pairs
        not_acceptable = all_pairs.locked.copy()
        not_acceptable[usable] = False
        for k in np.flatnonzero(not_acceptable).tolist():
            problems.append(
                f"locked pair {mentees.ids[e[k]]} - {mentors.ids[m[k]]} is not "
                "ranked by both of them, so stable mode cannot make it"
            )
    build_seconds = time.perf_counter() - started

    chosen = np.zeros(len(e), dtype=bool)
    no_plan: str | None = None
    messages: list[str] = []
    if problems:
        status = SolveStatus(
            "infeasible",
            seconds=0.0,
            solver=settings.solver,
            messages=["the locked pairs cannot all hold: " + "; ".join(problems)],
        )
        no_plan = "no plan: the locked pairs cannot all hold"
    elif len(usable) == 0:
        status = SolveStatus(
            "optimal",
            0.0,
            0.0,
            0.0,
            0.0,
            settings.solver,
            ["no eligible mentor-mentee pair: nothing to match"],
        )
    elif settings.stable == "mentee_optimal":
        t0 = time.perf_counter()
        match = deferred_acceptance(
            stable_inst.mentee_lists(len(mentees)),
            stable_inst.mentor_lists(len(mentors)),
            mentors.capacity,
        )
        pos = {
            (int(a), int(b)): k
            for k, a, b in zip(
                usable.tolist(),
                stable_inst.mentee.tolist(),
                stable_inst.mentor.tolist(),
                strict=True,
            )
        }
        for a, b in match.items():
            chosen[pos[(a, b)]] = True
        status = SolveStatus(
            "optimal",
            None,
            None,
            0.0,
            time.perf_counter() - t0,
            "deferred acceptance",
            ["the mentee-optimal stable matching (deferred acceptance)"],
        )
    else:
        sub = all_pairs.subset(usable)
        if settings.stable == "best_score":
            warm = None
            if not sub.locked.any():
                da = deferred_acceptance(
                    stable_inst.mentee_lists(len(mentees)),
                    stable_inst.mentor_lists(len(mentors)),
                    mentors.capacity,
                )
                warm = np.array(
                    [
                        da.get(int(a)) == int(b)
                        for a, b in zip(sub.e.tolist(), sub.m.tolist(), strict=True)
                    ]
                )
            sub_chosen, status = _stable_best(all_pairs, usable, stable_inst, ctx, warm)
            sub_chosen = None if sub_chosen is None else sub_chosen[usable]
        elif settings.objective == "fairness":
            sub_chosen, status = _fairness(sub, ctx)
        else:
            sub_chosen, status = _lexicographic(
                f"mentoring_{settings.objective}",
                sub,
                ctx,
                score_first=settings.objective == "quality",
            )
        if sub_chosen is None and settings.stable == "off" and status.status != "infeasible":
            sub_chosen = _greedy(sub, ctx)
            messages.append(
                f"the solver stopped ({status.status}) before proving a plan: "
                "this is a greedy plan, not proven optimal"
            )
            status = SolveStatus(
                "feasible", None, None, None, status.seconds, status.solver, status.messages
            )
        if sub_chosen is None:
            no_plan = f"no plan: the solve ended {status.status}"
            if status.status == "infeasible":
                status.messages.append("no stable matching keeps every locked pair")
        else:
            chosen[usable[sub_chosen]] = True
        status = _combined_status(status, ctx.stages)
        budget = ctx.budget
        if budget is not None and budget.mip:
            if status.status == "optimal" and not budget.proven:
                status.status = "feasible"
            if status.status == "optimal" and not budget.fixed_uncovered:
                messages.append(
                    "the plan without the budget needed more mentors than the "
                    "budget pays for, so the mentors to train were chosen within "
                    "the budget; no better plan exists within it"
                )
        elif settings.stable == "off" and ctx.stages and status.status == "optimal":
            messages.append(
                "solved as an LP (bipartite matching is totally unimodular); the "
                "optimum was checked to be integral"
            )
    if ctx.budget is not None and not problems:
        used = len(np.unique(all_pairs.m[chosen]))
        messages = [*ctx.budget.messages(used), *messages, *ctx.budget.notes]
        if ctx.budget.fixed_uncovered:
            status.status = "infeasible"  # no plan is within the budget; the words say why
    status.messages = list(dict.fromkeys([*status.messages, *messages]))
    result = _assemble(
        cohort,
        settings,
        mentees,
        mentors,
        cand,
        all_pairs,
        parts,
        usable,
        chosen,
        status,
        no_plan,
        problems,
        stable_inst,
        build_seconds,
        ctx.budget,
    )
    result.model_seconds = ctx.model_seconds
    result.extra.update(lp_solves=len(ctx.stages), lp_columns=ctx.columns)
    return result


def _combined_status(final: SolveStatus, stages: list[SolveStatus]) -> SolveStatus:
    seconds = sum(s.seconds for s in stages) if stages else final.seconds
    return SolveStatus(
        final.status,
        final.objective,
        final.bound,
        final.gap,
        seconds,
        final.solver,
        list(final.messages),
    )


def _assemble(
    cohort: Cohort,
    settings: MentoringSettings,
    mentees: People,
    mentors: People,
    cand: Any,
    pairs: _Pairs,
    parts: dict[str, np.ndarray],
    usable: np.ndarray,
    chosen: np.ndarray,
    status: SolveStatus,
    no_plan: str | None,
    problems: list[str],
    stable_inst: Any,
    build_seconds: float,
    budget: MentorBudget | None = None,
) -> MentoringResult:
    k = np.flatnonzero(chosen)
    e, m = pairs.e[k], pairs.m[k]
    matches = pd.DataFrame(
        {
            "mentee_id": mentees.ids[e],
            "mentor_id": mentors.ids[m],
            "score": pairs.score[k] / 1000,
            **{name: parts[name][k] / 1000 for name in CRITERIA},
            "mentee_programme": mentees.programme[e],
            "mentee_level": mentees.level[e],
            "mentor_programme": mentors.programme[m],
            "mentor_level": mentors.level[m],
            "locked": pairs.locked[k],
            "previous": pairs.kept[k],
        }
    )
    for col in (
        "mentee_id",
        "mentor_id",
        "mentee_programme",
        "mentee_level",
        "mentor_programme",
        "mentor_level",
    ):
        matches[col] = matches[col].astype(object)
    matches = matches.sort_values("mentee_id", kind="stable").reset_index(drop=True)

    assigned = np.bincount(m, minlength=len(mentors)).astype(np.int64)
    mentor_load = pd.DataFrame(
        {
            "mentor_id": mentors.ids,
            "programme": mentors.programme,
            "level": mentors.level,
            "capacity": mentors.capacity,
            "assigned": assigned,
            "spare": mentors.capacity - assigned,
        }
    ).astype({"mentor_id": object, "programme": object, "level": object})
    mentor_load = mentor_load.sort_values("mentor_id", kind="stable").reset_index(drop=True)

    # Facts for the reasons: pairs left after the objective's filter, and which are full.
    n_e = len(mentees)
    full = assigned >= mentors.capacity
    passing = np.bincount(pairs.e[usable], minlength=n_e).astype(np.int64)
    full_of_passing = np.bincount(pairs.e[usable][full[pairs.m[usable]]], minlength=n_e).astype(
        np.int64
    )
    best = _per_mentee_max(pairs, n_e)
    facts = MenteeFacts(cand, passing, best, full_of_passing)
    if budget is not None and budget.limit is not None:
        unused = assigned == 0
        facts.unused_of_passing = np.bincount(
            pairs.e[usable][unused[pairs.m[usable]]], minlength=n_e
        ).astype(np.int64)
        facts.budget_reason = budget.blocked_reason()
    stable = settings.stable != "off"
    if stable:
        facts.ranked_any = stable_inst.ranked_any
        facts.ranked_eligible = stable_inst.ranked_eligible
        facts.acceptable = passing
    matched_mask = np.zeros(n_e, dtype=bool)
    matched_mask[e] = True
    unmatched_idx = np.flatnonzero(~matched_mask)
    min_score = settings.min_score if (settings.objective == "quality" and not stable) else None
    unmatched = unmatched_reasons(
        mentees,
        unmatched_idx,
        facts,
        settings.rule,
        settings.min_level_gap,
        min_score,
        stable,
        no_plan,
    )
    unmatched = unmatched.sort_values("mentee_id", kind="stable").reset_index(drop=True)
    order = np.argsort(mentees.ids[unmatched_idx].astype(str), kind="stable")
    unmatched_idx = unmatched_idx[order]

    broader = None
    if settings.rule != "any" and len(unmatched_idx):
        no_mentor = unmatched_idx[(unmatched["reason_code"] == "no_mentor").to_numpy()]
        if len(no_mentor):
            wider = "faculty" if settings.rule == "programme" else "any"
            alt = eligible_pairs(
                cohort, mentees, mentors, wider, settings.min_level_gap, only_mentees=no_mentor
            )
            broader = alt.eligible[no_mentor] > 0
    fixes = list(problems)
    if no_plan is None and budget is not None:
        fixes += budget.fixes(int(len(k)))
    if no_plan is None:
        fixes += cohort_fixes(
            mentees,
            mentors,
            unmatched,
            unmatched_idx,
            settings.rule,
            settings.min_level_gap,
            min_score,
            broader,
            facts,
            stable,
        )

    changed = None
    if settings.previous_pairs:
        new = set(zip(matches["mentee_id"].tolist(), matches["mentor_id"].tolist(), strict=True))
        previous = {(str(a), str(b)) for a, b in settings.previous_pairs}
        changed = len(previous - new)
    scores = pairs.score[k]
    total = float(scores.sum()) / 1000
    lowest = float(scores.min()) / 1000 if len(scores) else None
    if status.status == "optimal":
        headline = lowest if (settings.objective == "fairness" and not stable) else total
        status.objective, status.bound = headline, headline
    elif status.objective is not None:
        status.objective = total
    return MentoringResult(
        status=status,
        matches=matches,
        unmatched=unmatched,
        mentor_load=mentor_load,
        fixes=fixes,
        changed_pairs=changed,
        mentees=n_e,
        matched=int(len(k)),
        settings=settings,
        eligible_pairs=int(len(cand)),
        build_seconds=build_seconds,
        total_score=total,
        lowest_score=lowest,
    )
