"""Solves on a shared server: a cap on how many run at once, each in its own worker process.

Streamlit serves every coordinator from one Python process, one thread per browser session.

* **The cap.** :class:`SolveLimiter` lets at most ``WORKBENCH_MAX_SOLVES`` solves (default 2)
  run at once in the server process; the others wait in line (first come, first served) and can
  say how many are ahead of them (:class:`Wait`). On a 2-core server two solves already use both
  cores: more would only make every page and every solve slower.
* **The worker process.** Each solve runs in its own worker process
  (:func:`workbench.isolation.run_isolated`, which file reading shares): the server's threads
  keep the GIL, a cancelled solve is ended at once, and a solve that runs out of memory ends
  only its worker.

The cap is per server process: several server processes behind one proxy each have their own.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from workbench.isolation import (
    POLL_SECONDS,
    SolveCancelled,
    SolveError,
    env_int,
    is_cancelled,
    run_isolated,
)

DEFAULT_MAX_SOLVES = 2
ENV_MAX_SOLVES = "WORKBENCH_MAX_SOLVES"


class SolverBusy(SolveError):
    """Every solver stayed busy for longer than this solve was willing to wait."""


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
            max_solves = env_int(ENV_MAX_SOLVES, DEFAULT_MAX_SOLVES)
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
                    if is_cancelled(cancel):
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
