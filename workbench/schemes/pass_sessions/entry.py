"""PASS's part of the registry: its volunteers, form values, plan tables and charts, and how
its effect is evaluated. ``workbench/schemes/registry.py`` assembles the entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from workbench.cohort.domain import DAY_NAMES, DAYS, Cohort, format_time
from workbench.outcomes import charts as ch
from workbench.outcomes.budget import max_sessions_within_budget
from workbench.outcomes.costs import pass_cost_model
from workbench.schemes.pass_sessions.settings import LUNCH, PassSettings, top_modules_with_leaders
from workbench.schemes.pass_sessions.solve import free_students_by_slot
from workbench.schemes.scheme_parts import Chart, Evaluation, PlanPart, SchemeForm, count

EVALUATION = Evaluation(
    name="PASS",
    subject="PASS",
    needs=("attendance", "outcomes"),
    upload="registers and results",
    cluster="module_code",
    outcome="mark",
    outcome_word="mark",
    rate_word="DFW",
    attenders="attenders",
    measure="mean_mark",
)


def leaders_used(cohort: Cohort, result: Any, reach: pd.DataFrame) -> dict[str, Any]:
    sessions = result.sessions
    used = (
        int(sessions["leader_id"].dropna().nunique())
        if len(sessions) and "leader_id" in sessions
        else 0
    )
    return {
        "volunteers": int(cohort.leaders["student_id"].nunique()),
        "sessions": int(len(sessions)),
        "leaders_used": used,
        "modules_targeted": int(reach["module_code"].nunique()),
    }


def extra_tables(cohort: Cohort, settings: Any) -> dict[str, pd.DataFrame]:
    """How many targeted students are free at each slot (for the report's heat map)."""
    try:
        return {"free_by_slot": free_students_by_slot(cohort, settings)}
    except ValueError:
        return {
            "free_by_slot": pd.DataFrame(columns=["day", "start", "end", "label", "free_students"])
        }


# ------------------------------------------------------------------------------ the report


def readable_sessions(sessions: pd.DataFrame) -> pd.DataFrame:
    """Sessions with the day's name and times as ``09:00``."""
    out = sessions.copy()
    if "day" in out and "day_name" not in out and pd.api.types.is_integer_dtype(out["day"]):
        out["day_name"] = out["day"].map(lambda d: DAY_NAMES[int(d)])
        out = out.drop(columns="day")
    for col in ("start", "end"):
        if col in out and pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].map(format_time)
    return out


def plan_view(
    results: dict[str, pd.DataFrame], plan_columns: Mapping[str, list[str]]
) -> list[PlanPart]:
    """The weekly sessions (with up to four more of their columns), then reach by module."""
    parts = []
    if "sessions" in results:
        sessions = results["sessions"]
        shown = plan_columns["sessions"]
        parts.append(
            PlanPart(
                readable_sessions(sessions),
                "Weekly PASS sessions",
                shown + [c for c in sessions.columns if c not in shown][:4],
            )
        )
    if "coverage" in results:
        parts.append(PlanPart(results["coverage"], "Reach by module"))
    return parts


def coverage_charts(table: pd.DataFrame, labels: Mapping[str, str]) -> list[Chart]:
    return [("Coverage by module", lambda: ch.coverage_by_module_chart(table, labels))]


def plan_charts(results: dict[str, pd.DataFrame], settings: Callable[[], Any]) -> list[Chart]:
    """When the targeted students are free, with the sessions placed."""
    free = next(
        (
            results[k]
            for k in ("free_by_slot", "free", "slots")
            if k in results and {"day", "start", "free_students"} <= set(results[k].columns)
        ),
        None,
    )
    if free is None:
        return []
    return [
        (
            "When targeted students are free",
            lambda: ch.free_heatmap_chart(free, results.get("sessions")),
        )
    ]


# ------------------------------------------------------------------------------ the form

PRESETS: dict[str, dict[str, Any]] = {
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


def presets(cohort: Cohort | None) -> dict[str, dict[str, Any]]:
    """The PASS presets for this cohort: first the top 5 modules (by fail rate) that have a
    leader, when any have (a plan that can staff its sessions), then the general presets."""
    led = top_modules_with_leaders(cohort, 5) if cohort is not None else []
    first = {
        "targeting": "modules",
        "modules": led,
        "sessions_per_module": 2,
        "avoid_lunch": True,
    }
    return {LEADER_PRESET: first, **PRESETS} if led else dict(PRESETS)


def form_defaults() -> dict[str, Any]:
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
        "cap_budget": False,
        "budget": FORM.default_budget,
    }


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def settings_from_values(
    v: dict[str, Any],
    extra: dict[str, Any],
    *,
    locked_sessions: Any = (),
    module_uptake: dict[str, Any] | None = None,
    **_: Any,
) -> PassSettings:
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


def values_from_settings(settings: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
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
    return values


def budget_capacity_text(budget: float, rates: Any, session_minutes: int = 60) -> str:
    money = rates.money
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
        else f"{count(alone, 'weekly session')} with a leader each, or {paired:,} if each "
        "leader runs two"
    )
    return (
        f"{money(budget)} pays for the fixed staff time ({money(model.fixed)}), then "
        f"{money(model.per_session)} a term for each weekly session and "
        f"{money(model.per_leader)} for each leader (training and debriefs): {example}."
    )


FORM = SchemeForm(
    widget_keys="keep_p_",
    default_budget=2000.0,
    budget_volunteers="sessions and leaders",
    defaults=form_defaults,
    to_settings=settings_from_values,
    from_settings=values_from_settings,
    capacity_text=budget_capacity_text,
    presets=presets,
    observed_uptake=True,
)
