"""The mentoring objectives over the assignment model: coverage then score (or score first),
kept previous pairs, a budget on the mentors used, fairness (the best lowest score) and the best
total score among stable matchings.

Objective tiers are folded into one objective of integer milli-points (exact in double
precision): a tier's weight is more than the most the tiers below can add up to.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pulp

from workbench.cohort.domain import SolveStatus
from workbench.schemes.mentoring.budget import (
    budget_model,
    budget_start,
    mentee_types,
    mentors_by_types,
)
from workbench.schemes.mentoring.model import (
    Context,
    Pairs,
    assignment_model,
    components,
    per_mentee_max,
    plan_values,
    pricing_lp,
)
from workbench.schemes.mentoring.rules import no_blocking_pair, safe_name
from workbench.schemes.mentoring.stable import stability_rows
from workbench.schemes.solving import solve

# With a budget, up to this many pairs are solved as one exact MIP; more choose the mentors
# over mentee types first (coverage exact, score best for the mentors chosen).
FULL_MIP_MAX_PAIRS = 60_000


def lexicographic(
    name: str, pairs: Pairs, ctx: Context, score_first: bool = False
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
    name: str, pairs: Pairs, ctx: Context, score_first: bool
) -> tuple[np.ndarray | None, SolveStatus]:
    """The tiered objective without a budget: one exact LP per connected group."""
    chosen = np.zeros(len(pairs), dtype=bool)
    status = SolveStatus("optimal", solver=ctx.settings.solver)
    for group in components(pairs, len(ctx.mentees), len(ctx.mentors)):
        sub = pairs.subset(group)
        best = per_mentee_max(sub, len(ctx.mentees))
        span = int(best[best > 0].sum()) + 1  # more than any plan's total score in the group
        mentees = int((best >= 0).sum())
        if score_first and not sub.kept.any():
            coefs = sub.score * (mentees + 1) + 1
        else:
            kept = sub.kept.astype(np.int64)
            coefs = (int(kept.sum()) + 1) * span + kept * span + sub.score
        sub_chosen, status = pricing_lp(name, sub, ctx, coefs)
        if sub_chosen is None:
            return None, status
        chosen[group[sub_chosen]] = True
    return chosen, status


def _tier_coefs(
    pairs: Pairs, ctx: Context, score_first: bool
) -> tuple[np.ndarray, float, float, int]:
    """Folded tier coefficients over all pairs at once, with (coverage weight, kept weight,
    mentees): coverage, then kept previous pairs, then score (or score first)."""
    best = per_mentee_max(pairs, len(ctx.mentees))
    span = int(best[best > 0].sum()) + 1
    mentees = int((best >= 0).sum())
    if score_first and not pairs.kept.any():
        return pairs.score * (mentees + 1) + 1, 0.0, 0.0, mentees
    kept = pairs.kept.astype(np.int64)
    cover = (int(kept.sum()) + 1) * span
    return cover + kept * span + pairs.score, float(cover), float(span), mentees


def _budget_mip(
    name: str, pairs: Pairs, ctx: Context, unbudgeted: np.ndarray, score_first: bool
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
        chosen = np.rint(plan_values(xs)) > 0.5
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


def fairness(pairs: Pairs, ctx: Context) -> tuple[np.ndarray | None, SolveStatus]:
    """Coverage (then kept previous pairs), then the lowest matched score, then the total score.

    The best lowest score is one of the pair scores, and leaving out every pair below a
    threshold can only lower the coverage, so a bisection over the distinct scores finds the
    highest threshold that keeps the coverage (and kept pairs): a handful of the same totally
    unimodular LPs, each exact, instead of a max-min MIP that does not scale. Locked pairs are
    kept whatever their score.
    """
    chosen, status = lexicographic("mentoring_fairness_coverage", pairs, ctx)
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
        sub_chosen, sub_status = lexicographic(
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


def stable_best(
    pairs: Pairs, acceptable: np.ndarray, inst: Any, ctx: Context, warm: np.ndarray | None
) -> tuple[np.ndarray | None, SolveStatus]:
    """The best total score among stable matchings (then kept previous pairs first)."""
    sub = pairs.subset(acceptable)
    best = per_mentee_max(sub, len(ctx.mentees))
    span = int(best[best > 0].sum()) + 1
    coefs = sub.kept.astype(np.int64) * span + sub.score
    prob, xs = assignment_model("mentoring_stable_best_score", sub, ctx, coefs)
    rows: dict[str, pulp.LpConstraint] = {}
    ids, mids = ctx.mentees.ids, ctx.mentors.ids
    no_blocking_pair(
        rows,
        xs,
        stability_rows(inst, ctx.mentors.capacity),
        lambda k: f"{safe_name(ids[sub.e[k]])}_{safe_name(mids[sub.m[k]])}",
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
    chosen[acceptable[np.rint(plan_values(xs)) > 0.5]] = True
    return chosen, status


def _budget_by_types(
    name: str, pairs: Pairs, ctx: Context, unbudgeted: np.ndarray, score_first: bool
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
