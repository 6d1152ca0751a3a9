"""Settings of a group-formation run (JSON-serialisable)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.cohort.availability import weekdays, weekly_slots
from workbench.cohort.contract import CONTRACT, header_lookup, normalise_header
from workbench.cohort.domain import DAYS, LEVELS, Slot, format_time


def normalise_attribute(name: str) -> str:
    """A student attribute as the coordinator may type it -> its column name."""
    key = normalise_header(name)
    lookup = header_lookup(CONTRACT["students"])
    if key in lookup:
        return lookup[key]
    return re.sub(r"[\s\-./]+", "_", str(name).strip().lower())


class GroupSettings(BaseModel):
    """Everything a group-formation run depends on (times in minutes after midnight).

    Choose the students with ``module`` (everyone enrolled on it) or ``programme`` and/or
    ``level`` (the defaults choose nobody: solving then asks for a choice). ``similar`` / ``diverse`` name student attributes (programme, home_status,
    gender, first_generation, commuter, languages, interests, faculty, level or any extra
    column); ``no_isolation`` attributes may never leave one student alone with a value in a
    group. Social groups mix programmes: unless programme is named, it is ``diverse``.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["study", "social"] = "study"
    module: str | None = None
    programme: str | None = None
    level: str | None = None
    min_size: int = Field(4, ge=2, le=40)
    max_size: int = Field(6, ge=2, le=40)
    similar: list[str] = Field(default_factory=list)
    diverse: list[str] = Field(default_factory=list)
    no_isolation: list[str] = Field(default_factory=list)
    keep_together: list[tuple[str, str]] = Field(default_factory=list)
    led_by_mentors: bool = False
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    first_start: int = Field(9 * 60, ge=0, lt=24 * 60)
    last_start: int = Field(17 * 60, ge=0, lt=24 * 60)
    session_minutes: int = Field(60, ge=15, le=240)
    time_limit: float = Field(60.0, gt=0.0)
    solver: Literal["highs", "cbc"] = "highs"

    @model_validator(mode="before")
    @classmethod
    def _social_mixes_programmes(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "social":
            named = {
                normalise_attribute(a)
                for key in ("similar", "diverse")
                for a in (data.get(key) or [])
            }
            if "programme" not in named:
                data = {**data, "diverse": [*(data.get("diverse") or []), "programme"]}
        return data

    @field_validator("similar", "diverse", "no_isolation")
    @classmethod
    def _attributes(cls, names: list[str]) -> list[str]:
        cleaned = [normalise_attribute(n) for n in names if str(n).strip()]
        if "student_id" in cleaned:
            raise ValueError("student_id is not an attribute to group by")
        return list(dict.fromkeys(cleaned))

    @field_validator("module", "programme")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return value.strip() or None

    @field_validator("level")
    @classmethod
    def _level(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        level = value.strip().upper()
        if level not in LEVELS:
            raise ValueError(f"level '{value}' is not one of {', '.join(LEVELS)}")
        return level

    @field_validator("keep_together")
    @classmethod
    def _pairs(cls, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out = []
        for a, b in pairs:
            a, b = str(a).strip(), str(b).strip()
            if not a or not b:
                raise ValueError("a keep-together pair needs two student ids")
            if a == b:
                raise ValueError(f"keep-together pair {a} with itself")
            out.append((a, b))
        return list(dict.fromkeys(out))

    @field_validator("days")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        return weekdays(days)

    @model_validator(mode="after")
    def _consistent(self) -> GroupSettings:
        if self.module and (self.programme or self.level):
            raise ValueError("choose the students by module, or by programme and level, not both")
        if self.max_size < self.min_size:
            raise ValueError(
                f"the largest group ({self.max_size}) is smaller than the "
                f"smallest ({self.min_size})"
            )
        both = sorted(set(self.similar) & set(self.diverse))
        if both:
            raise ValueError(f"{', '.join(both)} cannot be both similar and diverse")
        if self.last_start < self.first_start:
            raise ValueError("the last start is before the first")
        if self.last_start + self.session_minutes > 24 * 60:
            raise ValueError("the last meeting would end after midnight")
        return self

    def slots(self) -> list[Slot]:
        """The candidate weekly meeting slots."""
        return weekly_slots(self.days, self.first_start, self.last_start, self.session_minutes)

    def describe_grid(self) -> str:
        days = (
            f"{DAYS[self.days[0]]}-{DAYS[self.days[-1]]}"
            if self.days == list(range(self.days[0], self.days[-1] + 1))
            else ", ".join(DAYS[d] for d in self.days)
        )
        return (
            f"{days}, {self.session_minutes}-minute meetings starting "
            f"{format_time(self.first_start)}-{format_time(self.last_start)}"
        )
