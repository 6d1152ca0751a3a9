"""Many coordinators on one server: the solve cap, solves in worker processes, and sessions that
never see each other's cohort, plans, charts or scenarios.

The limiter and worker tests drive :mod:`workbench.scenarios.concurrency` directly; the session tests drive
``app.py`` through ``AppTest``, several sessions at once in threads of one process, as a real
server runs them (one thread per browser session, caches shared by the process).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from workbench.isolation import SolveCancelled, SolveError, run_isolated
from workbench.review.jobs import solve_plan
from workbench.scenarios import concurrency
from workbench.scenarios.concurrency import SolveLimiter, SolverBusy, Wait

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SAMPLE = Path(os.environ.get("WORKBENCH_SAMPLE_ROOT", ROOT / "sample_data")) / "department"
needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample department not installed")


def _until(condition, timeout: float = 30.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


# ============================================================================== the limiter


def test_cap_holds_under_many_threads() -> None:
    limit = SolveLimiter(2)
    lock = threading.Lock()
    now, most, done = [0], [0], []

    def job(i: int) -> None:
        with limit.slot():
            with lock:
                now[0] += 1
                most[0] = max(most[0], now[0])
            time.sleep(0.02)
            with lock:
                now[0] -= 1
        done.append(i)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(done) == list(range(24))
    assert most[0] == 2  # never more than the cap, and the cap is used
    assert limit.running == 0 and limit.waiting == 0


def test_the_line_is_first_come_first_served_and_says_how_many_are_ahead() -> None:
    limit = SolveLimiter(1)
    held = limit.acquire()
    order: list[int] = []
    reports: dict[int, list[Wait]] = {0: [], 1: [], 2: []}

    def job(i: int) -> None:
        with limit.slot(on_wait=reports[i].append, poll=0.02):
            order.append(i)

    threads = []
    for i in range(3):  # join the line one after another
        threads.append(threading.Thread(target=job, args=(i,)))
        threads[-1].start()
        _until(lambda n=i: limit.waiting == n + 1, what="the line to grow")
    _until(lambda: all(reports[i] for i in range(3)), what="every waiter to report")
    assert [reports[i][-1].ahead for i in range(3)] == [0, 1, 2]
    first = reports[2][-1]
    assert first.running == 1 and first.capacity == 1
    assert "Waiting for a free solver (2 ahead of you)" in first.message()
    assert "the solver is busy" in first.message()
    limit.release(held)
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2]
    assert limit.running == 0 and limit.waiting == 0


def test_timeout_says_every_solver_is_busy_and_leaves_the_line() -> None:
    limit = SolveLimiter(2)
    a, b = limit.acquire(), limit.acquire()
    started = time.monotonic()
    with pytest.raises(SolverBusy, match="every solver on this server stayed busy"):
        limit.acquire(timeout=0.2, poll=0.05)
    assert time.monotonic() - started >= 0.2
    assert limit.waiting == 0 and limit.running == 2
    with pytest.raises(SolverBusy):
        limit.acquire(timeout=0)
    limit.release(a)
    limit.release(b)
    with limit.slot(timeout=0) as ticket:  # free again: no wait at all
        assert ticket.places == 1
    with pytest.raises(RuntimeError):
        limit.release(ticket)  # a place cannot be given back twice


def test_cancel_while_waiting() -> None:
    limit = SolveLimiter(1)
    held = limit.acquire()
    stop = threading.Event()
    caught: list[BaseException] = []

    def job() -> None:
        try:
            limit.acquire(cancel=stop, poll=0.02)
        except SolveCancelled as exc:
            caught.append(exc)

    thread = threading.Thread(target=job)
    thread.start()
    _until(lambda: limit.waiting == 1, what="the waiter")
    stop.set()
    thread.join(5)
    assert caught and "cancelled while waiting" in str(caught[0])
    assert limit.waiting == 0 and limit.running == 1
    with pytest.raises(SolveCancelled):
        limit.acquire(cancel=lambda: True)  # a callable works too
    limit.release(held)
    assert limit.running == 0


def test_an_interrupted_wait_leaves_the_line_and_the_next_one_goes() -> None:
    """A click elsewhere stops a Streamlit run inside ``on_wait``: that caller leaves the line
    and the one behind it moves up and gets the place."""

    class Stopped(BaseException):
        pass

    limit = SolveLimiter(1)
    held = limit.acquire()
    outcome: dict[str, object] = {}

    def first() -> None:
        def on_wait(wait: Wait) -> None:
            if wait.seconds > 0.1:
                raise Stopped

        try:
            limit.acquire(on_wait=on_wait, poll=0.02)
        except Stopped:
            outcome["first"] = "stopped"

    def second() -> None:
        with limit.slot(poll=0.02) as ticket:
            outcome["second"] = ticket.places

    a = threading.Thread(target=first)
    a.start()
    _until(lambda: limit.waiting == 1, what="the first waiter")
    b = threading.Thread(target=second)
    b.start()
    a.join(5)
    assert outcome["first"] == "stopped" and limit.waiting == 1
    limit.release(held)
    b.join(5)
    assert outcome["second"] == 1 and limit.running == 0 and limit.waiting == 0


def test_an_error_in_the_solve_propagates_and_frees_the_place() -> None:
    limit = SolveLimiter(1)
    with pytest.raises(ZeroDivisionError), limit.slot():
        _ = 1 / 0
    assert limit.running == 0
    with pytest.raises(ValueError, match="bad settings"):
        concurrency.solve_limited(_raise_value_error, "bad settings", limit=limit)
    assert limit.running == 0


def test_want_takes_what_is_free_and_at_least_one() -> None:
    limit = SolveLimiter(2)
    with limit.slot(want=2) as both:
        assert both.places == 2 and limit.running == 2
    one = limit.acquire()
    with limit.slot(want=5) as rest:
        assert rest.places == 1 and limit.running == 2
    limit.release(one)
    assert limit.running == 0


def test_the_cap_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_MAX_SOLVES", "3")
    assert SolveLimiter().capacity == 3
    monkeypatch.setenv("WORKBENCH_MAX_SOLVES", "")
    assert SolveLimiter().capacity == concurrency.DEFAULT_MAX_SOLVES == 2
    for bad in ("0", "two"):
        monkeypatch.setenv("WORKBENCH_MAX_SOLVES", bad)
        with pytest.raises(SolveError, match="WORKBENCH_MAX_SOLVES|at least 1"):
            SolveLimiter()
    monkeypatch.setattr(concurrency, "_shared", None)
    monkeypatch.setenv("WORKBENCH_MAX_SOLVES", "1")
    assert concurrency.limiter() is concurrency.limiter()  # one per server process
    assert concurrency.limiter().capacity == 1


# ============================================================================== the worker


def _pid() -> int:
    return os.getpid()


def _raise_value_error(message: str) -> None:
    raise ValueError(message)


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


@needs_sample
def test_a_solve_in_the_worker_is_the_same_plan_as_in_the_server() -> None:
    from workbench.cohort.loading import load_cohort
    from workbench.schemes import registry

    assert run_isolated(_pid) != os.getpid()
    cohort = load_cohort(SAMPLE).cohort
    for scheme in ("mentoring", "pass"):
        settings = registry.get(scheme).coerce_settings(None)
        here = registry.get(scheme).solve(cohort, settings)
        result, made = run_isolated(solve_plan, cohort, scheme, settings, name="in a worker")
        assert result.status.status == here.status.status == "optimal"
        assert result.status.objective == pytest.approx(here.status.objective, abs=1e-9)
        table = "matches" if scheme == "mentoring" else "sessions"
        pd.testing.assert_frame_equal(
            made.results[table].reset_index(drop=True), getattr(here, table).reset_index(drop=True)
        )
        assert made.name == "in a worker" and made.scheme == scheme


def test_a_worker_error_keeps_its_type_and_message() -> None:
    with pytest.raises(ValueError, match="the settings cannot be used") as info:
        run_isolated(_raise_value_error, "the settings cannot be used")
    assert any("In the solve worker" in note for note in info.value.__notes__)


def test_a_cancelled_worker_is_ended_at_once() -> None:
    stop = threading.Event()
    ticks: list[float] = []

    def tick(seconds: float) -> None:
        ticks.append(seconds)
        if seconds > 0.3:
            stop.set()

    started = time.monotonic()
    with pytest.raises(SolveCancelled):
        run_isolated(_sleep, 30, cancel=stop, on_tick=tick, poll=0.05)
    assert time.monotonic() - started < 15 and ticks
    assert not [p for p in multiprocessing.active_children() if p.name == "workbench-solve"]


def test_a_stopped_page_ends_its_worker() -> None:
    """Streamlit stops a run by raising from the next page update (here ``on_tick``): the
    exception propagates and the worker is ended, not left solving."""

    class Stopped(BaseException):
        pass

    def tick(seconds: float) -> None:
        if seconds > 0.2:
            raise Stopped

    with pytest.raises(Stopped):
        run_isolated(_sleep, 30, on_tick=tick, poll=0.05)
    assert not [p for p in multiprocessing.active_children() if p.name == "workbench-solve"]


# ============================================================================== sessions


@pytest.fixture
def one_runtime(monkeypatch: pytest.MonkeyPatch):
    """Let AppTest sessions run at once in threads, like one server's sessions.

    AppTest swaps the global Streamlit Runtime and the "appTest" option in and out around each
    run (it assumes one run at a time); a real server keeps one Runtime for every session. This
    keeps the first run's Runtime for all of them and the option on, and restores both after.
    """
    from streamlit.runtime import Runtime
    from streamlit.testing.v1 import app_test
    from streamlit.testing.v1.util import patch_config_options

    class OneRuntime:
        def __setattr__(self, name: str, value: object) -> None:
            if name != "_instance":
                setattr(Runtime, name, value)
            elif value is not None and Runtime._instance is None:
                Runtime._instance = value

        def __getattr__(self, name: str) -> object:
            return getattr(Runtime, name)

    monkeypatch.setattr(app_test, "Runtime", OneRuntime())
    with patch_config_options({"global.appTest": True}):
        yield
    Runtime._instance = None


@pytest.fixture
def counting_limiter(monkeypatch: pytest.MonkeyPatch):
    """The server's limiter, recording the most solver places in use at once."""

    class Counting(SolveLimiter):
        most = 0
        solves = 0

        def acquire(self, *args, **kwargs):
            ticket = super().acquire(*args, **kwargs)
            with self._cond:
                Counting.most = max(Counting.most, self._in_use)
                Counting.solves += 1
            return ticket

    limit = Counting(2)
    monkeypatch.setattr(concurrency, "_shared", limit)
    return limit


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


ID_COLUMNS = {
    "students": ["student_id"],
    "enrolments": ["student_id"],
    "busy": ["student_id"],
    "mentors": ["student_id"],
    "mentees": ["student_id"],
    "leaders": ["student_id"],
    "preferences": ["student_id", "prefers_id"],
    "avoid": ["student_id_a", "student_id_b"],
}


def generated_zip(n: int, seed: int, prefix: str) -> tuple[bytes, set[str]]:
    """A generated cohort as a zip of CSVs, every student id starting with ``prefix``."""
    from workbench.cohort.generate import generate_tables

    buffer = io.BytesIO()
    tables = generate_tables(n, seed)
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, frame in tables.items():
            frame = frame.copy()
            for column in ID_COLUMNS.get(name, []):
                frame[column] = prefix + frame[column].astype(str)
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
    ids = {prefix + str(s) for s in tables["students"]["student_id"]}
    return buffer.getvalue(), ids


def sample_ids() -> set[str]:
    return set(pd.read_csv(SAMPLE / "students.csv", dtype=str)["student_id"])


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=90)


def page(at: AppTest, name: str) -> AppTest:
    return at.switch_page(f"app_pages/{name}.py").run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def load(at: AppTest, upload: bytes | None, name: str = "cohort.zip") -> AppTest:
    """The sample department (one click on Home) or an uploaded zip (on the Cohort page)."""
    if upload is None:
        button(at, "Start with the sample department").click().run()
    else:
        at = page(at, "cohort")
        at.file_uploader(key="cohort_upload").set_value((name, upload, "application/zip")).run()
    no_errors(at)
    assert at.session_state["cohort"] is not None
    return at


def solve(at: AppTest, scheme: str = "mentoring") -> AppTest:
    at.session_state["keep_scheme"] = scheme
    at.session_state["keep_time_limit"] = 20
    at = page(at, "solve")
    button(at, "Solve").click().run()
    no_errors(at)
    assert at.session_state["scenario"].status["status"] in ("optimal", "feasible")
    return at


_ID = re.compile(r"[A-Za-z0-9-]+")


def seen(at: AppTest) -> set[str]:
    """Every value the session's page shows: table cells, chart data and words of text."""
    values: set[str] = set()
    frames = [d.value for d in at.dataframe] + [d.value for d in at.data_editor]
    for spec, _, table in (
        at.session_state["_chart_memo"].values() if "_chart_memo" in at.session_state else []
    ):
        frames.append(table)
        for rows in (spec.get("datasets") or {}).values():
            frames.append(pd.DataFrame(rows))
    for frame in frames:
        if isinstance(frame, pd.DataFrame) and not frame.empty:
            values.update(frame.reset_index().astype(str).to_numpy().ravel().tolist())
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    for kind in (at.info, at.warning, at.error, at.success, at.metric):
        parts += [str(e.value) for e in kind]
    for text in parts:
        values.update(_ID.findall(str(text)))
    return values


def everything_seen(
    at: AppTest, pages: tuple[str, ...] = ("cohort", "solve", "coverage", "home")
) -> tuple[AppTest, set[str]]:
    values: set[str] = set()
    for name in pages:
        at = page(at, name)
        no_errors(at)
        values |= seen(at)
    return at, values


@needs_sample
def test_two_sessions_with_their_own_cohorts_never_see_each_other() -> None:
    mine = sample_ids()
    upload, theirs = generated_zip(260, seed=11, prefix="X")
    a, b = new_app().run(), new_app().run()
    assert a.session_state["owner"] != b.session_state["owner"]
    # Interleaved, as two coordinators click: A loads, B loads, A solves, B solves.
    a = load(a, None)
    b = load(b, upload)
    a, b = solve(a), solve(b)
    plan_a, plan_b = a.session_state["scenario"], b.session_state["scenario"]
    assert set(plan_a.cohort().students["student_id"]) == mine
    assert set(plan_b.cohort().students["student_id"]) == theirs
    assert set(plan_b.results["matches"]["mentee_id"]) <= theirs

    a, seen_a = everything_seen(a)
    b, seen_b = everything_seen(b)
    assert seen_a & mine and seen_b & theirs  # the pages do show student ids
    assert not seen_a & theirs, sorted(seen_a & theirs)[:5]
    assert not seen_b & mine, sorted(seen_b & mine)[:5]
    # Each session's scenario list has its own plan only.
    assert set(a.dataframe[0].value["name"]) == {plan_a.name}
    assert list(a.selectbox(key="reopen_choice").options) == [plan_a.name]
    from workbench.scenarios.store import ScenarioStore

    store = ScenarioStore()
    assert [i.id for i in store.list(a.session_state["owner"])] == [plan_a.id]
    assert [i.id for i in store.list(b.session_state["owner"])] == [plan_b.id]
    # Another session cannot open A's plan by its id, only A's workspace can.
    stranger = new_app()
    stranger.query_params["plan"] = plan_a.id
    stranger.run()
    assert "scenario" not in stranger.session_state


@needs_sample
def test_same_page_same_file_name_different_cohorts_gives_different_data() -> None:
    """Cached look-ups are keyed on the content: two uploads both called cohort.zip, with
    different cohorts, never share quick facts, tables, plans or charts."""
    upload_a, ids_a = generated_zip(200, seed=21, prefix="A")
    upload_b, ids_b = generated_zip(320, seed=22, prefix="B")
    a, b = load(new_app().run(), upload_a), load(new_app().run(), upload_b)
    assert a.session_state["cohort_label"] == b.session_state["cohort_label"]
    assert a.session_state["cohort_fingerprint"] != b.session_state["cohort_fingerprint"]
    a, b = page(a, "cohort"), page(b, "cohort")
    students = {
        at: int(next(m.value for m in at.metric if m.label == "Students").replace(",", ""))
        for at in (a, b)
    }
    assert students[a] == 200 and students[b] == 320
    facts_a, facts_b = a.dataframe[0].value, b.dataframe[0].value  # students per programme
    assert int(facts_a.to_numpy().sum()) != int(facts_b.to_numpy().sum())
    a, b = solve(a), solve(b)
    keys_a = set(a.session_state["_chart_memo"])
    keys_b = set(b.session_state["_chart_memo"])
    assert keys_a and keys_b and not keys_a & keys_b
    for at in (a, b):  # the solve page's figures are the session's own plan
        plan = at.session_state["scenario"]
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Mentees matched"] == (
            f"{plan.summary['matched']:,} of {plan.summary['mentees']:,}"
        )
    assert (
        a.session_state["scenario"].summary["mentees"]
        != b.session_state["scenario"].summary["mentees"]
    )
    a, seen_a = everything_seen(a, ("solve", "coverage"))
    b, seen_b = everything_seen(b, ("solve", "coverage"))
    assert seen_a & ids_a and seen_b & ids_b
    assert not seen_a & ids_b and not seen_b & ids_a


def _session(index: int, upload: bytes | None, ids: set[str], results: dict) -> None:
    try:
        at = load(new_app().run(), upload, name=f"cohort{index}.zip")
        at = solve(at)
        at, values = everything_seen(at, ("solve", "home"))
        results[index] = (at, values, ids)
    except BaseException as exc:  # noqa: BLE001 (reported by the test)
        results[index] = exc


@needs_sample
def test_ten_sessions_at_once_stay_apart_and_the_cap_holds(one_runtime, counting_limiter) -> None:
    sample = sample_ids()
    uploads = {i: generated_zip(150 + 10 * i, seed=100 + i, prefix=f"G{i}-") for i in range(5)}
    results: dict[int, object] = {}
    threads = []
    for i in range(10):
        upload, ids = uploads[i] if i < 5 else (None, sample)
        threads.append(threading.Thread(target=_session, args=(i, upload, ids, results)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    failed = {i: r for i, r in results.items() if isinstance(r, BaseException)}
    assert not failed, failed
    assert sorted(results) == list(range(10))
    assert counting_limiter.solves == 10 and counting_limiter.most == 2  # reached, never more
    from workbench.scenarios.store import ScenarioStore

    store = ScenarioStore()
    owners, plans = set(), set()
    all_generated = set().union(*(ids for _, ids in uploads.values()))
    for i, (at, values, ids) in results.items():
        plan = at.session_state["scenario"]
        owner = at.session_state["owner"]
        owners.add(owner)
        plans.add(plan.id)
        assert set(plan.cohort().students["student_id"]) == ids
        assert [info.id for info in store.list(owner)] == [plan.id]
        assert set(at.dataframe[0].value["name"]) == {plan.name}  # Home: own scenarios only
        others = (all_generated | sample) - ids
        assert values & ids, i
        assert not values & others, (i, sorted(values & others)[:5])
    assert len(owners) == 10 and len(plans) == 10


@needs_sample
def test_a_long_solve_does_not_block_other_sessions_pages(one_runtime, monkeypatch) -> None:
    """Session A solves a 10,000-student cohort in a worker process; meanwhile session B loads
    the sample and opens its pages. With one solver place, B's own solve waits in line (and
    says so) until A's is done."""
    from workbench.cohort.generate import generate_cohort

    events: list[str] = []

    class Recording(SolveLimiter):
        def acquire(self, *args, **kwargs):
            ticket = super().acquire(*args, **kwargs)
            events.append("start")
            return ticket

        def release(self, ticket):
            events.append("end")
            super().release(ticket)

    limit = Recording(1)
    monkeypatch.setattr(concurrency, "_shared", limit)
    big = generate_cohort(10_000, seed=3, mentee_share=0.5)
    a = new_app().run()
    a.session_state["cohort"] = big
    a.session_state["cohort_fingerprint"] = "big-10000"
    a.session_state["cohort_label"] = "10,000 generated students"
    a.session_state["keep_scheme"] = "mentoring"
    a = page(a, "solve")
    done_a: list[float] = []

    def solve_a() -> None:
        button(a, "Solve").click().run()
        done_a.append(time.monotonic())

    thread = threading.Thread(target=solve_a)
    thread.start()

    def worker_alive() -> bool:
        return any(p.name == "workbench-solve" for p in multiprocessing.active_children())

    _until(worker_alive, 60, "session A's solve to start in its worker")
    b = new_app().run()
    rendered_while_a_solved = []
    for step in ("load", "cohort", "scheme", "solve"):
        started = time.monotonic()
        b = load(b, None) if step == "load" else page(b, step)
        no_errors(b)
        rendered_while_a_solved.append((step, time.monotonic() - started, worker_alive()))
    assert b.title[0].value == "Solve" and len(b.session_state["cohort"].students) == 300
    # B was served while A's solve was running (not after it), each page within seconds.
    assert rendered_while_a_solved[0][2] and rendered_while_a_solved[1][2], rendered_while_a_solved
    assert all(seconds < 20 for _, seconds, _ in rendered_while_a_solved), rendered_while_a_solved
    # B's solve waits for A's: one place on this server.
    assert limit.running == 1 and worker_alive(), "A's solve ended before B asked for a solver"
    button(b, "Solve").click().run()
    thread.join(120)
    no_errors(a)
    no_errors(b)
    assert a.session_state["scenario"].cohort_name == big.name
    assert len(a.session_state["scenario"].cohort().students) == 10_000
    assert b.session_state["scenario"].status["status"] == "optimal"
    assert done_a and events == ["start", "end", "start", "end"]  # B's solve began after A's
    assert any(
        c.value.startswith("Waited ") and "for a free solver" in c.value for c in b.caption
    ), [c.value for c in b.caption]
    assert limit.running == 0 and limit.waiting == 0


@needs_sample
def test_a_sweep_leaves_a_solver_for_others_and_runs_in_a_worker(
    counting_limiter, monkeypatch
) -> None:
    """On a two-place server a sweep holds one place and solves its points in one worker
    process (not in the server's threads)."""
    from workbench.review import whatif

    pools: list[int] = []
    make_pool = whatif._pool

    def recording_pool(workers: int):
        pools.append(workers)
        return make_pool(workers)

    monkeypatch.setattr(whatif, "_pool", recording_pool)
    at = solve(load(new_app().run(), None))
    at = page(at, "whatif")
    at.session_state["keep_sweep_param"] = "capacity"
    at.run()
    at.text_input(key="keep_sweep_range_capacity").set_value("1,2,3").run()
    button(at, "Run sweep").click().run()
    no_errors(at)
    table = at.session_state["sweep"]
    assert table["value"].tolist() == [1.0, 2.0, 3.0]
    assert set(table["status"]) <= {"optimal", "feasible"}
    assert pools == [1] and counting_limiter.most == 1
