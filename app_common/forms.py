"""Scheme settings as widgets, with plain-language help, presets and a read-back from state.

Every widget keeps its value in ``st.session_state`` under a ``keep_`` key (so the value
survives page changes); :func:`settings_from_state` reads the same keys without drawing a
widget, so the Solve and What-if pages use the settings last chosen on the Scheme page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import ValidationError

from app_common import groups_form, shared
from workbench.cohort.domain import DAYS
from workbench.outcomes.costs import CostRates
from workbench.schemes import registry
from workbench.schemes.form_values import (  # noqa: F401 (labels and presets the pages use from here)
    CRITERIA_LABELS,
    MENTORING_PRESETS,
    OBJECTIVES,
    PASS_PRESETS,
    RULES,
    STABLE,
    STABLE_BUDGET_REASON,
    TARGETING,
    budget_blocked,
    budget_capacity_text,
    form_defaults,
    settings_from_values,
    values_from_settings,
)
from workbench.schemes.mentoring import entry as mentoring_entry
from workbench.schemes.pass_sessions import entry as pass_entry

M = mentoring_entry.FORM.widget_keys  # mentoring widget keys
P = pass_entry.FORM.widget_keys  # PASS widget keys


def _prefix(scheme: str) -> str:
    return registry.get(scheme).form.widget_keys


def _own_form(scheme: str) -> bool:
    """The scheme keeps its controls in its own form module (groups: ``groups_form``)."""
    return registry.get(scheme).form is None


def init_state(scheme: str) -> None:
    """Give every settings widget its default once, so the page never passes value=."""
    if _own_form(scheme):
        return groups_form.init_state()
    prefix = _prefix(scheme)
    for key, value in form_defaults(scheme).items():
        st.session_state.setdefault(prefix + key, value)


def apply_preset(scheme: str, values: dict[str, Any]) -> None:
    prefix = _prefix(scheme)
    for key, value in values.items():
        st.session_state[prefix + key] = value


def _values(scheme: str) -> dict[str, Any]:
    prefix = _prefix(scheme)
    ss = st.session_state
    return {k[len(prefix) :]: ss[k] for k in ss if isinstance(k, str) and k.startswith(prefix)}


OBSERVED_UPTAKE = "observed_uptake"  # PASS take-up per module, set on the Monitoring page


def settings_from_state(scheme: str, time_limit: float | None = None) -> tuple[Any, str | None]:
    """The scheme's settings model from the widget values, or (None, the problem in words).

    A budget is checked with the cost rates of the Scheme page's costs expander."""
    apply_pending()
    if _own_form(scheme):
        return groups_form.settings_from_state(time_limit)
    init_state(scheme)
    ss = st.session_state
    try:
        return settings_from_values(
            scheme,
            _values(scheme),
            time_limit=time_limit,
            cost_rates=shared.cost_rates(),
            locked_pairs=ss.get("locked_pairs", []),
            previous_pairs=ss.get("previous_pairs", []),
            locked_sessions=ss.get("locked_sessions", []),
            module_uptake=ss.get(OBSERVED_UPTAKE)
            if registry.get(scheme).form.observed_uptake
            else None,
        ), None
    except ValidationError as exc:
        return None, "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
    except KeyError as exc:
        return None, f"a setting is missing ({exc})"


def apply_pending() -> None:
    """Put a plan reopened since the last run (shared.use_scenario) into the controls."""
    pending = st.session_state.pop(shared.PENDING_SETTINGS, None)
    if pending is not None:
        load_settings(*pending)


def load_settings(scheme: str, settings: dict[str, Any]) -> None:
    """Put a saved scenario's settings back into the widgets (with the rates a budget used)."""
    if _own_form(scheme):
        return groups_form.load_settings(settings)
    init_state(scheme)
    apply_preset(scheme, values_from_settings(scheme, settings))
    if registry.get(scheme).form.observed_uptake:  # the plan's own take-up, observed or not
        observed = {
            code: {"regular": v["regular"], "once": v["once"]}
            for code, v in (settings.get("module_uptake") or {}).items()
        }
        if observed:
            st.session_state[OBSERVED_UPTAKE] = observed
        else:
            st.session_state.pop(OBSERVED_UPTAKE, None)
    rates, defaults = settings.get("cost_rates") or {}, CostRates()
    for name in shared.RATE_FIELDS:
        if rates.get(name) is not None:
            kind = type(getattr(defaults, name))  # the widget's number type (int or float)
            st.session_state[shared.C + name] = kind(rates[name])


# ------------------------------------------------------------------------------ widgets


def mentoring_form() -> None:
    init_state("mentoring")
    left, right = st.columns(2)
    left.radio(
        "Who can mentor whom",
        list(RULES),
        format_func=RULES.get,
        key=M + "rule",
        help="A hard rule: no pair outside it is ever made. Wider rules match more "
        "mentees; the same-programme criterion below still prefers close pairs.",
    )
    left.number_input(
        "Mentor at least this many years above the mentee",
        0,
        7,
        step=1,
        key=M + "min_level_gap",
        help="1 means a second-year can mentor a first-year; 0 allows peers in "
        "the same year. Postgraduates count as years above UG6.",
    )
    right.radio(
        "Goal",
        list(OBJECTIVES),
        format_func=OBJECTIVES.get,
        key=M + "objective",
        help="Participation versus match quality: the first goal never leaves a "
        "mentee out to improve someone else's match.",
    )
    if st.session_state[M + "objective"] == "quality":
        right.number_input(
            "Lowest acceptable match score",
            0.0,
            50.0,
            step=0.5,
            key=M + "min_score",
            help="Pairs scoring below this are not made (a locked pair always "
            "is). Scores add the points of the criteria below.",
        )
    right.selectbox(
        "Only stable matchings?",
        list(STABLE),
        format_func=STABLE.get,
        key=M + "stable",
        help="Stable: no mentee and mentor who both ranked each other would rather "
        "be together than with their partners. Uses the preferences table; "
        "only pairs ranked by both sides can be made.",
    )
    with st.expander("How much each criterion counts (points when fully met)"):
        cols = st.columns(2)
        for i, (name, label) in enumerate(CRITERIA_LABELS.items()):
            cols[i % 2].slider(
                label,
                0.0,
                10.0,
                step=0.5,
                key=f"{M}w_{name}",
                help="0 ignores the criterion; 10 makes it dominate the others.",
            )


def pass_form(module_codes: list[str]) -> None:
    init_state("pass")
    left, right = st.columns(2)
    left.radio(
        "Which modules get PASS",
        list(TARGETING),
        format_func=TARGETING.get,
        key=P + "targeting",
        help="PASS/SI is usually offered on modules where 25-30% or more of students "
        "fail or withdraw (College of Charleston; UNT).",
    )
    target = st.session_state[P + "targeting"]
    if target == "top":
        left.number_input(
            "How many modules",
            1,
            200,
            step=1,
            key=P + "top",
            help="The modules with the highest fail rates in the modules table.",
        )
    elif target == "threshold":
        left.slider(
            "Fail rate at least",
            0.0,
            1.0,
            step=0.01,
            key=P + "threshold",
            format="%.2f",
            help="0.25 targets every module where a quarter or more fail.",
        )
    else:
        left.multiselect(
            "Modules", module_codes, key=P + "modules", help="Type a module code to find it."
        )
    left.number_input(
        "Sessions per module each week",
        1,
        10,
        step=1,
        key=P + "sessions_per_module",
        help="1-3 one-hour sessions per course is usual (UCLan, UNCW, College of "
        "Charleston); more sessions reach more timetables.",
    )
    right.multiselect(
        "Days sessions may run",
        list(DAYS),
        key=P + "days",
        help="Sessions are placed only on these days.",
    )
    times = right.columns(2)
    times[0].time_input(
        "Earliest start",
        key=P + "first_start",
        step=1800,
        help="No session starts before this time.",
    )
    times[1].time_input(
        "Latest start", key=P + "last_start", step=1800, help="No session starts after this time."
    )
    right.selectbox(
        "Session length (minutes)",
        [30, 45, 60, 90, 120],
        key=P + "session_minutes",
        help="Usually one hour.",
    )
    right.checkbox(
        "Keep 12:00-13:00 free (lunch)",
        key=P + "avoid_lunch",
        help="No session overlaps lunch time on any day.",
    )
    with st.expander("Uptake, group size and time preferences"):
        cols = st.columns(2)
        cols[0].slider(
            "Students expected to attend regularly",
            0.05,
            1.0,
            step=0.05,
            key=P + "uptake_regular",
            help="About 30% of students offered PASS attend regularly (UTAS, ten "
            "years, 28-35%). Sizes rooms and sessions.",
        )
        cols[0].slider(
            "Students expected to attend at least once",
            0.05,
            1.0,
            step=0.05,
            key=P + "uptake_once",
            help="40-45% at the College of Charleston, 51% across Europe.",
        )
        cols[0].number_input(
            "Students per leader",
            1,
            60,
            step=1,
            key=P + "students_per_leader",
            help="About 11 per leader on average in Europe; 5-15 at Lund.",
        )
        cols[1].slider(
            "Avoid starts before 10:00 (weight)",
            0.0,
            5.0,
            step=0.5,
            key=P + "early",
            help="0 = no preference; higher avoids early starts.",
        )
        cols[1].slider(
            "Avoid starts from 17:00 (weight)",
            0.0,
            5.0,
            step=0.5,
            key=P + "late",
            help="0 = no preference; higher avoids evening sessions.",
        )
        cols[1].slider(
            "Avoid Friday afternoons (weight)",
            0.0,
            5.0,
            step=0.5,
            key=P + "friday_afternoon",
            help="0 = no preference.",
        )


def budget_form(scheme: str) -> None:
    """A cost cap per term: a tick and an amount (0 is a real cap); off with a stable matching."""
    prefix = _prefix(scheme)
    ss = st.session_state
    blocked = budget_blocked(scheme, _values(scheme))
    rates = shared.cost_rates()
    volunteers = registry.get(scheme).form.budget_volunteers
    with st.container(border=True):
        cols = st.columns(2, vertical_alignment="bottom")
        cols[0].checkbox(
            "Cap the cost per term",
            key=prefix + "cap_budget",
            disabled=blocked,
            help=f"With a cap, the solver reaches as many students as the budget pays for "
            f"(fewer {volunteers} if needed). Without it, the plan's cost is only reported "
            "(and compared with any budget you enter on the What-if page).",
        )
        capped = bool(ss[prefix + "cap_budget"]) and not blocked
        cols[1].number_input(
            f"Budget per term ({rates.currency})",
            min_value=0.0,
            step=100.0,
            format="%.0f",
            key=prefix + "budget",
            disabled=not capped,
            help="Money per term, costed with the rates under 'Expected uptake and costs' "
            "below. The fixed staff time is paid first; 0 is a real cap (nothing is paid "
            "for).",
        )
        if blocked:
            st.caption(STABLE_BUDGET_REASON)
        elif capped:
            minutes = int(ss.get(P + "session_minutes", 60))
            st.caption(budget_capacity_text(scheme, float(ss[prefix + "budget"]), rates, minutes))
        else:
            st.caption("No cap: the plan reaches everyone it can and its cost is only reported.")
