"""The shared solver configuration reports outcomes honestly."""

from __future__ import annotations

import random

import pulp
import pytest

from workbench.schemes.solving import relative_gap, solve


def knapsack(n: int = 30, seed: int = 1) -> pulp.LpProblem:
    rng = random.Random(seed)
    prob = pulp.LpProblem("knapsack", pulp.LpMaximize)
    xs = [prob.add_variable(f"x{i}", 0, 1, pulp.LpBinary) for i in range(n)]
    prob += pulp.lpSum(rng.randint(1, 50) * x for x in xs)
    prob += pulp.lpSum(rng.randint(1, 30) * x for x in xs) <= 100, "capacity"
    return prob


def brute_force_knapsack(n: int = 12, seed: int = 1) -> float:
    rng = random.Random(seed)
    values = [rng.randint(1, 50) for _ in range(n)]
    weights = [rng.randint(1, 30) for _ in range(n)]
    best = 0
    for mask in range(1 << n):
        if sum(w for i, w in enumerate(weights) if mask >> i & 1) <= 100:
            best = max(best, sum(v for i, v in enumerate(values) if mask >> i & 1))
    return best


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_optimal_matches_brute_force(solver: str) -> None:
    status = solve(knapsack(12), solver=solver)
    assert status.status == "optimal"
    assert status.objective == pytest.approx(brute_force_knapsack(12))
    assert status.gap == 0.0


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_infeasible_is_reported(solver: str) -> None:
    prob = pulp.LpProblem("impossible", pulp.LpMinimize)
    y = prob.add_variable("y", 0, 1)
    prob += y
    prob += y >= 2, "at_least_two"
    assert solve(prob, solver=solver).status == "infeasible"


def test_empty_model_is_optimal_with_zero() -> None:
    status = solve(pulp.LpProblem("nothing", pulp.LpMaximize))
    assert status.status == "optimal"


def test_lp_stopped_by_its_iteration_limit_is_not_called_optimal() -> None:
    prob = pulp.LpProblem("assignment", pulp.LpMaximize)
    rng = random.Random(3)
    n = 60
    x = {(i, j): prob.add_variable(f"x_{i}_{j}", 0, 1) for i in range(n) for j in range(n)}
    prob += pulp.lpSum(rng.random() * v for v in x.values())
    for i in range(n):
        prob += pulp.lpSum(x[i, j] for j in range(n)) <= 1, f"row_{i}"
        prob += pulp.lpSum(x[j, i] for j in range(n)) <= 1, f"col_{i}"
    from workbench.schemes import solving

    engine = solving.make_solver("highs", time_limit=60, mip=False)
    engine.optionsDict["simplex_iteration_limit"] = 3
    prob.solve(engine)
    status = solving._read_status(prob, "highs", 0.1, 60, lp=True)
    assert status.status == "timed out"
    full = solve(prob, mip=False)
    assert full.status == "optimal"


def test_unknown_solver_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown solver 'gurobi'"):
        solve(knapsack(), solver="gurobi")


def test_relative_gap() -> None:
    assert relative_gap(90.0, 100.0) == pytest.approx(10 / 90)
    assert relative_gap(0.0, 0.5) == pytest.approx(0.5)
    assert relative_gap(None, 1.0) is None
