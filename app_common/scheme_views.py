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
from workbench.schemes.groups.view import pool_text
from workbench.schemes.pass_sessions.settings import modules_without_leaders, targeted_modules
from workbench.schemes.pass_sessions.verdict import no_leader_warning


@dataclass(frozen=True)
class SchemeView:
    form: Callable[[Any], None]  # the settings controls (cohort)
    settings_note: Callable[[Any, Any], None]  # what valid settings mean (cohort, settings)
    plan: Callable[[Any], None]  # a solved plan (the scenario)


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


def _groups_note(cohort: Any, settings: Any) -> None:
    """Who the groups are made from."""
    try:
        st.info(plain(pool_text(cohort, settings)))
    except ValueError as exc:
        st.error(f"These settings cannot be used yet: {plain(exc)}")


VIEWS: dict[str, SchemeView] = {
    "mentoring": SchemeView(
        form=lambda cohort: forms.mentoring_form(),
        settings_note=_no_note,
        plan=results.mentoring_plan,
    ),
    "pass": SchemeView(
        form=lambda cohort: forms.pass_form(sorted(cohort.modules["module_code"])),
        settings_note=_pass_note,
        plan=results.pass_plan,
    ),
    "groups": SchemeView(form=groups_form.form, settings_note=_groups_note, plan=groups_plan.show),
}
assert set(VIEWS) == set(registry.KEYS), "every scheme in the registry needs its view"


def view(scheme: str) -> SchemeView:
    """A scheme's widgets, by the name kept in saved plans."""
    return VIEWS[scheme]
