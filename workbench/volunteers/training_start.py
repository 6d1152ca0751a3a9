"""A first training plan in a blink, the solver's warm start: the session that seats the most
volunteers (the hardest to place first) at a time, until no session seats anyone more.

Volunteers free at few times are the hardest to place, so each session takes those first and
is scored by the volunteers it seats plus a small bonus for how hard they are to place.
"""

from __future__ import annotations

import numpy as np

from workbench.volunteers.training_instance import TrainingInstance

HARD_BONUS = 0.5  # one more volunteer seated always beats the bonus (at most 0.5 a session)


def _best_session(
    inst: TrainingInstance, usable: np.ndarray, room_taken: np.ndarray, weight: np.ndarray
) -> tuple[tuple[int, int] | None, np.ndarray]:
    best, best_score, best_people = None, 0.0, np.array([], dtype=int)
    for t in range(len(inst.times)):
        waiting = np.flatnonzero(usable[:, t])
        if not len(waiting):
            continue
        order = waiting[np.argsort(-weight[waiting], kind="stable")]
        for r in np.flatnonzero(~room_taken[:, t]):
            take = order[: int(inst.seats[r])]
            score = len(take) + HARD_BONUS * weight[take].sum() / max(len(take), 1)
            if score > best_score:
                best, best_score, best_people = (t, r), score, take
    return best, best_people


def first_plan(inst: TrainingInstance) -> list[tuple[int, int, list[int]]]:
    """Sessions as (time, room, volunteers placed), every rule kept."""
    usable = inst.usable().copy()
    room_taken = ~inst.room_free.copy()
    weight = 1.0 / np.maximum(usable.sum(axis=1), 1)
    sessions: list[tuple[int, int, list[int]]] = []
    while True:
        best, people = _best_session(inst, usable, room_taken, weight)
        if best is None:
            return sessions
        t, r = best
        usable[people, :] = False
        slot = inst.times[t]
        for u, other in enumerate(inst.times):
            if other.overlaps(slot.day, slot.start, slot.end):
                room_taken[r, u] = True
        sessions.append((t, r, [int(v) for v in people]))
