"""The greedy PASS plan: the warm start handed to the solver and the honest fallback.

:func:`greedy_sessions` repeatedly adds the session that reaches the most new students;
:func:`assign_rooms` gives each session without a room the smallest free room that seats it.
"""

from __future__ import annotations

import numpy as np

from workbench.schemes.pass_sessions.instance import PassInstance, PlannedSession, _smallest_room

NO_MONEY = 1e-9  # rounding allowance when checking money left


class _Greedy:
    """The greedy plan being built: who leads what, rooms used, students reached, money spent."""

    def __init__(self, inst: PassInstance) -> None:
        self.inst = inst
        self.budget = inst.budget_active
        self.cost = inst.cost_model
        # Money spent so far: every locked session counts from the start (they are always held).
        self.spent = (
            self.cost.per_session * sum(len(m.locked) for m in inst.modules) if self.budget else 0.0
        )
        self.leader_taken: dict[str, list[int]] = {lid: [] for lid in inst.leader_free}
        self.leader_open = {lid: free.copy() for lid, free in inst.leader_free.items()}
        self.leader_module: dict[tuple[str, int], int] = {}
        self.room_used = np.zeros_like(inst.room_free)
        self.modules_of_leader: dict[str, int] = {}
        for mod in inst.modules:
            for lid in mod.leaders:
                self.modules_of_leader[lid] = self.modules_of_leader.get(lid, 0) + 1
        self.plan: list[PlannedSession] = []
        self.chosen: list[list[int]] = [[] for _ in inst.modules]
        self.reached = [np.zeros(len(m.weights), bool) for m in inst.modules]
        self.pos = [{s: j for j, s in enumerate(m.candidates)} for m in inst.modules]
        self.days_of = np.array([slot.day for slot in inst.slots])

    # -------------------------------------------------------------------------- one session

    def take(self, mi: int, si: int, lid: str | None, room: str | None, locked: bool) -> None:
        inst = self.inst
        self.chosen[mi].append(si)
        if self.budget:
            if not locked:
                self.spent += self.cost.per_session
            if lid is not None and not self.leader_taken[lid]:
                self.spent += self.cost.per_leader
        if lid is not None:
            self.leader_taken[lid].append(si)
            self.leader_open[lid][inst.overlap[si]] = False
            self.leader_module[(lid, mi)] = self.leader_module.get((lid, mi), 0) + 1
        if room is not None:
            self.room_used[inst.rooms.index(room), inst.overlap[si]] = True
        j = self.pos[mi].get(si)
        if j is not None and len(self.reached[mi]):
            self.reached[mi] |= inst.modules[mi].patterns[:, j]
        self.plan.append(PlannedSession(mi, si, lid, room, locked))

    def new_leader_ok(self, extra: float) -> bool:
        """The money left pays for ``extra`` and one more leader."""
        return (
            not self.budget
            or self.spent + extra + self.cost.per_leader <= self.inst.budget_left + NO_MONEY
        )

    def can_lead(self, lid: str, mi: int, allow_new: bool) -> bool:
        """Leader ``lid`` has sessions left this week and in module ``mi`` (and is already
        paid for, when no new leader is allowed)."""
        mod = self.inst.modules[mi]
        return (
            len(self.leader_taken[lid]) < self.inst.leader_max.get(lid, 0)
            and self.leader_module.get((lid, mi), 0) < mod.leader_cap.get(lid, 0)
            and (allow_new or bool(self.leader_taken[lid]))
        )

    def leader_for(self, mi: int, si: int, allow_new: bool = True) -> str | None:
        """The module's own leader first, then the one with fewest other modules and most
        sessions left (with a budget: one already paid for first)."""
        best = None
        for lid in self.inst.modules[mi].leaders:
            if not self.leader_open[lid][si] or not self.can_lead(lid, mi, allow_new):
                continue
            key = (
                0 if self.leader_module.get((lid, mi), 0) else 1,
                self.modules_of_leader.get(lid, 0),
                -(self.inst.leader_max[lid] - len(self.leader_taken[lid])),
                lid,
            )
            if self.budget:  # a leader already paid for costs nothing more
                key = (key[0], 0 if self.leader_taken[lid] else 1, *key[1:])
            if best is None or key < best[0]:
                best = (key, lid)
        return None if best is None else best[1]

    def room_for(self, mi: int, si: int) -> str | None:
        inst = self.inst
        avail = inst.room_free[:, si] & ~self.room_used[:, si]
        return _smallest_room(inst.rooms, inst.room_cap, avail, inst.modules[mi].need)

    # -------------------------------------------------------------------------- the steps

    def place_locks(self) -> None:
        """Locked sessions first, as the coordinator fixed them (named leaders first)."""
        locks = sorted(
            (
                (lid is None, mi, si, lid)
                for mi, mod in enumerate(self.inst.modules)
                for si, lid in mod.locked.items()
            ),
            key=lambda t: t[:3],
        )
        for unnamed, mi, si, lid in locks:
            self.take(
                mi,
                si,
                self.leader_for(mi, si, self.new_leader_ok(0.0)) if unnamed else lid,
                self.inst.locked_rooms.get((mi, si)),
                True,
            )

    def open_slots(self, mi: int, cands: np.ndarray, allow_new: bool) -> np.ndarray:
        """Which of module ``mi``'s candidate slots are not taken, have a leader who can lead
        and a free room that seats the session."""
        inst, mod = self.inst, self.inst.modules[mi]
        ok = np.ones(len(cands), bool)
        ok[[self.pos[mi][s] for s in self.chosen[mi]]] = False
        lead_ok = np.zeros(len(cands), bool)
        for lid in mod.leaders:
            if self.can_lead(lid, mi, allow_new):
                lead_ok |= self.leader_open[lid][cands]
        fits = inst.room_cap >= mod.need
        rooms_left = inst.room_free & ~self.room_used
        return ok & lead_ok & (rooms_left[fits][:, cands].any(axis=0) if fits.any() else False)

    def scores(self, mi: int, cands: np.ndarray) -> np.ndarray:
        """New students each candidate slot reaches, less the weighted slot preferences."""
        inst, mod = self.inst, self.inst.modules[mi]
        if len(mod.weights):
            open_groups = ~self.reached[mi]
            gains = (mod.weights[open_groups] @ mod.patterns[open_groups]).astype(float)
        else:
            gains = np.zeros(len(cands))
        chosen = self.chosen[mi]
        repeat_day = np.isin(self.days_of[cands], self.days_of[chosen]) if chosen else False
        same_day = inst.settings.penalties.same_day
        return gains - inst.pref_scale * (mod.penalty + same_day * repeat_day)

    def best_step(self, active: list[int], allow_new: bool) -> tuple | None:
        """The session with the largest marginal reach over every module still short;
        modules that can take no more are dropped from ``active``."""
        best = None
        for mi in list(active):
            cands = np.array(self.inst.modules[mi].candidates, dtype=np.int64)
            ok = self.open_slots(mi, cands, allow_new)
            if not ok.any():
                active.remove(mi)
                continue
            score = self.scores(mi, cands)
            score[~ok] = -np.inf
            j = int(np.argmax(score))
            key = (float(score[j]), -int(ok.sum()), -mi)
            if best is None or key > best[0]:
                best = (key, mi, int(cands[j]))
        return best

    def run(self) -> list[PlannedSession]:
        self.place_locks()
        inst = self.inst
        active = [mi for mi, m in enumerate(inst.modules) if len(self.chosen[mi]) < m.placeable]
        while active:
            allow_new = self.new_leader_ok(self.cost.per_session) if self.budget else True
            if self.budget and self.spent + self.cost.per_session > inst.budget_left + NO_MONEY:
                break  # not even one more session is affordable
            best = self.best_step(active, allow_new)
            if best is None:
                break
            _, mi, si = best
            self.take(mi, si, self.leader_for(mi, si, allow_new), self.room_for(mi, si), False)
            if len(self.chosen[mi]) >= inst.modules[mi].placeable:
                active.remove(mi)
        return self.plan


def greedy_sessions(inst: PassInstance) -> list[PlannedSession]:
    """The greedy baseline: repeatedly add the session that reaches the most new students.

    Locked sessions come first. Each step takes, over every module still short of sessions,
    the slot with the largest marginal reach (less the weighted slot preferences) that still has
    a free leader and a big-enough free room; the leader already leading the module is
    preferred, then the leader with fewest other modules; the room is the smallest that fits.

    With a budget, a step only takes a session the money left pays for (with a new leader only
    if that is paid for too, else one already leading), and leaders already leading are
    preferred; it stops when not even one more session with a leader already paid is affordable.
    """
    return _Greedy(inst).run()


def assign_rooms(inst: PassInstance, plan: list[PlannedSession]) -> list[str]:
    """Give each session without a room the smallest free room that seats it (in place).

    At each slot the sessions needing the most seats choose first; since every room that
    seats a bigger session also seats a smaller one, this finds rooms whenever the model's
    room-count rule holds. Returns messages for sessions left without a room.
    """
    problems = []
    used = np.zeros_like(inst.room_free)
    for ps in plan:
        if ps.room_id is not None:
            used[inst.rooms.index(ps.room_id), inst.overlap[ps.slot]] = True
    order = sorted(
        (ps for ps in plan if ps.room_id is None),
        key=lambda p: (p.slot, -inst.modules[p.module].need, inst.modules[p.module].code),
    )
    for ps in order:
        mod = inst.modules[ps.module]
        avail = inst.room_free[:, ps.slot] & ~used[:, ps.slot]
        room = _smallest_room(inst.rooms, inst.room_cap, avail, mod.need)
        if room is None:
            problems.append(f"{mod.code} {inst.label(ps.slot)}: no free room seats {mod.need}.")
            continue
        ps.room_id = room
        used[inst.rooms.index(room), inst.overlap[ps.slot]] = True
    return problems
