"""The app's scheme settings as plain values (one per control) and back, without Streamlit.

The Scheme page keeps one value per control (``rule``, ``top``, ``first_start`` as a time, the
budget as a tick and an amount ...); :func:`settings_from_values` turns them into the scheme's
settings model and :func:`values_from_settings` puts saved settings back into controls. Labels,
presets and the budget's plain-language read-back live here too, so the page stays thin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.cohort.domain import Cohort
from workbench.outcomes.budget import budget_status
from workbench.schemes import registry
from workbench.schemes.mentoring import entry as mentoring_entry
from workbench.schemes.pass_sessions import entry as pass_entry
from workbench.schemes.scheme_parts import SchemeForm

RULES = {
    "programme": "Same programme only",
    "faculty": "Same faculty (any programme in it)",
    "any": "Anyone in the cohort",
}
OBJECTIVES = {
    "coverage": "Match as many mentees as possible, then the best matches",
    "quality": "Best matches only (leave poor matches unmade)",
    "fairness": "Make the weakest match as good as possible",
}
STABLE = {
    "off": "No (use the goal above)",
    "mentee_optimal": "Yes: mentee-optimal stable matching (ranked choices only)",
    "best_score": "Yes: the stable matching with the best total score",
}
CRITERIA_LABELS = {
    "same_programme": "Same programme",
    "same_faculty": "Same faculty",
    "shared_interests": "Shared interests (per interest, up to three)",
    "shared_language": "A language in common",
    "same_home_status": "Both home or both international",
    "first_generation": "First-generation mentee with a first-generation mentor",
    "commuter": "Commuting mentee with a commuting mentor",
    "preference": "The mentee's own ranked choice of mentor",
}
TARGETING = {
    "top": "The modules with the highest fail rates",
    "threshold": "Every module at or above a fail rate",
    "modules": "Modules I choose",
}

MENTORING_PRESETS = mentoring_entry.PRESETS
PASS_PRESETS = pass_entry.PRESETS
LEADER_PRESET = pass_entry.LEADER_PRESET


def pass_presets(cohort: Cohort) -> dict[str, dict[str, Any]]:
    """The PASS presets for this cohort: first the top 5 modules (by fail rate) that have a
    leader listed, so the recommended start never targets a module no one can lead."""
    return pass_entry.presets(cohort)


def presets(scheme: str, cohort: Cohort | None = None) -> dict[str, dict[str, Any]]:
    """A scheme's presets for this cohort (empty when its form has its own)."""
    form = registry.get(scheme).form
    return form.presets(cohort) if form else {}


STABLE_BUDGET_REASON = (
    "A cost cap cannot be used with a stable matching: a mentor left out to save money could "
    "form a pair that both would rather be in, so the matching would not be stable. Choose "
    "'No' under 'Only stable matchings?' to cap the cost."
)


def _form(scheme: str) -> SchemeForm:
    form = registry.get(scheme).form
    if form is None:
        raise KeyError(f"the {scheme} scheme has its own form")
    return form


def form_defaults(scheme: str) -> dict[str, Any]:
    """One value per control of the mentoring or PASS form: the settings models' defaults."""
    return _form(scheme).defaults()


def default_budget(scheme: str) -> float:
    """The amount a budget control starts at (money per term), before the coordinator types one."""
    return _form(scheme).default_budget


def budget_blocked(scheme: str, values: dict[str, Any]) -> bool:
    """True when the settings refuse a budget (mentoring with a stable matching)."""
    form = registry.get(scheme).form
    return bool(form and form.budget_refused(values))


def budget_of(scheme: str, values: dict[str, Any]) -> float | None:
    """The budget cap from the controls: None when not ticked (or refused); 0 is a real cap."""
    if not values.get("cap_budget") or budget_blocked(scheme, values):
        return None
    return float(values["budget"])


def settings_from_values(
    scheme: str,
    v: dict[str, Any],
    *,
    time_limit: float | None = None,
    cost_rates: Any = None,
    locked_pairs: Iterable = (),
    previous_pairs: Iterable = (),
    locked_sessions: Iterable = (),
    module_uptake: dict[str, Any] | None = None,
) -> Any:
    """The scheme's settings model from the control values (raises pydantic's
    ``ValidationError``, or ``KeyError`` for a missing value). ``cost_rates`` are the rates a
    budget is checked with (the ones the plan is costed by). ``module_uptake``: PASS take-up
    per module observed last term (module -> regular and once), instead of the defaults."""
    extra: dict[str, Any] = {"budget": budget_of(scheme, v)}
    if time_limit is not None:
        extra["time_limit"] = float(time_limit)
    if cost_rates is not None:
        extra["cost_rates"] = cost_rates
    return _form(scheme).to_settings(
        v,
        extra,
        locked_pairs=locked_pairs,
        previous_pairs=previous_pairs,
        locked_sessions=locked_sessions,
        module_uptake=module_uptake,
    )


def values_from_settings(scheme: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Control values from saved settings (JSON); settings a control does not show are left."""
    form = registry.get(scheme).form
    if form is None:
        return {}
    values = form.from_settings(settings)
    budget = settings.get("budget")
    values["cap_budget"] = budget is not None
    if budget is not None:
        values["budget"] = float(budget)
    return values


# ------------------------------------------------------------------------------ budget words


def budget_capacity_text(scheme: str, budget: float, rates: Any, session_minutes: int = 60) -> str:
    """What a budget pays for with these rates, in words (before solving)."""
    return _form(scheme).capacity_text(budget, rates, session_minutes)


def budget_line(summary: dict[str, Any], currency: str = "£") -> tuple[str, str]:
    """(kind, words) for a solved plan's cost against its budget: kind is "none" (no cap),
    "ok" or "over"."""
    budget = summary.get("budget")
    cost = float(summary.get("cost") or 0.0)
    message = summary.get("budget_message") or budget_status(cost, budget, currency).message
    if budget is None:
        return "none", message
    within = summary.get("within_budget")
    if within is None:
        within = cost <= float(budget) + 1e-6
    return ("ok" if within else "over"), message
