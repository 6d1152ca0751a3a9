"""A plan's verdict: one sentence that says what it achieves and what limits it, and the fixes.

Every scheme gives its plans a :class:`Verdict`: a ``level`` (``"good"`` when the plan reaches
everyone it is for, ``"partial"`` when it leaves some out, ``"none"`` when it reaches nobody),
a ``headline`` in the coordinator's words, and ``fixes``: changes a coordinator can make, each with
its ``gain`` *measured* by solving the plan again with the change (never estimated). Measuring
stops when :data:`FIX_TIME_BUDGET` seconds are spent; fixes not measured by then are left out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

FIX_TIME_BUDGET = 20.0  # seconds spent measuring fixes, at most, per plan


def fix_budget(solve_seconds: float) -> float:
    """Seconds to spend measuring fixes: about three more solves, at least 3 s, at most
    :data:`FIX_TIME_BUDGET` (so a whole-university plan is not kept waiting for its fixes)."""
    return min(FIX_TIME_BUDGET, max(3.0, 3.0 * solve_seconds))


MAX_FIXES = 5


@dataclass(frozen=True)
class Fix:
    """A change a coordinator can make, and how many more it would reach (measured)."""

    action: str  # in words: "Recruit a PASS leader for MA2001 (Real Analysis 2)"
    gain: int  # how many more the plan reaches with it, by solving again
    unit: str  # what the gain counts: "mentees", "student-module places", "students"

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "gain": self.gain, "unit": self.unit, "text": self.text}

    @property
    def text(self) -> str:
        unit = self.unit if self.gain != 1 else _singular(self.unit)
        return f"{self.action}: {self.gain:+,} {unit}"


def _singular(unit: str) -> str:
    return unit[:-1] if unit.endswith("s") else unit


@dataclass(frozen=True)
class Verdict:
    level: str  # "good", "partial" or "none"
    headline: str
    fixes: list[Fix] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.level,
            "headline": self.headline,
            "fixes": [fix.as_dict() for fix in self.fixes],
        }


@dataclass(frozen=True)
class Candidate:
    """A change to try: its words, and a function that solves the plan with it and returns
    how many the changed plan reaches (in the scheme's units)."""

    action: str
    reach_with_it: Callable[[], int]


def measure_fixes(
    candidates: Iterable[Candidate],
    baseline: int,
    unit: str,
    *,
    budget_seconds: float = FIX_TIME_BUDGET,
    keep: int = MAX_FIXES,
) -> list[Fix]:
    """Solve the plan again with each candidate change; keep those that reach more, best first.

    Candidates are tried in the order given until ``budget_seconds`` have been spent.
    """
    started = time.perf_counter()
    fixes: list[Fix] = []
    for candidate in candidates:
        if time.perf_counter() - started > budget_seconds:
            break
        gain = int(candidate.reach_with_it()) - int(baseline)
        if gain > 0:
            fixes.append(Fix(candidate.action, gain, unit))
    fixes.sort(key=lambda fix: (-fix.gain, fix.action))
    return fixes[:keep]


def share(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a whole percentage, in words ("77%")."""
    return f"{part / whole:.0%}" if whole else "0%"


def level_of(reached: int, eligible: int, complete: bool = True) -> str:
    """The verdict level: nobody reached, some left out (or a target missed), or everyone."""
    if eligible and reached == 0:
        return "none"
    if reached < eligible or not complete:
        return "partial"
    return "good"


def listing(items: list[str], limit: int = 3) -> str:
    """ "a, b and c" (with "and N more" past ``limit``)."""
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
