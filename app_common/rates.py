"""The coverage assumptions and cost rates the Scheme page's controls hold."""

from __future__ import annotations

from typing import Any

import streamlit as st

from workbench.schemes import registry

A = "keep_a_"  # coverage assumptions
C = "keep_c_"  # cost rates
RATE_FIELDS = (
    "leader_pay_per_hour",
    "leader_prep_hours_per_session",
    "leader_training_hours",
    "mentor_training_hours",
    "mentor_stipend_per_term",
    "staff_hourly_cost",
    "room_cost_per_hour",
    "weeks_per_term",
)
GROUP_RATE_FIELDS = ("groups_staff_hours_per_week", "groups_book_rooms")


def assumptions(scheme: str, settings: Any = None):
    """Coverage assumptions from the widgets; PASS uptake follows the PASS settings."""
    from workbench.outcomes.coverage import Assumptions

    defaults = Assumptions()
    entries = [registry.get(key) for key in registry.KEYS]
    # The take-up set by a slider on the Scheme page (mentoring and groups) ...
    values = {
        e.uptake_field: st.session_state.get(A + e.uptake_field, getattr(defaults, e.uptake_field))
        for e in entries
        if e.uptake_control
    }
    # ... or by the scheme's settings (PASS: regular and at-least-once attendance).
    entry = registry.get(scheme)
    if entry.uptake_once_field and settings is not None:
        values.update(
            {
                entry.uptake_once_field: settings.uptake_once,
                entry.uptake_field: settings.uptake_regular,
            }
        )
    return Assumptions(**values)


def cost_rates():
    from workbench.outcomes.costs import CostRates

    defaults = CostRates()
    return CostRates(
        **{
            name: st.session_state.get(C + name, getattr(defaults, name))
            for name in (*RATE_FIELDS, *GROUP_RATE_FIELDS)
        }
    )
