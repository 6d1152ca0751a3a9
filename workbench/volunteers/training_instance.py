"""The training instance: the settings (who, days, start times, length, largest group), every
possible session time, who is free when and which rooms are free when."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.cohort.availability import busy_intervals, free_matrix, room_free_matrix, weekdays
from workbench.cohort.domain import Cohort, Slot
from workbench.volunteers.people import ROLES, parse_who, volunteers


class TrainingSettings(BaseModel):
    """What training may use: who, days, start times on the hour, length, largest group."""

    model_config = ConfigDict(frozen=True)

    who: tuple[str, ...] = ROLES
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    first_start: int = Field(9 * 60, ge=0, lt=24 * 60)
    last_start: int = Field(17 * 60, ge=0, lt=24 * 60)
    minutes: int = Field(120, ge=15, le=8 * 60)
    max_size: int = Field(20, ge=1, le=1000)
    time_limit: float = Field(30.0, gt=0)
    solver: str = "highs"

    @field_validator("who", mode="before")
    @classmethod
    def _who(cls, value: object) -> tuple[str, ...]:
        return parse_who(value)  # type: ignore[arg-type]

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: object) -> tuple[int, ...]:
        return tuple(weekdays([int(d) for d in value]))  # type: ignore[union-attr]

    @model_validator(mode="after")
    def _window(self) -> TrainingSettings:
        if self.last_start < self.first_start:
            raise ValueError("the last start time is before the first")
        if self.last_start + self.minutes > 24 * 60:
            raise ValueError("a session starting at the last start time would run past midnight")
        return self

    def times(self) -> list[Slot]:
        """Every possible session time: starts on the hour from first to last start."""
        first = -(-self.first_start // 60) * 60  # the first whole hour at or after it
        return [
            Slot(day, start, start + self.minutes)
            for day in self.days
            for start in range(first, self.last_start + 1, 60)
        ]


@dataclass
class TrainingInstance:
    """Who can come when, and which rooms are free when."""

    settings: TrainingSettings
    people: pd.DataFrame  # student_id, role
    times: list[Slot]
    free: np.ndarray  # free[v, t]
    rooms: list[str]
    seats: np.ndarray  # seats[r]: min(room capacity, largest group)
    room_free: np.ndarray  # room_free[r, t]
    intervals: pd.DataFrame  # everyone's busy intervals (for the reasons)

    def usable(self) -> np.ndarray:
        """usable[v, t]: free then, and some room is free then."""
        return self.free & self.room_free.any(axis=0)[None, :]

    def patterns(self) -> tuple[list[tuple[int, ...]], list[list[int]]]:
        """Volunteers grouped by the times they can use: (times of each pattern, members)."""
        groups: dict[tuple[int, ...], list[int]] = {}
        for v, row in enumerate(self.usable()):
            key = tuple(int(t) for t in np.flatnonzero(row))
            if key:
                groups.setdefault(key, []).append(v)
        keys = sorted(groups)
        return keys, [groups[k] for k in keys]


def build_instance(cohort: Cohort, settings: TrainingSettings) -> TrainingInstance:
    """The instance from the cohort; ValueError in words when training cannot be planned."""
    people = volunteers(cohort, settings.who)
    if len(cohort.rooms) == 0:
        raise ValueError("training needs the rooms table: the rooms sessions may use")
    times = settings.times()
    intervals = busy_intervals(cohort)
    ids = people["student_id"].tolist()
    free = free_matrix(cohort, ids, times, intervals) if ids else np.zeros((0, len(times)), bool)
    rooms, room_free = room_free_matrix(cohort, times)
    capacity = cohort.rooms.set_index("room_id")["capacity"]
    seats = np.array([min(int(capacity[r]), settings.max_size) for r in rooms], dtype=int)
    return TrainingInstance(settings, people, times, free, rooms, seats, room_free, intervals)
