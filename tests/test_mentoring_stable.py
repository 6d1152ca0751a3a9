"""Stable mode: deferred acceptance equals the `matching` package pair for pair; the best-score
stable MILP equals brute force over all stable matchings."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching.games import HospitalResident
from test_mentoring_support import all_matchings, check_plan, cohort, eligible, score, student

from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring
from workbench.schemes.mentoring.stable import deferred_acceptance


def reference(
    mentee_lists: dict[str, list[str]], mentor_lists: dict[str, list[str]], capacity: dict[str, int]
) -> set[tuple[str, str]]:
    """The `matching` package's mentee (resident) optimal stable matching."""
    residents = {e: lst for e, lst in mentee_lists.items() if lst}
    hospitals = {m: lst for m, lst in mentor_lists.items() if lst}
    if not residents:
        return set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(
            residents, hospitals, {m: capacity[m] for m in hospitals}
        )
        solution = game.solve(optimal="resident")
        assert game.check_validity() and game.check_stability()
    return {(r.name, h.name) for h, rs in solution.items() for r in rs}


@st.composite
def two_sided(draw, max_mentees=8, max_mentors=4):
    n_e = draw(st.integers(1, max_mentees))
    n_m = draw(st.integers(1, max_mentors))
    mentees = [f"e{i}" for i in range(n_e)]
    mentors = [f"m{j}" for j in range(n_m)]
    capacity = {m: draw(st.integers(1, 3)) for m in mentors}
    e_lists = {
        e: draw(
            st.permutations(mentors)
            .map(lambda p: list(p))
            .flatmap(lambda p: st.integers(0, len(p)).map(lambda k, p=p: p[:k]))
        )
        for e in mentees
    }
    m_lists = {
        m: draw(
            st.permutations(mentees)
            .map(lambda p: list(p))
            .flatmap(lambda p: st.integers(0, len(p)).map(lambda k, p=p: p[:k]))
        )
        for m in mentors
    }
    return mentees, mentors, capacity, e_lists, m_lists


def mutual(e_lists, m_lists):
    """Keep only mutually ranked partners, in each side's order."""
    e_mut = {e: [m for m in lst if e in m_lists[m]] for e, lst in e_lists.items()}
    m_mut = {m: [e for e in lst if m in e_lists[e]] for m, lst in m_lists.items()}
    return e_mut, m_mut


@settings(max_examples=300, deadline=None)
@given(two_sided(max_mentees=10, max_mentors=5))
def test_deferred_acceptance_equals_matching_package(case):
    mentees, mentors, capacity, e_lists, m_lists = case
    e_mut, m_mut = mutual(e_lists, m_lists)
    ei = {e: i for i, e in enumerate(mentees)}
    mi = {m: j for j, m in enumerate(mentors)}
    ours = deferred_acceptance(
        [[mi[m] for m in e_mut[e]] for e in mentees],
        [[ei[e] for e in m_mut[m]] for m in mentors],
        [capacity[m] for m in mentors],
    )
    got = {(mentees[e], mentors[m]) for e, m in ours.items()}
    assert got == reference(e_mut, m_mut, capacity)


def _cohort_from(case, avoid=()):
    mentees, mentors, capacity, e_lists, m_lists = case
    students = [
        student(e, "Physics", "UG1", interests="a" if i % 2 else "b") for i, e in enumerate(mentees)
    ]
    students += [student(m, "Physics", "UG3", interests="a") for m in mentors]
    prefs = [(e, m, r + 1) for e, lst in e_lists.items() for r, m in enumerate(lst)]
    prefs += [(m, e, r + 1) for m, lst in m_lists.items() for r, e in enumerate(lst)]
    return cohort(students, capacity, mentees, avoid=list(avoid), preferences=prefs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_sided(max_mentees=6, max_mentors=3), st.data())
def test_stable_mode_equals_matching_package(case, data):
    """Through solve_mentoring: hard rules (avoid pairs here) filter the acceptable pairs."""
    mentees, mentors, capacity, e_lists, m_lists = case
    avoid = data.draw(
        st.lists(
            st.tuples(st.sampled_from(mentees), st.sampled_from(mentors)), max_size=2, unique=True
        )
    )
    c = _cohort_from(case, avoid)
    r = solve_mentoring(c, MentoringSettings(stable="mentee_optimal"))
    check_plan(c, r.matches)
    blocked = set(avoid)
    e_ok = {e: [m for m in lst if (e, m) not in blocked] for e, lst in e_lists.items()}
    m_ok = {m: [e for e in lst if (e, m) not in blocked] for m, lst in m_lists.items()}
    e_mut, m_mut = mutual(e_ok, m_ok)
    got = set(zip(r.matches["mentee_id"], r.matches["mentor_id"], strict=True))
    assert got == reference(e_mut, m_mut, capacity)
    assert r.status.status == "optimal"


def is_stable(plan, e_mut, m_mut, capacity) -> bool:
    mentor_of = dict(plan)
    held: dict[str, list[str]] = {}
    for e, m in plan:
        held.setdefault(m, []).append(e)
    for e, lst in e_mut.items():
        for m in lst:
            if e not in m_mut[m]:
                continue
            e_wants = e not in mentor_of or lst.index(m) < lst.index(mentor_of[e])
            m_wants = len(held.get(m, [])) < capacity[m] or any(
                m_mut[m].index(e) < m_mut[m].index(x) for x in held[m]
            )
            if e_wants and m_wants:
                return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_sided(max_mentees=5, max_mentors=3))
def test_best_score_stable_equals_brute_force(case):
    mentees, mentors, capacity, e_lists, m_lists = case
    c = _cohort_from(case)
    e_mut, m_mut = mutual(e_lists, m_lists)
    acceptable = {(e, m) for e, lst in e_mut.items() for m in lst}
    weights = MentoringSettings().weights
    s = {p: score(c, *p, weights) for p in eligible(c)}
    stable = [
        p
        for p in all_matchings(mentees, capacity, acceptable)
        if is_stable(p, e_mut, m_mut, capacity)
    ]
    best = max(round(sum(s[q] for q in p), 3) for p in stable)
    r = solve_mentoring(c, MentoringSettings(stable="best_score"))
    plan = list(zip(r.matches["mentee_id"], r.matches["mentor_id"], strict=True))
    assert r.status.status == "optimal"
    assert is_stable(plan, e_mut, m_mut, capacity)
    assert r.total_score == pytest.approx(best)
    # The mentee-optimal one is stable too, and no better in total score.
    da = solve_mentoring(c, MentoringSettings(stable="mentee_optimal"))
    assert da.matched == r.matched  # every stable matching matches the same mentees
    assert da.total_score <= r.total_score + 1e-9


def test_stable_reasons_and_a_known_answer():
    # Classic: a and b both rank X first; X prefers b. c ranked nobody; d's choice did not
    # rank them back.
    c = cohort(
        [
            student("a"),
            student("b"),
            student("c"),
            student("d"),
            student("X", level="UG3"),
            student("Y", level="UG3"),
        ],
        {"X": 1, "Y": 1},
        ["a", "b", "c", "d"],
        preferences=[
            ("a", "X", 1),
            ("a", "Y", 2),
            ("b", "X", 1),
            ("d", "Y", 1),
            ("X", "b", 1),
            ("X", "a", 2),
            ("Y", "b", 1),
            ("Y", "a", 2),
        ],
    )
    r = solve_mentoring(c, MentoringSettings(stable="mentee_optimal"))
    assert set(zip(r.matches["mentee_id"], r.matches["mentor_id"], strict=True)) == {
        ("b", "X"),
        ("a", "Y"),
    }
    reasons = dict(zip(r.unmatched["mentee_id"], r.unmatched["reason"], strict=True))
    assert reasons["c"] == "has not ranked any mentor (stable mode needs rankings)"
    assert reasons["d"] == "the eligible mentor they ranked did not rank them"
    assert any("1 mentee has not ranked any mentor" in f for f in r.fixes)
    # Y at capacity with a mentee it ranked above e.
    c2 = cohort(
        [student("a"), student("e"), student("Y", level="UG3")],
        {"Y": 1},
        ["a", "e"],
        preferences=[("a", "Y", 1), ("e", "Y", 1), ("Y", "a", 1), ("Y", "e", 2)],
    )
    r2 = solve_mentoring(c2, MentoringSettings(stable="mentee_optimal"))
    assert dict(zip(r2.unmatched["mentee_id"], r2.unmatched["reason"], strict=True))["e"] == (
        "the only mentor who ranked them back is full with mentees they ranked higher"
    )


def test_best_score_with_locks():
    c = cohort(
        [student("a"), student("b"), student("X", level="UG3"), student("Y", level="UG3")],
        {"X": 1, "Y": 1},
        ["a", "b"],
        preferences=[
            ("a", "X", 1),
            ("a", "Y", 2),
            ("b", "X", 1),
            ("b", "Y", 2),
            ("X", "a", 1),
            ("X", "b", 2),
            ("Y", "a", 1),
            ("Y", "b", 2),
        ],
    )
    # The only stable matching is a-X, b-Y: locking b-X leaves a and X a blocking pair.
    r = solve_mentoring(c, MentoringSettings(stable="best_score", locked_pairs=[("a", "X")]))
    assert r.status.status == "optimal" and r.matched == 2
    r = solve_mentoring(c, MentoringSettings(stable="best_score", locked_pairs=[("b", "X")]))
    assert r.status.status == "infeasible" and r.matched == 0
    assert "no stable matching keeps every locked pair" in r.status.messages
