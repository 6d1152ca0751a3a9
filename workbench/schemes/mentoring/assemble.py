"""A solved mentoring plan as tables: matches, mentor load, every unmatched mentee and why,
and the fixes that would match more."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.schemes.mentoring.budget import MentorBudget
from workbench.schemes.mentoring.explain import MenteeFacts, cohort_fixes, unmatched_reasons
from workbench.schemes.mentoring.model import Pairs, per_mentee_max
from workbench.schemes.mentoring.result import MentoringResult
from workbench.schemes.mentoring.scoring import CRITERIA, Candidates, People, eligible_pairs
from workbench.schemes.mentoring.settings import MentoringSettings


def combined_status(final: SolveStatus, stages: list[SolveStatus]) -> SolveStatus:
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


def full_model_facts(
    cand: Candidates,
    pairs: Pairs,
    usable: np.ndarray,
    chosen: np.ndarray,
    capacity: np.ndarray,
    budget: MentorBudget | None = None,
) -> MenteeFacts:
    """The per-mentee facts the reasons are read from, when every pair is in memory: pairs
    left after the objective's filter, how many of their mentors are full (or unused with a
    budget), the best eligible score."""
    n_e = len(cand.in_scope)
    assigned = np.bincount(pairs.m[chosen], minlength=len(capacity)).astype(np.int64)
    full = assigned >= capacity
    e_usable, m_usable = pairs.e[usable], pairs.m[usable]
    passing = np.bincount(e_usable, minlength=n_e).astype(np.int64)
    full_of_passing = np.bincount(e_usable[full[m_usable]], minlength=n_e).astype(np.int64)
    facts = MenteeFacts(cand, passing, per_mentee_max(pairs, n_e), full_of_passing)
    if budget is not None and budget.limit is not None:
        unused = assigned == 0
        facts.unused_of_passing = np.bincount(e_usable[unused[m_usable]], minlength=n_e).astype(
            np.int64
        )
        facts.budget_reason = budget.blocked_reason()
    return facts


def _matches(
    mentees: People, mentors: People, pairs: Pairs, parts: dict[str, np.ndarray]
) -> pd.DataFrame:
    """One row per matched pair, the score broken down by criterion, by mentee id."""
    e, m = pairs.e, pairs.m
    matches = pd.DataFrame(
        {
            "mentee_id": mentees.ids[e],
            "mentor_id": mentors.ids[m],
            "score": pairs.score / 1000,
            **{name: parts[name] / 1000 for name in CRITERIA},
            "mentee_programme": mentees.programme[e],
            "mentee_level": mentees.level[e],
            "mentor_programme": mentors.programme[m],
            "mentor_level": mentors.level[m],
            "locked": pairs.locked,
            "previous": pairs.kept,
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
    return matches.sort_values("mentee_id", kind="stable").reset_index(drop=True)


def _mentor_load(mentors: People, assigned: np.ndarray) -> pd.DataFrame:
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
    return mentor_load.sort_values("mentor_id", kind="stable").reset_index(drop=True)


def assemble(
    cohort: Cohort,
    settings: MentoringSettings,
    mentees: People,
    mentors: People,
    matched: Pairs,
    parts: dict[str, np.ndarray],
    facts: MenteeFacts,
    eligible: int,
    status: SolveStatus,
    no_plan: str | None,
    problems: list[str],
    stable_inst: Any,
    build_seconds: float,
    budget: MentorBudget | None = None,
) -> MentoringResult:
    """The plan as tables with its reasons and fixes. ``matched`` are the chosen pairs (with
    ``parts``, their score by criterion), ``eligible`` how many pairs pass the hard rules."""
    e, m = matched.e, matched.m
    matches = _matches(mentees, mentors, matched, parts)
    assigned = np.bincount(m, minlength=len(mentors)).astype(np.int64)
    mentor_load = _mentor_load(mentors, assigned)
    n_e = len(mentees)
    stable = settings.stable != "off"
    if stable:
        facts.ranked_any = stable_inst.ranked_any
        facts.ranked_eligible = stable_inst.ranked_eligible
        facts.acceptable = facts.passing
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
        fixes += budget.fixes(int(len(e)))
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
    scores = matched.score
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
        matched=int(len(e)),
        settings=settings,
        eligible_pairs=int(eligible),
        build_seconds=build_seconds,
        total_score=total,
        lowest_score=lowest,
    )
