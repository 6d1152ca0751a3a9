"""Solves on a shared server: a cap on how many run at once, each in its own worker process.

Streamlit serves every coordinator from one Python process, one thread per browser session.

* **The cap.** :class:`SolveLimiter` lets at most ``WORKBENCH_MAX_SOLVES`` solves (default 2)
  run at once in the server process; the others wait in line (first come, first served) and can
  say how many are ahead of them (:class:`Wait`). On a 2-core server two solves already use both
  cores: more would only make every page and every solve slower.
* **The worker process.** HiGHS and CBC release the GIL while they search (measured: a pure-Python
  loop in another thread kept ~90% of its speed beside an 8 s HiGHS solve, and its longest pause
  was 12 ms), but a scheme's own Python (building the model, pricing, the greedy start, the
  headline figures) holds it: beside a 12 s mentoring solve of 10,000 mentees the loop ran at
  53% of its speed. :func:`run_isolated` therefore runs a solve in a worker process forked from a
  clean fork server: the server's threads keep the GIL, a cancelled solve is ended at once, and a
  solve that runs out of memory ends only its worker (``WORKBENCH_SOLVE_MEMORY_MB`` caps the
  memory a worker may add, unset = no cap). Results come back pickled; the same input gives the
  same plan in the worker as in the server (the solvers are seeded and single-threaded).

The cap is per server process: several server processes behind one proxy each have their own.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_SOLVES = 2
ENV_MAX_SOLVES = "WORKBENCH_MAX_SOLVES"
ENV_MEMORY_MB = "WORKBENCH_SOLVE_MEMORY_MB"
POLL_SECONDS = 0.25

# Imported once by the fork server, so each worker starts with the solvers loaded.
PRELOAD = [
    "workbench.scenarios.concurrency",
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


class SolverBusy(SolveError):
    """Every solver stayed busy for longer than this solve was willing to wait."""


class SolveCancelled(SolveError):
    """The solve was cancelled (while waiting in line or while running)."""


class SolveCrashed(SolveError):
    """The worker process running the solve ended without an answer (e.g. out of memory)."""


def _env_int(name: str, default: int | None) -> int | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise SolveError(f"{name} must be a whole number, not '{text}'") from None


def _is_set(cancel: Any) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


# ------------------------------------------------------------------------------ the cap


@dataclass(frozen=True)
class Wait:
    """Where a waiting solve stands in line."""

    ahead: int  # solves waiting in line before this one
    running: int  # solver places in use now
    capacity: int
    seconds: float  # waited so far

    def message(self) -> str:
        """What the coordinator reads while waiting."""
        solvers = "the solver is" if self.capacity == 1 else f"all {self.capacity} solvers are"
        return (
            f"Waiting for a free solver ({self.ahead} ahead of you): {solvers} busy with "
            f"other plans on this server. Waited {self.seconds:.0f} s so far; your solve "
            "starts by itself."
        )


@dataclass(frozen=True)
class Ticket:
    """Solver places held by one caller (more than one for a sweep's worker processes)."""

    places: int
    waited: float  # seconds spent in line


class SolveLimiter:
    """At most ``max_solves`` solver places in use at once; callers wait in line (FIFO).

    ``with limiter.slot() as ticket:`` holds one place while the block runs; ``slot(want=2)``
    takes up to two places (at least one) for work that can use more, such as a sweep.
    """

    def __init__(self, max_solves: int | None = None) -> None:
        if max_solves is None:
            max_solves = _env_int(ENV_MAX_SOLVES, DEFAULT_MAX_SOLVES)
        if max_solves is None or max_solves < 1:
            raise SolveError(f"the number of solves at once must be at least 1, not {max_solves}")
        self.capacity = int(max_solves)
        self._cond = threading.Condition()
        self._in_use = 0
        self._line: collections.deque[object] = collections.deque()

    @property
    def running(self) -> int:
        """Solver places in use now."""
        with self._cond:
            return self._in_use

    @property
    def waiting(self) -> int:
        """Callers waiting in line now."""
        with self._cond:
            return len(self._line)

    def acquire(
        self,
        want: int = 1,
        *,
        timeout: float | None = None,
        cancel: Any = None,
        on_wait: Callable[[Wait], None] | None = None,
        poll: float = POLL_SECONDS,
    ) -> Ticket:
        """Wait in line for a free place; take up to ``want`` places (at least one).

        ``on_wait(Wait)`` is called when the caller has to wait and then about every ``poll``
        seconds (an exception it raises leaves the line and propagates); ``cancel`` (an event or
        a callable) gives up with :class:`SolveCancelled`; after ``timeout`` seconds,
        :class:`SolverBusy`.
        """
        want = max(1, min(int(want), self.capacity))
        me = object()
        started = time.monotonic()
        with self._cond:
            self._line.append(me)
            try:
                while self._line[0] is not me or self._in_use >= self.capacity:
                    waited = time.monotonic() - started
                    if _is_set(cancel):
                        raise SolveCancelled(
                            "the solve was cancelled while waiting for a free solver"
                        )
                    if timeout is not None and waited >= timeout:
                        raise SolverBusy(
                            f"every solver on this server stayed busy for {waited:.0f} s; "
                            "please try again in a few minutes"
                        )
                    if on_wait is not None:
                        wait = Wait(self._line.index(me), self._in_use, self.capacity, waited)
                        self._cond.release()  # never call out while holding the lock
                        try:
                            on_wait(wait)
                        finally:
                            self._cond.acquire()
                        if self._line[0] is me and self._in_use < self.capacity:
                            break
                    pause = poll
                    if timeout is not None:
                        pause = min(pause, max(0.0, timeout - waited))
                    self._cond.wait(pause)
                places = min(want, self.capacity - self._in_use)
                self._in_use += places
            finally:
                self._line.remove(me)
                self._cond.notify_all()  # the next in line may go now (or move up)
        return Ticket(places, time.monotonic() - started)

    def release(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket.places > self._in_use:
                raise RuntimeError("released more solver places than were taken")
            self._in_use -= ticket.places
            self._cond.notify_all()

    @contextlib.contextmanager
    def slot(self, want: int = 1, **wait: Any) -> Iterator[Ticket]:
        """Hold solver places while the block runs (see :meth:`acquire` for the options)."""
        ticket = self.acquire(want, **wait)
        try:
            yield ticket
        finally:
            self.release(ticket)


_shared: SolveLimiter | None = None
_shared_lock = threading.Lock()


def limiter() -> SolveLimiter:
    """The server process's limiter (``WORKBENCH_MAX_SOLVES`` places, read on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SolveLimiter()
        return _shared


def sweep_places(most: int) -> int:
    """Solver places a sweep asks for: up to ``most``, never the server's last one (a long sweep
    must not shut other coordinators out), at least one."""
    return max(1, min(most, limiter().capacity - 1))


# ------------------------------------------------------------------------------ worker process


def _context() -> Any:
    """Workers forked from a clean fork server (never from the multi-threaded server itself:
    forking it can deadlock); spawn where there is no fork server."""
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


def run_isolated(
    fn: Callable[..., Any],
    /,
    *args: Any,
    cancel: Any = None,
    on_tick: Callable[[float], None] | None = None,
    memory_mb: int | None = None,
    poll: float = POLL_SECONDS,
    **kwargs: Any,
) -> Any:
    """``fn(*args, **kwargs)`` in a worker process; its value, or its exception raised here.

    ``fn`` and the arguments must pickle (a module-level function; cohorts, settings and
    results do). ``on_tick(seconds)`` is called about every ``poll`` seconds while it runs (an
    exception it raises ends the worker and propagates); ``cancel`` (an event or a callable)
    ends the worker with :class:`SolveCancelled`. ``memory_mb`` (default
    ``WORKBENCH_SOLVE_MEMORY_MB``) caps the memory the worker may add; a worker that runs out
    of memory or dies gives :class:`SolveCrashed`.
    """
    if memory_mb is None:
        memory_mb = _env_int(ENV_MEMORY_MB, None)
    context = _context()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker,
        args=(send, fn, args, kwargs, memory_mb),
        name="workbench-solve",
        daemon=True,
    )
    started = time.monotonic()
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
            if _is_set(cancel):
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


def solve_limited(
    fn: Callable[..., Any],
    /,
    *args: Any,
    want: int = 1,
    limit: SolveLimiter | None = None,
    timeout: float | None = None,
    cancel: Any = None,
    on_wait: Callable[[Wait], None] | None = None,
    on_tick: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Wait for a free solver place, then run ``fn`` in a worker process (both above)."""
    limit = limit or limiter()
    with limit.slot(want, timeout=timeout, cancel=cancel, on_wait=on_wait):
        return run_isolated(fn, *args, cancel=cancel, on_tick=on_tick, **kwargs)
