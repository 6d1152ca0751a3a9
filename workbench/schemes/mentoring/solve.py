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
the whole group is solved at once. From ``LARGE_MIN_PAIRS`` pairs in scope (no budget, no
stable matching) the pairs are never all listed: :mod:`workbench.schemes.mentoring.large`
scores and prices them a scope at a time (docs/mentoring.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.schemes.mentoring.assemble import assemble, combined_status, full_model_facts
from workbench.schemes.mentoring.blocks import count_pairs_in_scope
from workbench.schemes.mentoring.budget import mentor_budget
from workbench.schemes.mentoring.large_solve import solve_large
from workbench.schemes.mentoring.locks import check_ids, lock_problems
from workbench.schemes.mentoring.model import Context, Pairs, greedy_plan
from workbench.schemes.mentoring.objectives import fairness, lexicographic, stable_best
from workbench.schemes.mentoring.result import MentoringResult
from workbench.schemes.mentoring.scoring import (
    Candidates,
    People,
    build_people,
    eligible_pairs,
    id_pairs_to_codes,
    member,
    pair_code,
    score_pairs,
)
from workbench.schemes.mentoring.settings import MentoringSettings
from workbench.schemes.mentoring.stable import deferred_acceptance, stable_instance

__all__ = ["MAX_PAIRS", "MentoringResult", "MentoringSettings", "solve_mentoring"]

MAX_PAIRS = 25_000_000  # beyond this the model would not fit in memory: ask for a narrower rule
# From this many pairs in scope, plans without a budget or stable matching are priced block by
# block (workbench.schemes.mentoring.large) and the pairs are never all listed.
LARGE_MIN_PAIRS = 150_000


@dataclass
class _Instance:
    """Everything one solve reads: the people, the eligible pairs and their scores, the pairs
    the objective may use, and what is wrong with the locks."""

    cand: Candidates
    pairs: Pairs
    parts: dict[str, np.ndarray]
    ctx: Context
    usable: np.ndarray
    problems: list[str]
    stable_inst: Any = None
    build_seconds: float = 0.0


@dataclass
class _Plan:
    """What the solve chose, and how it ended."""

    chosen: np.ndarray
    status: SolveStatus
    no_plan: str | None = None
    messages: list[str] = field(default_factory=list)


def _instance(
    cohort: Cohort, settings: MentoringSettings, started: float, people: tuple[People, People]
) -> _Instance:
    """Eligible pairs, their scores, locks and previous pairs (the build phase)."""
    mentees, mentors = people
    locks = [(str(a), str(b)) for a, b in settings.locked_pairs]
    check_ids(locks, mentees, mentors, "locked pairs")
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
    pairs = Pairs(e, m, score, member(codes, lock_codes), member(codes, prev_codes[prev_known]))
    ctx = Context(mentees, mentors, settings, started + settings.time_limit)
    ctx.budget = mentor_budget(settings.budget, settings.cost_rates, len({b for _, b in locks}))
    problems = lock_problems(cohort, locks, lock_codes, codes, mentees, mentors, settings)
    inst = _Instance(cand, pairs, parts, ctx, np.arange(len(e)), problems)
    _usable_pairs(cohort, inst)
    inst.build_seconds = time.perf_counter() - started
    return inst


def _usable_pairs(cohort: Cohort, inst: _Instance) -> None:
    """The pairs the objective may use: quality drops pairs below the minimum score (not
    locked ones); stable mode keeps only pairs ranked by both sides."""
    settings, pairs = inst.ctx.settings, inst.pairs
    if settings.stable == "off" and settings.objective == "quality":
        min_milli = int(round(settings.min_score * 1000))
        inst.usable = np.flatnonzero((pairs.score >= min_milli) | pairs.locked)
    elif settings.stable != "off":
        mentees, mentors = inst.ctx.mentees, inst.ctx.mentors
        inst.stable_inst = stable_instance(cohort, mentees, mentors, pairs.e, pairs.m)
        inst.usable = inst.stable_inst.pairs
        not_acceptable = pairs.locked.copy()
        not_acceptable[inst.usable] = False
        for k in np.flatnonzero(not_acceptable).tolist():
            inst.problems.append(
                f"locked pair {mentees.ids[pairs.e[k]]} - {mentors.ids[pairs.m[k]]} is not "
                "ranked by both of them, so stable mode cannot make it"
            )


def _without_model(inst: _Instance) -> _Plan | None:
    """The plan when no model is needed: locks that cannot hold, or nothing to match."""
    solver = inst.ctx.settings.solver
    chosen = np.zeros(len(inst.pairs), dtype=bool)
    if inst.problems:
        status = SolveStatus(
            "infeasible",
            seconds=0.0,
            solver=solver,
            messages=["the locked pairs cannot all hold: " + "; ".join(inst.problems)],
        )
        return _Plan(chosen, status, "no plan: the locked pairs cannot all hold")
    if len(inst.usable) == 0:
        status = SolveStatus(
            "optimal",
            0.0,
            0.0,
            0.0,
            0.0,
            solver,
            ["no eligible mentor-mentee pair: nothing to match"],
        )
        return _Plan(chosen, status)
    return None


def _deferred_acceptance(inst: _Instance) -> dict[int, int]:
    stable, ctx = inst.stable_inst, inst.ctx
    return deferred_acceptance(
        stable.mentee_lists(len(ctx.mentees)),
        stable.mentor_lists(len(ctx.mentors)),
        ctx.mentors.capacity,
    )


def _mentee_optimal(inst: _Instance) -> _Plan:
    """The mentee-optimal stable matching (no model: deferred acceptance)."""
    t0 = time.perf_counter()
    match = _deferred_acceptance(inst)
    stable = inst.stable_inst
    pos = {
        (int(a), int(b)): k
        for k, a, b in zip(
            inst.usable.tolist(), stable.mentee.tolist(), stable.mentor.tolist(), strict=True
        )
    }
    chosen = np.zeros(len(inst.pairs), dtype=bool)
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
    return _Plan(chosen, status)


def _objective(inst: _Instance) -> tuple[np.ndarray | None, SolveStatus]:
    """The chosen usable pairs under the settings' objective (None when no plan was found)."""
    settings, ctx = inst.ctx.settings, inst.ctx
    sub = inst.pairs.subset(inst.usable)
    if settings.stable == "best_score":
        warm = None
        if not sub.locked.any():
            da = _deferred_acceptance(inst)
            warm = np.array(
                [
                    da.get(int(a)) == int(b)
                    for a, b in zip(sub.e.tolist(), sub.m.tolist(), strict=True)
                ]
            )
        chosen, status = stable_best(inst.pairs, inst.usable, inst.stable_inst, ctx, warm)
        return (None if chosen is None else chosen[inst.usable]), status
    if settings.objective == "fairness":
        return fairness(sub, ctx)
    return lexicographic(
        f"mentoring_{settings.objective}", sub, ctx, score_first=settings.objective == "quality"
    )


def _optimise(inst: _Instance) -> _Plan:
    """Solve the model; fall back to a greedy plan when the solver stops without one."""
    settings, ctx = inst.ctx.settings, inst.ctx
    plan = _Plan(np.zeros(len(inst.pairs), dtype=bool), SolveStatus("not solved"))
    sub_chosen, status = _objective(inst)
    if sub_chosen is None and settings.stable == "off" and status.status != "infeasible":
        sub_chosen = greedy_plan(inst.pairs.subset(inst.usable), ctx)
        plan.messages.append(
            f"the solver stopped ({status.status}) before proving a plan: "
            "this is a greedy plan, not proven optimal"
        )
        status = SolveStatus(
            "feasible", None, None, None, status.seconds, status.solver, status.messages
        )
    if sub_chosen is None:
        plan.no_plan = f"no plan: the solve ended {status.status}"
        if status.status == "infeasible":
            status.messages.append("no stable matching keeps every locked pair")
    else:
        plan.chosen[inst.usable[sub_chosen]] = True
    plan.status = combined_status(status, ctx.stages)
    _how_solved(inst, plan)
    return plan


def _how_solved(inst: _Instance, plan: _Plan) -> None:
    """The words on how the plan was proven (budget MIP or exact LP)."""
    status, budget = plan.status, inst.ctx.budget
    if budget is not None and budget.mip:
        if status.status == "optimal" and not budget.proven:
            status.status = "feasible"
        if status.status == "optimal" and not budget.fixed_uncovered:
            plan.messages.append(
                "the plan without the budget needed more mentors than the "
                "budget pays for, so the mentors to train were chosen within "
                "the budget; no better plan exists within it"
            )
    elif inst.ctx.settings.stable == "off" and inst.ctx.stages and status.status == "optimal":
        plan.messages.append(
            "solved as an LP (bipartite matching is totally unimodular); the "
            "optimum was checked to be integral"
        )


def _budget_words(inst: _Instance, plan: _Plan) -> None:
    """The budget's messages around the plan's (and no plan within a budget too small)."""
    budget = inst.ctx.budget
    if budget is not None and not inst.problems:
        used = len(np.unique(inst.pairs.m[plan.chosen]))
        plan.messages = [*budget.messages(used), *plan.messages, *budget.notes]
        if budget.fixed_uncovered:
            plan.status.status = "infeasible"  # no plan is within the budget; the words say why
    plan.status.messages = list(dict.fromkeys([*plan.status.messages, *plan.messages]))


def _by_blocks(settings: MentoringSettings, mentees: People, mentors: People) -> bool:
    """Whether this solve takes the block path: many pairs, no budget, no stable matching."""
    if settings.stable != "off" or settings.budget is not None:
        return False
    pairs = count_pairs_in_scope(mentees, mentors, settings.rule, settings.min_level_gap)
    return pairs >= LARGE_MIN_PAIRS


def solve_mentoring(cohort: Cohort, settings: MentoringSettings | None = None) -> MentoringResult:
    """Match mentees to mentors under ``settings``; explain every unmatched mentee.

    Raises ``ValueError`` (in the coordinator's words) for a locked pair naming someone who
    is not a signed-up mentee or mentor, or a rule that allows too many pairs to model.
    """
    settings = settings or MentoringSettings()
    started = time.perf_counter()
    people = build_people(cohort)
    if _by_blocks(settings, *people):
        return solve_large(cohort, settings, started, *people)
    inst = _instance(cohort, settings, started, people)
    plan = _without_model(inst)
    if plan is None and settings.stable == "mentee_optimal":
        plan = _mentee_optimal(inst)
    elif plan is None:
        plan = _optimise(inst)
    _budget_words(inst, plan)
    ctx, pairs = inst.ctx, inst.pairs
    facts = full_model_facts(
        inst.cand, pairs, inst.usable, plan.chosen, ctx.mentors.capacity, ctx.budget
    )
    k = np.flatnonzero(plan.chosen)
    result = assemble(
        cohort,
        settings,
        ctx.mentees,
        ctx.mentors,
        pairs.subset(k),
        {name: part[k] for name, part in inst.parts.items()},
        facts,
        len(inst.cand),
        plan.status,
        plan.no_plan,
        inst.problems,
        inst.stable_inst,
        inst.build_seconds,
        ctx.budget,
    )
    result.model_seconds = ctx.model_seconds
    result.extra.update(lp_solves=len(ctx.stages), lp_columns=ctx.columns)
    return result
