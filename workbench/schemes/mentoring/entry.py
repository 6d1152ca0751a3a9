"""Peer mentoring's part of the registry: its volunteers, form values, plan tables and charts,
and how its effect is evaluated. ``workbench/schemes/registry.py`` assembles the entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from workbench.cohort.domain import Cohort
from workbench.outcomes import charts as ch
from workbench.outcomes.budget import max_mentors_within_budget
from workbench.outcomes.costs import cost_of_mentors
from workbench.schemes.mentoring.solve import MentoringSettings
from workbench.schemes.scheme_parts import Chart, Evaluation, PlanPart, SchemeForm, count

MET = "mentees who met their mentor"

EVALUATION = Evaluation(
    name="Mentoring",
    subject="mentoring",
    needs=("progression",),
    upload="progression (and meetings)",
    cluster="programme",
    outcome="continued",
    outcome_word="continuation",
    rate_word="non-continuation",
    attenders=MET,
    measure="continuation_rate",
    band_columns={"pass_rate": "continuation_rate", "dfw_rate": "not_continued_rate"},
)


def mentors_used(cohort: Cohort, result: Any, reach: pd.DataFrame) -> dict[str, Any]:
    load = result.mentor_load
    used = (
        int((load["assigned"] > 0).sum())
        if "assigned" in load
        else int(result.matches["mentor_id"].nunique())
    )
    return {
        "volunteers": int(cohort.mentors["student_id"].nunique()),
        "mentors_used": used,
        "places": int(cohort.mentors["capacity"].sum()),
    }


# ------------------------------------------------------------------------------ the report


def plan_view(
    results: dict[str, pd.DataFrame], plan_columns: Mapping[str, list[str]]
) -> list[PlanPart]:
    """Matched pairs, then the mentees without a mentor and why."""
    parts = []
    if "matches" in results:
        parts.append(
            PlanPart(
                results["matches"],
                "Matched pairs",
                plan_columns["matches"],
                {"score": ".2f"},
            )
        )
    if "unmatched" in results and len(results["unmatched"]):
        parts.append(
            PlanPart(
                results["unmatched"],
                "Mentees without a mentor, and why",
                plan_columns["unmatched"],
            )
        )
    return parts


def plan_charts(results: dict[str, pd.DataFrame], settings: Callable[[], Any]) -> list[Chart]:
    """Mentor load and match scores (on the scale of the best possible score)."""
    charts: list[Chart] = []
    if "mentor_load" in results:
        charts.append(("Mentor load", lambda: ch.mentor_load_chart(results["mentor_load"])))
    if "matches" in results and "score" in results["matches"]:
        top = settings().best_possible_score
        charts.append(
            (
                "Match scores",
                lambda: ch.match_score_chart(results["matches"], score_range=(0, top)),
            )
        )
    return charts


# ------------------------------------------------------------------------------ the form

PRESETS: dict[str, dict[str, Any]] = {
    "Recommended: within the programme, as many mentees as possible": {
        "rule": "programme",
        "min_level_gap": 1,
        "objective": "coverage",
        "stable": "off",
    },
    "Highest participation: any mentor in the faculty": {
        "rule": "faculty",
        "min_level_gap": 1,
        "objective": "coverage",
        "stable": "off",
    },
    "Best matches only (score at least 4)": {
        "rule": "programme",
        "min_level_gap": 1,
        "objective": "quality",
        "min_score": 4.0,
        "stable": "off",
    },
    "Stable: nobody would rather swap (ranked choices)": {
        "rule": "any",
        "min_level_gap": 0,
        "objective": "coverage",
        "stable": "mentee_optimal",
    },
}


def form_defaults() -> dict[str, Any]:
    d = MentoringSettings()
    return {
        "rule": d.rule,
        "min_level_gap": d.min_level_gap,
        "objective": d.objective,
        "min_score": d.min_score,
        "stable": d.stable,
        "cap_budget": False,
        "budget": FORM.default_budget,
        **{f"w_{k}": float(v) for k, v in d.weights.items()},
    }


def settings_from_values(
    v: dict[str, Any],
    extra: dict[str, Any],
    *,
    locked_pairs: Any = (),
    previous_pairs: Any = (),
    **_: Any,
) -> MentoringSettings:
    weights = {k[2:]: float(val) for k, val in v.items() if k.startswith("w_")}
    return MentoringSettings(
        rule=v["rule"],
        min_level_gap=int(v["min_level_gap"]),
        objective=v["objective"],
        min_score=float(v["min_score"]) if v["objective"] == "quality" else 0.0,
        stable=v["stable"],
        weights=weights,
        locked_pairs=list(locked_pairs),
        previous_pairs=list(previous_pairs),
        **extra,
    )


def values_from_settings(settings: dict[str, Any]) -> dict[str, Any]:
    values = {
        k: settings[k]
        for k in ("rule", "min_level_gap", "objective", "min_score", "stable")
        if k in settings
    }
    values.update({f"w_{k}": float(w) for k, w in (settings.get("weights") or {}).items()})
    return values


def budget_capacity_text(budget: float, rates: Any, session_minutes: int = 60) -> str:
    money = rates.money
    fixed = cost_of_mentors(0, rates).total
    per_mentor = cost_of_mentors(1, rates).total - fixed
    if budget < fixed - 1e-9:
        return (
            f"{money(budget)} does not cover the fixed staff time of {money(fixed)}: "
            "no mentor can be paid for, so there will be no plan."
        )
    if per_mentor <= 1e-9:
        return (
            f"{money(budget)} covers the fixed staff time ({money(fixed)}); mentors "
            "cost nothing with these rates, so the cap leaves nobody out."
        )
    mentors = max_mentors_within_budget(rates, budget)
    return (
        f"{money(budget)} pays for the fixed staff time ({money(fixed)}) and "
        + (f"up to {count(mentors, 'mentor')}" if mentors else "not one mentor")
        + f" at {money(per_mentor)} each a term."
    )


FORM = SchemeForm(
    widget_keys="keep_m_",
    default_budget=1000.0,
    budget_volunteers="mentors",
    defaults=form_defaults,
    to_settings=settings_from_values,
    from_settings=values_from_settings,
    capacity_text=budget_capacity_text,
    presets=lambda cohort=None: PRESETS,
    # A stable matching refuses a budget (a mentor left out to save money could form a pair).
    budget_refused=lambda values: values.get("stable", "off") != "off",
)
