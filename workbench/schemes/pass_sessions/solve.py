"""PASS: a weekly session timetable with rooms and leaders, solved for coverage.

The model (``docs/pass.md`` has it in full, with the sources of every default):

* ``session[m, s]`` (binary): module ``m`` holds a weekly session at slot ``s``; only at the
  module's *candidate* slots, where one of its leaders is free and a room that seats the
  session is free. Every module wants ``sessions_per_module`` sessions at distinct slots;
  a missing one is the named slack ``missing_sessions[m]``, penalised above all reach, so a
  shortfall is explained ("CH201: 1 of 2 sessions placed: ...") and never a bare infeasible.
* ``lead[m, s, l]`` (binary): leader ``l`` leads that session; only where ``l`` is listed for
  ``m`` and free at ``s``. A leader is in one place at a time, within their weekly maximum.
* Rooms: a session needs ``ceil(regular uptake x students it could reach / sessions)`` seats.
  Rather than one variable per room, at each slot and each seat threshold ``t`` the number of
  sessions needing ``t`` or more seats is at most the number of free rooms with ``t`` or more
  seats; every room seating a big session seats a smaller one, so rooms are then given out
  exactly (largest need first, smallest room that fits).
* ``reach[m, g]`` (continuous 0-1, integral at any optimum): the students of ``m`` sharing one
  free pattern over its candidate slots form group ``g``, weighted by its size;
  ``reach[m, g] <= sum of session[m, s]`` over the slots the group is free at.
* Objective: reach (student-module pairs), then slot preferences (early/late, Friday afternoon,
  sessions of one module on the same day, balance, fewer leaders per module) scaled so that by
  default all of them together weigh less than half a student: reach always comes first.
* Budget (``settings.budget``): the named rule ``budget`` keeps cost per session x sessions +
  cost per leader x leaders used (binary ``leader_used[l] >= lead[m, s, l]``) within the budget
  less the fixed staff time; reach is maximised within it, then the sessions it still pays for.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.schemes.pass_sessions.greedy import assign_rooms, greedy_sessions
from workbench.schemes.pass_sessions.instance import PassInstance, PlannedSession, build_instance
from workbench.schemes.pass_sessions.model import (
    build_model,
    plan_from_model,
    plan_objective,
    warm_start,
)
from workbench.schemes.pass_sessions.result import PassResult, assemble_result
from workbench.schemes.pass_sessions.settings import (
    LockedSession,
    PassSettings,
    SlotPenalties,
    Uptake,
)
from workbench.schemes.solving import solve

__all__ = [
    "LockedSession",
    "PassResult",
    "PassSettings",
    "SlotPenalties",
    "Uptake",
    "build_instance",
    "free_students_by_slot",
    "greedy_plan",
    "lp_bound",
    "solve_pass",
]


def _gap_for(inst: PassInstance) -> float:
    """Relative gap small enough that "optimal" proves the reach optimal."""
    if inst.settings.mip_gap is not None:
        return inst.settings.mip_gap
    return max(1e-9, 0.4 / (inst.targeted_pairs + 1))


# --------------------------------------------------------------------------------------------
# Public entry points


def solve_pass(cohort: Cohort, settings: PassSettings | None = None) -> PassResult:
    """Plan PASS sessions, leaders and rooms for the most reach.

    The greedy plan is the warm start and, if the solver finds nothing in the time limit,
    the plan returned (the status says so). Raises ``ValueError`` on bad settings for this
    cohort (unknown modules, rooms or leaders; clashing locks).
    """
    settings = settings or PassSettings()
    inst = build_instance(cohort, settings)
    started = time.perf_counter()
    greedy = greedy_sessions(inst)
    greedy_seconds = time.perf_counter() - started
    greedy_reach, greedy_value = plan_objective(inst, greedy)
    messages: list[str] = []
    formulation = ""
    fixed_uncovered = inst.cost_model is not None and inst.cost_model.fixed > settings.budget + 1e-9
    if fixed_uncovered:
        # No plan is within the budget: not even the fixed staff time is paid for. Only the
        # locked sessions are kept; the messages say why.
        status = SolveStatus("infeasible", solver="none")
        plan = greedy
        solve_seconds = 0.0
    elif not inst.modules:
        status = SolveStatus("not solved", solver="none")
        messages.append("No module is targeted: nothing to plan.")
        plan: list[PlannedSession] = []
        solve_seconds = 0.0
    elif not any(m.candidates for m in inst.modules):
        # Nothing can be placed at all: the empty plan is optimal; the diagnostics say why.
        status = SolveStatus("optimal", 0.0, 0.0, 0.0, 0.0, "none")
        plan = []
        solve_seconds = 0.0
    else:
        started = time.perf_counter()
        model = build_model(inst, greedy, settings.formulation)
        warm_start(inst, model, greedy)
        inst.build_seconds += time.perf_counter() - started
        status = solve(
            model.prob,
            settings.solver,
            settings.time_limit,
            mip=True,
            gap=_gap_for(inst),
            warm_start=True,
        )
        formulation = model.kind
        solve_seconds = status.seconds
        if status.status in ("optimal", "feasible"):
            plan = plan_from_model(inst, model)
            _, value = plan_objective(inst, plan)
            if inst.budget_active and inst.plan_cost(plan) > inst.budget_left + 1e-6:
                # Never expected (the rule is in the model); a plan over budget is not shown.
                messages.append(
                    "The solver's plan was over budget by rounding; showing the greedy plan."
                )
                plan, value = greedy, greedy_value
                status.status = "feasible"
                status.gap = _rel_gap(greedy_value, status.bound)
            if value < greedy_value - 1e-6:
                # The warm start was better than what the solver kept (CBC may drop it): keep
                # the greedy plan; if the solver proved optimality within its tolerance, the
                # better greedy plan is within it too.
                plan = greedy
                status.objective = greedy_value
                if status.bound is not None:
                    status.bound = max(status.bound, greedy_value)
                if status.status != "optimal":
                    messages.append(
                        "The solver's best plan within the time limit was worse "
                        "than the greedy plan; showing the greedy plan."
                    )
                    status.gap = _rel_gap(greedy_value, status.bound)
        else:
            what = {
                "timed out": f"found no plan within {settings.time_limit:g} s",
                "infeasible": "reported the model infeasible (a bug: every rule has slack)",
            }.get(status.status, "failed")
            messages.append(
                f"The solver {what}; showing the greedy plan (reach "
                f"{greedy_reach:,}), which keeps every rule but is not proven best."
            )
            plan = greedy
            # A plan is shown, so the outcome is "feasible" (no proven gap), as in every scheme.
            status = SolveStatus(
                "feasible",
                float(greedy_value),
                None,
                None,
                status.seconds,
                status.solver,
                status.messages,
            )
    messages.extend(assign_rooms(inst, plan))
    result = assemble_result(cohort, inst, plan, status, messages)
    result.solve_seconds = solve_seconds
    result.greedy_reach = greedy_reach
    result.greedy_seconds = greedy_seconds
    result.formulation = formulation
    return result


def greedy_plan(cohort: Cohort, settings: PassSettings | None = None) -> PassResult:
    """The greedy baseline as a full result (status "feasible", solver "greedy")."""
    settings = settings or PassSettings()
    inst = build_instance(cohort, settings)
    started = time.perf_counter()
    plan = greedy_sessions(inst)
    seconds = time.perf_counter() - started
    reach, value = plan_objective(inst, plan)
    status = SolveStatus("feasible", value, None, None, seconds, "greedy")
    messages = assign_rooms(inst, plan)
    result = assemble_result(cohort, inst, plan, status, messages)
    result.solve_seconds = seconds
    result.greedy_reach = reach
    result.greedy_seconds = seconds
    result.formulation = "greedy"
    return result


def lp_bound(
    cohort: Cohort, settings: PassSettings | None = None, formulation: str | None = None
) -> float | None:
    """The LP relaxation's objective (of ``formulation``, default the settings' one): an upper
    bound on reach when every session can be placed."""
    settings = settings or PassSettings()
    inst = build_instance(cohort, settings)
    if not any(m.candidates for m in inst.modules):
        return 0.0
    model = build_model(inst, greedy_sessions(inst), formulation or settings.formulation)
    status = solve(model.prob, settings.solver, settings.time_limit, mip=False)
    return status.objective


def free_students_by_slot(
    cohort: Cohort, settings: PassSettings | None = None, by_module: bool = False
) -> pd.DataFrame:
    """How many targeted students are free at each slot of the grid (heat-map ready).

    Columns: day, start, end, label, free_students (distinct targeted students free),
    free_pairs (targeted student-module pairs free), targeted_students, share_free,
    leaders_free (leaders of targeted modules free), rooms_free. With ``by_module``, one row
    per module and slot instead: module_code, day, start, end, label, free_students, enrolled,
    share_free, leader_free, room_free (a room seating the session is free), candidate.
    """
    settings = settings or PassSettings()
    inst = build_instance(cohort, settings)
    grid = range(inst.n_grid)
    base = pd.DataFrame(
        {
            "day": [inst.slots[s].day for s in grid],
            "start": [inst.slots[s].start for s in grid],
            "end": [inst.slots[s].end for s in grid],
            "label": [inst.slots[s].label for s in grid],
        }
    )
    if by_module:
        frames = []
        for mod in inst.modules:
            fits = inst.room_cap >= mod.need
            room_ok = (
                inst.room_free[fits][:, : inst.n_grid].any(axis=0)
                if fits.any()
                else (np.zeros(inst.n_grid, bool))
            )
            free = (
                mod.free[:, : inst.n_grid].sum(axis=0)
                if mod.enrolled
                else np.zeros(inst.n_grid, int)
            )
            frames.append(
                base.assign(
                    module_code=mod.code,
                    free_students=free.astype(int),
                    enrolled=mod.enrolled,
                    share_free=free / max(1, mod.enrolled),
                    leader_free=mod.leader_slots[: inst.n_grid],
                    room_free=room_ok,
                    candidate=[s in mod.candidates for s in grid],
                )
            )
        cols = [
            "module_code",
            "day",
            "start",
            "end",
            "label",
            "free_students",
            "enrolled",
            "share_free",
            "leader_free",
            "room_free",
            "candidate",
        ]
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True)[cols]
    rows: dict[str, np.ndarray] = {}
    pairs = np.zeros(inst.n_grid, dtype=np.int64)
    for mod in inst.modules:
        sub = mod.free[:, : inst.n_grid]
        pairs += sub.sum(axis=0)
        for sid, row in zip(mod.students, sub, strict=True):
            rows.setdefault(sid, row)
    distinct = np.array(list(rows.values())).reshape(len(rows), inst.n_grid)
    free_students = distinct.sum(axis=0).astype(int)
    leaders = sorted({lid for m in inst.modules for lid in m.leaders})
    leaders_free = (
        np.array([inst.leader_free[lid][: inst.n_grid] for lid in leaders]).sum(axis=0)
        if leaders
        else np.zeros(inst.n_grid, int)
    )
    return base.assign(
        free_students=free_students,
        free_pairs=pairs.astype(int),
        targeted_students=len(rows),
        share_free=free_students / max(1, len(rows)),
        leaders_free=leaders_free.astype(int),
        rooms_free=inst.room_free[:, : inst.n_grid].sum(axis=0).astype(int),
    )


# --------------------------------------------------------------------------------------------
# Results and explanations


def _rel_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return abs(bound - objective) / max(1.0, abs(objective))
