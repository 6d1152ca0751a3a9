"""Scheme: pick the model and its settings; presets for common set-ups; assumptions and costs."""

import streamlit as st

from app_common import forms, groups_form, scheme_views, shared
from app_common.file_text import bullets, plain
from workbench.outcomes.costs import RATE_SOURCES, CostRates
from workbench.outcomes.coverage import ASSUMPTION_SOURCES, Assumptions
from workbench.schemes import registry

st.title("Scheme")
st.markdown(
    "Choose the scheme to plan and how it should behave. Every control says what it "
    "does; start from a preset and adjust. Nothing is solved until you press **Solve**."
)
cohort = shared.require_cohort()
forms.apply_pending()  # a plan reopened since: its settings into the controls below

# Study and social-integration groups are two choices here and one scheme ("groups") inside.
st.session_state[groups_form.SCHEME_CHOICE] = groups_form.choice_from_state()
st.radio(
    "Scheme",
    list(groups_form.SCHEME_CHOICES),
    format_func=groups_form.SCHEME_CHOICES.get,
    key=groups_form.SCHEME_CHOICE,
    on_change=groups_form.choose_scheme,
    horizontal=True,
    help="Peer mentoring matches mentees with mentors; PASS places weekly study sessions for "
    "high-risk modules; study groups split a module's students into small groups who "
    "can meet; social-integration groups mix a year group across programmes.",
)
scheme = shared.current_scheme()

missing = shared.scheme_problems(cohort, scheme)
if missing:
    st.warning(
        "This cohort cannot run this scheme yet:\n\n"
        + bullets(f"{p.message} ({p.file})" for p in missing)
    )
    st.page_link(
        shared.COHORT,
        label="Add the missing tables on the Cohort page",
        icon=":material/upload_file:",
    )
    st.stop()

# ------------------------------------------------------------------------------ presets
entry, widgets = registry.get(scheme), scheme_views.view(scheme)
if entry.form is None:  # a form with its own presets (groups)
    groups_form.presets(cohort)
else:
    presets = entry.form.presets(cohort)
    with st.container(border=True):
        cols = st.columns([4, 1], vertical_alignment="bottom")
        preset = cols[0].selectbox(
            "Start from a preset",
            list(presets),
            key=f"preset_{scheme}",
            help="Sets the controls below; you can still change any of them.",
        )
        cols[1].button(
            "Apply preset",
            on_click=forms.apply_preset,
            args=(scheme, presets[preset]),
            icon=":material/auto_fix_high:",
        )

# ------------------------------------------------------------------------------ settings
st.header("Settings")
widgets.form(cohort)
if entry.budgeted:
    forms.budget_form(scheme)

settings, problem = forms.settings_from_state(scheme)
if problem:
    st.error(f"These settings cannot be used yet: {plain(problem)}")
else:
    widgets.settings_note(cohort, settings)

# ------------------------------------------------------------------------------ assumptions
with st.expander("Expected uptake and costs (for coverage and cost figures)"):
    if entry.uptake_control:  # otherwise the settings above set the take-up (PASS)
        share = entry.uptake_field
        st.session_state.setdefault(shared.A + share, getattr(Assumptions(), share))
        st.slider(
            entry.uptake_control,
            0.05,
            1.0,
            step=0.05,
            key=shared.A + share,
            help=ASSUMPTION_SOURCES[share],
        )
    else:
        st.caption("PASS uptake is set above (students expected to attend).")
    defaults = CostRates()
    cols = st.columns(2)
    fields = [*shared.RATE_FIELDS, *entry.extra_rate_fields]
    for i, name in enumerate(fields):
        st.session_state.setdefault(shared.C + name, getattr(defaults, name))
        field = CostRates.model_fields[name]
        if isinstance(getattr(defaults, name), bool):
            cols[i % 2].checkbox(
                field.description or name, key=shared.C + name, help=RATE_SOURCES.get(name)
            )
            continue
        cols[i % 2].number_input(
            field.description or name,
            min_value=0.0 if name != "weeks_per_term" else 1,
            key=shared.C + name,
            help=RATE_SOURCES.get(name),
        )

st.page_link(shared.SOLVE, label="Next: solve", icon=":material/play_circle:")
shared.notes("scheme")
