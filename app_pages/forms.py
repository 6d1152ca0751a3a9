"""Scheme settings as widgets, with plain-language help, presets and a read-back from state.

Every widget keeps its value in ``st.session_state`` under a ``keep_`` key (so the value
survives page changes); :func:`settings_from_state` reads the same keys without drawing a
widget, so the Solve and What-if pages use the settings last chosen on the Scheme page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
from pydantic import ValidationError

from workbench.domain import DAYS

M = "keep_m_"  # mentoring widget keys
P = "keep_p_"  # PASS widget keys

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
        "rule": "programme", "min_level_gap": 1, "objective": "coverage", "stable": "off"},
    "Highest participation: any mentor in the faculty": {
        "rule": "faculty", "min_level_gap": 1, "objective": "coverage", "stable": "off"},
    "Best matches only (score at least 4)": {
        "rule": "programme", "min_level_gap": 1, "objective": "quality", "min_score": 4.0,
        "stable": "off"},
    "Stable: nobody would rather swap (ranked choices)": {
        "rule": "any", "min_level_gap": 0, "objective": "coverage", "stable": "mentee_optimal"},
}
PASS_PRESETS: dict[str, dict[str, Any]] = {
    "Recommended: top 5 modules, two sessions each, no lunch-time sessions": {
        "targeting": "top", "top": 5, "sessions_per_module": 2, "avoid_lunch": True},
    "Every module with 25% or more failing (SI guidance), two sessions": {
        "targeting": "threshold", "threshold": 0.25, "sessions_per_module": 2,
        "avoid_lunch": True},
    "Light touch: top 3 modules, one session each": {
        "targeting": "top", "top": 3, "sessions_per_module": 1, "avoid_lunch": False},
}


def _defaults(scheme: str) -> dict[str, Any]:
    if scheme == "mentoring":
        from workbench.mentoring import MentoringSettings

        d = MentoringSettings()
        return {"rule": d.rule, "min_level_gap": d.min_level_gap, "objective": d.objective,
                "min_score": d.min_score, "stable": d.stable,
                **{f"w_{k}": float(v) for k, v in d.weights.items()}}
    from workbench.pass_settings import PassSettings

    d = PassSettings()
    return {"targeting": "top", "top": 5, "threshold": 0.25, "modules": [],
            "days": [DAYS[i] for i in d.days], "first_start": dt.time(d.first_start // 60),
            "last_start": dt.time(d.last_start // 60), "session_minutes": d.session_minutes,
            "avoid_lunch": True, "sessions_per_module": d.sessions_per_module,
            "uptake_regular": d.uptake_regular, "uptake_once": d.uptake_once,
            "students_per_leader": d.students_per_leader, "early": d.penalties.early,
            "late": d.penalties.late, "friday_afternoon": d.penalties.friday_afternoon}


def _prefix(scheme: str) -> str:
    return M if scheme == "mentoring" else P


def init_state(scheme: str) -> None:
    """Give every settings widget its default once, so the page never passes value=."""
    if scheme == "groups":
        from app_pages import groups_form

        return groups_form.init_state()
    prefix = _prefix(scheme)
    for key, value in _defaults(scheme).items():
        st.session_state.setdefault(prefix + key, value)


def apply_preset(scheme: str, values: dict[str, Any]) -> None:
    prefix = _prefix(scheme)
    for key, value in values.items():
        st.session_state[prefix + key] = value


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def settings_from_state(scheme: str, time_limit: float | None = None) -> tuple[Any, str | None]:
    """The scheme's settings model from the widget values, or (None, the problem in words)."""
    if scheme == "groups":
        from app_pages import groups_form

        return groups_form.settings_from_state(time_limit)
    init_state(scheme)
    ss = st.session_state
    v = {k[len(_prefix(scheme)):]: ss[k] for k in ss
         if isinstance(k, str) and k.startswith(_prefix(scheme))}
    extra = {} if time_limit is None else {"time_limit": float(time_limit)}
    try:
        if scheme == "mentoring":
            from workbench.mentoring import MentoringSettings

            weights = {k[2:]: float(val) for k, val in v.items() if k.startswith("w_")}
            return MentoringSettings(
                rule=v["rule"], min_level_gap=int(v["min_level_gap"]), objective=v["objective"],
                min_score=float(v["min_score"]) if v["objective"] == "quality" else 0.0,
                stable=v["stable"], weights=weights,
                locked_pairs=ss.get("locked_pairs", []),
                previous_pairs=ss.get("previous_pairs", []), **extra), None
        from workbench.pass_settings import LUNCH, PassSettings

        targeting = {v["targeting"]: v[v["targeting"]]}
        return PassSettings(
            **targeting, days=[DAYS.index(d) for d in v["days"]],
            first_start=_minutes(v["first_start"]), last_start=_minutes(v["last_start"]),
            session_minutes=int(v["session_minutes"]),
            avoid_slots=[LUNCH] if v["avoid_lunch"] else [],
            sessions_per_module=int(v["sessions_per_module"]),
            uptake_regular=float(v["uptake_regular"]), uptake_once=float(v["uptake_once"]),
            students_per_leader=int(v["students_per_leader"]),
            penalties={"early": v["early"], "late": v["late"],
                       "friday_afternoon": v["friday_afternoon"]},
            locked_sessions=ss.get("locked_sessions", []), **extra), None
    except ValidationError as exc:
        return None, "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: "
                               f"{e['msg']}" for e in exc.errors())
    except KeyError as exc:
        return None, f"a setting is missing ({exc})"


def load_settings(scheme: str, settings: dict[str, Any]) -> None:
    """Put a saved scenario's settings back into the widgets."""
    if scheme == "groups":
        from app_pages import groups_form

        return groups_form.load_settings(settings)
    init_state(scheme)
    values: dict[str, Any] = {}
    if scheme == "mentoring":
        values = {k: settings[k] for k in ("rule", "min_level_gap", "objective", "min_score",
                                           "stable") if k in settings}
        values.update({f"w_{k}": float(w) for k, w in (settings.get("weights") or {}).items()})
    elif scheme == "pass":
        for key in ("top", "threshold", "modules"):
            if settings.get(key) is not None:
                values.update(targeting=key, **{key: settings[key]})
        values.update({k: settings[k] for k in ("session_minutes", "sessions_per_module",
                                                 "uptake_regular", "uptake_once",
                                                 "students_per_leader") if k in settings})
        if "days" in settings:
            values["days"] = [DAYS[i] for i in settings["days"]]
        for key in ("first_start", "last_start"):
            if key in settings:
                values[key] = dt.time(settings[key] // 60, settings[key] % 60)
        values["avoid_lunch"] = bool(settings.get("avoid_slots"))
        values.update({k: settings.get("penalties", {}).get(k, 1.0)
                       for k in ("early", "late", "friday_afternoon")})
    apply_preset(scheme, values)


# ------------------------------------------------------------------------------ widgets


def mentoring_form() -> None:
    init_state("mentoring")
    left, right = st.columns(2)
    left.radio("Who can mentor whom", list(RULES), format_func=RULES.get, key=M + "rule",
               help="A hard rule: no pair outside it is ever made. Wider rules match more "
                    "mentees; the same-programme criterion below still prefers close pairs.")
    left.number_input("Mentor at least this many years above the mentee", 0, 7, step=1,
                      key=M + "min_level_gap",
                      help="1 means a second-year can mentor a first-year; 0 allows peers in "
                           "the same year. Postgraduates count as years above UG6.")
    right.radio("Goal", list(OBJECTIVES), format_func=OBJECTIVES.get, key=M + "objective",
                help="Participation versus match quality: the first goal never leaves a "
                     "mentee out to improve someone else's match.")
    if st.session_state[M + "objective"] == "quality":
        right.number_input("Lowest acceptable match score", 0.0, 50.0, step=0.5,
                           key=M + "min_score",
                           help="Pairs scoring below this are not made (a locked pair always "
                                "is). Scores add the points of the criteria below.")
    right.selectbox("Only stable matchings?", list(STABLE), format_func=STABLE.get,
                    key=M + "stable",
                    help="Stable: no mentee and mentor who both ranked each other would rather "
                         "be together than with their partners. Uses the preferences table; "
                         "only pairs ranked by both sides can be made.")
    with st.expander("How much each criterion counts (points when fully met)"):
        cols = st.columns(2)
        for i, (name, label) in enumerate(CRITERIA_LABELS.items()):
            cols[i % 2].slider(label, 0.0, 10.0, step=0.5, key=f"{M}w_{name}",
                               help="0 ignores the criterion; 10 makes it dominate the others.")


def pass_form(module_codes: list[str]) -> None:
    init_state("pass")
    left, right = st.columns(2)
    left.radio("Which modules get PASS", list(TARGETING), format_func=TARGETING.get,
               key=P + "targeting",
               help="PASS/SI is usually offered on modules where 25-30% or more of students "
                    "fail or withdraw (College of Charleston; UNT).")
    target = st.session_state[P + "targeting"]
    if target == "top":
        left.number_input("How many modules", 1, 200, step=1, key=P + "top",
                          help="The modules with the highest fail rates in the modules table.")
    elif target == "threshold":
        left.slider("Fail rate at least", 0.0, 1.0, step=0.01, key=P + "threshold",
                    format="%.2f", help="0.25 targets every module where a quarter or more "
                                        "fail.")
    else:
        left.multiselect("Modules", module_codes, key=P + "modules",
                         help="Type a module code to find it.")
    left.number_input("Sessions per module each week", 1, 10, step=1,
                      key=P + "sessions_per_module",
                      help="1-3 one-hour sessions per course is usual (UCLan, UNCW, College of "
                           "Charleston); more sessions reach more timetables.")
    right.multiselect("Days sessions may run", list(DAYS), key=P + "days",
                      help="Sessions are placed only on these days.")
    times = right.columns(2)
    times[0].time_input("Earliest start", key=P + "first_start", step=1800,
                        help="No session starts before this time.")
    times[1].time_input("Latest start", key=P + "last_start", step=1800,
                        help="No session starts after this time.")
    right.selectbox("Session length (minutes)", [30, 45, 60, 90, 120],
                    key=P + "session_minutes", help="Usually one hour.")
    right.checkbox("Keep 12:00-13:00 free (lunch)", key=P + "avoid_lunch",
                   help="No session overlaps lunch time on any day.")
    with st.expander("Uptake, group size and time preferences"):
        cols = st.columns(2)
        cols[0].slider("Students expected to attend regularly", 0.05, 1.0, step=0.05,
                       key=P + "uptake_regular",
                       help="About 30% of students offered PASS attend regularly (UTAS, ten "
                            "years, 28-35%). Sizes rooms and sessions.")
        cols[0].slider("Students expected to attend at least once", 0.05, 1.0, step=0.05,
                       key=P + "uptake_once",
                       help="40-45% at the College of Charleston, 51% across Europe.")
        cols[0].number_input("Students per leader", 1, 60, step=1, key=P + "students_per_leader",
                             help="About 11 per leader on average in Europe; 5-15 at Lund.")
        cols[1].slider("Avoid starts before 10:00 (weight)", 0.0, 5.0, step=0.5,
                       key=P + "early", help="0 = no preference; higher avoids early starts.")
        cols[1].slider("Avoid starts from 17:00 (weight)", 0.0, 5.0, step=0.5, key=P + "late",
                       help="0 = no preference; higher avoids evening sessions.")
        cols[1].slider("Avoid Friday afternoons (weight)", 0.0, 5.0, step=0.5,
                       key=P + "friday_afternoon", help="0 = no preference.")
