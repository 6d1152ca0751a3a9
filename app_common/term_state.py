"""The app's glue for running the term: the cohort with its registers, the current plan, the
term's weeks. Logic lives in ``workbench/term``; this file only keeps session state."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_common import shared
from workbench.cohort.domain import Cohort
from workbench.cohort.loading import cohort_to_tables
from workbench.scenarios.scenario import now_iso
from workbench.term.calendar import TermCalendar, calendar_from_start, parse_breaks, term_for
from workbench.term.monitoring import Plan, sessions_from_csv
from workbench.term.registers import TERM_TABLES

TERM_COHORT = "_term_cohort"


def term_cohort() -> Cohort:
    """The loaded cohort with the registers and results uploaded on the Attendance page."""
    current = shared.require_cohort()
    kept = st.session_state.get(TERM_COHORT)
    if kept and kept[0] == shared.fingerprint():
        return kept[1]
    return current


def keep(cohort: Cohort) -> None:
    """Keep the cohort with its term data, and give it to the current plan's report."""
    st.session_state[TERM_COHORT] = (shared.fingerprint(), cohort)
    chosen = shared.scenario()
    if chosen is None:
        return
    tables = cohort_to_tables(cohort)
    for name in (*TERM_TABLES, "students"):
        if name in tables:
            chosen.cohort_tables[name] = tables[name]
    chosen._cohort = None  # validated again, with the term, when the report asks for it
    chosen.updated = now_iso()


def current_plan() -> Plan | None:
    """The current plan's PASS sessions or mentoring pairs (None before a plan is solved)."""
    chosen = shared.scenario()
    if chosen is None:
        return None
    # What a plan holds says what is monitored: weekly sessions (PASS) or pairs (mentoring).
    results = chosen.results
    plan = Plan(settings=dict(chosen.settings or {}))
    sessions = results.get("sessions")
    if sessions is not None and len(sessions):
        plan.sessions = _numeric_sessions(sessions)
    matches = results.get("matches")
    if matches is not None and len(matches):
        plan.matches = matches[["mentee_id", "mentor_id"]].astype(str)
    return plan if (plan.is_pass or len(plan.matches)) else None


def _numeric_sessions(sessions):
    if all(str(sessions[c].dtype).startswith("int") for c in ("day", "start", "end")):
        out = sessions.copy()
        out["expected_attendance"] = out["expected_attendance"].astype(float)
        return out
    return sessions_from_csv(sessions.astype(str))


def term_calendar(cohort: Cohort) -> TermCalendar:
    """The term's weeks: the cohort's term_weeks, else a start, weeks and breaks asked here."""
    if "term_weeks" in cohort.supplied and len(cohort.term_weeks):
        term = term_for(cohort)
        st.caption(f"Term (from the cohort's term weeks table): {term.describe()}.")
        return term
    with st.expander("The term's weeks (the cohort has no term weeks table)", expanded=True):
        cols = st.columns(3)
        today = dt.date.today()
        start = cols[0].date_input(
            "First teaching week starts",
            today - dt.timedelta(days=today.weekday()),
            key="term_start",
        )
        weeks = cols[1].number_input("Teaching weeks", 1, 52, 10, key="term_weeks_n")
        breaks = cols[2].text_input("Break weeks (e.g. 6,7)", "", key="term_breaks")
    try:
        term = calendar_from_start(start, int(weeks), parse_breaks(breaks))
    except ValueError as exc:
        st.error(f"The term cannot be used: {exc}")
        st.stop()
    st.caption(f"Term: {term.describe()}.")
    return term
