"""Who is free when: the weekly slot grid and the free-at rule shared by PASS and groups.

A student is free at a slot when no event of their enrolled modules (``timetable``) and none of
their own commitments (``busy``) overlaps it. A room is free when no ``room_busy`` booking
overlaps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from workbench.cohort.domain import Cohort, Slot


def weekdays(days: Sequence[int]) -> list[int]:
    """Days for a slot grid, checked and sorted (0 = Mon .. 6 = Sun); ValueError in words."""
    if not days:
        raise ValueError("give at least one day")
    if any(d < 0 or d > 6 for d in days):
        raise ValueError("days are 0 (Mon) to 6 (Sun)")
    return sorted(set(days))


def weekly_slots(
    days: Sequence[int] = (0, 1, 2, 3, 4),
    first_start: int = 9 * 60,
    last_start: int = 17 * 60,
    length: int = 60,
    avoid: Iterable[Slot] = (),
) -> list[Slot]:
    """The candidate slots: every ``length``-minute slot starting on the hour grid.

    Slots overlapping any of ``avoid`` (e.g. a lunch hour on each day) are left out.
    """
    avoid = list(avoid)
    slots = []
    for day in days:
        start = first_start
        while start <= last_start:
            slot = Slot(int(day), start, start + length)
            if not any(slot.overlaps(a.day, a.start, a.end) for a in avoid):
                slots.append(slot)
            start += length
    return slots


def busy_intervals(cohort: Cohort) -> pd.DataFrame:
    """Every student's busy intervals: their modules' timetabled events and their own commitments.

    Columns: student_id, day, start, end, source ("timetable" or "own").
    """
    events = cohort.enrolments[["student_id", "module_code"]].merge(
        cohort.timetable[["module_code", "day", "start", "end"]], on="module_code"
    )
    events = events.drop(columns="module_code").assign(source="timetable")
    own = cohort.busy[["student_id", "day", "start", "end"]].assign(source="own")
    frame = pd.concat([events, own], ignore_index=True)
    return frame.astype({"day": "int64", "start": "int64", "end": "int64"})


def _overlap_matrix(
    owner_index: np.ndarray,
    day: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    n_owners: int,
    slots: Sequence[Slot],
) -> np.ndarray:
    """busy[o, s] = True when some interval of owner o overlaps slot s."""
    busy = np.zeros((n_owners, len(slots)), dtype=bool)
    for j, slot in enumerate(slots):
        hit = (day == slot.day) & (start < slot.end) & (end > slot.start)
        busy[owner_index[hit], j] = True
    return busy


def free_matrix(
    cohort: Cohort,
    student_ids: Sequence[str],
    slots: Sequence[Slot],
    intervals: pd.DataFrame | None = None,
) -> np.ndarray:
    """free[i, s]: student ``student_ids[i]`` is free at ``slots[s]`` (timetable + own busy)."""
    intervals = busy_intervals(cohort) if intervals is None else intervals
    position = pd.Series(np.arange(len(student_ids)), index=pd.Index(student_ids))
    mine = intervals[intervals["student_id"].isin(position.index)]
    owner = position.reindex(mine["student_id"]).to_numpy()
    busy = _overlap_matrix(
        owner,
        mine["day"].to_numpy(),
        mine["start"].to_numpy(),
        mine["end"].to_numpy(),
        len(student_ids),
        slots,
    )
    return ~busy


def room_free_matrix(cohort: Cohort, slots: Sequence[Slot]) -> tuple[list[str], np.ndarray]:
    """(room ids, free[r, s]): room r has no booking overlapping slot s."""
    rooms = cohort.rooms["room_id"].tolist()
    position = pd.Series(np.arange(len(rooms)), index=pd.Index(rooms))
    bookings = cohort.room_busy[cohort.room_busy["room_id"].isin(position.index)]
    owner = position.reindex(bookings["room_id"]).to_numpy()
    busy = _overlap_matrix(
        owner,
        bookings["day"].to_numpy(),
        bookings["start"].to_numpy(),
        bookings["end"].to_numpy(),
        len(rooms),
        slots,
    )
    return rooms, ~busy


def busy_reasons(
    cohort: Cohort, student_id: str, slot: Slot, intervals: pd.DataFrame | None = None
) -> list[str]:
    """Why a student is not free at a slot, in words ("PH101 lecture", "own: part-time job")."""
    reasons = []
    enrolled = set(
        cohort.enrolments.loc[cohort.enrolments["student_id"] == student_id, "module_code"]
    )
    tt = cohort.timetable[cohort.timetable["module_code"].isin(enrolled)]
    for row in tt.itertuples(index=False):
        if slot.overlaps(row.day, row.start, row.end):
            activity = getattr(row, "activity", None)
            reasons.append(
                f"{row.module_code} {activity}"
                if isinstance(activity, str)
                else f"{row.module_code} class"
            )
    own = cohort.busy[cohort.busy["student_id"] == student_id]
    for row in own.itertuples(index=False):
        if slot.overlaps(row.day, row.start, row.end):
            reason = getattr(row, "reason", None)
            reasons.append(
                f"own commitment: {reason}" if isinstance(reason, str) else "own commitment"
            )
    return reasons
