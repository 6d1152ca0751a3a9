"""Study groups and social-integration groups: who meets with whom, and when.

:func:`form_groups` splits the students of a module (or a programme and/or level) into groups
of ``min_size``-``max_size`` students. Hard rules, never broken:

* every group has a weekly slot at which all its members (and its mentor) are free, from the
  same ``timetable`` + ``busy`` rule as PASS;
* no-isolation: under ``no_isolation`` on an attribute, no group holds exactly one student of a
  value (nobody is the only international student in their group);
* ``avoid`` pairs never share a group; keep-together pairs always do (or are both unplaced);
* mentor-led social groups: one mentor per group, free at its slot, leading one group of at
  most their capacity.

Objective, lexicographic: most students placed; then the best *worst* group score (CATME's
maximin: no group left weak); then the best total, summed over students (each placed student
counts their group's score, so splitting a good group adds nothing). Students who cannot be
placed are listed with the reason.

How: students no plan could place are set aside with their reason
(:mod:`workbench.schemes.groups.prepare`); the rest are given a meeting slot in as few, well-mixed
blocks as possible and large blocks are dealt into chunks (:mod:`workbench.schemes.groups.blocks`); each
chunk starts from a greedy plan improved by local search (:mod:`workbench.schemes.groups.search`) and is
solved by a MILP (:mod:`workbench.schemes.groups.model`); a large-neighbourhood search then re-forms the
weakest groups exactly. The plan is checked against a relaxation that ignores slots and chunks
(every student free together), and small cohorts are solved again as one exact model with the
slot choice (:mod:`workbench.schemes.groups.exact`): the status is ``optimal`` only when the plan reaches the proven bound on every
level; otherwise the gap is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.schemes.groups.blocks import (
    Block,
    assign_blocks,
    chunk_model,
    split_block,
)
from workbench.schemes.groups.check import check_groups, explain_unplaced, score_groups
from workbench.schemes.groups.exact import (
    Levels,
    from_plan,
    full_model,
    improve,
    measure,
    proven,
    relaxation_bounds,
    to_plan,
)
from workbench.schemes.groups.model import GroupModel, Plan
from workbench.schemes.groups.prepare import Instance, prepare
from workbench.schemes.groups.search import Group, local_search
from workbench.schemes.groups.search import counts as _counts
from workbench.schemes.groups.search import greedy as _greedy
from workbench.schemes.groups.search import repair as _repair
from workbench.schemes.groups.settings import GroupSettings

__all__ = ["GroupResult", "GroupSettings", "check_groups", "form_groups", "score_groups"]

FULL_MODEL_UNITS = 40  # up to this many units, a plan not proven optimal is re-solved exactly
SEARCH_SHARE = 0.3  # of a chunk's time spent on the local search before its MILP
MIN_SOLVE_SECONDS = 0.5  # a MILP given less time than this is not started


@dataclass
class GroupResult:
    """A group plan, its scores, who was not placed and why, and the honest solve status."""

    status: SolveStatus
    groups: pd.DataFrame  # group_id, student_id, day, start, end, slot, mentor_id
    group_scores: pd.DataFrame  # group_id, size, day, start, end, slot, mentor_id, ...
    unplaced: pd.DataFrame  # student_id, reason
    students: int
    placed: int
    settings: GroupSettings
    pool: str = ""
    worst_score: float | None = None  # the weakest group's score, 0-1
    mean_score: float | None = None  # mean over groups
    total_score: float | None = None  # sum over placed students of their group's score
    worst_bound: float | None = None
    total_bound: float | None = None
    placed_bound: int | None = None
    notes: list[str] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)  # seconds per step of the solve

    def summary(self) -> dict[str, Any]:
        """Plain JSON-ready summary (status, counts, worst and mean score, gap, seconds...)."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(float(x), 4)

        return {
            "status": self.status.status,
            "label": self.status.label,
            "pool": self.pool,
            "groups": int(self.group_scores.shape[0]),
            "placed": int(self.placed),
            "students": int(self.students),
            "unplaced": int(self.students - self.placed),
            "worst_score": r(self.worst_score),
            "mean_score": r(self.mean_score),
            "total_score": r(self.total_score),
            "student_mean_score": r(
                None
                if not self.placed or self.total_score is None
                else self.total_score / self.placed
            ),
            "placed_bound": self.placed_bound,
            "worst_bound": r(self.worst_bound),
            "total_bound": r(self.total_bound),
            "gap": r(self.status.gap),
            "seconds": round(float(self.status.seconds), 2),
            "solver": self.status.solver,
            "messages": list(self.status.messages),
            "notes": list(self.notes),
            "stages": {k: round(v, 2) for k, v in self.stages.items()},
            "settings": self.settings.model_dump(mode="json"),
        }


def form_groups(cohort: Cohort, settings: GroupSettings) -> GroupResult:
    """Form groups for ``settings``' students; ValueError on bad input (unknown module...)."""
    clock = time.perf_counter
    started = clock()
    deadline = started + settings.time_limit
    inst = prepare(cohort, settings)
    stages: dict[str, float] = {"prepare": clock() - started}

    def lap(name: str, since: float) -> float:
        now = clock()
        stages[name] = stages.get(name, 0.0) + now - since
        return now

    solver = settings.solver
    notes = list(inst.notes)
    units = inst.placeable
    total_students = inst.students(units)
    levels = Levels(placed_bound=total_students)
    groups: list[Group] = []
    timed_out = False
    if units:
        mark = clock()
        outcome = assign_blocks(inst, units, solver, started + 0.25 * settings.time_limit, clock)
        notes += outcome.notes
        levels.placed_bound = min(total_students, outcome.placed_bound)
        chunks = [c for b in outcome.blocks for c in split_block(inst, b)]
        mark = lap("slots", mark)
        groups, exact, timed_out = _solve_chunks(inst, chunks, solver, started, deadline, clock)
        _repair(inst, groups)
        mark = lap("groups", mark)
        if len(chunks) > 1:
            local_search(inst, groups, started + 0.55 * settings.time_limit, clock)
            mark = lap("search", mark)
        measure(inst, groups, levels)
        single = (
            len(chunks) == 1 and set(chunks[0].units) == set(units) and not settings.led_by_mentors
        )
        limit = settings.time_limit
        if single and exact is not None:
            levels.worst_bound, levels.total_bound, placed_bound = exact
            levels.placed_bound = min(levels.placed_bound, placed_bound)
        elif groups:
            relaxation_bounds(
                inst,
                units,
                groups,
                levels,
                solver,
                min(started + 0.6 * limit, clock() + 0.15 * limit),
                clock,
            )
            mark = lap("bound", mark)
        if groups and not proven(levels):
            improve(inst, groups, levels, solver, started + 0.9 * limit, clock)
            measure(inst, groups, levels)
            mark = lap("improve", mark)
        if not proven(levels) and len(units) <= FULL_MODEL_UNITS and deadline - clock() > 0.5:
            better = full_model(inst, units, groups, levels, solver, deadline, clock)
            if better is not None:
                groups = better
                measure(inst, groups, levels)
            mark = lap("exact", mark)
    seconds = clock() - started
    result = _result(inst, groups, levels, notes, seconds, timed_out)
    result.stages = stages
    return result


# -- chunks -----------------------------------------------------------------------------------
def _solve_chunks(
    inst: Instance,
    chunks: list[Block],
    solver: str,
    started: float,
    deadline: float,
    clock: Callable[[], float],
) -> tuple[list[Group], tuple[int, int, int] | None, bool]:
    """Solve every chunk: most placed and best worst group, then the best total at the
    cohort-wide worst score. Returns the groups, the proven (worst, total, placed) bounds when
    there is a single chunk, and whether a chunk ran out of time without a plan."""
    span = deadline - started
    # One chunk is the whole (exact) problem: most of the time. Several: leave time to improve.
    shares = (0.55, 0.75) if len(chunks) == 1 else (0.35, 0.45)
    first_end, second_end = started + shares[0] * span, started + shares[1] * span
    rules = inst.rules
    scale = rules.top + 1
    solved: list[tuple[Block, GroupModel, list[list[int]], Plan, int, int]] = []
    groups: list[Group] = []
    timed_out = False
    bounds: list[tuple[int, int]] = []
    for i, chunk in enumerate(chunks):
        share = (first_end - clock()) / (len(chunks) - i)
        start = _greedy(inst, chunk)
        local_search(inst, start, clock() + SEARCH_SHARE * max(0.1, share), clock)
        share = (first_end - clock()) / (len(chunks) - i)
        if share < MIN_SOLVE_SECONDS and len(chunks) > 1:
            groups.extend(start)  # no time left for this chunk's MILP: keep the searched plan
            continue
        model, class_units = chunk_model(inst, chunk, f"groups_chunk_{i}")
        if start:
            model.load(to_plan(inst, model, class_units, start, [chunk.slot]))
        share = max(MIN_SOLVE_SECONDS, (first_end - clock()) / (len(chunks) - i))
        out = model.run_phase("placed+worst", solver, share, warm=bool(start))
        if out.status not in ("optimal", "feasible"):
            timed_out = timed_out or not start
            groups.extend(start)
            continue
        placed, worst = divmod(int(out.value), scale)
        ub = int(out.bound)
        worst_ub = ub - placed * scale if ub // scale == placed else rules.top
        bounds.append((worst_ub, ub // scale))
        plan = model.plan()
        if placed:
            solved.append((chunk, model, class_units, plan, placed, worst))
    worst_all = min(
        [s[5] for s in solved] + [rules.score(_counts(inst, g.units)) for g in groups],
        default=rules.top,
    )
    exact: tuple[int, int, int] | None = None
    for k, (chunk, model, class_units, plan, placed, _) in enumerate(solved):
        share = (second_end - clock()) / (len(solved) - k)
        if share >= MIN_SOLVE_SECONDS or len(chunks) == 1:
            model.require_placed(placed)
            model.require_worst(worst_all)
            out = model.run_phase("total", solver, max(MIN_SOLVE_SECONDS, share))
            if out.status in ("optimal", "feasible"):
                plan = model.plan()
                if len(chunks) == 1:
                    exact = (bounds[0][0], int(out.bound), bounds[0][1])
        groups.extend(from_plan(inst, model, class_units, plan, [chunk.slot]))
    return groups, exact, timed_out


# -- result -----------------------------------------------------------------------------------
def _result(
    inst: Instance,
    groups: list[Group],
    levels: Levels,
    notes: list[str],
    seconds: float,
    timed_out: bool,
) -> GroupResult:
    settings, rules = inst.settings, inst.rules
    ordered = _display_slots(inst, groups)
    frame = _group_frame(inst, ordered)
    scores = score_groups(inst.cohort, settings, frame, instance=inst)
    placed_units = {u for g in groups for u in g.units}
    unplaced_rows = []
    explained = explain_unplaced(
        inst,
        [(g.units, g.slot, g.mentor) for g in ordered],
        [u for u in inst.placeable if u not in placed_units],
        timed_out or levels.placed < levels.placed_bound,
    )
    for u in range(len(inst.units)):
        if u in placed_units:
            continue
        reason = inst.reasons.get(u) or explained.get(u, "not placed")
        for s in inst.units[u]:
            unplaced_rows.append({"student_id": s, "reason": reason})
    unplaced = pd.DataFrame(unplaced_rows, columns=["student_id", "reason"])
    unplaced = unplaced.sort_values("student_id", ignore_index=True)
    top = rules.top
    n_groups = len(groups)
    worst = levels.worst / top if n_groups else None
    total = levels.total / top if n_groups else 0.0
    each = [inst.rules.score(_counts(inst, g.units)) / top for g in groups]
    mean = sum(each) / n_groups if n_groups else None
    status, gap, messages = _status(inst, levels, n_groups, timed_out)
    solve_status = SolveStatus(
        status,
        worst,
        None if levels.worst_bound is None else levels.worst_bound / top,
        gap,
        seconds,
        settings.solver,
        messages,
    )
    return GroupResult(
        status=solve_status,
        groups=frame,
        group_scores=scores,
        unplaced=unplaced,
        students=len(inst.pool_ids),
        placed=levels.placed,
        settings=settings,
        pool=inst.label,
        worst_score=worst,
        mean_score=mean,
        total_score=total if n_groups else None,
        worst_bound=None if levels.worst_bound is None else levels.worst_bound / top,
        total_bound=None if levels.total_bound is None else levels.total_bound / top,
        placed_bound=levels.placed_bound,
        notes=notes,
    )


def _status(
    inst: Instance, levels: Levels, n_groups: int, timed_out: bool
) -> tuple[str, float | None, list[str]]:
    top = inst.rules.top
    messages: list[str] = []
    if levels.placed_bound == 0:
        messages.append(f"No group can be formed in {inst.label}: see the reason for each student.")
        return "infeasible", 0.0, messages
    if n_groups == 0:
        messages.append("No plan was found within the time limit.")
        return ("timed out" if timed_out else "not solved"), None, messages
    if levels.placed < levels.placed_bound:
        gap = (levels.placed_bound - levels.placed) / levels.placed_bound
        messages.append(
            f"{levels.placed} students placed; perhaps up to "
            f"{levels.placed_bound} could be (not proven either way)."
        )
        return "feasible", gap, messages
    if levels.worst_bound is None or levels.worst < levels.worst_bound:
        if levels.worst_bound is None:
            messages.append("No bound on the worst group score was proven in time.")
            return "feasible", None, messages
        gap = (levels.worst_bound - levels.worst) / max(1, levels.worst_bound)
        messages.append(
            f"Worst group score {levels.worst / top:.2f}; no plan can beat "
            f"{levels.worst_bound / top:.2f} (proven)."
        )
        return "feasible", gap, messages
    if levels.total_bound is None or levels.total < levels.total_bound:
        if levels.total_bound is None:
            messages.append(
                "The worst group score is proven best; no bound on the total was proven in time."
            )
            return "feasible", None, messages
        gap = (levels.total_bound - levels.total) / max(1, levels.total_bound)
        messages.append(
            f"Worst group score proven best ({levels.worst / top:.2f}); total "
            f"{levels.total / top:.2f}, at most {levels.total_bound / top:.2f} "
            "possible (proven)."
        )
        return "feasible", gap, messages
    return "optimal", 0.0, messages


def _display_slots(inst: Instance, groups: list[Group]) -> list[Group]:
    """Each group meets at a slot all its members (and mentor) share, spread over the week."""
    load = np.zeros(len(inst.grid), dtype=int)
    ordered = sorted(groups, key=lambda g: (g.slot, min(inst.units[u][0] for u in g.units)))
    out = []
    for grp in ordered:
        shared = inst.unit_free[grp.units].all(axis=0)
        if grp.mentor is not None:
            shared &= inst.mentors[grp.mentor].free
        choices = np.flatnonzero(shared)
        slot = int(choices[np.argmin(load[choices])]) if len(choices) else grp.slot
        load[slot] += 1
        out.append(Group(grp.units, slot, grp.mentor))
    out.sort(key=lambda g: (inst.grid[g.slot], min(inst.units[u][0] for u in g.units)))
    return out


def _group_frame(inst: Instance, groups: list[Group]) -> pd.DataFrame:
    width = max(2, len(str(len(groups))))
    rows = []
    for k, grp in enumerate(groups, start=1):
        slot = inst.grid[grp.slot]
        mentor = None if grp.mentor is None else inst.mentors[grp.mentor].student_id
        for s in sorted(s for u in grp.units for s in inst.units[u]):
            rows.append(
                {
                    "group_id": f"G{k:0{width}d}",
                    "student_id": s,
                    "day": slot.day,
                    "start": slot.start,
                    "end": slot.end,
                    "slot": slot.label,
                    "mentor_id": mentor,
                }
            )
    frame = pd.DataFrame(
        rows, columns=["group_id", "student_id", "day", "start", "end", "slot", "mentor_id"]
    )
    return frame.astype({"day": "int64", "start": "int64", "end": "int64"})
