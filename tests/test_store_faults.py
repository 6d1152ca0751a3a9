"""Faults: a solver that hits its time limit, fails, or is given an enormous model returns a clear
status; a solve worker that dies or runs out of memory says so; a full disk when saving a
scenario gives a clear message, saves nothing and keeps everything saved before readable."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
from pathlib import Path

import pulp
import pytest
from test_mentoring_support import check_plan
from test_pass_sessions import assert_hard_rules

from workbench.cohort.domain import SolveStatus
from workbench.cohort.loading import load_cohort
from workbench.isolation import SolveCrashed, run_isolated
from workbench.scenarios.scenario import Scenario, solve_scenario
from workbench.scenarios.store import ScenarioStore, StoreError
from workbench.schemes import registry, solving

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(os.environ.get("WORKBENCH_SAMPLE_ROOT", ROOT / "sample_data")) / "department"
needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample department not installed")
HONEST = {"optimal", "feasible", "infeasible", "timed out", "not solved"}
SOLVERS = ("highs", "cbc")


@pytest.fixture(scope="module")
def department():
    if not SAMPLE.is_dir():
        pytest.skip("sample department not installed")
    return load_cohort(SAMPLE).cohort


# ============================================================================== solver faults


def knapsack(n: int, rows: int, seed: int = 1) -> tuple[pulp.LpProblem, list, list]:
    """A multi-dimensional 0/1 knapsack (hard for branch and bound); its rows to check a plan.
    Above 1,000 items each row weighs a tenth of them (an enormous but sparse model)."""
    rng = random.Random(seed)
    prob = pulp.LpProblem("knapsack", pulp.LpMaximize)
    xs = [prob.add_variable(f"take_{i}", 0, 1, pulp.LpBinary) for i in range(n)]
    big = n > 1000
    prob += pulp.LpAffineExpression(
        zip(xs, [rng.randint(1, 100) if big else rng.randint(50, 100) for _ in xs], strict=True)
    )
    checks, constraints = [], {}
    for k in range(rows):
        if big:
            weights = {i: rng.randint(1, 50) for i in rng.sample(range(n), n // 10)}
            limit = n // 2
        else:
            weights = {i: rng.randint(20, 60) for i in range(n)}
            limit = sum(weights.values()) // 2
        constraints[f"capacity_{k}"] = (
            pulp.LpAffineExpression((xs[i], w) for i, w in weights.items()) <= limit
        )
        checks.append((weights, limit))
    prob.extend(constraints)
    return prob, xs, checks


def assert_plan_keeps_the_rows(xs: list, checks: list) -> None:
    values = [round(x.varValue or 0.0) for x in xs]
    assert all(abs((x.varValue or 0.0) - v) < 1e-6 for x, v in zip(xs, values, strict=True))
    for weights, limit in checks:
        assert sum(w * values[i] for i, w in weights.items()) <= limit


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_hard_model_at_its_time_limit_gives_an_honest_status(solver: str) -> None:
    prob, xs, checks = knapsack(90, 15)
    status = solving.solve(prob, solver, time_limit=0.5)
    assert status.status in {"feasible", "timed out", "optimal"}
    assert status.solver == solver
    if status.status in ("feasible", "optimal"):
        assert_plan_keeps_the_rows(xs, checks)
        assert status.objective == pytest.approx(pulp.value(prob.objective))
    if status.status == "feasible" and status.bound is not None:
        assert status.bound >= status.objective - 1e-6  # a maximisation's bound is above
        assert status.gap == pytest.approx(solving.relative_gap(status.objective, status.bound))


@pytest.mark.parametrize("solver", SOLVERS)
def test_an_enormous_model_returns_a_status_soon_after_its_limit(solver: str) -> None:
    prob, xs, checks = knapsack(60_000, 50)
    status = solving.solve(prob, solver, time_limit=0.3)
    assert status.status in {"timed out", "feasible", "not solved"}, status
    assert status.seconds < 120  # reading the model in counts too; it still ends
    if status.status == "feasible":
        assert_plan_keeps_the_rows(xs, checks)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_failing_solver_gives_not_solved_with_the_reason(
    solver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_solvers(monkeypatch)
    prob, _, _ = knapsack(10, 2)
    status = solving.solve(prob, solver, time_limit=5)
    assert status.status == "not solved" and status.objective is None
    assert status.messages == ["the solver failed: forced failure (test)"]


def test_an_infeasible_model_says_infeasible() -> None:
    for solver in SOLVERS:
        prob = pulp.LpProblem("impossible", pulp.LpMaximize)
        x = prob.add_variable("x", 0, 1, pulp.LpBinary)
        prob += x
        prob.extend({"at_least_two": x >= 2})
        assert solving.solve(prob, solver, time_limit=5).status == "infeasible"


def _break_solvers(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self, lp, *args, **kwargs):
        raise pulp.PulpSolverError("forced failure (test)")

    monkeypatch.setattr(solving._HiGHS, "callSolver", fail)
    monkeypatch.setattr(pulp.PULP_CBC_CMD, "actualSolve", fail)


def _group_settings(cohort, **extra):
    from workbench.schemes.groups.solve import GroupSettings

    level = "UG1"
    programme = (
        cohort.students.loc[cohort.students["level"] == level, "programme"].value_counts().index[0]
    )
    return GroupSettings(programme=programme, level=level, **extra)


def _check(cohort, scheme: str, settings, result) -> None:
    """The hard rules of each scheme, checked independently of the model."""
    if scheme == "mentoring":
        check_plan(cohort, result.matches, settings.rule, settings.min_level_gap)
    elif scheme == "pass":
        assert_hard_rules(cohort, settings, result)
    else:
        from workbench.schemes.groups.check import check_groups

        assert check_groups(cohort, settings, result.groups) == []


def _settings(cohort, scheme: str, **extra):
    if scheme == "groups":
        return _group_settings(cohort, **extra)
    return registry.get(scheme).coerce_settings(None).model_copy(update=extra)


def _run(cohort, scheme: str, settings):
    if scheme == "groups":
        from workbench.schemes.groups.solve import form_groups

        return form_groups(cohort, settings)
    return registry.get(scheme).solve(cohort, settings)


@needs_sample
@pytest.mark.parametrize("scheme", ["mentoring", "pass", "groups"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_each_scheme_with_a_failing_solver_says_so_and_keeps_the_rules(
    department, scheme: str, solver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(department, scheme, solver=solver, time_limit=5)
    _break_solvers(monkeypatch)
    result = _run(department, scheme, settings)
    status = result.status
    assert isinstance(status, SolveStatus) and status.status in HONEST - {"optimal"}, status
    assert status.messages, "a failed solve must say what happened"
    _check(department, scheme, settings, result)


@needs_sample
@pytest.mark.parametrize("scheme", ["mentoring", "pass", "groups"])
def test_each_scheme_with_a_tiny_time_limit_is_honest(department, scheme: str) -> None:
    full = _run(department, scheme, _settings(department, scheme, time_limit=60))
    for solver in SOLVERS:
        settings = _settings(department, scheme, solver=solver, time_limit=0.001)
        result = _run(department, scheme, settings)
        status = result.status
        assert status.status in HONEST, status
        _check(department, scheme, settings, result)
        if status.status == "optimal":
            assert status.objective == pytest.approx(full.status.objective, rel=1e-6, abs=1e-6)
        elif status.objective is not None and full.status.objective is not None:
            assert status.objective <= full.status.objective + 1e-6
        if status.status == "feasible" and status.gap is not None:
            assert status.gap >= 0


# ============================================================================== worker faults


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _enormous_model(n: int) -> int:
    prob, _, _ = knapsack(n, 60)
    return len(prob.variables())


def test_a_worker_that_dies_gives_a_clear_message() -> None:
    with pytest.raises(SolveCrashed, match="stopped unexpectedly .*exit code -9.*out of memory"):
        run_isolated(_die)
    assert run_isolated(os.getpid) != os.getpid()  # the next solve runs as usual


def test_an_enormous_model_in_a_capped_worker_is_refused_and_the_server_goes_on() -> None:
    with pytest.raises(SolveCrashed, match=r"too large for the memory a solve may use \(150 MB\)"):
        run_isolated(_enormous_model, 2_000_000, memory_mb=150)
    assert run_isolated(_enormous_model, 100, memory_mb=150) == 100


# ============================================================================== a full disk


@pytest.fixture(scope="module")
def plans(department) -> list[Scenario]:
    mentoring = solve_scenario(department, "mentoring", name="Mentoring plan")
    passes = solve_scenario(department, "pass", name="PASS plan")
    return [mentoring, passes]


def _disk_fills_up(monkeypatch: pytest.MonkeyPatch, spare_pages: int = 2) -> None:
    """From now on the database file cannot grow by more than ``spare_pages`` pages."""
    connect = ScenarioStore._connect

    def limited(self):
        conn = connect(self)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {max(1, pages + spare_pages)}")
        return conn

    monkeypatch.setattr(ScenarioStore, "_connect", limited)


def _same(store: ScenarioStore, scenario: Scenario, owner: str) -> None:
    again = store.load(scenario.id, owner)
    assert again.name == scenario.name
    assert again.results["matches"].equals(scenario.results["matches"])


def test_a_full_disk_saves_nothing_says_so_and_keeps_what_was_saved(
    tmp_path: Path, plans, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = plans
    store = ScenarioStore(tmp_path / "scenarios.sqlite3")
    store.save(first, "me")
    _disk_fills_up(monkeypatch)
    with pytest.raises(StoreError) as info:
        store.save(second, "me")
    message = str(info.value)
    assert "is full, so nothing was saved or changed" in message and "damaged" not in message
    assert "the scenarios saved before are kept" in message
    assert [i.id for i in store.list("me")] == [first.id]
    _same(store, first, "me")
    assert store.integrity_ok()
    with pytest.raises(StoreError, match="is full"):  # renaming needs room too
        store.rename(first.id, "A much longer name " * 2000, "me")
    assert store.list("me")[0].name == first.name

    monkeypatch.undo()  # space freed: the same save works and both are there
    store.save(second, "me")
    assert {i.id for i in ScenarioStore(store.path).list("me")} == {first.id, second.id}


class _FullAtCommit:
    """A connection whose COMMIT fails as on a full disk (the pages were written, the journal
    cannot grow): SQLite keeps the transaction open and it must be rolled back."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args):
        if sql.strip().upper() == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def test_a_full_disk_at_commit_rolls_back(
    tmp_path: Path, plans, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = plans
    store = ScenarioStore(tmp_path / "scenarios.sqlite3")
    store.save(first, "me")
    connect = ScenarioStore._connect
    monkeypatch.setattr(ScenarioStore, "_connect", lambda self: _FullAtCommit(connect(self)))
    with pytest.raises(StoreError, match="is full, so nothing was saved or changed"):
        store.save(second, "me")
    with pytest.raises(StoreError, match="is full"):
        store.delete(first.id, "me")
    monkeypatch.undo()
    assert [i.id for i in store.list("me")] == [first.id]  # nothing half-saved or deleted
    _same(store, first, "me")
    assert store.integrity_ok()


def test_a_new_store_on_a_full_disk_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _disk_fills_up(monkeypatch, spare_pages=0)
    with pytest.raises(StoreError, match="is full"):
        ScenarioStore(tmp_path / "new.sqlite3")


def _mount_tiny_disk(where: Path) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@needs_sample
def test_a_really_full_disk(tmp_path: Path) -> None:
    """On a real 1 MB file system (root only): saves fail with the message, earlier ones stay."""
    disk = tmp_path / "disk"
    if not _mount_tiny_disk(disk):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        filler = disk / "someone_elses_file.bin"
        filler.write_bytes(os.urandom(300_000))
        cohort = load_cohort(SAMPLE.parent / "faculty").cohort
        plan = solve_scenario(cohort, "mentoring", name="Faculty plan")
        store = ScenarioStore(disk / "scenarios.sqlite3")
        saved = []
        with pytest.raises(StoreError, match="is full, so nothing was saved or changed"):
            for i in range(40):  # about 100 kB each: the disk fills up
                copy = plan.with_changes(name=f"Plan {i}")
                store.save(copy, "me")
                saved.append(copy.id)
        assert saved and {i.id for i in store.list("me")} == set(saved)
        assert store.load(saved[0], "me").name == "Plan 0" and store.integrity_ok()
        with pytest.raises(StoreError, match="is full"):  # even a delete needs room to log
            store.delete(saved[0], "me")
        filler.unlink()  # space freed outside the workbench: saving works again
        store.save(plan, "me")
        assert {i.id for i in store.list("me")} == {*saved, plan.id}
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@needs_sample
def test_the_app_says_when_a_plan_cannot_be_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    [b for b in at.button if b.label == "Start with the sample department"][0].click().run()
    _disk_fills_up(monkeypatch)
    at = at.switch_page("app_pages/solve.py").run()
    [b for b in at.button if b.label == "Solve"][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert any("could not be saved to your scenarios" in w and "is full" in w for w in warnings), (
        warnings
    )
    plan = at.session_state["scenario"]  # the plan stays open in the session
    assert plan.status["status"] == "optimal"
    assert any(plan.name in s.value for s in [*at.success, *at.warning])  # the verdict
    monkeypatch.undo()
    assert ScenarioStore(tmp_path / "data" / "scenarios.sqlite3").count() == 0
