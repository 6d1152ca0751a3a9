"""PASS settings: which modules to target, the weekly grid, uptake, penalties and locks.

Every default carries its source in ``docs/pass.md``: 30% of students offered PASS attend
regularly (UTAS, ten years, 28-35%; Curtin planned for 30%), 45% attend at least once
(College of Charleston 40-45%; the European status report says 51%), one-hour sessions,
1-3 sessions per module a week (UCLan, UNCW, College of Charleston), about 11 students per
leader (European status report).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.cohort.availability import weekdays, weekly_slots
from workbench.cohort.domain import DAYS, Cohort, Slot, format_time
from workbench.outcomes.costs import CostRates

DEFAULT_TOP = 5
UPTAKE_REGULAR = 0.30
UPTAKE_ONCE = 0.45
STUDENTS_PER_LEADER = 11


class Uptake(BaseModel):
    """Share of reached students expected to attend: ``regular`` (weekly) and ``once``."""

    model_config = ConfigDict(frozen=True)

    regular: float = Field(UPTAKE_REGULAR, gt=0.0, le=1.0)
    once: float = Field(UPTAKE_ONCE, gt=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise ValueError("an uptake pair is (regular, at least once)")
            return {"regular": value[0], "once": value[1]}
        if isinstance(value, (int, float)):
            return {"regular": value, "once": max(float(value), UPTAKE_ONCE)}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Uptake:
        if self.once < self.regular:
            raise ValueError(
                "the share attending at least once cannot be below the share attending regularly"
            )
        return self


class AvoidSlot(BaseModel):
    """A time no session may overlap, e.g. lunch 12:00-13:00; ``day`` None means every day."""

    model_config = ConfigDict(frozen=True)

    day: int | None = Field(None, ge=0, le=6)
    start: int = Field(ge=0, le=24 * 60)
    end: int = Field(ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _ordered(self) -> AvoidSlot:
        if self.end <= self.start:
            raise ValueError("an avoided time must end after it starts")
        return self


LUNCH = AvoidSlot(day=None, start=12 * 60, end=13 * 60)


class SlotPenalties(BaseModel):
    """Preferences between slots (weights; 0 switches one off)."""

    model_config = ConfigDict(frozen=True)

    early: float = Field(1.0, ge=0.0)
    early_before: int = Field(10 * 60, ge=0, le=24 * 60)  # sessions starting before 10:00
    late: float = Field(1.0, ge=0.0)
    late_from: int = Field(17 * 60, ge=0, le=24 * 60)  # sessions starting at 17:00 or later
    friday_afternoon: float = Field(1.0, ge=0.0)
    afternoon_from: int = Field(13 * 60, ge=0, le=24 * 60)
    same_day: float = Field(2.0, ge=0.0)  # per extra session of one module on one day

    def slot_penalty(self, slot: Slot) -> float:
        """Penalty of holding any session at ``slot`` (early, late, Friday afternoon)."""
        penalty = 0.0
        if slot.start < self.early_before:
            penalty += self.early
        if slot.start >= self.late_from:
            penalty += self.late
        if slot.day == 4 and slot.start >= self.afternoon_from:
            penalty += self.friday_afternoon
        return penalty


class LockedSession(BaseModel):
    """A session the coordinator fixes: it stays, with its room and leader when given."""

    model_config = ConfigDict(frozen=True)

    module_code: str
    day: int = Field(ge=0, le=6)
    start: int = Field(ge=0, lt=24 * 60)
    room_id: str | None = None
    leader_id: str | None = None


class PassSettings(BaseModel):
    """Everything a PASS solve depends on (JSON-serialisable; times in minutes after midnight).

    Targeting: give ``modules``, or ``top`` (the N highest fail rates), or ``threshold`` (every
    module whose fail rate is at least this); with none of them, the top 5 by fail rate.

    ``budget`` (money per term, None = no cap) makes the cost a constraint: the plan's cost by
    ``cost_rates`` (fixed staff time + cost per session + cost per leader, see
    :func:`workbench.outcomes.costs.pass_cost_model`) stays within it, and reach is maximised within it.
    """

    model_config = ConfigDict(frozen=True)

    modules: list[str] | None = None
    top: int | None = Field(None, ge=1)
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    first_start: int = Field(9 * 60, ge=0, lt=24 * 60)
    last_start: int = Field(17 * 60, ge=0, lt=24 * 60)
    session_minutes: int = Field(60, ge=15, le=240)
    avoid_slots: list[AvoidSlot] = Field(default_factory=list)
    sessions_per_module: int = Field(2, ge=1, le=10)
    uptake_regular: float = Field(UPTAKE_REGULAR, gt=0.0, le=1.0)
    uptake_once: float = Field(UPTAKE_ONCE, gt=0.0, le=1.0)
    module_uptake: dict[str, Uptake] = Field(default_factory=dict)
    penalties: SlotPenalties = Field(default_factory=SlotPenalties)
    balance_weight: float = Field(1.0, ge=0.0)
    fewer_leaders_weight: float = Field(1.0, ge=0.0)
    reach_first: bool = True
    students_per_leader: int = Field(STUDENTS_PER_LEADER, ge=1)
    locked_sessions: list[LockedSession] = Field(default_factory=list)
    time_limit: float = Field(60.0, gt=0.0)
    mip_gap: float | None = Field(None, ge=0.0, le=1.0)
    solver: str = "highs"
    formulation: Literal["auto", "patterns", "compact"] = "auto"
    budget: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    cost_rates: CostRates = Field(default_factory=CostRates)

    @field_validator("days")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        return weekdays(days)

    @field_validator("modules")
    @classmethod
    def _modules(cls, modules: list[str] | None) -> list[str] | None:
        if modules is None:
            return None
        cleaned = list(dict.fromkeys(m.strip() for m in modules if m and m.strip()))
        if not cleaned:
            raise ValueError("the list of modules is empty")
        return cleaned

    @field_validator("solver")
    @classmethod
    def _solver(cls, solver: str) -> str:
        if solver not in ("highs", "cbc"):
            raise ValueError("solver is 'highs' or 'cbc'")
        return solver

    @model_validator(mode="after")
    def _consistent(self) -> PassSettings:
        chosen = [
            name for name in ("modules", "top", "threshold") if getattr(self, name) is not None
        ]
        if len(chosen) > 1:
            raise ValueError(f"choose modules one way only (got {' and '.join(chosen)})")
        if self.last_start < self.first_start:
            raise ValueError("the last session start is before the first")
        if self.last_start + self.session_minutes > 24 * 60:
            raise ValueError("the last session would end after midnight")
        if self.uptake_once < self.uptake_regular:
            raise ValueError("uptake_once (at least once) cannot be below uptake_regular")
        return self

    def uptake(self, module_code: str) -> Uptake:
        """The uptake for one module (its override, else the defaults)."""
        return self.module_uptake.get(
            module_code, Uptake(regular=self.uptake_regular, once=self.uptake_once)
        )

    def avoid(self) -> list[Slot]:
        """The avoided times as slots on each planning day."""
        return [
            Slot(day, a.start, a.end)
            for a in self.avoid_slots
            for day in ([a.day] if a.day is not None else self.days)
        ]

    def slot_for(self, day: int, start: int) -> Slot:
        return Slot(int(day), int(start), int(start) + self.session_minutes)

    def describe_targeting(self) -> str:
        if self.modules is not None:
            return f"the modules chosen: {', '.join(self.modules)}"
        if self.threshold is not None:
            return f"every module with a fail rate of {self.threshold:.0%} or more"
        return f"the {self.top or DEFAULT_TOP} modules with the highest fail rates"


def targeted_modules(cohort: Cohort, settings: PassSettings) -> tuple[list[str], list[str]]:
    """(targeted module codes, notes). Raises ``ValueError`` naming modules the cohort lacks.

    Modules with a locked session are always targeted.
    """
    notes: list[str] = []
    known = set(cohort.modules["module_code"]) | set(cohort.enrolments["module_code"])
    modules = cohort.modules[["module_code", "fail_rate"]].copy()
    if settings.modules is not None:
        unknown = [m for m in settings.modules if m not in known]
        if unknown:
            raise ValueError(
                f"unknown module(s): {', '.join(unknown)} (not in modules or enrolments)"
            )
        chosen = list(settings.modules)
    else:
        rated = modules.dropna(subset=["fail_rate"])
        if settings.threshold is not None:
            rated = rated[rated["fail_rate"] >= settings.threshold - 1e-12]
            chosen = rated.sort_values(["fail_rate", "module_code"], ascending=[False, True])[
                "module_code"
            ].tolist()
            if not chosen:
                notes.append(
                    f"No module has a fail rate of {settings.threshold:.0%} or more: "
                    "nothing to target."
                )
        elif len(rated):
            chosen = (
                rated.sort_values(["fail_rate", "module_code"], ascending=[False, True])[
                    "module_code"
                ]
                .head(settings.top or DEFAULT_TOP)
                .tolist()
            )
        else:
            top = settings.top or DEFAULT_TOP
            enrolled = cohort.enrolments.groupby("module_code").size()
            order = sorted(enrolled.items(), key=lambda kv: (-kv[1], kv[0]))
            chosen = [code for code, _ in order[:top]]
            notes.append(
                f"No module has a fail rate: targeting the {len(chosen)} modules with "
                "the most students instead."
            )
    for lock in settings.locked_sessions:
        if lock.module_code not in known:
            raise ValueError(f"locked session: unknown module {lock.module_code}")
        if lock.module_code not in chosen:
            chosen.append(lock.module_code)
            notes.append(f"{lock.module_code} is targeted because it has a locked session.")
    return chosen, notes


def grid_slots(settings: PassSettings) -> list[Slot]:
    """The candidate weekly slots of the settings' grid (avoided times left out)."""
    return weekly_slots(
        settings.days,
        settings.first_start,
        settings.last_start,
        settings.session_minutes,
        settings.avoid(),
    )


def seats_needed(uptake_regular: float, students: int, sessions: int) -> int:
    """Seats a session needs: regular uptake x students, split over the module's sessions."""
    if students <= 0:
        return 1
    return max(1, math.ceil(uptake_regular * students / max(1, sessions) - 1e-9))


def slot_label(day: int, start: int, end: int) -> str:
    return f"{DAYS[int(day)]} {format_time(start)}-{format_time(end)}"


def module_names(cohort: Cohort) -> dict[str, str]:
    names = cohort.modules.set_index("module_code")["module_name"]
    return (
        {code: (name if isinstance(name, str) and name else code) for code, name in names.items()}
        if len(names)
        else {}
    )


def enrolled_counts(cohort: Cohort, modules: list[str]) -> pd.Series:
    counts = cohort.enrolments.groupby("module_code").size()
    return counts.reindex(modules, fill_value=0).astype(int)


def modules_with_leaders(cohort: Cohort) -> set[str]:
    """Modules with at least one PASS leader listed who can lead a session."""
    leaders = cohort.leaders
    if not len(leaders):
        return set()
    able = leaders["max_sessions"] > 0 if "max_sessions" in leaders else True
    return set(leaders.loc[able, "module_code"])


def modules_without_leaders(cohort: Cohort, modules: list[str]) -> list[str]:
    """Of ``modules``, those with no PASS leader listed (they cannot get a session)."""
    led = modules_with_leaders(cohort)
    return [code for code in modules if code not in led]


def top_modules_with_leaders(cohort: Cohort, n: int = DEFAULT_TOP) -> list[str]:
    """The ``n`` modules with the highest fail rates among those that have a PASS leader."""
    led = modules_with_leaders(cohort)
    rated = cohort.modules.dropna(subset=["fail_rate"])
    rated = rated.loc[rated["module_code"].isin(led)]
    order = rated.sort_values(["fail_rate", "module_code"], ascending=[False, True])
    return order["module_code"].head(n).tolist()


def check_locks(
    cohort: Cohort,
    settings: PassSettings,
    slots: list[Slot],
    lock_slots: list[tuple[int, int]],
    targeted: list[str],
) -> None:
    """Locks name known rooms and leaders, and no two overlapping locks share a module, a
    room or a leader (raises ``ValueError`` saying which)."""
    rooms = set(cohort.rooms["room_id"])
    students = set(cohort.students["student_id"])
    locks = settings.locked_sessions
    for lock in locks:
        if lock.room_id is not None and lock.room_id not in rooms:
            raise ValueError(f"locked session {lock.module_code}: unknown room {lock.room_id}")
        if lock.leader_id is not None and lock.leader_id not in students:
            raise ValueError(
                f"locked session {lock.module_code}: unknown leader "
                f"{lock.leader_id} (not in students)"
            )
    for i, (a, (ma, sa)) in enumerate(zip(locks, lock_slots, strict=True)):
        for b, (mb, sb) in zip(locks[i + 1 :], lock_slots[i + 1 :], strict=True):
            if not slots[sa].overlaps(slots[sb].day, slots[sb].start, slots[sb].end):
                continue
            when = slots[sa].label
            if ma == mb:
                raise ValueError(f"two locked {targeted[ma]} sessions overlap ({when})")
            if a.room_id is not None and a.room_id == b.room_id:
                raise ValueError(
                    f"locked sessions {a.module_code} and {b.module_code} both use "
                    f"room {a.room_id} at {when}"
                )
            if a.leader_id is not None and a.leader_id == b.leader_id:
                raise ValueError(
                    f"locked sessions {a.module_code} and {b.module_code} are both "
                    f"led by {a.leader_id} at {when}"
                )
