"""The app's solve job: what a worker process runs when a coordinator presses Solve.

Kept apart from :mod:`workbench.scenarios.concurrency` (the workers themselves, which know
nothing of schemes) so that the layers stay in order: concurrency < scenario < what-if < jobs.
"""

from __future__ import annotations

from typing import Any

from workbench.review.whatif import Case, vary
from workbench.scenarios.scenario import solve_scenario
from workbench.schemes import registry


def solve_plan(
    cohort: Any,
    scheme: str,
    settings: Any,
    *,
    name: str = "",
    notes: str = "",
    assumptions: Any = None,
    cost_rates: Any = None,
    changes: dict[str, float] | None = None,
    volunteers_grow: bool = True,
) -> tuple[Any, Any]:
    """Solve a plan and wrap it as a scenario: (result, scenario). Runs in a worker.

    ``changes`` are what-if variations (``{"intake": 1.2, ...}``) applied to the cohort and
    settings first, as :func:`workbench.review.whatif.vary` does; ``volunteers_grow=False``
    keeps the mentors as they are when the intake changes.
    """
    if changes:
        case = Case(
            cohort, scheme, settings, assumptions, cost_rates, volunteers_grow=volunteers_grow
        )
        for param, value in changes.items():
            case = vary(case, param, value)
        cohort, settings = case.cohort, case.settings
        assumptions, cost_rates = case.assumptions, case.rates
    result = registry.get(scheme).solve(cohort, settings)
    made = solve_scenario(
        cohort,
        scheme,
        settings,
        name=name,
        notes=notes,
        result=result,
        assumptions=assumptions,
        cost_rates=cost_rates,
    )
    return result, made
