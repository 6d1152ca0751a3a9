"""The app's half of each scheme's entry: its settings form, what its settings say before
solving, and how its plan is shown.

The core's registry (``workbench/schemes/registry.py``) knows everything else about a scheme
but never names Streamlit code; the pages ask :func:`view` for these, never the scheme's name.
Adding a scheme adds one :class:`SchemeView` here (with its form in ``app_common/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_common import forms, groups_form, groups_plan, results
from app_common.file_text import plain, plain_join
from workbench.schemes import registry
from workbench.schemes.groups.prepare import select_pool
from workbench.schemes.groups.view import model_size_text as groups_size
from workbench.schemes.groups.view import pool_text
from workbench.schemes.pass_sessions.settings import modules_without_leaders, targeted_modules
from workbench.schemes.pass_sessions.verdict import no_leader_warning


@dataclass(frozen=True)
class SchemeView:
    form: Callable[[Any], None]  # the settings controls (cohort)
    settings_note: Callable[[Any, Any], None]  # what valid settings mean (cohort, settings)
    plan: Callable[[Any], None]  # a solved plan (the scenario)
    who: Callable[[Any, Any], str]  # who a plan is for (cohort, settings)
    size: Callable[[Any, Any], str]  # the model's size while solving (cohort, settings)
    locks: Callable[[], str]  # what is locked before solving again


# ------------------------------------------------------------------------------ mentoring


def _mentoring_who(cohort: Any, settings: Any) -> str:
    return f"{len(cohort.mentees):,} mentees and {len(cohort.mentors):,} mentors"


def _mentoring_size(cohort: Any, settings: Any) -> str:
    return (
        f"Model: {len(cohort.mentees):,} mentees and {len(cohort.mentors):,} mentors "
        f"({int(cohort.mentors['capacity'].sum()):,} places); one choice per eligible "
        "pair."
    )


def _mentoring_locks() -> str:
    ss = st.session_state
    locked, previous = ss.get("locked_pairs", []), ss.get("previous_pairs", [])
    text = f"{len(locked)} locked pair(s)." if locked else "No locked pairs."
    return text + (
        f" Keeps as many of the {len(previous)} current pairs as possible." if previous else ""
    )


# ------------------------------------------------------------------------------ PASS


def _pass_who(cohort: Any, settings: Any) -> str:
    modules = targeted_modules(cohort, settings)[0]
    enrolled = cohort.enrolments.loc[cohort.enrolments["module_code"].isin(modules)]
    return (
        f"{enrolled['student_id'].nunique():,} students of {len(modules)} targeted "
        f"module{'s' if len(modules) != 1 else ''}"
    )


def _pass_size(cohort: Any, settings: Any) -> str:
    return (
        f"Model: {settings.describe_targeting()}, {settings.sessions_per_module} session(s) "
        f"each, {len(cohort.leaders['student_id'].unique()):,} leaders, "
        f"{len(cohort.rooms):,} rooms."
    )


def _pass_locks() -> str:
    locked = st.session_state.get("locked_sessions", [])
    return f"{len(locked)} locked session(s)." if locked else "No locked sessions."


def _no_note(cohort: Any, settings: Any) -> None:
    return None


def _pass_note(cohort: Any, settings: Any) -> None:
    """The modules targeted, and those no leader can run."""
    try:
        targeted, notes = targeted_modules(cohort, settings)
        st.caption(
            f"Targets {len(targeted)} module(s): {plain_join(targeted[:12])}"
            + (" ..." if len(targeted) > 12 else "")
        )
        for note in notes:
            st.caption(plain(note))
        unled = modules_without_leaders(cohort, targeted)
        if unled:
            st.warning(plain(no_leader_warning(cohort, unled)))
    except ValueError as exc:
        st.error(plain(exc))


# ------------------------------------------------------------------------------ groups


def _groups_who(cohort: Any, settings: Any) -> str:
    ids, label = select_pool(cohort, settings)
    return f"{len(ids):,} student{'s' if len(ids) != 1 else ''} of {label}"


def _groups_locks() -> str:
    return "After solving, you can move students between groups by hand."


def _groups_note(cohort: Any, settings: Any) -> None:
    """Who the groups are made from."""
    try:
        st.info(plain(pool_text(cohort, settings)))
    except ValueError as exc:
        st.error(f"These settings cannot be used yet: {plain(exc)}")


# ------------------------------------------------------------------------------ the views

VIEWS: dict[str, SchemeView] = {
    "mentoring": SchemeView(
        form=lambda cohort: forms.mentoring_form(),
        settings_note=_no_note,
        plan=results.mentoring_plan,
        who=_mentoring_who,
        size=_mentoring_size,
        locks=_mentoring_locks,
    ),
    "pass": SchemeView(
        form=lambda cohort: forms.pass_form(sorted(cohort.modules["module_code"])),
        settings_note=_pass_note,
        plan=results.pass_plan,
        who=_pass_who,
        size=_pass_size,
        locks=_pass_locks,
    ),
    "groups": SchemeView(
        form=groups_form.form,
        settings_note=_groups_note,
        plan=groups_plan.show,
        who=_groups_who,
        size=groups_size,
        locks=_groups_locks,
    ),
}
assert set(VIEWS) == set(registry.KEYS), "every scheme in the registry needs its view"


def view(scheme: str) -> SchemeView:
    """A scheme's widgets, by the name kept in saved plans."""
    return VIEWS[scheme]


def who_text(cohort: Any, scheme: str, settings: Any) -> str:
    """Who a plan is for, in words ("55 students of MA1001", "49 mentees and 34 mentors")."""
    try:
        return view(scheme).who(cohort, settings)
    except (ValueError, KeyError, AttributeError):
        return f"{len(cohort.students):,} students"
