"""The block path of large cohorts (pairs priced a scope at a time, never all listed): the
same scores as the pair-by-pair scorer, the same plans as the whole model (matched count, kept
previous pairs, total and lowest score) on random and adversarial cohorts, and the matched count
of an independent maximum flow (scipy) on generated cohorts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow
from test_mentoring_support import check_plan, cohort, eligible, max_b_matching, score, student

import workbench.schemes.mentoring.blocks as blocks
import workbench.schemes.mentoring.large as large
import workbench.schemes.mentoring.solve as mentoring
from workbench.cohort.generate import generate_cohort
from workbench.schemes.mentoring.blocks import BlockScorer, scope_blocks
from workbench.schemes.mentoring.scoring import build_people, eligible_pairs, score_pairs
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring


@pytest.fixture(scope="module")
def cohorts():
    return {seed: generate_cohort(600, seed=seed) for seed in (1, 2, 3)}


def both(c, settings, mp, small_slices: bool = False):
    """(whole model, block path) for the same cohort and settings."""
    mp.setattr(mentoring, "LARGE_MIN_PAIRS", 10**12)
    whole = solve_mentoring(c, settings)
    mp.setattr(mentoring, "LARGE_MIN_PAIRS", 0)
    if small_slices:
        mp.setattr(blocks, "SLICE_PAIRS", 50)
        mp.setattr(large, "CACHE_PAIRS", 0)
    priced = solve_mentoring(c, settings)
    assert priced.extra.get("by_blocks") and not whole.extra.get("by_blocks")
    return whole, priced


def same_plan_value(whole, priced):
    assert priced.status.status == whole.status.status == "optimal"
    assert priced.matched == whole.matched
    assert priced.total_score == pytest.approx(whole.total_score, abs=1e-9)
    assert priced.lowest_score == whole.lowest_score or whole.settings.objective != "fairness"
    assert priced.eligible_pairs == whole.eligible_pairs
    assert priced.changed_pairs == whole.changed_pairs
    assert len(priced.unmatched) == len(whole.unmatched)


@pytest.mark.parametrize("rule", ["programme", "faculty", "any"])
def test_dense_scores_and_counts_equal_the_pair_scorer(cohorts, rule):
    c = cohorts[2]
    weights = MentoringSettings(weights={"shared_interests": 2.5, "preference": 4.0}).weights
    mentees, mentors = build_people(c)
    cand = eligible_pairs(c, mentees, mentors, rule, 1)
    expected, _ = score_pairs(c, mentees, mentors, cand.mentee, cand.mentor, weights)
    scorer = BlockScorer(c, mentees, mentors, weights, 1)
    got_e, got_m, got_s = [], [], []
    in_scope = np.zeros(len(mentees), dtype=np.int64)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(blocks, "SLICE_PAIRS", 97)  # many slices, cut mid-block
        for block in scope_blocks(mentees, mentors, rule):
            for sl in scorer.slices(block):
                i, j = np.nonzero(sl.eligible)
                got_e.append(sl.rows[i])
                got_m.append(sl.cols[j])
                got_s.append(sl.score[i, j])
                in_scope[sl.rows] += sl.in_scope.sum(axis=1)
    e, m, s = (np.concatenate(x) for x in (got_e, got_m, got_s))
    order = np.lexsort((m, e))
    assert np.array_equal(e[order], cand.mentee) and np.array_equal(m[order], cand.mentor)
    assert np.array_equal(s[order], expected)
    assert np.array_equal(in_scope, cand.in_scope)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "settings",
    [
        MentoringSettings(),
        MentoringSettings(rule="faculty"),
        MentoringSettings(rule="any", min_level_gap=2),
        MentoringSettings(objective="quality", min_score=6.0),
        MentoringSettings(objective="fairness"),
    ],
    ids=["coverage", "faculty", "any-gap2", "quality", "fairness"],
)
def test_block_path_equals_the_whole_model(cohorts, seed, settings):
    c = cohorts[seed]
    with pytest.MonkeyPatch.context() as mp:
        whole, priced = both(c, settings, mp, small_slices=seed % 2 == 0)
    same_plan_value(whole, priced)
    check_plan(c, priced.matches, settings.rule, settings.min_level_gap)
    if settings.objective == "quality":
        assert (priced.matches["score"] >= settings.min_score).all()
    # The reasons read the same facts: the same reason for every mentee unmatched in both.
    common = whole.unmatched.merge(priced.unmatched, on="mentee_id")
    assert (common["reason_code_x"] == common["reason_code_y"]).all()
    assert any("proven optimal over all" in m for m in priced.status.messages)
    summary = priced.summary()
    assert summary["proven_over_all_eligible_pairs"] is True
    assert 0 < summary["pairs_in_model"] == priced.extra["lp_columns"]
    assert "pairs_in_model" not in whole.summary()


def test_block_path_with_locks_previous_pairs_and_cbc(cohorts):
    c = cohorts[1]
    first = solve_mentoring(c)
    previous = list(zip(first.matches["mentee_id"], first.matches["mentor_id"], strict=True))
    fewer = c.model_copy(update={"mentors": c.mentors.iloc[5:].reset_index(drop=True)})
    kept = [p for p in previous if p[1] in set(fewer.mentors["student_id"])]
    settings = MentoringSettings(previous_pairs=previous, locked_pairs=kept[:3])
    with pytest.MonkeyPatch.context() as mp:
        whole, priced = both(fewer, settings, mp)
    same_plan_value(whole, priced)
    assert priced.matches["locked"].sum() == 3
    assert priced.changed_pairs == whole.changed_pairs
    with pytest.MonkeyPatch.context() as mp:
        _, cbc = both(fewer, settings.model_copy(update={"solver": "cbc"}), mp)
    same_plan_value(whole, cbc)
    # A lock that breaks a rule is explained, as on the whole model.
    bad = MentoringSettings(locked_pairs=[(kept[0][0], kept[0][0])])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mentoring, "LARGE_MIN_PAIRS", 0)
        with pytest.raises(ValueError):
            solve_mentoring(fewer, bad)  # a mentee who is not a mentor: named, not solved


def adversarial(n: int = 80, popular: int = 3) -> tuple:
    """Every mentee ranks the same few popular mentors first (capacity 1 each) and every other
    mentor fits the first mentees best, so most mentees' plan pairs are far down both lists:
    beyond the mentee's best two and beyond the mentor's best (capacity + 24)."""
    students = [
        student(f"e{i:03d}", "P", "UG1", interests="a;b;c" if i < 30 else "") for i in range(n)
    ]
    students += [student(f"m{j:03d}", "P", "UG2", interests="a;b;c") for j in range(n)]
    prefs = [(f"e{i:03d}", f"m{j:03d}", j + 1) for i in range(n) for j in range(popular)]
    mentors = {f"m{j:03d}": 1 for j in range(n)}
    c = cohort(students, mentors, [f"e{i:03d}" for i in range(n)], preferences=prefs)
    return c, mentors


def test_adversarial_cohort_needs_pairs_far_down_the_lists():
    c, mentors = adversarial()
    with pytest.MonkeyPatch.context() as mp:
        whole, priced = both(c, MentoringSettings(), mp)
    same_plan_value(whole, priced)
    ok = eligible(c)
    assert priced.matched == max_b_matching(list(c.mentees["student_id"]), mentors, ok) == 80
    # Far down the lists: every mentee ranks the mentors m000, m001, m002, then the rest by id;
    # every other mentor ranks e000..e029 (shared interests) first, then by id. A pair with
    # mentor j >= 2 and mentee i >= 25 is outside the mentee's best two and the mentor's best
    # capacity + 24: the start had none of them, pricing found them.
    weights = MentoringSettings().weights
    assert score(c, "e040", "m000", weights) > score(c, "e040", "m001", weights)
    assert score(c, "e040", "m002", weights) > score(c, "e040", "m050", weights)
    assert score(c, "e010", "m050", weights) > score(c, "e040", "m050", weights)
    far = [
        (e, m)
        for e, m in zip(priced.matches["mentee_id"], priced.matches["mentor_id"], strict=True)
        if int(m[1:]) >= 2 and int(e[1:]) >= 25
    ]
    assert len(far) >= 40
    assert priced.extra["lp_columns"] < len(ok)  # never the whole model


@pytest.mark.parametrize("n_students", [2000, 5000])
def test_matched_count_equals_an_independent_maximum_flow(n_students):
    """scipy's maximum flow over the eligible pairs (checked one pair at a time by the test's
    own rule checker) matches as many mentees as the block path."""
    c = generate_cohort(n_students, seed=5, mentee_share=0.34)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mentoring, "LARGE_MIN_PAIRS", 0)
        r = solve_mentoring(c)
    assert r.status.status == "optimal" and r.extra["by_blocks"]
    check_plan(c, r.matches)
    assert r.matched == scipy_max_flow(c)


def scipy_max_flow(c) -> int:
    mentees = list(c.mentees["student_id"])
    caps = dict(zip(c.mentors["student_id"], c.mentors["capacity"], strict=True))
    mentors = list(caps)
    e_index = {e: k for k, e in enumerate(mentees)}
    m_index = {m: k for k, m in enumerate(mentors)}
    source, sink = 0, 1 + len(mentees) + len(mentors)
    tails, heads, cap = [], [], []
    for e in mentees:
        tails.append(source), heads.append(1 + e_index[e]), cap.append(1)
    for e, m in eligible(c):
        tails.append(1 + e_index[e]), heads.append(1 + len(mentees) + m_index[m]), cap.append(1)
    for m in mentors:
        tails.append(1 + len(mentees) + m_index[m]), heads.append(sink), cap.append(caps[m])
    graph = csr_matrix(
        (np.array(cap, dtype=np.int32), (np.array(tails), np.array(heads))),
        shape=(sink + 1, sink + 1),
    )
    return int(maximum_flow(graph, source, sink).flow_value)


def test_small_cohorts_keep_the_whole_model():
    """The samples' size stays on the whole model (their plans are unchanged)."""
    c = generate_cohort(300, seed=1)
    assert not solve_mentoring(c).extra.get("by_blocks")
    assert mentoring.LARGE_MIN_PAIRS >= 100_000
