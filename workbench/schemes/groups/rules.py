"""What makes a good group: the criteria (similar / diverse), no-isolation, and group scores.

Each criterion gives a group an integer *part* between 0 and ``cap - 1``:

* **diverse** on an attribute: the number of different values in the group, ``D``
  (for a list attribute such as languages, every value any member has); part ``min(D, cap) - 1``
  with ``cap = min(smallest group size, values in the pool)``, so every group size can reach
  full marks;
* **similar** on a one-value attribute (programme, home status...): part ``cap - D`` with
  ``cap = min(largest group size, values in the pool)``: full marks when everyone shares one
  value, nothing when every member differs;
* **similar** on a list attribute (interests, languages): ``S``, the most members sharing one
  value; part ``min(S, cap) - 1`` with ``cap`` the smallest group size.

Missing values count as no value. A group's score is the mean of its parts, each scaled to 0-1;
it is held as an integer out of :attr:`Rules.top` so that the solver's arithmetic is exact.
A criterion that cannot tell groups apart (everyone in the pool has the same value) is dropped
with a note.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

LIST_ATTRIBUTES = ("languages", "interests")
BOOL_ATTRIBUTES = ("first_generation", "commuter")

ATTRIBUTE_WORDS = {
    "home_status": "home status",
    "first_generation": "first-generation",
    "commuter": "commuter",
    "programme": "programme",
    "faculty": "faculty",
    "level": "level",
    "gender": "gender",
    "languages": "languages",
    "interests": "interests",
}


def attribute_word(attr: str) -> str:
    return ATTRIBUTE_WORDS.get(attr, attr.replace("_", " "))


def describe_value(attr: str, value: Any) -> str:
    """A student with this value, in words ("international student", "commuter")."""
    if attr == "first_generation":
        return "first-generation student" if value else "student who is not first-generation"
    if attr == "commuter":
        return "commuter" if value else "non-commuter"
    if attr in ("home_status", "gender", "level"):
        return f"{value} student"
    if attr in ("programme", "faculty"):
        return f"{value} student"
    if isinstance(value, bool):
        return f"student with {attribute_word(attr)} {'yes' if value else 'no'}"
    return f"student with {attribute_word(attr)} '{value}'"


def clean_value(value: Any, is_list: bool) -> Any:
    """A cell as the rules see it: a tuple for lists, None when missing, else the value."""
    if is_list:
        if value is None or (not isinstance(value, (tuple, list)) and pd.isna(value)):
            return ()
        return tuple(sorted({str(v).strip().lower() for v in value if str(v).strip()}))
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if hasattr(value, "item"):
        value = value.item()
    return value


def _sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, str(value))


@dataclass(frozen=True)
class Criterion:
    """One similar / diverse rule on one attribute."""

    attr: str
    mode: str  # "similar" | "diverse"
    is_list: bool
    values: tuple[Any, ...]  # the values present in the pool, in a fixed order
    cap: int
    weight: int  # integer points per part unit

    @property
    def label(self) -> str:
        return f"{self.mode}_{self.attr}"

    def part_from_counts(self, counts: dict[Any, int]) -> int:
        """The integer part (0 .. cap - 1) from members-per-value counts."""
        if self.mode == "diverse":
            distinct = sum(1 for v in self.values if counts.get(v, 0) > 0)
            return max(0, min(distinct, self.cap) - 1)
        if not self.is_list:
            distinct = sum(1 for v in self.values if counts.get(v, 0) > 0)
            return max(0, min(self.cap - 1, self.cap - max(distinct, 1)))
        shared = max((counts.get(v, 0) for v in self.values), default=0)
        return max(0, min(shared, self.cap) - 1)


@dataclass(frozen=True)
class Rules:
    """Group size, criteria and no-isolation rules, with exact integer scoring."""

    min_size: int
    max_size: int
    criteria: tuple[Criterion, ...]
    isolation: tuple[tuple[str, tuple[Any, ...]], ...]  # (attribute, values in the pool)
    top: int  # the integer score of a perfect group

    def counts(self, members: Sequence[dict[str, Any]]) -> dict[tuple[str, Any], int]:
        """(attribute, value) -> members having it, over every attribute the rules use."""
        out: dict[tuple[str, Any], int] = {}
        for attr in self.attributes():
            is_list = attr in LIST_ATTRIBUTES
            for member in members:
                value = member.get(attr)
                if is_list:
                    if not value:
                        out[attr, None] = out.get((attr, None), 0) + 1
                    for v in value or ():
                        out[attr, v] = out.get((attr, v), 0) + 1
                else:
                    out[attr, value] = out.get((attr, value), 0) + 1
        return out

    def attributes(self) -> list[str]:
        seen = [c.attr for c in self.criteria] + [a for a, _ in self.isolation]
        return list(dict.fromkeys(seen))

    def parts(self, counts: dict[tuple[str, Any], int]) -> list[int]:
        return [
            c.part_from_counts({v: counts.get((c.attr, v), 0) for v in c.values})
            for c in self.criteria
        ]

    def score(self, counts: dict[tuple[str, Any], int]) -> int:
        """Integer score (0 .. top) of a group with these counts."""
        if not self.criteria:
            return self.top
        return sum(p * c.weight for p, c in zip(self.parts(counts), self.criteria, strict=True))

    def isolated(self, counts: dict[tuple[str, Any], int]) -> list[tuple[str, Any]]:
        """(attribute, value) pairs held by exactly one member of the group."""
        return [
            (attr, v)
            for attr, values in self.isolation
            for v in values
            if counts.get((attr, v), 0) == 1
        ]


def make_rules(
    pool: pd.DataFrame,
    min_size: int,
    max_size: int,
    similar: Iterable[str],
    diverse: Iterable[str],
    no_isolation: Iterable[str],
) -> tuple[Rules, list[str]]:
    """The rules for this pool of students (values as in :func:`clean_value`), with notes on
    criteria dropped because every student has the same value."""
    notes: list[str] = []
    criteria: list[tuple[str, str, bool, tuple[Any, ...], int]] = []
    for mode, attrs in (("similar", similar), ("diverse", diverse)):
        for attr in attrs:
            is_list = attr in LIST_ATTRIBUTES
            column = pool[attr] if attr in pool.columns else pd.Series([], dtype=object)
            if is_list:
                values = sorted({v for cell in column for v in cell}, key=_sort_key)
                held_by_all = bool(len(column)) and any(
                    all(v in cell for cell in column) for v in values
                )
            else:
                values = sorted({v for v in column if v is not None}, key=_sort_key)
                held_by_all = False
            if mode == "diverse":
                cap = min(min_size, len(values))
            elif not is_list:
                cap = min(max_size, len(values))
            else:
                cap = min_size if values and not held_by_all else 1
            if cap < 2:
                notes.append(
                    f"'{mode} {attribute_word(attr)}' has no effect: every student "
                    "in the pool has the same value."
                )
                continue
            criteria.append((attr, mode, is_list, tuple(values), cap))
    lcm = 1
    for *_, cap in criteria:
        lcm = lcm * (cap - 1) // math.gcd(lcm, cap - 1)
    built = tuple(
        Criterion(attr, mode, is_list, values, cap, lcm // (cap - 1))
        for attr, mode, is_list, values, cap in criteria
    )
    isolation = []
    for attr in no_isolation:
        column = pool[attr] if attr in pool.columns else pd.Series([], dtype=object)
        values = tuple(sorted({v for v in column if v is not None}, key=_sort_key))
        isolation.append((attr, values))
    top = lcm * len(built) if built else 1
    return Rules(min_size, max_size, built, tuple(isolation), top), notes
