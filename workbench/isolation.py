"""A function run in its own worker process, with a memory cap: the solves and file reading share it.

HiGHS and CBC release the GIL while they search (measured: a pure-Python loop in another thread
kept ~90% of its speed beside an 8 s HiGHS solve, and its longest pause was 12 ms), but a
scheme's own Python (building the model, pricing, the greedy start, the headline figures) holds
it: beside a 12 s mentoring solve of 10,000 mentees the loop ran at 53% of its speed.
:func:`run_isolated` therefore runs a function in a worker process forked from a clean fork
server: the server's threads keep the GIL, a cancelled run is ended at once, and a run that
runs out of memory ends only its worker (``WORKBENCH_SOLVE_MEMORY_MB`` caps the memory a
worker may add, unset = no cap). Results come back pickled; the same input gives the same plan
in the worker as in the server (the solvers are seeded and single-threaded).

Every file a coordinator uploads is read this way too (:mod:`workbench.cohort.reading`), which
is why this sits below every layer and imports no other module of the project. The cap on how
many solves run at once is above it, in :mod:`workbench.scenarios.concurrency`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable
from typing import Any

ENV_MEMORY_MB = "WORKBENCH_SOLVE_MEMORY_MB"
POLL_SECONDS = 0.25

# Imported once by the fork server, so each worker starts with the solvers loaded. Named as
# text, not imported: loading them is the fork server's business, not this module's.
PRELOAD = [
    "workbench.isolation",
    "workbench.cohort.loading",  # files are read in workers too (workbench.cohort.reading)
    "workbench.review.whatif",
    "workbench.review.jobs",
    "workbench.scenarios.scenario",
    "workbench.schemes.mentoring.solve",
    "workbench.schemes.pass_sessions.solve",
    "workbench.outcomes.coverage",
    "workbench.outcomes.costs",
]


class SolveError(ValueError):
    """A solve that could not run or finish: the message says why, in plain words."""


class SolveCancelled(SolveError):
    """The solve was cancelled (while waiting in line or while running)."""


class SolveCrashed(SolveError):
    """The worker process running the solve ended without an answer (e.g. out of memory)."""


def env_int(name: str, default: int | None) -> int | None:
    """A whole-number setting from the environment (``default`` when unset)."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise SolveError(f"{name} must be a whole number, not '{text}'") from None


def is_cancelled(cancel: Any) -> bool:
    """Whether ``cancel`` (None, an event or a callable) says stop."""
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def _context(start_method: str | None = None) -> Any:
    """Workers forked from a clean fork server (never from the multi-threaded server itself:
    forking it can deadlock); spawn where there is no fork server. ``start_method`` overrides
    it (file reading forks a single-threaded command line directly)."""
    if start_method is not None:
        return multiprocessing.get_context(start_method)
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
    except ValueError:
        context = multiprocessing.get_context("spawn")
    return context


def _vm_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _cap_memory(extra_mb: int) -> None:
    """Let this worker map at most ``extra_mb`` more than it has now (Linux)."""
    import resource

    now = _vm_bytes()
    if now is None:
        return
    limit = now + extra_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker(
    conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict, memory_mb: int | None
) -> None:
    """Runs in the worker process: call ``fn`` and send back (True, value) or (False, error)."""
    try:
        if memory_mb:
            _cap_memory(memory_mb)
        answer: tuple[bool, Any] = (True, fn(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 (everything goes back to the caller)
        exc.add_note("In the solve worker:\n" + "".join(traceback.format_exception(exc)))
        answer = (False, exc)
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        if not answer[0]:
            pickle.loads(data)  # an exception that cannot be rebuilt is sent as text instead
    except Exception as exc:  # noqa: BLE001
        what = repr(answer[1]) if not answer[0] else f"the result could not be sent back: {exc}"
        data = pickle.dumps((False, SolveError(f"the solve failed: {what}")))
    try:
        conn.send_bytes(data)
    finally:
        conn.close()


_MAIN_SWAP = threading.Lock()


@contextlib.contextmanager
def _no_main_to_rerun() -> Any:
    """While a worker starts: a ``__main__`` that multiprocessing will not re-run in it.

    Streamlit runs each page script as a ``__main__`` module carrying the script's path and leaves
    it installed; a fork server or spawned worker re-runs the parent's ``__main__`` from its path
    before it does anything else (the whole app, in every solve worker; a failure at once when
    the script is gone). Only this module's own neutral stand-in is put back, so a script run
    that installed its own ``__main__`` meanwhile keeps it.
    """
    stand_in = types.ModuleType("__main__")
    with _MAIN_SWAP:
        previous = sys.modules.get("__main__")
        sys.modules["__main__"] = stand_in
        try:
            yield
        finally:
            if sys.modules.get("__main__") is stand_in and previous is not None:
                sys.modules["__main__"] = previous


def run_isolated(
    fn: Callable[..., Any],
    /,
    *args: Any,
    cancel: Any = None,
    on_tick: Callable[[float], None] | None = None,
    memory_mb: int | None = None,
    poll: float = POLL_SECONDS,
    start_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """``fn(*args, **kwargs)`` in a worker process; its value, or its exception raised here.

    ``fn`` and the arguments must pickle (a module-level function; cohorts, settings and
    results do). ``on_tick(seconds)`` is called about every ``poll`` seconds while it runs (an
    exception it raises ends the worker and propagates); ``cancel`` (an event or a callable)
    ends the worker with :class:`SolveCancelled`. ``memory_mb`` (default
    ``WORKBENCH_SOLVE_MEMORY_MB``) caps the memory the worker may add; a worker that runs out
    of memory or dies gives :class:`SolveCrashed`. ``start_method`` (e.g. "fork") replaces
    the fork server.
    """
    if memory_mb is None:
        memory_mb = env_int(ENV_MEMORY_MB, None)
    context = _context(start_method)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker,
        args=(send, fn, args, kwargs, memory_mb),
        name="workbench-solve",
        daemon=True,
    )
    started = time.monotonic()
    # A forked worker is a copy and re-runs nothing; a function of a script's own needs its script.
    guard = context.get_start_method() != "fork" and getattr(fn, "__module__", "") != "__main__"
    with _no_main_to_rerun() if guard else contextlib.nullcontext():
        process.start()
    send.close()
    data: bytes | None = None
    try:
        while True:
            if receive.poll(poll):
                with contextlib.suppress(EOFError):
                    data = receive.recv_bytes()
                break
            if not process.is_alive() and not receive.poll(0):
                break
            if is_cancelled(cancel):
                raise SolveCancelled("the solve was cancelled")
            if on_tick is not None:
                on_tick(time.monotonic() - started)
    finally:
        if process.is_alive() and data is None:
            process.terminate()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
        receive.close()
    if data is None:
        code = process.exitcode
        hint = " (it was stopped: the server may be out of memory)" if code in (-9, 137) else ""
        crashed = SolveCrashed(
            f"the solve stopped unexpectedly (worker exit code {code}){hint}; "
            "try a smaller cohort or fewer options, or a longer time limit"
        )
        crashed.exitcode = code  # a signal (negative) when the system or an abort ended it
        raise crashed
    ok, value = pickle.loads(data)
    if ok:
        return value
    if isinstance(value, MemoryError):
        limit = f" ({memory_mb:,} MB)" if memory_mb else ""
        raise SolveCrashed(
            f"the model is too large for the memory a solve may use{limit}: "
            "try a smaller cohort or fewer options"
        ) from value
    raise value
