"""Each mentoring rule on its own, in a tiny hand-built model: the objective wants to break it,
the rule's rows stop it (the rule binds), and without the rule the optimum breaks it."""

from __future__ import annotations

import numpy as np
import pulp

from workbench.schemes.mentoring import rules
from workbench.schemes.solving import solve


def columns(n: int, name: str = "rule") -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    prob = pulp.LpProblem(name, pulp.LpMaximize)
    return prob, rules.pair_columns(prob, n)


def optimum(prob, xs, coefs, mip=False) -> tuple[float, np.ndarray]:
    prob.setObjective(pulp.lpSum(c * x for c, x in zip(coefs, xs, strict=True)))
    status = solve(prob, "highs", 10, mip=mip)
    assert status.status == "optimal"
    return pulp.value(prob.objective), np.array([round(x.varValue) for x in xs])


def test_one_mentor_per_mentee_binds():
    # Mentee 0 could take both mentors (pairs 0, 1); mentee 1 one (pair 2).
    mentee = np.array([0, 0, 1])
    prob, xs = columns(3)
    rows: dict = {}
    by_mentee = rules.one_mentor_per_mentee(rows, xs, mentee)
    prob.extend(rows)
    value, plan = optimum(prob, xs, [5, 4, 1])
    assert value == 6 and plan.tolist() == [1, 0, 1]
    assert set(rows) == {"one_mentor_per_mentee_0", "one_mentor_per_mentee_1"}
    assert set(by_mentee) == {0, 1}
    free, xs2 = columns(3, "free")
    assert optimum(free, xs2, [5, 4, 1])[0] == 10  # without it, mentee 0 takes two


def test_mentor_capacity_binds_and_with_used_closes_an_unused_mentor():
    # Three mentees want mentor 0 (capacity 2); pair 3 is mentee 2 with mentor 1.
    mentor = np.array([0, 0, 0, 1])
    capacity = np.array([2, 1])
    prob, xs = columns(4)
    rows: dict = {}
    rules.mentor_capacity(rows, xs, mentor, capacity)
    prob.extend(rows)
    value, plan = optimum(prob, xs, [3, 3, 3, 1])
    assert plan[:3].sum() == 2 and value == 7
    assert rows["mentor_capacity_0"].constant == -2
    # With mentor_used: an unused mentor takes nobody.
    prob, xs = columns(4, "used")
    used = {j: prob.add_variable(f"mentor_used_{j}", 0, 1, pulp.LpBinary) for j in (0, 1)}
    used[0].upBound = 0  # mentor 0 is not used
    rows = {}
    rules.mentor_capacity(rows, xs, mentor, capacity, used)
    prob.extend(rows)
    value, plan = optimum(prob, xs, [3, 3, 3, 1], mip=True)
    assert plan.tolist() == [0, 0, 0, 1] and value == 1


def test_locked_pairs_hold_binds():
    prob, xs = columns(2)
    rows: dict = {}
    rules.one_mentor_per_mentee(rows, xs, np.array([0, 0]))
    rules.locked_pairs_hold(xs, np.array([False, True]))
    prob.extend(rows)
    value, plan = optimum(prob, xs, [9, 1])
    assert plan.tolist() == [0, 1] and value == 1  # the lock beats a better pair


def test_mentor_used_when_matched_and_budget_cap_bind():
    # Two mentors, one mentee each; the budget pays for one mentor.
    mentor = np.array([0, 1])
    prob, xs = columns(2)
    used = {j: prob.add_variable(f"mentor_used_{j}", 0, 1, pulp.LpBinary) for j in (0, 1)}
    rows: dict = {}
    rules.mentor_used_when_matched(rows, xs, mentor, used)
    rules.budget_cap(rows, used, 1)
    prob.extend(rows)
    value, plan = optimum(prob, xs, [2, 3], mip=True)
    assert plan.tolist() == [0, 1] and value == 3
    assert set(rows) == {"mentor_used_0_pair_0", "mentor_used_1_pair_1", "budget"}
    # Without the budget both mentors are used.
    prob, xs = columns(2, "nobudget")
    used = {j: prob.add_variable(f"mentor_used_{j}", 0, 1, pulp.LpBinary) for j in (0, 1)}
    rows = {}
    rules.mentor_used_when_matched(rows, xs, mentor, used)
    prob.extend(rows)
    assert optimum(prob, xs, [2, 3], mip=True)[0] == 5


def test_mentees_of_type_binds():
    # One type of two mentees; entries with mentors 0 and 1 could take 2 each.
    prob = pulp.LpProblem("types", pulp.LpMaximize)
    ys = [prob.add_variable(f"take_{k}", 0, 2, pulp.LpInteger) for k in range(2)]
    rows: dict = {}
    rules.mentees_of_type(rows, ys, np.array([0, 0]), np.array([2, 2]))
    prob.extend(rows)
    value, plan = optimum(prob, ys, [1, 1], mip=True)
    assert plan.sum() == 2 and value == 2 and "mentees_of_type_0" in rows


def test_no_blocking_pair_binds():
    # A stability row over columns 0 and 1: x0 + x1 >= 1 (the pair, or a partner they prefer).
    prob, xs = columns(2)
    rows: dict = {}
    rules.no_blocking_pair(rows, xs, [(0, [0, 1], [1, 1], 1)], lambda k: f"e{k}_m{k}")
    prob.extend(rows)
    value, plan = optimum(prob, xs, [-1, -2], mip=True)
    assert plan.tolist() == [1, 0] and value == -1
    assert "no_blocking_pair_0_e0_m0" in rows
