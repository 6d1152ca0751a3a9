"""What-if cases: the cohort, settings, assumptions and rates one point is solved from, the
variations that change them, and solving one point (vary, solve, measure)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.cohort.domain import Cohort
from workbench.outcomes.costs import CostRates
from workbench.outcomes.coverage import Assumptions
from workbench.review.whatif_intake import resample_cohort
from workbench.review.whatif_volunteers import change_leaders, change_mentors, set_mentor_capacity
from workbench.schemes import registry

MAX_WORKERS = 2

VARIATIONS: dict[str, str] = {
    "intake": "cohort size, as a factor of today's (1.2 = 20% more students)",
    "mentors": "mentors recruited (+) or lost (-)",
    "leaders": "PASS leaders recruited (+) or lost (-)",
    "capacity": "mentees each mentor can take",
    "sessions": "PASS sessions per module each week",
    "uptake": "share of reached students expected to take the scheme up",
    "budget": "budget cap (money per term): mentoring and PASS plans are solved within it; "
    "groups are checked against it",
}
VARIATION_SCHEMES: dict[str, tuple[str, ...]] = {
    "intake": ("mentoring", "pass", "groups"),
    "mentors": ("mentoring",),
    "leaders": ("pass",),
    "capacity": ("mentoring",),
    "sessions": ("pass",),
    "uptake": ("mentoring", "pass", "groups"),
    "budget": ("mentoring", "pass", "groups"),
}
SWEEP_COLUMNS = [
    "param",
    "value",
    "status",
    "reached",
    "eligible",
    "coverage",
    "expected_coverage",
    "students_reached",
    "expected_students",
    "cost",
    "cost_per_student_reached",
    "within_budget",
    "volunteers",
    "students",
    "seconds",
    "message",
]
_GROUP_RE = re.compile(r"^intake\[(programme|level)\s*=\s*(.+)\]$")


# ------------------------------------------------------------------------------ the case


@dataclass
class Case:
    """Everything one what-if point is solved from."""

    cohort: Cohort
    scheme: str
    settings: Any
    assumptions: Any = None
    rates: Any = None
    budget: float | None = None
    volunteers_grow: bool = True  # intake: mentors grow with it (False: volunteers as they are)

    def __post_init__(self) -> None:
        self.settings = registry.get(self.scheme).coerce_settings(self.settings)
        self.assumptions = _model(Assumptions, self.assumptions)
        own = getattr(self.settings, "cost_rates", None)  # rates a budget constraint uses
        if self.rates is None and own is not None:
            self.rates = own
        self.rates = _model(CostRates, self.rates)
        if own is not None and own != self.rates:
            # One set of rates: the plan is solved within a budget by the rates it is costed by.
            self.settings = _set(self.settings, cost_rates=self.rates.model_dump())


def _model(cls: type, value: Any) -> Any:
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls.model_validate(value)
    return cls.model_validate(value.model_dump(mode="json"))


def _set(settings: Any, **values: Any) -> Any:
    """A copy of pydantic settings with fields changed, validated again."""
    data = settings.model_dump()
    data.update(values)
    return type(settings).model_validate(data)


AXIS_LABELS: dict[str, str] = {
    "intake": "Intake (x today's)",
    "mentors": "Mentors recruited (+) or lost (-)",
    "leaders": "Leaders recruited (+) or lost (-)",
    "capacity": "Mentees per mentor",
    "sessions": "Sessions per module",
    "uptake": "Uptake (share)",
    "budget": "Budget cap",
}


def axis_label(name: str) -> str:
    """A short label for a chart axis."""
    group = _GROUP_RE.match(name)
    if group:
        return f"Intake of {group.group(2).strip()} (x today's)"
    return AXIS_LABELS.get(name, name)


def variation_label(name: str) -> str:
    """A variation's name in the coordinator's words."""
    group = _GROUP_RE.match(name)
    if group:
        return f"intake of {group.group(1)} {group.group(2).strip()} (factor)"
    return VARIATIONS.get(name, name)


def check_variation(name: str, scheme: str) -> None:
    """Raise ValueError when ``name`` is not a variation of ``scheme``."""
    base = "intake" if _GROUP_RE.match(name) else name
    if base not in VARIATIONS:
        raise ValueError(
            f"unknown variation '{name}' (use one of: {', '.join(VARIATIONS)}, "
            "intake[programme=NAME], intake[level=UG1])"
        )
    if scheme not in VARIATION_SCHEMES[base]:
        raise ValueError(
            f"'{name}' does not apply to {scheme} (it applies to "
            f"{', '.join(VARIATION_SCHEMES[base])})"
        )


def apply_variation(
    cohort: Cohort, settings: Any, name: str, value: float, seed: int = 0
) -> tuple[Cohort, Any]:
    """Apply one variation: returns the varied (cohort, settings)."""
    case = vary(
        Case(cohort, registry.scheme_of_settings(settings).key, settings), name, value, seed
    )
    return case.cohort, case.settings


def vary(case: Case, name: str, value: float, seed: int = 0) -> Case:
    """Apply one variation to a whole case (cohort, settings, assumptions, rates, budget)."""
    check_variation(name, case.scheme)
    group = _GROUP_RE.match(name)
    cohort, settings = case.cohort, case.settings
    assumptions, rates, budget = case.assumptions, case.rates, case.budget
    if group:
        cohort = resample_cohort(
            cohort,
            factors={group.group(2).strip(): float(value)},
            by=group.group(1),
            seed=seed,
            volunteers_grow=case.volunteers_grow,
        )
    elif name == "intake":
        cohort = resample_cohort(
            cohort, float(value), seed=seed, volunteers_grow=case.volunteers_grow
        )
    elif name == "mentors":
        cohort = change_mentors(cohort, _whole(value, name), seed=seed)
    elif name == "leaders":
        cohort = change_leaders(cohort, settings, _whole(value, name), seed=seed)
    elif name == "capacity":
        cohort = set_mentor_capacity(cohort, _whole(value, name))
        settings = _set_if(settings, ("max_capacity", "capacity_cap"), _whole(value, name))
    elif name == "sessions":
        settings = _set(settings, sessions_per_module=_whole(value, name))
    elif name == "uptake":
        settings, assumptions = _uptake(case, float(value))
    elif name == "budget":
        budget = float(value)
        if budget < 0:
            raise ValueError("a budget cannot be negative")
        settings = _set_if(settings, ("budget", "budget_cap"), budget)
    return Case(cohort, case.scheme, settings, assumptions, rates, budget, case.volunteers_grow)


def _whole(value: float, name: str) -> int:
    if abs(float(value) - round(float(value))) > 1e-9:
        raise ValueError(f"{name} takes whole numbers (got {value})")
    return int(round(float(value)))


def _set_if(settings: Any, names: Sequence[str], value: Any) -> Any:
    for name in names:
        if name in type(settings).model_fields:
            return _set(settings, **{name: value})
    return settings


def _uptake(case: Case, value: float) -> tuple[Any, Any]:
    if not 0.0 < value <= 1.0:
        raise ValueError(f"uptake is a share between 0 and 1 (got {value})")
    a = case.assumptions
    entry = registry.get(case.scheme)
    key, once_key = entry.uptake_field, entry.uptake_once_field
    if once_key:
        # The value is the regular uptake; at-least-once keeps its ratio to it (the settings
        # plan with both).
        regular = getattr(a, key)
        ratio = getattr(a, once_key) / regular if regular else 1.5
        once = min(1.0, max(value, value * ratio))
        assumptions = a.model_copy(update={key: value, once_key: once})
        settings = _set(case.settings, uptake_regular=value, uptake_once=once)
        return settings, assumptions
    return case.settings, a.model_copy(update={key: value})


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def solve_case(case: Case) -> tuple[Any, dict[str, Any]]:
    """Solve a case; returns (result, headline figures with the solve seconds)."""
    started = time.perf_counter()
    result = registry.get(case.scheme).solve(case.cohort, case.settings)
    figures = registry.plan_figures(
        case.cohort, case.scheme, case.settings, result, case.assumptions, case.rates, case.budget
    )
    figures["seconds"] = time.perf_counter() - started
    return result, figures


def _point(job: tuple) -> dict[str, Any]:
    """One sweep point (runs in a worker process): vary, solve, measure."""
    case, param, value, seed = job
    started = time.perf_counter()
    row: dict[str, Any] = {"param": param, "value": value}
    try:
        varied = vary(case, param, value, seed)
        _, figures = solve_case(varied)
        row.update(figures)
        row["message"] = ""
    except Exception as exc:  # noqa: BLE001 (one bad point must not sink the sweep)
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    row["seconds"] = time.perf_counter() - started
    return row
