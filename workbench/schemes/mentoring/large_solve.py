"""The block path of :func:`workbench.schemes.mentoring.solve.solve_mentoring` for large
cohorts: the same plan (matched count, kept previous pairs, total or lowest score) as the whole
model, proven optimal over every eligible pair, without listing them all."""

from __future__ import annotations

import time

import numpy as np

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.schemes.mentoring.assemble import assemble, combined_status
from workbench.schemes.mentoring.blocks import BlockScorer, scope_blocks
from workbench.schemes.mentoring.explain import MenteeFacts
from workbench.schemes.mentoring.large import BlockFacts, LargePlan, Terms, solve_by_blocks
from workbench.schemes.mentoring.locks import check_ids, lock_problems
from workbench.schemes.mentoring.model import Context, Pairs
from workbench.schemes.mentoring.result import MentoringResult
from workbench.schemes.mentoring.scoring import (
    Candidates,
    People,
    id_pairs_to_codes,
    score_pairs,
)
from workbench.schemes.mentoring.settings import MentoringSettings


def _eligible_locks(scorer: BlockScorer, lock_codes: np.ndarray, rule: str) -> np.ndarray:
    """The locked pairs (codes, sorted) that pass every hard rule."""
    n_m = max(scorer.n_m, 1)
    ok = []
    scope_e, scope_m = scorer.mentees.scope_code(rule), scorer.mentors.scope_code(rule)
    for code in np.unique(lock_codes[lock_codes >= 0]).tolist():
        e, m = np.array([code // n_m]), np.array([code % n_m])
        if scope_e[e[0]] == scope_m[m[0]] and scorer.slice(e, m).eligible[0, 0]:
            ok.append(code)
    return np.array(ok, dtype=np.int64)


def _terms(settings: MentoringSettings, mentees: People, mentors: People) -> tuple:
    locks = [(str(a), str(b)) for a, b in settings.locked_pairs]
    check_ids(locks, mentees, mentors, "locked pairs")
    lock_codes, _ = id_pairs_to_codes(locks, mentees, mentors)
    prev_codes, prev_known = id_pairs_to_codes(settings.previous_pairs, mentees, mentors)
    min_milli = None
    if settings.objective == "quality":
        min_milli = int(round(settings.min_score * 1000))
    terms = Terms(np.unique(lock_codes), np.unique(prev_codes[prev_known]), min_milli)
    return locks, lock_codes, terms


def _words(plan: LargePlan, eligible: int) -> list[str]:
    if plan.status.status != "optimal":
        return plan.messages
    return [
        *plan.messages,
        f"proven optimal over all {eligible:,} eligible pairs without listing them: the "
        "model started from each mentee's best few mentors and the LP duals priced every "
        f"other pair, a programme (scope) at a time, until none could improve the plan; "
        f"the models needed {plan.columns:,} pairs in all",
        "solved as an LP (bipartite matching is totally unimodular); the "
        "optimum was checked to be integral",
    ]


def solve_large(
    cohort: Cohort,
    settings: MentoringSettings,
    started: float,
    mentees: People,
    mentors: People,
) -> MentoringResult:
    """Solve by blocks and assemble the plan with its reasons and fixes."""
    locks, lock_codes, terms = _terms(settings, mentees, mentors)
    scorer = BlockScorer(cohort, mentees, mentors, settings.weights, settings.min_level_gap)
    ctx = Context(mentees, mentors, settings, started + settings.time_limit)
    problems = lock_problems(
        cohort,
        locks,
        lock_codes,
        _eligible_locks(scorer, lock_codes, settings.rule),
        mentees,
        mentors,
        settings,
    )
    blocks = scope_blocks(mentees, mentors, settings.rule)
    build_seconds = time.perf_counter() - started
    if problems:
        plan = _infeasible(ctx, problems, len(mentees))
    else:
        plan = solve_by_blocks(scorer, blocks, ctx, terms)
    facts = plan.facts
    status = plan.status if problems else combined_status(plan.status, ctx.stages)
    if not problems:
        status.messages = list(dict.fromkeys([*status.messages, *_words(plan, facts.eligible)]))
    cand = Candidates(
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        facts.in_scope,
        facts.self_blocked,
        facts.avoid_blocked,
    )
    pairs = plan.pairs
    _, parts = score_pairs(cohort, mentees, mentors, pairs.e, pairs.m, settings.weights)
    result = assemble(
        cohort,
        settings,
        mentees,
        mentors,
        pairs,
        parts,
        MenteeFacts(cand, facts.passing, facts.best, facts.full_of_passing),
        facts.eligible,
        status,
        "no plan: the locked pairs cannot all hold" if problems else None,
        problems,
        None,
        build_seconds,
    )
    result.model_seconds = ctx.model_seconds
    result.extra.update(lp_solves=len(ctx.stages), lp_columns=plan.columns, by_blocks=True)
    return result


def _infeasible(ctx: Context, problems: list[str], n_mentees: int) -> LargePlan:
    z = np.zeros(0, dtype=np.int64)
    status = SolveStatus(
        "infeasible",
        seconds=0.0,
        solver=ctx.settings.solver,
        messages=["the locked pairs cannot all hold: " + "; ".join(problems)],
    )
    empty = Pairs(z, z.copy(), z.copy(), np.zeros(0, bool), np.zeros(0, bool))
    return LargePlan(empty, status, BlockFacts.empty(n_mentees))
