"""The PASS planning instance: who is free when, candidate slots, reach groups, diagnostics.

Built once from a cohort and :class:`~workbench.schemes.pass_sessions.settings.PassSettings`; the optimiser
(:mod:`workbench.schemes.pass_sessions.solve`) and the greedy baseline
(:mod:`workbench.schemes.pass_sessions.greedy`) both work from it. Students of a module with the same free pattern over the module's candidate slots form
one *reach group* (one weighted variable in the model instead of one per student).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.cohort.availability import busy_intervals, free_matrix, room_free_matrix
from workbench.cohort.domain import Cohort, Slot, format_time
from workbench.outcomes.costs import PassCostModel, pass_cost_model
from workbench.schemes.pass_sessions.settings import (
    PassSettings,
    Uptake,
    check_locks,
    grid_slots,
    seats_needed,
    targeted_modules,
)


@dataclass
class ModuleData:
    """One targeted module as the planner sees it."""

    code: str
    students: np.ndarray  # enrolled student ids
    free: np.ndarray  # (students, slots) free at each instance slot
    sessions: int  # sessions wanted (sessions_per_module, or more when more are locked)
    uptake: Uptake
    leaders: list[str]
    leader_cap: dict[str, int]  # most sessions of this module each leader may lead
    leader_slots: np.ndarray  # (slots,) some leader of the module is free
    reachable_upper: int  # students free at a slot where one of its leaders is free
    need: int  # seats a session needs
    placeable: int = 0  # sessions that can be placed at all (wanted, unless too few slots)
    candidates: list[int] = field(default_factory=list)  # slot indices a session may use
    locked: dict[int, str | None] = field(default_factory=dict)  # slot -> locked leader
    patterns: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    free_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    penalty: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per candidate

    @property
    def enrolled(self) -> int:
        return len(self.students)


def _attendees(enrolled: pd.DataFrame | None, module_leaders: list[str]) -> np.ndarray:
    """The module's students who may attend its sessions: its enrolled students except its
    leaders (a leader is never an attendee of the module they lead, nor reached by it)."""
    if enrolled is None:
        return np.array([], dtype=object)
    return np.array(sorted(set(enrolled["student_id"]) - set(module_leaders)), dtype=object)


@dataclass
class PlannedSession:
    module: int  # index into instance.modules
    slot: int  # index into instance.slots
    leader_id: str | None
    room_id: str | None
    locked: bool = False


@dataclass
class PassInstance:
    settings: PassSettings
    slots: list[Slot]
    n_grid: int  # slots[:n_grid] are the weekly grid; the rest are off-grid locked times
    modules: list[ModuleData]
    leader_free: dict[str, np.ndarray]
    leader_max: dict[str, int]
    rooms: list[str]
    room_cap: np.ndarray
    room_free: np.ndarray  # (rooms, slots), rooms reserved by locks already removed
    overlap: np.ndarray  # (slots, slots) the two slots overlap in time
    locked_rooms: dict[tuple[int, int], str | None]  # (module, slot) -> room reserved
    targeted: list[str]
    diagnostics: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    build_seconds: float = 0.0
    pref_scale: float = 1.0
    # Budget (settings.budget): the linear cost model and the money left for sessions and
    # leaders once the fixed staff time is paid (never below what the locked sessions cost).
    cost_model: PassCostModel | None = None
    budget_left: float | None = None
    locked_cost: float = 0.0
    missing_weight: float | None = None  # weight of a missing session when a budget binds

    @property
    def targeted_pairs(self) -> int:
        return int(sum(m.enrolled for m in self.modules))

    @property
    def budget_active(self) -> bool:
        """A budget is set and could bind: the budget rule applies (a budget that pays for
        every session the rules allow, with every leader, changes nothing)."""
        return self.missing_weight is not None

    def plan_cost(self, plan: list[PlannedSession]) -> float:
        """What the plan's sessions and leaders cost (fixed staff time excluded)."""
        if self.cost_model is None:
            return 0.0
        leaders = {ps.leader_id for ps in plan if ps.leader_id is not None}
        return self.cost_model.per_session * len(plan) + self.cost_model.per_leader * len(leaders)

    def label(self, slot_index: int) -> str:
        return self.slots[slot_index].label

    def short_label(self, slot_index: int) -> str:
        slot = self.slots[slot_index]
        return f"{slot.label.split(' ')[0]} {format_time(slot.start)}"


def build_instance(cohort: Cohort, settings: PassSettings) -> PassInstance:
    """Everything the planner needs, with the before-solve diagnostics, built in phases:
    slots, who is free when, the modules, locks, best reach and seats, locked rooms, candidate
    slots.

    Raises ``ValueError`` for bad input (unknown modules, rooms or leaders in locks, clashing
    locks).
    """
    started = time.perf_counter()
    targeted, notes = targeted_modules(cohort, settings)
    slots, n_grid, lock_slots = _slots_with_locks(settings, targeted)
    n_slots = len(slots)
    overlap = np.array(
        [[a.overlaps(b.day, b.start, b.end) for b in slots] for a in slots], dtype=bool
    ).reshape(n_slots, n_slots)
    check_locks(cohort, settings, slots, lock_slots, targeted)

    leaders = cohort.leaders[cohort.leaders["module_code"].isin(targeted)]
    enrol = cohort.enrolments[cohort.enrolments["module_code"].isin(targeted)]
    free_all, row_of, leader_free, leader_max = _who_is_free(
        cohort, settings, leaders, enrol, slots
    )
    rooms, room_free = room_free_matrix(cohort, slots)
    room_cap = cohort.rooms["capacity"].to_numpy(dtype=np.int64)
    room_free = room_free.copy()

    modules = _module_data(settings, targeted, leaders, enrol, free_all, row_of, n_slots)
    diagnostics: list[str] = []
    locked_rooms = _apply_locks(
        settings, lock_slots, modules, slots, leader_free, leader_max, overlap, diagnostics
    )
    _best_reach_and_seats(modules, leader_free, leader_max, n_grid, n_slots)
    _reserve_locked_rooms(
        modules, slots, locked_rooms, rooms, room_cap, room_free, overlap, diagnostics
    )
    for mod in modules:
        _candidate_slots(mod, room_cap, room_free, n_grid, n_slots)
        _groups(mod, settings, slots)

    diagnostics.extend(
        _diagnose(
            cohort,
            modules,
            slots,
            n_grid,
            leader_free,
            leader_max,
            rooms,
            room_cap,
            room_free,
            settings,
        )
    )
    notes.extend(_advice(modules, settings))
    inst = PassInstance(
        settings,
        slots,
        n_grid,
        modules,
        leader_free,
        leader_max,
        rooms,
        room_cap,
        room_free,
        overlap,
        locked_rooms,
        targeted,
        diagnostics,
        notes,
    )
    _budget(inst)
    inst.pref_scale = _pref_scale(inst)
    inst.build_seconds = time.perf_counter() - started
    return inst


def _slots_with_locks(
    settings: PassSettings, targeted: list[str]
) -> tuple[list[Slot], int, list[tuple[int, int]]]:
    """The weekly grid's slots, plus any slot a lock names off the grid; (slots, grid size,
    (module index, slot index) per lock)."""
    grid = grid_slots(settings)
    slots = list(grid)
    lock_slots: list[tuple[int, int]] = []
    slot_index = {s: i for i, s in enumerate(slots)}
    for lock in settings.locked_sessions:
        slot = settings.slot_for(lock.day, lock.start)
        if slot not in slot_index:
            slot_index[slot] = len(slots)
            slots.append(slot)
        lock_slots.append((targeted.index(lock.module_code), slot_index[slot]))
    return slots, len(grid), lock_slots


def _who_is_free(
    cohort: Cohort,
    settings: PassSettings,
    leaders: pd.DataFrame,
    enrol: pd.DataFrame,
    slots: list[Slot],
) -> tuple[np.ndarray, dict[str, int], dict[str, np.ndarray], dict[str, int]]:
    """Who is free at each slot (targeted students and leaders), each leader's free slots and
    weekly maximum of sessions."""
    lock_leaders = [lk.leader_id for lk in settings.locked_sessions if lk.leader_id]
    people = sorted(set(enrol["student_id"]) | set(leaders["student_id"]) | set(lock_leaders))
    intervals = busy_intervals(cohort)
    free_all = (
        free_matrix(cohort, people, slots, intervals) if people else np.zeros((0, len(slots)), bool)
    )
    row_of = {sid: i for i, sid in enumerate(people)}
    leader_ids = sorted(set(leaders["student_id"]) | set(lock_leaders))
    leader_free = {lid: free_all[row_of[lid]].copy() for lid in leader_ids}
    leader_max: dict[str, int] = {}
    for row in leaders.itertuples(index=False):
        leader_max[row.student_id] = max(leader_max.get(row.student_id, 0), int(row.max_sessions))
    return free_all, row_of, leader_free, leader_max


def _module_data(
    settings: PassSettings,
    targeted: list[str],
    leaders: pd.DataFrame,
    enrol: pd.DataFrame,
    free_all: np.ndarray,
    row_of: dict[str, int],
    n_slots: int,
) -> list[ModuleData]:
    """One :class:`ModuleData` per targeted module: its attendees, when they are free, its
    leaders and their limits."""
    by_module = {code: grp for code, grp in enrol.groupby("module_code")}
    modules: list[ModuleData] = []
    for code in targeted:
        rows = leaders[leaders["module_code"] == code]
        mod_leaders = sorted(rows["student_id"])
        students = _attendees(by_module.get(code), mod_leaders)
        free = (
            free_all[[row_of[s] for s in students]]
            if len(students)
            else np.zeros((0, n_slots), bool)
        )
        cap = {r.student_id: int(r.max_sessions) for r in rows.itertuples(index=False)}
        modules.append(
            ModuleData(
                code,
                students,
                free,
                settings.sessions_per_module,
                settings.uptake(code),
                mod_leaders,
                cap,
                np.zeros(n_slots, bool),
                0,
                1,
            )
        )
    return modules


def _apply_locks(
    settings: PassSettings,
    lock_slots: list[tuple[int, int]],
    modules: list[ModuleData],
    slots: list[Slot],
    leader_free: dict[str, np.ndarray],
    leader_max: dict[str, int],
    overlap: np.ndarray,
    diagnostics: list[str],
) -> dict[tuple[int, int], str | None]:
    """Locked sessions fix their module's session, leader and room; returns the locked rooms
    by (module, slot) and raises the modules' and leaders' limits to hold the locks."""
    locked_rooms: dict[tuple[int, int], str | None] = {}
    for lock, (mi, si) in zip(settings.locked_sessions, lock_slots, strict=True):
        mod = modules[mi]
        mod.locked[si] = lock.leader_id
        locked_rooms[(mi, si)] = lock.room_id
        if lock.leader_id and lock.leader_id not in mod.leaders:
            diagnostics.append(
                f"Locked session {mod.code} {slots[si].label}: {lock.leader_id} "
                f"is not listed as a {mod.code} leader (kept as locked)."
            )
            mod.leaders = sorted([*mod.leaders, lock.leader_id])
            mod.leader_cap[lock.leader_id] = 0
            leader_max.setdefault(lock.leader_id, 0)
        if lock.leader_id:
            if not leader_free[lock.leader_id][si]:
                diagnostics.append(
                    f"Locked session {mod.code} {slots[si].label}: leader "
                    f"{lock.leader_id} is busy then (kept as locked)."
                )
            leader_free[lock.leader_id][si] = True
            # The locked leader leads here: busy at every other overlapping time.
            others = overlap[si].copy()
            others[si] = False
            leader_free[lock.leader_id][others] = False
    for mod in modules:
        mod.sessions = max(mod.sessions, len(mod.locked))
        for lid in {v for v in mod.locked.values() if v}:
            locked_here = sum(1 for v in mod.locked.values() if v == lid)
            mod.leader_cap[lid] = max(mod.leader_cap.get(lid, 0), locked_here)
    for lid in leader_max:
        locked_total = sum(1 for m in modules for v in m.locked.values() if v == lid)
        leader_max[lid] = max(leader_max[lid], locked_total)
    return locked_rooms


def _best_reach_and_seats(
    modules: list[ModuleData],
    leader_free: dict[str, np.ndarray],
    leader_max: dict[str, int],
    n_grid: int,
    n_slots: int,
) -> None:
    """What each module can reach at best (a leader free), and so the seats its sessions
    need."""
    grid_mask = np.zeros(n_slots, bool)
    grid_mask[:n_grid] = True
    for mod in modules:
        leader_slots = np.zeros(n_slots, bool)
        for lid in mod.leaders:
            leader_slots |= leader_free[lid]
        leader_slots &= grid_mask
        for si in mod.locked:
            leader_slots[si] = True
        mod.leader_slots = leader_slots
        mod.reachable_upper = (
            int(mod.free[:, leader_slots].any(axis=1).sum()) if len(mod.students) else 0
        )
        mod.placeable = min(mod.sessions, max(len(mod.locked), _leader_capacity(mod, leader_max)))
        mod.need = seats_needed(mod.uptake.regular, mod.reachable_upper, max(1, mod.placeable))


def _reserve_locked_rooms(
    modules: list[ModuleData],
    slots: list[Slot],
    locked_rooms: dict[tuple[int, int], str | None],
    rooms: list[str],
    room_cap: np.ndarray,
    room_free: np.ndarray,
    overlap: np.ndarray,
    diagnostics: list[str],
) -> None:
    """Rooms named by locks are reserved first; other locks get the smallest free room that
    seats them, so locked sessions never compete with the optimiser for rooms."""
    for (mi, si), room in sorted(locked_rooms.items(), key=lambda kv: kv[1] is None):
        mod = modules[mi]
        if room is None:
            room = _smallest_room(rooms, room_cap, room_free[:, si], mod.need)
            locked_rooms[(mi, si)] = room
            if room is None:
                diagnostics.append(
                    f"Locked session {mod.code} {slots[si].label}: no free room "
                    f"seats {mod.need}; it has no room."
                )
                continue
        else:
            _check_locked_room(
                mod, slots[si].label, rooms.index(room), si, room, room_cap, room_free, diagnostics
            )
        room_free[rooms.index(room), overlap[si]] = False


def _check_locked_room(
    mod: ModuleData,
    label: str,
    ri: int,
    si: int,
    room: str,
    room_cap: np.ndarray,
    room_free: np.ndarray,
    diagnostics: list[str],
) -> None:
    if not room_free[ri, si]:
        diagnostics.append(
            f"Locked session {mod.code} {label}: room {room} is booked then (kept as locked)."
        )
    if room_cap[ri] < mod.need:
        diagnostics.append(
            f"Locked session {mod.code} {label}: room {room} "
            f"seats {room_cap[ri]}, fewer than the {mod.need} expected "
            "(kept as locked)."
        )


def _candidate_slots(
    mod: ModuleData, room_cap: np.ndarray, room_free: np.ndarray, n_grid: int, n_slots: int
) -> None:
    """Candidate slots: a leader of the module free and a room that seats the session free.
    When fewer sessions can be placed than wanted, each seats more: repeat until stable."""
    while True:
        fits = room_cap >= mod.need
        room_ok = room_free[fits].any(axis=0) if fits.any() else np.zeros(n_slots, bool)
        cands = [
            s for s in range(n_grid) if mod.leader_slots[s] and room_ok[s] and s not in mod.locked
        ]
        mod.candidates = sorted(set(cands) | set(mod.locked))
        placeable = min(mod.placeable, len(mod.candidates))
        need = seats_needed(mod.uptake.regular, mod.reachable_upper, max(1, placeable))
        mod.placeable = placeable
        if need == mod.need or placeable == 0:
            break
        mod.need = need


def _leader_capacity(mod: ModuleData, leader_max: dict[str, int]) -> int:
    """Sessions of the module its leaders can lead between them in a week."""
    return sum(min(mod.leader_cap.get(lid, 0), leader_max.get(lid, 0)) for lid in mod.leaders)


def _smallest_room(rooms: list[str], cap: np.ndarray, free: np.ndarray, need: int) -> str | None:
    options = [(int(cap[i]), rooms[i]) for i in range(len(rooms)) if free[i] and cap[i] >= need]
    return min(options)[1] if options else None


def _groups(mod: ModuleData, settings: PassSettings, slots: list[Slot]) -> None:
    """Reach groups: the module's students by their free pattern over its candidate slots."""
    cands = mod.candidates
    sub = mod.free[:, cands] if len(cands) else np.zeros((mod.enrolled, 0), bool)
    mod.free_count = sub.sum(axis=0).astype(np.int64)
    share_free = mod.free_count / max(1, mod.enrolled)
    mod.penalty = np.array(
        [settings.penalties.slot_penalty(slots[s]) for s in cands]
    ) + settings.balance_weight * (1.0 - share_free)
    if not len(cands) or not mod.enrolled:
        mod.patterns = np.zeros((0, len(cands)), bool)
        mod.weights = np.zeros(0, np.int64)
        return
    reachable = sub.any(axis=1)
    patterns, counts = np.unique(sub[reachable], axis=0, return_counts=True)
    mod.patterns = patterns.astype(bool)
    mod.weights = counts.astype(np.int64)


def _budget(inst: PassInstance) -> None:
    """The cost model and the money left for sessions and leaders under the budget.

    With a budget, reach comes first and a missing session weighs less than a student (all of
    them together less than half a student), so money goes where it reaches students; the
    locked sessions and their named leaders are always paid for (kept as locked).
    """
    settings = inst.settings
    if settings.budget is None:
        return
    model = pass_cost_model(settings.cost_rates, settings.session_minutes)
    locks = sum(len(m.locked) for m in inst.modules)
    named = {lid for m in inst.modules for lid in m.locked.values() if lid}
    inst.cost_model = model
    inst.locked_cost = model.per_session * locks + model.per_leader * len(named)
    inst.budget_left = max(settings.budget - model.fixed, inst.locked_cost)
    leaders = {lid for m in inst.modules for lid in m.leaders}
    most = model.per_session * sum(
        max(m.placeable, len(m.locked)) for m in inst.modules
    ) + model.per_leader * len(leaders)
    if most > inst.budget_left + 1e-9:
        inst.missing_weight = 0.45 / (sum(m.placeable for m in inst.modules) + 1)


def _pref_scale(inst: PassInstance) -> float:
    """Weight of one preference point: with reach first, all of them weigh < half a student
    (with a budget, < half a missing session, so sessions come before better hours)."""
    if not inst.settings.reach_first:
        return 1.0
    pen = inst.settings.penalties
    worst = 0.0
    for mod in inst.modules:
        top = float(mod.penalty.max()) if len(mod.penalty) else 0.0
        worst += mod.sessions * top + pen.same_day * max(0, mod.sessions - 1)
        worst += inst.settings.fewer_leaders_weight * min(mod.sessions, max(1, len(mod.leaders)))
    scale = 0.45 / worst if worst > 0 else 0.0
    if inst.missing_weight is not None:
        scale *= inst.missing_weight
    return scale


def _diagnose(
    cohort: Cohort,
    modules: list[ModuleData],
    slots: list[Slot],
    n_grid: int,
    leader_free: dict[str, np.ndarray],
    leader_max: dict[str, int],
    rooms: list[str],
    room_cap: np.ndarray,
    room_free: np.ndarray,
    settings: PassSettings,
) -> list[str]:
    """Before-solve problems in the coordinator's words."""
    out: list[str] = []
    if not rooms:
        out.append("No rooms in the cohort: no session can be placed (add a rooms table).")
    else:
        for s in range(n_grid):
            if not room_free[:, s].any():
                out.append(f"{slots[s].label}: no room is free.")
    seen_leaders: set[str] = set()
    for mod in modules:
        code = mod.code
        if not mod.enrolled:
            out.append(f"{code}: no students are enrolled; there is no one to reach.")
        listed = [lid for lid in mod.leaders if mod.leader_cap.get(lid, 0) > 0]
        if not listed and not mod.locked:
            out.append(f"{code}: no leader is listed for this module.")
            continue
        for lid in listed:
            if lid not in seen_leaders and not leader_free[lid][:n_grid].any():
                out.append(f"Leader {lid} ({code}): not free at any slot of the grid.")
            seen_leaders.add(lid)
        if not mod.leader_slots[:n_grid].any() and not mod.locked:
            out.append(f"{code}: no leader free at any candidate slot.")
            continue
        if rooms:
            fits = room_cap >= mod.need
            if not fits.any():
                out.append(
                    f"{code}: no room seats the {mod.need} expected per session "
                    f"(the largest holds {int(room_cap.max())})."
                )
                continue
        missing = mod.sessions - len(mod.candidates)
        if missing > 0 and rooms:
            if len(mod.candidates) == len(mod.locked):
                out.append(f"{code}: when a leader is free, no room with {mod.need}+ seats is.")
            else:
                out.append(
                    f"{code}: only {len(mod.candidates)} slot(s) have a free leader and a "
                    f"free room with {mod.need}+ seats; {mod.sessions} sessions wanted."
                )
        capacity = sum(
            min(mod.leader_cap.get(lid, 0), leader_max.get(lid, 0)) for lid in mod.leaders
        )
        if 0 < capacity < mod.sessions:
            out.append(
                f"{code}: its leaders can lead {capacity} session(s) a week between them; "
                f"{mod.sessions} wanted."
            )
    return out


def _advice(modules: list[ModuleData], settings: PassSettings) -> list[str]:
    out = []
    per_leader = settings.students_per_leader
    for mod in modules:
        per_session = mod.uptake.regular * mod.reachable_upper / max(1, mod.sessions)
        if per_session > 2 * per_leader:
            wanted = int(np.ceil(mod.uptake.regular * mod.reachable_upper / per_leader))
            out.append(
                f"{mod.code}: about {per_session:.0f} expected per session, well above the "
                f"~{per_leader} per leader PASS plans for; consider {wanted} sessions or "
                "co-leaders."
            )
    return out
