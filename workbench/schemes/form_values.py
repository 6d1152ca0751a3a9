"""The app's scheme settings as plain values (one per control) and back, without Streamlit.

The Scheme page keeps one value per control (``rule``, ``top``, ``first_start`` as a time, the
budget as a tick and an amount ...); :func:`settings_from_values` turns them into the scheme's
settings model and :func:`values_from_settings` puts saved settings back into controls. Labels,
presets and the budget's plain-language read-back live here too, so the page stays thin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from workbench.cohort.domain import DAYS, Cohort
from workbench.outcomes.budget import (
    budget_status,
    max_mentors_within_budget,
    max_sessions_within_budget,
)
from workbench.outcomes.costs import cost_of_mentors, pass_cost_model
from workbench.schemes.mentoring.solve import MentoringSettings
from workbench.schemes.pass_sessions.settings import LUNCH, PassSettings, top_modules_with_leaders

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

MENTORING_PRESETS: dict[str, dict[str, Any]] = {
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
PASS_PRESETS: dict[str, dict[str, Any]] = {
    "Top 5 modules by fail rate, two sessions each, no lunch-time sessions": {
        "targeting": "top",
        "top": 5,
        "sessions_per_module": 2,
        "avoid_lunch": True,
    },
    "Every module with 25% or more failing (SI guidance), two sessions": {
        "targeting": "threshold",
        "threshold": 0.25,
        "sessions_per_module": 2,
        "avoid_lunch": True,
    },
    "Light touch: top 3 modules, one session each": {
        "targeting": "top",
        "top": 3,
        "sessions_per_module": 1,
        "avoid_lunch": False,
    },
}

LEADER_PRESET = "Recommended: the top 5 modules that have leaders, two sessions each, no lunch-time"


def pass_presets(cohort: Cohort) -> dict[str, dict[str, Any]]:
    """The PASS presets for this cohort: first the top 5 modules (by fail rate) that have a
    leader listed, so the recommended start never targets a module no one can lead."""
    led = top_modules_with_leaders(cohort, 5)
    first = {
        "targeting": "modules",
        "modules": led,
        "sessions_per_module": 2,
        "avoid_lunch": True,
    }
    return {LEADER_PRESET: first, **PASS_PRESETS} if led else dict(PASS_PRESETS)


# The amount a budget control starts at (money per term), before the coordinator types one.
DEFAULT_BUDGET = {"mentoring": 1000.0, "pass": 2000.0}
STABLE_BUDGET_REASON = (
    "A cost cap cannot be used with a stable matching: a mentor left out to save money could "
    "form a pair that both would rather be in, so the matching would not be stable. Choose "
    "'No' under 'Only stable matchings?' to cap the cost."
)


def form_defaults(scheme: str) -> dict[str, Any]:
    """One value per control of the mentoring or PASS form: the settings models' defaults."""
    budget = {"cap_budget": False, "budget": DEFAULT_BUDGET[scheme]}
    if scheme == "mentoring":
        d = MentoringSettings()
        return {
            "rule": d.rule,
            "min_level_gap": d.min_level_gap,
            "objective": d.objective,
            "min_score": d.min_score,
            "stable": d.stable,
            **budget,
            **{f"w_{k}": float(v) for k, v in d.weights.items()},
        }
    d = PassSettings()
    return {
        "targeting": "top",
        "top": 5,
        "threshold": 0.25,
        "modules": [],
        "days": [DAYS[i] for i in d.days],
        "first_start": dt.time(d.first_start // 60),
        "last_start": dt.time(d.last_start // 60),
        "session_minutes": d.session_minutes,
        "avoid_lunch": True,
        "sessions_per_module": d.sessions_per_module,
        "uptake_regular": d.uptake_regular,
        "uptake_once": d.uptake_once,
        "students_per_leader": d.students_per_leader,
        "early": d.penalties.early,
        "late": d.penalties.late,
        "friday_afternoon": d.penalties.friday_afternoon,
        **budget,
    }


def budget_blocked(scheme: str, values: dict[str, Any]) -> bool:
    """True when the settings refuse a budget (mentoring with a stable matching)."""
    return scheme == "mentoring" and values.get("stable", "off") != "off"


def budget_of(scheme: str, values: dict[str, Any]) -> float | None:
    """The budget cap from the controls: None when not ticked (or refused); 0 is a real cap."""
    if not values.get("cap_budget") or budget_blocked(scheme, values):
        return None
    return float(values["budget"])


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


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
    if scheme == "mentoring":
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
    targeting = {v["targeting"]: v[v["targeting"]]}
    return PassSettings(
        **targeting,
        days=[DAYS.index(d) for d in v["days"]],
        first_start=_minutes(v["first_start"]),
        last_start=_minutes(v["last_start"]),
        session_minutes=int(v["session_minutes"]),
        avoid_slots=[LUNCH] if v["avoid_lunch"] else [],
        sessions_per_module=int(v["sessions_per_module"]),
        uptake_regular=float(v["uptake_regular"]),
        uptake_once=float(v["uptake_once"]),
        students_per_leader=int(v["students_per_leader"]),
        penalties={
            "early": v["early"],
            "late": v["late"],
            "friday_afternoon": v["friday_afternoon"],
        },
        locked_sessions=list(locked_sessions),
        module_uptake=dict(module_uptake or {}),
        **extra,
    )


def values_from_settings(scheme: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Control values from saved settings (JSON); settings a control does not show are left."""
    values: dict[str, Any] = {}
    if scheme == "mentoring":
        values = {
            k: settings[k]
            for k in ("rule", "min_level_gap", "objective", "min_score", "stable")
            if k in settings
        }
        values.update({f"w_{k}": float(w) for k, w in (settings.get("weights") or {}).items()})
    elif scheme == "pass":
        for key in ("top", "threshold", "modules"):
            if settings.get(key) is not None:
                values.update(targeting=key, **{key: settings[key]})
        values.update(
            {
                k: settings[k]
                for k in (
                    "session_minutes",
                    "sessions_per_module",
                    "uptake_regular",
                    "uptake_once",
                    "students_per_leader",
                )
                if k in settings
            }
        )
        if "days" in settings:
            values["days"] = [DAYS[i] for i in settings["days"]]
        for key in ("first_start", "last_start"):
            if key in settings:
                values[key] = dt.time(settings[key] // 60, settings[key] % 60)
        values["avoid_lunch"] = bool(settings.get("avoid_slots"))
        values.update(
            {
                k: settings.get("penalties", {}).get(k, 1.0)
                for k in ("early", "late", "friday_afternoon")
            }
        )
    else:
        return values
    budget = settings.get("budget")
    values["cap_budget"] = budget is not None
    if budget is not None:
        values["budget"] = float(budget)
    return values


# ------------------------------------------------------------------------------ budget words


def budget_capacity_text(scheme: str, budget: float, rates: Any, session_minutes: int = 60) -> str:
    """What a budget pays for with these rates, in words (before solving)."""
    money = rates.money
    if scheme == "mentoring":
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
            + (f"up to {_count(mentors, 'mentor')}" if mentors else "not one mentor")
            + f" at {money(per_mentor)} each a term."
        )
    model = pass_cost_model(rates, session_minutes)
    if budget < model.fixed - 1e-9:
        return (
            f"{money(budget)} does not cover the fixed staff time of {money(model.fixed)}: "
            "no session can be placed, so there will be no plan."
        )
    alone, paired = (
        max_sessions_within_budget(rates, budget, session_minutes, per).sessions for per in (1, 2)
    )
    example = (
        "not one session with its leader"
        if paired == 0
        else f"{_count(alone, 'weekly session')} with a leader each, or {paired:,} if each "
        "leader runs two"
    )
    return (
        f"{money(budget)} pays for the fixed staff time ({money(model.fixed)}), then "
        f"{money(model.per_session)} a term for each weekly session and "
        f"{money(model.per_leader)} for each leader (training and debriefs): {example}."
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


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
