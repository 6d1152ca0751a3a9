"""A plan changed by hand, saved as a new scenario (e.g. the groups plan's moves and new times).

The checks, scores and honest status come from the scheme (its registry entry's ``edit_plan``,
for groups :mod:`workbench.schemes.groups.edit`); this puts the edited plan in a scenario beside
the one it was edited from.
"""

from __future__ import annotations

import pandas as pd

from workbench.scenarios.scenario import Scenario, solve_scenario
from workbench.schemes import registry


def edited_scenario(chosen: Scenario, groups: pd.DataFrame, name: str) -> Scenario:
    """A new scenario holding ``chosen``'s plan as edited by hand (same cohort, settings,
    assumptions and cost rates), re-checked, re-scored and with its honest status."""
    scheme = registry.get(chosen.scheme)
    if scheme.edit_plan is None:
        raise ValueError(f"a {scheme.name} plan cannot be edited by moving students")
    cohort, settings = chosen.cohort(), chosen.settings_model()
    result = scheme.edit_plan(cohort, settings, chosen.results, chosen.summary, groups)
    return solve_scenario(
        cohort,
        chosen.scheme,
        settings,
        name=name,
        notes=chosen.notes,
        assumptions=chosen.assumptions or None,
        cost_rates=chosen.cost_rates or None,
        result=result,
    )
