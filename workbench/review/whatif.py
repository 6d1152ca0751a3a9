"""What-if: vary the cohort or the settings, sweep a parameter, answer the inverse questions.

Variations (:func:`apply_variation`; :data:`VARIATIONS` lists them in the coordinator's words):

* ``intake`` — cohort size x factor, by resampling students from the current cohort within each
  programme and level (so the mix stays the same). ``intake[programme=Chemistry]`` or
  ``intake[level=UG1]`` scale one group only. A resampled student gets a new id and copies of a
  sampled student's enrolments, own commitments and mentee/mentor status; shrinking removes
  students and every row that refers to them.
* ``mentors`` / ``leaders`` — recruit (positive) or lose (negative) that many volunteers.
  Recruits are eligible students at the levels current volunteers come from, where the demand is
  (programmes with mentees; targeted modules). Recruitment is nested: recruiting ``k + 1`` adds
  one student to the ``k`` recruited with the same seed, so more volunteers never means
  different volunteers.
* ``capacity`` (mentees per mentor), ``sessions`` (PASS sessions per module), ``uptake`` (share of
  reached students expected to take the scheme up) and ``budget`` (a cap in money: a constraint
  for mentoring and PASS, whose settings have a ``budget``, so each point is solved within it;
  a check of the plan's cost for groups).

Sweeps (:func:`run_sweep`) solve every point, in up to two worker processes, with a progress
callback and cancellation. :func:`mentors_needed` and :func:`leaders_needed` search over the
solver for the fewest volunteers that reach a target.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.review.whatif_case import (
    AXIS_LABELS,
    MAX_WORKERS,
    SWEEP_COLUMNS,
    VARIATION_SCHEMES,
    VARIATIONS,
    Case,
    _point,
    apply_variation,
    axis_label,
    check_variation,
    solve_case,
    variation_label,
    vary,
)
from workbench.review.whatif_compare import HEADLINE, compare_scenarios, headline_label
from workbench.review.whatif_intake import resample_cohort
from workbench.review.whatif_inverse import InverseAnswer, leaders_needed, mentors_needed
from workbench.review.whatif_volunteers import (
    change_leaders,
    change_mentors,
    leader_recruitment_order,
    mentor_recruitment_order,
    set_mentor_capacity,
)

__all__ = [
    "AXIS_LABELS",
    "HEADLINE",
    "MAX_WORKERS",
    "SWEEP_COLUMNS",
    "VARIATION_SCHEMES",
    "VARIATIONS",
    "Case",
    "InverseAnswer",
    "apply_variation",
    "axis_label",
    "change_leaders",
    "change_mentors",
    "check_variation",
    "compare_scenarios",
    "headline_label",
    "leader_recruitment_order",
    "leaders_needed",
    "mentor_recruitment_order",
    "mentors_needed",
    "parse_range",
    "resample_cohort",
    "run_sweep",
    "set_mentor_capacity",
    "solve_case",
    "variation_label",
    "vary",
]

# ------------------------------------------------------------------------------ sweeps


def _cancelled(cancel: Any) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def parse_range(text: str) -> list[float]:
    """``0.8:1.5:0.1`` -> [0.8, 0.9, ..., 1.5] (end included); ``1,2,5`` -> [1, 2, 5]."""
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if step <= 0 or stop < start:
                raise ValueError
            n = int(np.floor((stop - start) / step + 1e-9)) + 1
            if n > 1000:
                raise ValueError
            decimals = max(_decimals(start), _decimals(step))
            return [round(start + i * step, decimals + 2) for i in range(n)]
        values = [float(p) for p in text.split(",") if p.strip()]
        if not values:
            raise ValueError
        return values
    except ValueError:
        raise ValueError(
            f"'{text}' is not a range: use START:STOP:STEP (e.g. 0.8:1.5:0.1) "
            "or a list (e.g. 1,2,3)"
        ) from None


def _decimals(x: float) -> int:
    text = f"{x:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


_PRELOAD = [
    "workbench.review.whatif",
    "workbench.scenarios.scenario",
    "workbench.schemes.mentoring.solve",
    "workbench.schemes.pass_sessions.solve",
    "workbench.outcomes.coverage",
    "workbench.outcomes.costs",
]


def _pool(workers: int) -> cf.ProcessPoolExecutor:
    """Worker processes forked from a clean fork server (started once per process, with the
    solver modules imported), never from the caller: forking a multi-threaded host such as
    Streamlit can deadlock, and spawning a fresh interpreter per worker costs seconds."""
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
    except ValueError:  # no fork server on this platform
        context = multiprocessing.get_context("spawn")
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)


def run_sweep(
    cohort: Cohort,
    scheme: str,
    settings: Any,
    param: str,
    values: Sequence[float],
    *,
    parallel: bool = True,
    progress: Callable[[int, int], None] | None = None,
    cancel: Any = None,
    seed: int = 0,
    assumptions: Any = None,
    rates: Any = None,
    budget: float | None = None,
    workers: int = MAX_WORKERS,
    volunteers_grow: bool = True,
) -> pd.DataFrame:
    """Solve the plan at every value of ``param``; one tidy row per value.

    Points run in ``workers`` (1 or 2) worker processes when ``parallel``; ``progress(done,
    total)`` is called as points finish; ``cancel`` (a ``threading.Event`` or a callable) stops
    the sweep: nothing more is started, and the table returned has the finished points plus the
    others marked ``cancelled`` (``table.attrs["cancelled"]`` is True).
    """
    case = Case(cohort, scheme, settings, assumptions, rates, budget, volunteers_grow)
    check_variation(param, scheme)
    values = list(dict.fromkeys(float(v) for v in values))
    total = len(values)
    rows: dict[float, dict[str, Any]] = {}
    cancelled = False
    if progress:
        progress(0, total)
    workers = max(1, min(MAX_WORKERS, workers, total))
    if not parallel or total <= 1:  # one worker is still a process: the caller stays free
        for value in values:
            if _cancelled(cancel):
                cancelled = True
                break
            rows[value] = _point((case, param, value, seed))
            if progress:
                progress(len(rows), total)
    else:
        pending = list(values)
        with _pool(workers) as pool:
            running: dict[cf.Future, float] = {}
            try:
                while pending or running:
                    if _cancelled(cancel):
                        cancelled = True
                        break
                    while pending and len(running) < workers:
                        value = pending.pop(0)
                        running[pool.submit(_point, (case, param, value, seed))] = value
                    done, _ = cf.wait(running, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                    for future in done:
                        value = running.pop(future)
                        try:
                            rows[value] = future.result()
                        except Exception as exc:  # noqa: BLE001 (a worker died)
                            rows[value] = {
                                "param": param,
                                "value": value,
                                "status": "error",
                                "message": f"{type(exc).__name__}: {exc}",
                            }
                        if progress:
                            progress(len(rows), total)
            finally:
                if cancelled:
                    for future in running:
                        future.cancel()
                    pool.shutdown(wait=False, cancel_futures=True)
                    _stop_workers(pool)
    for value in values:
        if value not in rows:
            rows[value] = {
                "param": param,
                "value": value,
                "status": "cancelled",
                "message": "not solved: the sweep was cancelled",
            }
    table = pd.DataFrame([rows[v] for v in values])
    for col in SWEEP_COLUMNS:
        if col not in table.columns:
            table[col] = None
    extra = [c for c in table.columns if c not in SWEEP_COLUMNS]
    table = table[SWEEP_COLUMNS + extra]
    table.attrs["cancelled"] = cancelled
    table.attrs["scheme"] = scheme
    table.attrs["param"] = param
    table.attrs["volunteers_grow"] = volunteers_grow
    return table


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """End the workers of a cancelled sweep now (a point in progress is abandoned)."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()
