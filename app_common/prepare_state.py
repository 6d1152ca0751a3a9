"""Session glue for the Scheme of work and Messages pages: the plan files the current
scenario (and the Volunteers page's training plan) give, and the scheme of work kept between
runs. The work itself is in ``workbench.prepare``."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_common import shared
from workbench.cohort.domain import Cohort
from workbench.prepare.plans import PlanFiles, clock_columns
from workbench.prepare.scheme_of_work import SchemePlan
from workbench.prepare.term import TermWeek, term_weeks

SCHEME_OF_WORK = "prepare_scheme_of_work"  # (cohort fingerprint, SchemePlan)
TRAINING = "volunteer_training"  # the Volunteers page's (fingerprint, training plan)


def plan_files() -> PlanFiles:
    """What the current scenario (and a training plan made on Volunteers) holds."""
    files = PlanFiles()
    chosen = shared.scenario()
    # What the plan holds: weekly sessions (PASS) or pairs (mentoring).
    plan = chosen.results if chosen is not None else {}
    sessions = plan.get("sessions")
    if sessions is not None and len(sessions):
        files.sessions = clock_columns(sessions, "the PASS plan")
    matches = plan.get("matches")
    if matches is not None and len(matches):
        files.matches = matches.astype({"mentee_id": str, "mentor_id": str})
    made = st.session_state.get(TRAINING)
    if made and made[0] == shared.fingerprint():
        files.training_sessions = made[1].sessions
        files.training_assignments = made[1].assignments
    return files


def term(cohort: Cohort, start: dt.date, weeks: int) -> list[TermWeek]:
    return term_weeks(cohort, start, weeks)


def saved_scheme() -> SchemePlan | None:
    made = st.session_state.get(SCHEME_OF_WORK)
    return made[1] if made and made[0] == shared.fingerprint() else None


def keep_scheme(plan: SchemePlan) -> None:
    st.session_state[SCHEME_OF_WORK] = (shared.fingerprint(), plan)
