"""Mentoring: hand-built instances with known answers, brute force, explanations, re-solves."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mentoring_support import (
    all_matchings,
    check_plan,
    cohort,
    eligible,
    score,
    student,
)

import workbench.schemes.mentoring.blocks as mentoring_blocks
import workbench.schemes.mentoring.large as mentoring_large
import workbench.schemes.mentoring.model as mentoring
import workbench.schemes.mentoring.solve as mentoring_solve
from workbench.cohort.domain import SolveStatus
from workbench.schemes.mentoring.scoring import CRITERIA, DEFAULT_WEIGHTS
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring


def pairs_of(result) -> set[tuple[str, str]]:
    return set(zip(result.matches["mentee_id"], result.matches["mentor_id"], strict=True))


def reason_of(result, mentee: str) -> str:
    row = result.unmatched.loc[result.unmatched["mentee_id"] == mentee]
    assert len(row) == 1, f"{mentee} is not unmatched"
    return row["reason"].iloc[0]


# --------------------------------------------------------------------------- rules


def test_programme_rule_level_gap_capacity_and_self():
    c = cohort(
        [
            student("e1"),
            student("e2"),
            student("e3", "Chemistry"),
            student("m1", level="UG3"),
            student("m2", level="UG1"),
            student("m3", "Chemistry", "UG2"),
            student("e4", level="UG2"),
        ],
        mentors={"m1": 1, "m2": 2, "m3": 1, "e4": 1},
        mentees=["e1", "e2", "e3", "e4"],
    )
    r = solve_mentoring(c)
    check_plan(c, r.matches)
    assert r.status.status == "optimal"
    # e1, e2 (UG1 Physics) can have m1 (UG3) or e4 (UG2, also a mentee); e4 only m1; m2 is UG1.
    assert r.matched == 3 and r.mentees == 4
    assert ("e3", "m3") in pairs_of(r)
    assert ("e4", "e4") not in pairs_of(r)
    load = r.mentor_load.set_index("mentor_id")
    assert load.loc["m1", "assigned"] == 1 and load.loc["m1", "spare"] == 0
    assert load.loc["e4", "assigned"] == 1
    assert load.loc["m2", "assigned"] == 0 and load.loc["m2", "spare"] == 2


def test_min_level_gap_two_and_zero():
    c = cohort(
        [student("e1"), student("m2", level="UG2"), student("m3", level="UG3")],
        mentors={"m2": 1, "m3": 1},
        mentees=["e1"],
    )
    r = solve_mentoring(c, MentoringSettings(min_level_gap=2))
    assert pairs_of(r) == {("e1", "m3")}
    c = cohort(
        [student("e1"), student("m1", level="UG1")], mentors={"m1": 1, "e1": 1}, mentees=["e1"]
    )
    r = solve_mentoring(c, MentoringSettings(min_level_gap=0))
    assert pairs_of(r) == {("e1", "m1")}  # same level allowed, but never themself


@pytest.mark.parametrize(
    "rule, expected",
    [
        ("programme", {("e1", "m1")}),
        ("faculty", {("e1", "m1"), ("e2", "m2")}),
        ("any", {("e1", "m1"), ("e2", "m2"), ("e3", "m3")}),
    ],
)
def test_rules(rule, expected):
    c = cohort(
        [
            student("e1", "Physics", faculty="Science"),
            student("e2", "Chemistry", faculty="Science"),
            student("e3", "History", faculty="Arts"),
            student("m1", "Physics", "UG3", faculty="Science"),
            student("m2", "Maths", "UG3", faculty="Science"),
            student("m3", "Law", "PGT", faculty="Law"),
        ],
        mentors={"m1": 1, "m2": 1, "m3": 1},
        mentees=["e1", "e2", "e3"],
    )
    r = solve_mentoring(c, MentoringSettings(rule=rule))
    check_plan(c, r.matches, rule)
    assert pairs_of(r) == expected


def test_faculty_rule_falls_back_to_programme_when_faculty_missing():
    c = cohort(
        [student("e1", "Physics"), student("m1", "Physics", "UG3"), student("m2", "Maths", "UG3")],
        mentors={"m1": 1, "m2": 1},
        mentees=["e1"],
    )
    r = solve_mentoring(c, MentoringSettings(rule="faculty"))
    assert pairs_of(r) == {("e1", "m1")}


def test_avoid_pairs_either_way_round():
    c = cohort(
        [student("e1"), student("e2"), student("m1", level="UG3"), student("m2", level="UG3")],
        mentors={"m1": 2, "m2": 2},
        mentees=["e1", "e2"],
        avoid=[("e1", "m1"), ("m2", "e2")],
    )
    r = solve_mentoring(c)
    assert pairs_of(r) == {("e1", "m2"), ("e2", "m1")}


def test_zero_eligible_pairs_is_a_correct_empty_plan():
    c = cohort(
        [student("e1"), student("e2", "Chemistry"), student("m1", "Law", "UG3")],
        mentors={"m1": 3},
        mentees=["e1", "e2"],
    )
    for objective in ("coverage", "quality", "fairness"):
        r = solve_mentoring(c, MentoringSettings(objective=objective))
        assert r.status.status == "optimal" and r.matched == 0 and r.mentees == 2
        assert r.matches.empty and list(r.matches.columns)[:3] == [
            "mentee_id",
            "mentor_id",
            "score",
        ]
        assert set(r.unmatched["reason_code"]) == {"no_mentor"}
        assert r.coverage == 0.0
    r = solve_mentoring(c, MentoringSettings(stable="best_score"))
    assert r.status.status == "optimal" and r.matched == 0


def test_no_mentees_and_no_mentors():
    c = cohort([student("e1"), student("m1", level="UG3")], mentors={}, mentees=[])
    r = solve_mentoring(c)
    assert r.mentees == 0 and r.matched == 0 and r.coverage == 0.0 and r.unmatched.empty
    c = cohort([student("e1"), student("m1", level="UG3")], mentors={}, mentees=["e1"])
    r = solve_mentoring(c)
    assert reason_of(r, "e1") == "no mentor in Physics at a higher level"


# --------------------------------------------------------------------------- scores


def test_score_breakdown_by_criterion():
    c = cohort(
        [
            student(
                "e1",
                faculty="Science",
                interests="chess;music;film;go",
                languages="en;fr",
                home_status="Home",
                first_generation="yes",
                commuter="yes",
            ),
            student(
                "m1",
                level="UG3",
                faculty="Science",
                interests="chess;music;film;go",
                languages="fr",
                home_status="home",
                first_generation="yes",
                commuter="no",
            ),
            student("m2", level="UG3", interests="music", first_generation="no"),
        ],
        mentors={"m1": 1, "m2": 1},
        mentees=["e1"],
        preferences=[("e1", "m2", 1), ("e1", "m1", 2)],
    )
    r = solve_mentoring(c, MentoringSettings(objective="quality"))
    row = r.matches.iloc[0]
    assert row["mentor_id"] == "m1"
    assert row["same_programme"] == 3.0 and row["same_faculty"] == 1.0
    assert row["shared_interests"] == 2.0  # four shared, capped at three
    assert row["shared_language"] == 1.0 and row["same_home_status"] == 1.0
    assert row["first_generation"] == 1.0 and row["commuter"] == 0.0
    assert row["preference"] == 1.5  # second choice: half of 3
    assert row["score"] == pytest.approx(sum(row[k] for k in CRITERIA))
    assert row["score"] == pytest.approx(score(c, "e1", "m1", DEFAULT_WEIGHTS))


# --------------------------------------------------------------------------- objectives


def _objective_cohort():
    # Weights make: A-X 10, A-Y 5, B-X 5, B-Y 1.
    return cohort(
        [
            student("A", home_status="home", commuter="yes", languages="fr"),
            student("B", home_status="intl", commuter="yes", languages="es"),
            student("X", level="UG3", home_status="home", commuter="yes", languages="de"),
            student("Y", level="UG3", home_status="home", commuter="no", languages="es"),
        ],
        mentors={"X": 1, "Y": 1},
        mentees=["A", "B"],
    )


WEIGHTS = {k: 0.0 for k in CRITERIA} | {
    "same_home_status": 5.0,
    "commuter": 5.0,
    "shared_language": 1.0,
}


def test_objectives_on_a_known_instance():
    c = _objective_cohort()
    r = solve_mentoring(c, MentoringSettings(weights=WEIGHTS))
    assert pairs_of(r) == {("A", "X"), ("B", "Y")} and r.total_score == 11
    r = solve_mentoring(c, MentoringSettings(weights=WEIGHTS, objective="fairness"))
    assert pairs_of(r) == {("A", "Y"), ("B", "X")} and r.lowest_score == 5
    assert r.summary()["objective"] == 5
    r = solve_mentoring(c, MentoringSettings(weights=WEIGHTS, objective="quality"))
    assert pairs_of(r) == {("A", "X"), ("B", "Y")}
    # B-Y (1) is below the minimum: {A-X} and {A-Y, B-X} both total 10; more mentees wins.
    r = solve_mentoring(c, MentoringSettings(weights=WEIGHTS, objective="quality", min_score=2))
    assert pairs_of(r) == {("A", "Y"), ("B", "X")}
    r = solve_mentoring(c, MentoringSettings(weights=WEIGHTS, objective="quality", min_score=6))
    assert pairs_of(r) == {("A", "X")}
    assert reason_of(r, "B") == "all 2 eligible mentors score below the minimum score 6"
    assert any("a minimum of 5 would let every one of them be considered" in f for f in r.fixes)


def test_quality_prefers_score_over_coverage():
    c = cohort(
        [
            student("A", interests="x;y;z"),
            student("B"),
            student("X", level="UG3", interests="x;y;z"),
        ],
        mentors={"X": 1},
        mentees=["A", "B"],
    )
    for objective in ("coverage", "quality"):
        r = solve_mentoring(c, MentoringSettings(objective=objective))
        assert pairs_of(r) == {("A", "X")}
    # Coverage first matches more mentees even at a lower total score.
    c = cohort(
        [
            student("A", interests="x;y;z"),
            student("B"),
            student("X", level="UG3", interests="x;y;z"),
            student("Y", level="UG3"),
        ],
        mentors={"X": 1, "Y": 1},
        mentees=["A", "B"],
        avoid=[("A", "Y")],
    )
    r = solve_mentoring(c, MentoringSettings(objective="coverage"))
    assert pairs_of(r) == {("A", "X"), ("B", "Y")}


@st.composite
def tiny_cohorts(draw):
    n_e = draw(st.integers(1, 4))
    n_m = draw(st.integers(1, 3))
    progs = ["P", "Q"]
    levels = ["UG1", "UG2", "UG3"]
    flags = st.sampled_from(["yes", "no", None])
    students = []
    for i in range(n_e + n_m):
        sid = f"e{i}" if i < n_e else f"m{i - n_e}"
        students.append(
            student(
                sid,
                draw(st.sampled_from(progs)),
                draw(st.sampled_from(levels[:2] if i < n_e else levels[1:])),
                faculty=draw(st.sampled_from(["F", "G", None])),
                interests=";".join(draw(st.lists(st.sampled_from("abcd"), max_size=3))),
                languages=";".join(draw(st.lists(st.sampled_from("xy"), max_size=2))),
                home_status=draw(st.sampled_from(["home", "intl", None])),
                first_generation=draw(flags),
                commuter=draw(flags),
            )
        )
    mentees = [f"e{i}" for i in range(n_e)]
    mentors = {f"m{j}": draw(st.integers(1, 2)) for j in range(n_m)}
    avoid = draw(
        st.lists(
            st.tuples(st.sampled_from(mentees), st.sampled_from(list(mentors))),
            max_size=2,
            unique=True,
        )
    )
    prefs = draw(
        st.lists(
            st.tuples(st.sampled_from(mentees), st.sampled_from(list(mentors)), st.integers(1, 3)),
            max_size=4,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    rule = draw(st.sampled_from(["programme", "faculty", "any"]))
    weights = {k: draw(st.sampled_from([0.0, 1.0, 2.5])) for k in CRITERIA}
    return cohort(students, mentors, mentees, avoid, prefs), rule, weights


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_cohorts(), st.sampled_from([0.0, 2.0]), st.sampled_from(["whole", "pricing", "blocks"]))
def test_brute_force_optimality(case, min_score, path):
    """Every objective reaches the brute-force optimum of its lexicographic key (whole models,
    pricing from one pair per mentee, and the block path of large cohorts from one pair per
    mentee and none per mentor, one-row slices recomputed each round)."""
    with pytest.MonkeyPatch.context() as mp:
        if path == "pricing":
            mp.setattr(mentoring, "PRICING_MIN_PAIRS", 0)
            mp.setattr(mentoring, "START_PER_MENTEE", 1)
            mp.setattr(mentoring, "START_PER_MENTOR", -1)
        if path == "blocks":
            mp.setattr(mentoring_solve, "LARGE_MIN_PAIRS", 0)
            mp.setattr(mentoring_large, "START_PER_MENTEE", 1)
            mp.setattr(mentoring_large, "START_PER_MENTOR", -2)
            mp.setattr(mentoring_large, "ADD_PER_MENTEE", 1)
            mp.setattr(mentoring_large, "CACHE_PAIRS", 0)
            mp.setattr(mentoring_blocks, "SLICE_PAIRS", 1)
        _brute_force_check(case, min_score)


def _brute_force_check(case, min_score):
    c, rule, weights = case
    mentees = list(c.mentees["student_id"])
    mentors = dict(zip(c.mentors["student_id"], c.mentors["capacity"], strict=True))
    ok = eligible(c, rule)
    s = {p: score(c, *p, weights) for p in ok}
    plans = list(all_matchings(mentees, mentors, ok))

    def total(plan):
        return round(sum(s[p] for p in plan), 3)

    def lowest(plan):
        return min((s[p] for p in plan), default=0.0)

    quality_plans = [p for p in plans if all(s[q] >= min_score for q in p)]
    expected = {
        "coverage": max((len(p), total(p)) for p in plans),
        "quality": max((total(p), len(p)) for p in quality_plans),
        "fairness": max((len(p), lowest(p), total(p)) for p in plans),
    }
    for objective, best in expected.items():
        r = solve_mentoring(
            c,
            MentoringSettings(rule=rule, weights=weights, objective=objective, min_score=min_score),
        )
        check_plan(c, r.matches, rule)
        plan = list(pairs_of(r))
        assert r.status.status == "optimal"
        for row in r.matches.itertuples():
            assert row.score == pytest.approx(s[(row.mentee_id, row.mentor_id)])
        got = {
            "coverage": (len(plan), total(plan)),
            "quality": (total(plan), len(plan)),
            "fairness": (len(plan), lowest(plan), total(plan)),
        }[objective]
        assert got == pytest.approx(best), objective
        if objective == "quality":
            assert all(s[p] >= min_score for p in plan)


# --------------------------------------------------------------------------- locks, re-solve


def _resolve_cohort():
    students = [
        student("A"),
        student("B"),
        student("C"),
        student("X", level="UG3"),
        student("Y", level="UG3", interests="a;b;c"),
        student("Z", level="UG3"),
    ]
    return cohort(students, {"X": 1, "Y": 1, "Z": 1}, ["A", "B", "C"])


def test_locked_pairs_hold():
    c = cohort(
        [
            student("A", interests="a;b;c"),
            student("B"),
            student("X", level="UG3"),
            student("Y", level="UG3", interests="a;b;c"),
        ],
        {"X": 1, "Y": 1},
        ["A", "B"],
    )
    r = solve_mentoring(c)
    assert ("A", "Y") in pairs_of(r)
    r = solve_mentoring(c, MentoringSettings(locked_pairs=[("B", "Y")]))
    assert pairs_of(r) == {("B", "Y"), ("A", "X")}
    assert r.matches.set_index("mentee_id").loc["B", "locked"]


def test_infeasible_locks_are_explained():
    c = cohort(
        [student("A"), student("B"), student("X", level="UG3"), student("W", "Law", "UG3")],
        {"X": 1, "W": 1},
        ["A", "B"],
    )
    r = solve_mentoring(c, MentoringSettings(locked_pairs=[("A", "W")]))
    assert r.status.status == "infeasible" and r.matched == 0
    assert "locked pair A - W breaks a hard rule" in r.fixes[0]
    assert "not in the same programme (Physics / Law)" in r.fixes[0]
    assert set(r.unmatched["reason"]) == {"no plan: the locked pairs cannot all hold"}
    r = solve_mentoring(c, MentoringSettings(locked_pairs=[("A", "X"), ("B", "X")]))
    assert r.status.status == "infeasible"
    assert "mentor X has 2 locked mentees but capacity 1" in r.fixes
    with pytest.raises(ValueError, match="not signed up"):
        solve_mentoring(c, MentoringSettings(locked_pairs=[("A", "nobody")]))


def test_resolve_keeps_previous_pairs_unless_moving_matches_more():
    # Y is the best mentor for everyone; previous plan A-X, B-Z, C-Y.
    c = _resolve_cohort()
    previous = [("A", "X"), ("B", "Z"), ("C", "Y")]
    r = solve_mentoring(c, MentoringSettings(previous_pairs=previous))
    assert pairs_of(r) == set(previous) and r.changed_pairs == 0
    # Z drops out and a late sign-up D arrives: only B's pair changes.
    c2 = cohort(
        [
            *(student(s) for s in "ABCD"),
            student("X", level="UG3"),
            student("Y", level="UG3"),
            student("W", level="UG3"),
        ],
        {"X": 1, "Y": 1, "W": 1},
        ["A", "B", "C", "D"],
    )
    r = solve_mentoring(c2, MentoringSettings(previous_pairs=previous))
    assert {("A", "X"), ("C", "Y")} <= pairs_of(r) and r.matched == 3
    assert r.changed_pairs == 1
    # Moving is needed to match more: B can only have X, A could have X or Y.
    c3 = cohort(
        [student("A"), student("B"), student("X", level="UG3"), student("Y", level="UG3")],
        {"X": 1, "Y": 1},
        ["A", "B"],
        avoid=[("B", "Y")],
    )
    r = solve_mentoring(c3, MentoringSettings(previous_pairs=[("A", "X")]))
    assert pairs_of(r) == {("A", "Y"), ("B", "X")} and r.changed_pairs == 1


def test_resolve_keeps_pairs_over_a_better_score():
    c = cohort(
        [
            student("A", interests="a;b;c"),
            student("X", level="UG3"),
            student("Y", level="UG3", interests="a;b;c"),
        ],
        {"X": 1, "Y": 1},
        ["A"],
    )
    assert pairs_of(solve_mentoring(c)) == {("A", "Y")}
    for objective in ("coverage", "quality", "fairness"):
        r = solve_mentoring(c, MentoringSettings(previous_pairs=[("A", "X")], objective=objective))
        assert pairs_of(r) == {("A", "X")} and r.changed_pairs == 0, objective


# --------------------------------------------------------------------------- explanations


def test_reasons_in_the_coordinators_words():
    c = cohort(
        [
            student("p1", "Physics"),
            student("c1", "Chemistry"),
            student("c2", "Chemistry"),
            student("b1", "Biology"),
            student("b2", "Biology"),
            student("g1", "Geology"),
            student("g2", "Geology"),
            student("MC", "Chemistry", "UG2"),
            student("MB1", "Biology", "UG3"),
            student("MB2", "Biology", "UG3"),
            student("MG", "Geology", "UG3"),
            student("MP", "Physics", "UG1"),
        ],
        mentors={"MC": 1, "MB1": 1, "MB2": 1, "MG": 1, "MP": 3},
        mentees=["p1", "c1", "c2", "b1", "b2", "g1", "g2"],
        avoid=[("g1", "MG"), ("MC", "c1")],
    )
    r = solve_mentoring(c)
    check_plan(c, r.matches)
    assert reason_of(r, "p1") == "no mentor in Physics at a higher level"
    assert reason_of(r, "c1") == "the only eligible mentor is on your avoid list"
    assert reason_of(r, "g1") == "the only eligible mentor is on your avoid list"
    assert r.matched == 4  # c2-MC, b1/b2 with MB1/MB2, g2-MG
    c = cohort(
        [
            student("b1", "Biology"),
            student("b2", "Biology"),
            student("b3", "Biology"),
            student("MB1", "Biology", "UG3"),
            student("MB2", "Biology", "UG3"),
        ],
        mentors={"MB1": 1, "MB2": 1},
        mentees=["b1", "b2", "b3"],
    )
    r = solve_mentoring(c)
    (unmatched,) = r.unmatched["mentee_id"]
    assert reason_of(r, unmatched) == "all 2 eligible mentors are full"
    c = cohort(
        [
            student("b1", "Biology"),
            student("MB1", "Biology", "UG3"),
            student("MB2", "Biology", "UG3"),
        ],
        mentors={"MB1": 1, "MB2": 1},
        mentees=["b1"],
        avoid=[("b1", "MB1"), ("MB2", "b1")],
    )
    assert reason_of(solve_mentoring(c), "b1") == "all 2 eligible mentors are on your avoid list"
    r = solve_mentoring(
        cohort([student("b1"), student("M", level="UG2")], {"M": 1}, ["b1"]),
        MentoringSettings(min_level_gap=2),
    )
    assert reason_of(r, "b1") == "no mentor in Physics at least 2 levels above UG1"
    r = solve_mentoring(
        cohort([student("b1"), student("M", "Law", "UG3")], {"M": 1}, ["b1"]),
        MentoringSettings(rule="any", min_level_gap=3),
    )
    assert reason_of(r, "b1") == "no mentor at least 3 levels above UG1"
    r = solve_mentoring(
        cohort([student("b1")], {"b1": 2}, ["b1"]), MentoringSettings(min_level_gap=0)
    )
    assert reason_of(r, "b1") == "the only eligible mentor is the mentee themself"


def test_the_only_eligible_mentor_is_full():
    c = cohort([student("a"), student("b"), student("M", level="UG3")], {"M": 1}, ["a", "b"])
    r = solve_mentoring(c)
    (unmatched,) = r.unmatched["mentee_id"]
    assert reason_of(r, unmatched) == "the only eligible mentor is full"


def test_cohort_fix_is_true():
    """'3 more Physics mentors with capacity 4 ...': adding them matches everyone."""
    mentees = [student(f"e{i:02d}") for i in range(19)]
    mentors = [student("M1", level="UG3"), student("M2", level="UG3")]
    c = cohort(
        [*mentees, *mentors, student("h1", "History")],
        {"M1": 4, "M2": 4},
        [s["student_id"] for s in mentees] + ["h1"],
    )
    r = solve_mentoring(c)
    assert r.matched == 8
    assert (
        "3 more Physics mentors with capacity 4 at UG2 or above would match all 11 "
        "unmatched Physics mentees"
    ) in r.fixes
    assert (
        "1 more History mentor with capacity 4 at UG2 or above would match the 1 "
        "unmatched History mentee"
    ) in r.fixes
    extra = [student(f"N{i}", level="UG2") for i in range(3)] + [student("H", "History", "UG2")]
    c2 = cohort(
        [*mentees, *mentors, student("h1", "History"), *extra],
        {"M1": 4, "M2": 4, "N0": 4, "N1": 4, "N2": 4, "H": 4},
        [s["student_id"] for s in mentees] + ["h1"],
    )
    r2 = solve_mentoring(c2)
    assert r2.matched == r2.mentees == 20 and r2.fixes == []


def test_broader_rule_fix():
    c = cohort(
        [
            student("e1", "Physics", faculty="Science"),
            student("m1", "Maths", "UG3", faculty="Science"),
        ],
        {"m1": 1},
        ["e1"],
    )
    r = solve_mentoring(c)
    assert (
        "allowing mentors from the same faculty (rule 'faculty') would give all 1 mentees "
        "with no eligible mentor at least one candidate"
    ) in r.fixes
    assert pairs_of(solve_mentoring(c, MentoringSettings(rule="faculty"))) == {("e1", "m1")}


# --------------------------------------------------------------------------- solver paths


def test_time_limit_fallback_is_a_valid_greedy_plan(monkeypatch):
    c = _resolve_cohort()
    monkeypatch.setattr(
        mentoring, "solve", lambda *a, **k: SolveStatus("timed out", seconds=1.0, solver="highs")
    )
    r = solve_mentoring(c)
    assert r.status.status == "feasible" and r.matched == 3
    check_plan(c, r.matches)
    assert any("greedy plan" in m for m in r.status.messages)


def test_cbc_agrees_with_highs():
    c = _objective_cohort()
    for objective in ("coverage", "fairness", "quality"):
        a = solve_mentoring(c, MentoringSettings(weights=WEIGHTS, objective=objective))
        b = solve_mentoring(
            c, MentoringSettings(weights=WEIGHTS, objective=objective, solver="cbc")
        )
        assert (a.matched, a.total_score, a.lowest_score) == (
            b.matched,
            b.total_score,
            b.lowest_score,
        )
        assert b.status.status == "optimal" and b.status.solver == "cbc"


def test_deterministic():
    c = _resolve_cohort()
    a, b = solve_mentoring(c), solve_mentoring(c)
    pd.testing.assert_frame_equal(a.matches, b.matches)
    pd.testing.assert_frame_equal(a.unmatched, b.unmatched)


# --------------------------------------------------------------------------- settings, summary


def test_settings_json_roundtrip_and_validation():
    s = MentoringSettings(rule="faculty", weights={"preference": 5}, locked_pairs=[("a", "b")])
    again = MentoringSettings.model_validate_json(s.model_dump_json())
    assert again == s and again.weights["preference"] == 5.0
    assert again.weights["commuter"] == DEFAULT_WEIGHTS["commuter"]
    with pytest.raises(ValueError, match="unknown criteria"):
        MentoringSettings(weights={"height": 1})
    with pytest.raises(ValueError, match="0 or more"):
        MentoringSettings(weights={"commuter": -1})
    with pytest.raises(ValueError, match="best_score"):
        MentoringSettings(stable="mentee_optimal", locked_pairs=[("a", "b")])


def test_summary_content():
    r = solve_mentoring(_objective_cohort(), MentoringSettings(weights=WEIGHTS))
    s = r.summary()
    json.dumps(s)
    for key in (
        "status",
        "matched",
        "mentees",
        "coverage",
        "objective",
        "gap",
        "seconds",
        "solver",
        "settings",
    ):
        assert key in s
    assert s["coverage"] == 1.0 and s["objective"] == 11 and s["gap"] == 0.0
    assert s["settings"]["weights"]["commuter"] == 5.0


def test_core_does_not_import_streamlit():
    code = (
        "import sys, workbench.schemes.mentoring.solve, workbench.cli.mentoring; "
        "assert 'streamlit' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_popcount_without_numpy_2(monkeypatch):
    import numpy as np

    from workbench.schemes.mentoring.scoring import popcount

    x = np.array([[0, 7, 2**63 + 1], [255, 1, 2**64 - 1]], dtype=np.uint64)
    expected = [[0, 3, 2], [8, 1, 64]]
    assert popcount(x).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert popcount(x).tolist() == expected
