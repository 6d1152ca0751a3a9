"""Solving from a page: wait in line for a free solver place, then solve in a worker process."""

from __future__ import annotations

import contextlib
import os
from typing import Any

import streamlit as st

# How long a solve waits in line for a free solver before giving up (seconds).
SOLVE_WAIT_S = float(os.environ.get("WORKBENCH_SOLVE_WAIT_S", "900"))


@contextlib.contextmanager
def solver_slot(want: int = 1):
    """Hold up to ``want`` of the server's solver places (see workbench.scenarios.concurrency); while every
    place is taken by other sessions, wait in line and say so. A click elsewhere stops the wait."""
    from workbench.scenarios.concurrency import limiter

    box = st.empty()
    with limiter().slot(
        want,
        timeout=SOLVE_WAIT_S,
        on_wait=lambda wait: box.info(wait.message(), icon=":material/hourglass_top:"),
    ) as ticket:
        box.empty()
        if ticket.waited >= 0.5:
            st.caption(f"Waited {ticket.waited:.0f} s for a free solver.")
        yield ticket


def sweep_places(most: int) -> int:
    """Solver places a sweep asks for (see workbench.scenarios.concurrency.sweep_places)."""
    from workbench.scenarios.concurrency import sweep_places as places

    return places(most)


def run_solve(fn, *args: Any, **kwargs: Any):
    """``fn(*args, **kwargs)`` in a solver worker process once a solver place is free; the page
    shows the seconds so far (and stays interruptible: a click elsewhere ends the worker)."""
    from workbench.isolation import run_isolated

    with solver_slot():
        box = st.empty()
        shown: list[int] = []

        def tick(seconds: float) -> None:
            if int(seconds) not in shown:
                shown.append(int(seconds))
                box.caption(f"Solving: {seconds:.0f} s so far.")

        value = run_isolated(fn, *args, on_tick=tick, **kwargs)
        box.empty()
        return value
