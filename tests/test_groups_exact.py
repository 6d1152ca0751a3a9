"""Brute force on tiny cohorts proves the objective: most placed, then the worst group score
(maximin), then the total; every plan keeps the hard rules and is scored as documented."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.schemes.groups.solve import GroupSettings, form_groups

sys.path.insert(0, str(Path(__file__).parent))
from groups_helpers import (  # noqa: E402
    brute_force,
    criteria,
    plan_problems,
    result_value,
    score,
    tiny_cohort,
    world,
)

GRID = {"days": [0, 1], "first_start": 9 * 60, "last_start": 10 * 60, "time_limit": 20}

CASES = [
    # seed, students, (min, max), similar, diverse, no_isolation, keep_together
    (1, 8, (2, 3), [], ["programme"], [], []),
    (2, 8, (2, 3), [], ["programme", "gender"], ["home_status"], []),
    (3, 7, (3, 4), ["interests"], [], ["gender"], []),
    (4, 8, (2, 4), ["programme"], ["languages"], [], []),
    (5, 8, (2, 3), [], ["interests", "home_status"], ["gender"], [("S01", "S02")]),
    (6, 7, (2, 3), ["home_status"], ["first_generation"], [], []),
    (7, 8, (3, 3), [], ["programme"], ["home_status"], []),
    (8, 8, (2, 3), ["interests"], ["programme"], [], [("S03", "S04")]),
    (9, 6, (2, 2), [], [], ["home_status"], []),
    (10, 8, (2, 3), [], ["gender"], [], []),
]


def _settings(case) -> GroupSettings:
    _, _, (lo, hi), similar, diverse, iso, keep = case
    return GroupSettings(
        module="M1",
        min_size=lo,
        max_size=hi,
        similar=similar,
        diverse=diverse,
        no_isolation=iso,
        keep_together=keep,
        **GRID,
    )


@pytest.mark.parametrize("case", CASES, ids=[f"seed{c[0]}" for c in CASES])
def test_tiny_cohorts_reach_the_brute_force_optimum(case) -> None:
    seed, n = case[0], case[1]
    cohort = tiny_cohort(seed, n, busy_share=0.45)
    settings = _settings(case)
    result = form_groups(cohort, settings)
    w = world(cohort, settings, sorted(cohort.enrolments["student_id"]))
    assert plan_problems(w, settings, result.groups) == []
    best = brute_force(w, settings)
    got = result_value(w, settings, result.groups)
    assert result.status.status == "optimal", result.summary()
    assert got == best
    assert result.placed == best[0]
    if best[0]:
        assert result.worst_score == pytest.approx(best[1])
        assert result.total_score == pytest.approx(best[2])
    # Reported group scores are the documented score.
    crits = criteria(w, settings)
    for gid, g in result.groups.groupby("group_id"):
        row = result.group_scores.set_index("group_id").loc[gid]
        assert row["score"] == pytest.approx(score(w, crits, g["student_id"].tolist()))
        assert row["size"] == len(g)
    # Every student is placed or explained, once.
    assert sorted([*result.groups["student_id"], *result.unplaced["student_id"]]) == w.ids
    assert result.unplaced["reason"].str.len().gt(10).all()


@pytest.mark.parametrize("seed", [21, 22, 23, 24])
def test_mentor_led_tiny_cohorts_reach_the_brute_force_optimum(seed: int) -> None:
    cohort = tiny_cohort(seed, 7, busy_share=0.3, mentors=3)
    settings = GroupSettings(
        kind="social",
        level="UG1",
        min_size=2,
        max_size=3,
        led_by_mentors=True,
        no_isolation=["home_status"],
        **GRID,
    )
    result = form_groups(cohort, settings)
    w = world(cohort, settings, sorted(cohort.students.query("level == 'UG1'")["student_id"]))
    assert plan_problems(w, settings, result.groups) == []
    best = brute_force(w, settings)
    assert result.status.status == "optimal", result.summary()
    assert result_value(w, settings, result.groups) == best
    assert result.groups["mentor_id"].notna().all()


def test_a_tight_timetable_needs_slot_choice_and_is_still_optimal() -> None:
    """Two slots each free for different halves: only a plan using both places everyone."""
    cohort = tiny_cohort(31, 8, slots=4, busy_share=0.6, avoid=0)
    settings = GroupSettings(module="M1", min_size=2, max_size=3, diverse=["programme"], **GRID)
    result = form_groups(cohort, settings)
    w = world(cohort, settings, sorted(cohort.enrolments["student_id"]))
    assert plan_problems(w, settings, result.groups) == []
    assert result.status.status == "optimal"
    assert result_value(w, settings, result.groups) == brute_force(w, settings)


def test_cbc_reaches_the_same_optimum() -> None:
    case = CASES[1]
    cohort = tiny_cohort(case[0], case[1], busy_share=0.45)
    settings = _settings(case).model_copy(update={"solver": "cbc"})
    result = form_groups(cohort, settings)
    w = world(cohort, settings, sorted(cohort.enrolments["student_id"]))
    assert plan_problems(w, settings, result.groups) == []
    assert result.status.status == "optimal" and result.status.solver == "cbc"
    assert result_value(w, settings, result.groups) == brute_force(w, settings)


@settings(
    max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    seed=st.integers(100, 10_000),
    n=st.integers(4, 7),
    lo=st.integers(2, 3),
    extra=st.integers(0, 1),
    chosen=st.lists(
        st.sampled_from(["programme", "gender", "interests", "languages", "home_status"]),
        unique=True,
        max_size=2,
    ),
    split=st.integers(0, 2),
    iso=st.lists(st.sampled_from(["home_status", "gender"]), unique=True, max_size=1),
)
def test_random_tiny_cohorts_match_brute_force(seed, n, lo, extra, chosen, split, iso) -> None:
    cohort = tiny_cohort(seed, n, busy_share=0.4)
    config = GroupSettings(
        module="M1",
        min_size=lo,
        max_size=lo + extra,
        similar=chosen[:split],
        diverse=chosen[split:],
        no_isolation=iso,
        **GRID,
    )
    result = form_groups(cohort, config)
    w = world(cohort, config, sorted(cohort.enrolments["student_id"]))
    assert plan_problems(w, config, result.groups) == []
    assert result.status.status in ("optimal", "infeasible"), result.summary()
    assert result_value(w, config, result.groups) == brute_force(w, config)
