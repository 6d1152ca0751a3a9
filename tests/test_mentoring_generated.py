"""Mentoring on generated cohorts: hard rules always hold, coverage equals an independent
maximum b-matching, HiGHS and CBC agree, and every unmatched mentee has a consistent reason."""

from __future__ import annotations

import pytest
from test_mentoring_support import check_plan, eligible, max_b_matching

from workbench.cohort.generate import generate_cohort
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring


@pytest.fixture(scope="module")
def cohorts():
    return {seed: generate_cohort(700, seed=seed) for seed in (1, 2, 3)}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rule", ["programme", "faculty", "any"])
def test_hard_rules_and_maximum_coverage(cohorts, seed, rule):
    c = cohorts[seed]
    r = solve_mentoring(c, MentoringSettings(rule=rule))
    assert r.status.status == "optimal"
    check_plan(c, r.matches, rule)
    ok = eligible(c, rule)
    mentors = dict(zip(c.mentors["student_id"], c.mentors["capacity"], strict=True))
    assert r.matched == max_b_matching(list(c.mentees["student_id"]), mentors, ok)
    assert r.eligible_pairs == len(ok)
    load = r.mentor_load
    assert (load["assigned"] <= load["capacity"]).all()
    assert (load["spare"] == load["capacity"] - load["assigned"]).all()
    assert len(r.unmatched) == r.mentees - r.matched
    assert r.unmatched["reason"].str.len().gt(0).all()
    # An unmatched mentee with an eligible mentor: every such mentor is full.
    full = set(load.loc[load["spare"] == 0, "mentor_id"])
    for e in r.unmatched["mentee_id"]:
        assert all(m in full for (x, m) in ok if x == e)


def test_scores_never_exceed_the_best_possible(cohorts):
    settings = MentoringSettings(weights={"shared_interests": 5.0})
    assert settings.best_possible_score == 16.0  # 13 by default, interests raised by 3
    r = solve_mentoring(cohorts[1], settings)
    assert r.matches["score"].max() <= settings.best_possible_score + 1e-9
    assert r.matches["score"].min() >= 0


@pytest.mark.parametrize("objective", ["quality", "fairness"])
def test_other_objectives_hold_the_rules(cohorts, objective):
    c = cohorts[1]
    base = solve_mentoring(c, MentoringSettings(min_level_gap=2))
    r = solve_mentoring(c, MentoringSettings(objective=objective, min_score=4.0, min_level_gap=2))
    assert r.status.status == "optimal"
    check_plan(c, r.matches, gap=2)
    if objective == "quality":
        assert (r.matches["score"] >= 4.0).all()
    else:
        assert r.matched == base.matched  # fairness keeps maximum coverage
        assert r.lowest_score >= base.lowest_score
        assert r.total_score <= base.total_score + 1e-9


def test_cbc_matches_highs(cohorts):
    c = cohorts[2]
    a = solve_mentoring(c)
    b = solve_mentoring(c, MentoringSettings(solver="cbc"))
    assert b.status.status == "optimal"
    assert (a.matched, a.total_score) == (b.matched, b.total_score)


def test_resolve_after_a_mentor_drops_out(cohorts):
    c = cohorts[3]
    first = solve_mentoring(c)
    busiest = first.mentor_load.sort_values(["assigned", "mentor_id"]).iloc[-1]["mentor_id"]
    fewer = c.model_copy(
        update={"mentors": c.mentors[c.mentors["student_id"] != busiest].reset_index(drop=True)}
    )
    previous = list(zip(first.matches["mentee_id"], first.matches["mentor_id"], strict=True))
    again = solve_mentoring(fewer, MentoringSettings(previous_pairs=previous))
    check_plan(fewer, again.matches)
    lost = sum(1 for _, m in previous if m == busiest)
    # Only the dropped mentor's pairs must change; moving others is allowed only to match more.
    fresh = solve_mentoring(fewer)
    assert again.matched == fresh.matched
    assert again.changed_pairs >= lost
    kept = set(previous) & set(
        zip(again.matches["mentee_id"], again.matches["mentor_id"], strict=True)
    )
    assert len(kept) == len(previous) - again.changed_pairs
    fresh_kept = set(previous) & set(
        zip(fresh.matches["mentee_id"], fresh.matches["mentor_id"], strict=True)
    )
    assert len(kept) >= len(fresh_kept)
    assert len(kept) > 0.9 * (len(previous) - lost)


def _force_pricing(mp, per_mentee: int = 1, per_mentor: int = 0) -> None:
    import workbench.schemes.mentoring.model as mentoring

    mp.setattr(mentoring, "PRICING_MIN_PAIRS", 0)
    mp.setattr(mentoring, "START_PER_MENTEE", per_mentee)
    mp.setattr(mentoring, "START_PER_MENTOR", per_mentor)


@pytest.mark.parametrize(
    "settings",
    [
        MentoringSettings(),
        MentoringSettings(rule="any"),
        MentoringSettings(objective="quality", min_score=4.0),
        MentoringSettings(objective="fairness"),
        MentoringSettings(solver="cbc"),
    ],
    ids=["coverage", "any", "quality", "fairness", "cbc"],
)
def test_pricing_reaches_the_whole_model_optimum(cohorts, settings):
    """Pricing from a tiny start (one pair per mentee) ends where the whole model does."""
    import workbench.schemes.mentoring.model as mentoring

    c = cohorts[1]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mentoring, "PRICING_MIN_PAIRS", 10**9)
        whole = solve_mentoring(c, settings)
    with pytest.MonkeyPatch.context() as mp:
        _force_pricing(mp)
        priced = solve_mentoring(c, settings)
    check_plan(c, priced.matches, settings.rule)
    assert priced.status.status == "optimal"
    assert (priced.matched, priced.total_score) == (whole.matched, whole.total_score)
    if settings.objective == "fairness":
        assert priced.lowest_score == whole.lowest_score
    assert priced.extra["lp_solves"] > whole.extra["lp_solves"]  # it did price


def test_pricing_with_previous_pairs_and_invalid_duals(cohorts):
    import workbench.schemes.mentoring.model as mentoring

    c = cohorts[2]
    first = solve_mentoring(c)
    previous = list(zip(first.matches["mentee_id"], first.matches["mentor_id"], strict=True))
    fewer = c.model_copy(update={"mentors": c.mentors.iloc[3:].reset_index(drop=True)})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mentoring, "PRICING_MIN_PAIRS", 10**9)
        whole = solve_mentoring(fewer, MentoringSettings(previous_pairs=previous))
    with pytest.MonkeyPatch.context() as mp:
        _force_pricing(mp)
        priced = solve_mentoring(fewer, MentoringSettings(previous_pairs=previous))
    assert (priced.matched, priced.changed_pairs, priced.total_score) == (
        whole.matched,
        whole.changed_pairs,
        whole.total_score,
    )
    # Duals that do not certify optimality make the group be solved whole.
    with pytest.MonkeyPatch.context() as mp:
        _force_pricing(mp)
        mp.setattr(mentoring, "reduced_costs", lambda *a, **k: None)
        fallback = solve_mentoring(fewer, MentoringSettings(previous_pairs=previous))
    assert (fallback.matched, fallback.changed_pairs, fallback.total_score) == (
        whole.matched,
        whole.changed_pairs,
        whole.total_score,
    )
