"""A plan changed by hand, saved as a new scenario (the groups plan's moves and new times).

The checks, scores and honest status come from the scheme (:mod:`workbench.schemes.groups.edit`);
this puts the edited plan in a scenario beside the one it was edited from.
"""

from __future__ import annotations

import pandas as pd

from workbench.scenarios.scenario import Scenario, solve_scenario
from workbench.schemes.groups.edit import check_edited, edited_result


def edited_scenario(chosen: Scenario, groups: pd.DataFrame, name: str) -> Scenario:
    """A new scenario holding ``chosen``'s plan as edited by hand (same cohort, settings,
    assumptions and cost rates), re-checked, re-scored and with its honest status."""
    if chosen.scheme != "groups":
        raise ValueError("only a groups plan can be edited by moving students")
    cohort, settings = chosen.cohort(), chosen.settings_model()
    plan = check_edited(
        cohort, settings, chosen.results["groups"], chosen.results["unplaced"], groups
    )
    result = edited_result(plan, settings, chosen.summary, str(chosen.summary.get("pool", "")))
    return solve_scenario(
        cohort,
        "groups",
        settings,
        name=name,
        notes=chosen.notes,
        assumptions=chosen.assumptions or None,
        cost_rates=chosen.cost_rates or None,
        result=result,
    )
