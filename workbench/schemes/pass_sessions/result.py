"""A PASS plan as the coordinator reads it: sessions, coverage per module, who is reached and
why not, and the messages that explain every shortfall."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort, SolveStatus
from workbench.outcomes.budget import budget_status
from workbench.outcomes.costs import cost_of_pass_plan
from workbench.schemes.pass_sessions.instance import PassInstance, PlannedSession
from workbench.schemes.pass_sessions.settings import PassSettings, module_names


@dataclass
class PassResult:
    """A PASS plan with its coverage, who it reaches and why not, and the honest status."""

    status: SolveStatus
    sessions: pd.DataFrame
    coverage: pd.DataFrame
    reach: pd.DataFrame
    diagnostics: list[str]
    targeted: list[str]
    settings: PassSettings
    notes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    greedy_reach: int | None = None
    greedy_seconds: float = 0.0
    formulation: str = ""
    shortfalls: dict[str, str] = field(default_factory=dict)  # module -> why sessions are missing

    @property
    def cost(self) -> float:
        """What the plan costs per term by the settings' cost rates (fixed staff time included)."""
        return cost_of_pass_plan(self.sessions, self.settings.cost_rates).total

    @property
    def budget_message(self) -> str:
        """The plan's cost against the budget, in words."""
        rates = self.settings.cost_rates
        return budget_status(self.cost, self.settings.budget, rates.currency).message

    @property
    def reach_count(self) -> int:
        return int(self.reach["reached"].sum()) if len(self.reach) else 0

    @property
    def targeted_pairs(self) -> int:
        return len(self.reach)

    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` holds (JSON-serialisable)."""
        targeted = self.targeted_pairs
        reach = self.reach_count
        expected = float(self.coverage["expected_attendance"].sum()) if len(self.coverage) else 0.0
        once = float(self.coverage["expected_at_least_once"].sum()) if len(self.coverage) else 0.0
        cost = self.cost
        budget = self.settings.budget
        return {
            "status": self.status.status,
            "status_label": self.status.label,
            "reach": reach,
            "targeted": targeted,
            "targeted_modules": list(self.targeted),
            "coverage": round(reach / targeted, 6) if targeted else 0.0,
            "expected_attendance": round(expected, 2),
            "expected_at_least_once": round(once, 2),
            "sessions": len(self.sessions),
            "leaders": int(self.sessions["leader_id"].dropna().nunique()),
            "cost": round(cost, 2),
            "budget": budget,
            "within_budget": None if budget is None else bool(cost <= budget + 1e-6),
            "budget_message": self.budget_message,
            "gap": self.status.gap,
            "bound": self.status.bound,
            "seconds": round(self.build_seconds + self.solve_seconds, 3),
            "build_seconds": round(self.build_seconds, 3),
            "solve_seconds": round(self.solve_seconds, 3),
            "solver": self.status.solver,
            "greedy_reach": self.greedy_reach,
            "greedy_seconds": round(self.greedy_seconds, 3),
            "formulation": self.formulation,
            "diagnostics": list(self.diagnostics),
            "messages": list(self.messages),
            "notes": list(self.notes),
            "settings": self.settings.model_dump(mode="json"),
        }


def assemble_result(
    cohort: Cohort,
    inst: PassInstance,
    plan: list[PlannedSession],
    status: SolveStatus,
    messages: list[str],
) -> PassResult:
    """The plan as a :class:`PassResult`: its sessions, coverage per module, who is reached and
    why not, and the messages (rooms too small, sessions short and why, the budget)."""
    names = module_names(cohort)
    plan = sorted(plan, key=lambda p: (inst.modules[p.module].code, inst.slots[p.slot]))
    # Modules the budget kept short: another session would fit the leaders, rooms and slots.
    over_budget = {
        mi
        for mi, mod in enumerate(inst.modules)
        if inst.budget_active
        and sum(1 for p in plan if p.module == mi) < mod.placeable
        and _could_add(inst, mi, plan)
    }
    reached = _reached(inst, plan)
    sessions = _sessions_table(inst, plan, reached, names, messages)
    coverage, shortfalls = _coverage_table(inst, plan, reached, names, over_budget, messages)
    reach = _reach_frame(cohort, inst, plan, reached, over_budget)
    if inst.cost_model is not None:
        messages[:0] = _budget_messages(inst, plan, over_budget)
    status.messages = list(dict.fromkeys([*status.messages, *messages]))
    result = PassResult(
        status,
        sessions,
        coverage,
        reach,
        list(inst.diagnostics),
        list(inst.targeted),
        inst.settings,
        list(inst.notes),
        list(dict.fromkeys(messages)),
        inst.build_seconds,
    )
    result.shortfalls = shortfalls
    return result


def _reached(inst: PassInstance, plan: list[PlannedSession]) -> dict[int, np.ndarray]:
    """Per module, which of its students are free at one of its sessions."""
    reached: dict[int, np.ndarray] = {}
    for mi, mod in enumerate(inst.modules):
        slots = [p.slot for p in plan if p.module == mi]
        reached[mi] = (
            mod.free[:, slots].any(axis=1)
            if slots and mod.enrolled
            else np.zeros(mod.enrolled, bool)
        )
    return reached


SESSION_COLUMNS = [
    "module_code",
    "module_name",
    "day",
    "start",
    "end",
    "slot",
    "room_id",
    "room_capacity",
    "leader_id",
    "expected_attendance",
    "students_free",
    "locked",
]
COVERAGE_COLUMNS = [
    "module_code",
    "module_name",
    "enrolled",
    "reachable",
    "could_reach",
    "coverage",
    "sessions",
    "sessions_wanted",
    "expected_attendance",
    "expected_at_least_once",
    "expected_per_session",
    "uptake_regular",
    "uptake_once",
]


def _sessions_table(
    inst: PassInstance,
    plan: list[PlannedSession],
    reached: dict[int, np.ndarray],
    names: dict[str, str],
    messages: list[str],
) -> pd.DataFrame:
    """One row per session; a room smaller than expected or a locked session without a
    leader is said in ``messages``."""
    cap = dict(zip(inst.rooms, inst.room_cap.tolist(), strict=True))
    session_rows = []
    for p in plan:
        mod = inst.modules[p.module]
        n = sum(1 for q in plan if q.module == p.module)
        expected = mod.uptake.regular * int(reached[p.module].sum()) / n
        slot = inst.slots[p.slot]
        session_rows.append(
            {
                "module_code": mod.code,
                "module_name": names.get(mod.code, mod.code),
                "day": slot.day,
                "start": slot.start,
                "end": slot.end,
                "slot": slot.label,
                "room_id": p.room_id,
                "room_capacity": cap.get(p.room_id) if p.room_id else None,
                "leader_id": p.leader_id,
                "expected_attendance": round(expected, 2),
                "students_free": int(mod.free[:, p.slot].sum()) if mod.enrolled else 0,
                "locked": p.locked,
            }
        )
        if p.room_id is not None and cap[p.room_id] < expected - 1e-9:
            messages.append(
                f"{mod.code} {slot.label}: room {p.room_id} seats {cap[p.room_id]}, "
                f"fewer than the {expected:.1f} expected."
            )
        if p.leader_id is None:
            messages.append(f"{mod.code} {slot.label}: locked session with no leader free.")
    sessions = pd.DataFrame(session_rows, columns=SESSION_COLUMNS)
    sessions["room_capacity"] = sessions["room_capacity"].astype("Int64")
    return sessions


def _coverage_table(
    inst: PassInstance,
    plan: list[PlannedSession],
    reached: dict[int, np.ndarray],
    names: dict[str, str],
    over_budget: set[int],
    messages: list[str],
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per targeted module, and why each module short of sessions is short."""
    coverage_rows = []
    shortfalls: dict[str, str] = {}
    for mi, mod in enumerate(inst.modules):
        r = int(reached[mi].sum())
        n = sum(1 for p in plan if p.module == mi)
        could = (
            int(mod.free[:, mod.candidates].any(axis=1).sum())
            if (mod.enrolled and mod.candidates)
            else 0
        )
        coverage_rows.append(
            {
                "module_code": mod.code,
                "module_name": names.get(mod.code, mod.code),
                "enrolled": mod.enrolled,
                "reachable": r,
                "could_reach": could,
                "coverage": round(r / mod.enrolled, 4) if mod.enrolled else 0.0,
                "sessions": n,
                "sessions_wanted": mod.sessions,
                "expected_attendance": round(mod.uptake.regular * r, 2),
                "expected_at_least_once": round(mod.uptake.once * r, 2),
                "expected_per_session": round(mod.uptake.regular * r / n, 2) if n else 0.0,
                "uptake_regular": mod.uptake.regular,
                "uptake_once": mod.uptake.once,
            }
        )
        if mi in over_budget:
            more = (
                f"; at most {mod.placeable} fit its leaders, rooms and slots"
                if mod.placeable < mod.sessions
                else ""
            )
            messages.append(
                f"{mod.code}: {mod.placeable - n} of {mod.sessions} sessions not "
                f"placed: over budget{more}."
            )
            shortfalls[mod.code] = "over budget"
        elif n < mod.sessions:
            shortfalls[mod.code] = _short_reason(inst, mi, plan)
            messages.append(
                f"{mod.code}: {n} of {mod.sessions} sessions placed: {shortfalls[mod.code]}."
            )
    return pd.DataFrame(coverage_rows, columns=COVERAGE_COLUMNS), shortfalls


def _could_add(inst: PassInstance, mi: int, plan: list[PlannedSession]) -> bool:
    """Whether the rules (leaders, rooms, slots) allow one more session of module ``mi``
    alongside the plan: an unused candidate slot with a leader who can lead it and a free room
    that seats it."""
    mod = inst.modules[mi]
    used = {p.slot for p in plan if p.module == mi}
    if len(used) >= mod.placeable:
        return False
    taken = _leaders_taken(plan)
    room_no = {r: i for i, r in enumerate(inst.rooms)}
    fits = inst.room_cap >= mod.need
    for si in mod.candidates:
        if si in used:
            continue
        rooms = inst.room_free[:, si] & fits
        for p in plan:
            if p.room_id is not None and inst.overlap[si, p.slot]:
                rooms[room_no[p.room_id]] = False
        if not rooms.any():
            continue
        if any(_leader_can_take(inst, mi, lid, si, plan, taken) for lid in mod.leaders):
            return True
    return False


def _leaders_taken(plan: list[PlannedSession]) -> dict[str, list[int]]:
    """The slots each leader already leads in the plan."""
    taken: dict[str, list[int]] = {}
    for p in plan:
        if p.leader_id is not None:
            taken.setdefault(p.leader_id, []).append(p.slot)
    return taken


def _leader_can_take(
    inst: PassInstance,
    mi: int,
    lid: str,
    si: int,
    plan: list[PlannedSession],
    taken: dict[str, list[int]],
) -> bool:
    """Leader ``lid`` is free at slot ``si``, under their weekly and per-module limits, and not
    leading anything that overlaps it."""
    mine = taken.get(lid, [])
    return bool(
        inst.leader_free[lid][si]
        and len(mine) < inst.leader_max.get(lid, 0)
        and sum(1 for p in plan if p.module == mi and p.leader_id == lid)
        < inst.modules[mi].leader_cap.get(lid, 0)
        and not any(inst.overlap[si, t] for t in mine)
    )


def _budget_messages(
    inst: PassInstance, plan: list[PlannedSession], over_budget: set[int]
) -> list[str]:
    """The budget in the coordinator's words: what it covers, what it leaves out and why."""
    settings = inst.settings
    rates = settings.cost_rates
    money = rates.money
    cost = inst.cost_model
    budget = float(settings.budget)
    staff = (
        f"{rates.pass_staff_hours_per_week:g} hours a week of coordination for "
        f"{rates.weeks_per_term} weeks"
    )
    if cost.fixed > budget + 1e-9:
        out = [
            f"The budget of {money(budget)} does not cover the fixed staff time of "
            f"{money(cost.fixed)} ({staff}): no session can be placed within it."
        ]
        if any(m.locked for m in inst.modules):
            out.append("The locked sessions are kept as locked, over budget.")
        return out
    left = budget - cost.fixed
    if inst.locked_cost > left + 1e-9:
        return [
            f"The locked sessions cost {money(inst.locked_cost)} with their leaders, more "
            f"than the {money(left)} the budget of {money(budget)} leaves after the fixed "
            f"staff time ({money(cost.fixed)}): they are kept as locked and no other "
            "session is placed."
        ]
    if not over_budget:
        return []
    spent = inst.plan_cost(plan)
    leaders = len({p.leader_id for p in plan if p.leader_id is not None})
    one = cost.per_session + cost.per_leader
    if not plan:
        return [
            f"The budget of {money(budget)} leaves {money(left)} after the fixed staff time "
            f"({money(cost.fixed)}, {staff}): not enough for one weekly session with its "
            f"leader ({money(one)} a term)."
        ]
    missing = sum(
        inst.modules[mi].placeable - sum(1 for p in plan if p.module == mi) for mi in over_budget
    )
    return [
        f"Within the budget of {money(budget)}: {_count(len(plan), 'weekly session')} and "
        f"{_count(leaders, 'leader')} ({money(cost.fixed + spent)} with the fixed staff "
        f"time); {missing} more {'session' if missing == 1 else 'sessions'} would fit the "
        "leaders and rooms but not the budget (each costs "
        f"{money(cost.per_session)} a term, and {money(cost.per_leader)} for each new "
        "leader)."
    ]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _short_reason(inst: PassInstance, mi: int, plan: list[PlannedSession]) -> str:
    mod = inst.modules[mi]
    if not mod.enrolled and not mod.leaders:
        return "no students and no leader"
    if not [lid for lid in mod.leaders if mod.leader_cap.get(lid, 0) > 0]:
        return "no leader is listed for this module"
    if not mod.leader_slots[: inst.n_grid].any():
        return "no leader free at any candidate slot"
    if not (inst.room_cap >= mod.need).any():
        return f"no room seats the {mod.need} expected per session"
    if len(mod.candidates) < mod.sessions:
        return (
            f"only {len(mod.candidates)} slot(s) have a free leader and a free room with "
            f"{mod.need}+ seats"
        )
    used = {p.slot for p in plan if p.module == mi}
    taken = _leaders_taken(plan)
    leader_left = any(
        _leader_can_take(inst, mi, lid, si, plan, taken)
        for si in mod.candidates
        if si not in used
        for lid in mod.leaders
    )
    if not leader_left:
        return (
            "its leaders are at their weekly maximum or leading other sessions at every "
            "other candidate slot"
        )
    return f"every room with {mod.need}+ seats is taken at its other candidate slots"


def _labelled_busy(cohort: Cohort, students: set[str]) -> pd.DataFrame:
    """Busy intervals of these students with a label in words ("PH101 lecture")."""
    enrol = cohort.enrolments[cohort.enrolments["student_id"].isin(students)]
    tt = cohort.timetable
    activity = tt["activity"] if "activity" in tt.columns else pd.Series(None, index=tt.index)
    tt = tt.assign(
        what=[
            f"{m} {a}" if isinstance(a, str) and a else f"{m} class"
            for m, a in zip(tt["module_code"], activity, strict=True)
        ]
    )
    events = enrol.merge(tt[["module_code", "day", "start", "end", "what"]], on="module_code")
    own = cohort.busy[cohort.busy["student_id"].isin(students)]
    reason = own["reason"] if "reason" in own.columns else pd.Series(None, index=own.index)
    own = own.assign(
        what=[
            "own commitment: " + r if isinstance(r, str) and r else "own commitment" for r in reason
        ]
    )
    cols = ["student_id", "day", "start", "end", "what"]
    return pd.concat([events[cols], own[cols]], ignore_index=True)


def _reach_frame(
    cohort: Cohort,
    inst: PassInstance,
    plan: list[PlannedSession],
    reached: dict[int, np.ndarray],
    over_budget: set[int] = frozenset(),
) -> pd.DataFrame:
    """One row per targeted student-module pair: reached, and why not in words."""
    frames = []
    clash_rows = []
    for mi, mod in enumerate(inst.modules):
        if not mod.enrolled:
            continue
        slots = sorted({p.slot for p in plan if p.module == mi})
        reason = np.full(mod.enrolled, "", dtype=object)
        miss = ~reached[mi]
        if not slots and mi in over_budget:
            reason[miss] = f"no {mod.code} session within the budget"
        elif not slots:
            reason[miss] = f"no {mod.code} session could be placed"
        else:
            grid_free = mod.free[:, : inst.n_grid].any(axis=1)
            cand_free = (
                mod.free[:, mod.candidates].any(axis=1)
                if mod.candidates
                else np.zeros(mod.enrolled, bool)
            )
            reason[miss & ~grid_free & ~cand_free] = "their timetable covers every candidate slot"
            only_bad = miss & grid_free & ~cand_free
            reason[only_bad] = f"free only at slots with no {mod.code} leader or room free"
            for i in np.flatnonzero(miss & cand_free):
                for si in slots:
                    clash_rows.append((mod.students[i], mod.code, si))
        frames.append(
            pd.DataFrame(
                {
                    "student_id": mod.students,
                    "module_code": mod.code,
                    "reached": reached[mi],
                    "reason": reason,
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {
                "student_id": pd.Series([], dtype=object),
                "module_code": pd.Series([], dtype=object),
                "reached": pd.Series([], dtype=bool),
                "reason": pd.Series([], dtype=object),
            }
        )
    frame = pd.concat(frames, ignore_index=True)
    if clash_rows:
        clashes = pd.DataFrame(clash_rows, columns=["student_id", "module_code", "slot"])
        clashes["day"] = [inst.slots[s].day for s in clashes["slot"]]
        clashes["s_start"] = [inst.slots[s].start for s in clashes["slot"]]
        clashes["s_end"] = [inst.slots[s].end for s in clashes["slot"]]
        busy = _labelled_busy(cohort, set(clashes["student_id"]))
        hit = clashes.merge(busy, on=["student_id", "day"])
        hit = hit[(hit["start"] < hit["s_end"]) & (hit["end"] > hit["s_start"])]
        what = hit.groupby(["student_id", "module_code", "slot"])["what"].agg(
            lambda s: ", ".join(dict.fromkeys(s))
        )
        texts: dict[tuple[str, str], list[str]] = {}
        for row in clashes.itertuples(index=False):
            label = inst.short_label(row.slot)
            because = what.get((row.student_id, row.module_code, row.slot), "busy")
            texts.setdefault((row.student_id, row.module_code), []).append(f"{label} ({because})")
        keys = list(zip(frame["student_id"], frame["module_code"], strict=True))
        extra = [texts.get(k) for k in keys]
        frame["reason"] = [
            "busy at every chosen session: " + "; ".join(t) if t else r
            for r, t in zip(frame["reason"], extra, strict=True)
        ]
        short = {inst.modules[mi].code for mi in over_budget}
        if short:
            frame["reason"] = [
                r + "; a further session is over budget" if t and m in short else r
                for r, t, m in zip(frame["reason"], extra, frame["module_code"], strict=True)
            ]
    frame["reached"] = frame["reached"].astype(bool)
    return frame
