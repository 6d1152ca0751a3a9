"""Solve: one button, an honest outcome, the plan with its reasons; lock rows and re-solve."""

import time

import streamlit as st

from app_common import forms, groups_form, results, scheme_views, shared
from app_common.file_text import bullets, plain
from workbench.schemes import registry

st.title("Solve")
st.markdown(
    "Press **Solve** to make the plan with the settings chosen on the Scheme page. The "
    "outcome says plainly whether the plan is the best possible, how close it is, or "
    "why there is none. Every solved plan is saved to your scenarios."
)
cohort = shared.require_cohort()
scheme = shared.current_scheme()
missing = shared.scheme_problems(cohort, scheme)
if missing:
    st.warning(bullets(f"{p.message} ({p.file})" for p in missing))
    st.page_link(shared.COHORT, label="Add the missing tables", icon=":material/upload_file:")
    st.stop()

# ------------------------------------------------------------------------------ run
st.session_state.setdefault("keep_time_limit", 30)
title = groups_form.title(scheme)  # groups: study or social-integration
entry = registry.get(scheme)
name_key = f"keep_name_{scheme}" + (f"_{groups_form.kind()}" if entry.variants else "")
st.session_state.setdefault(name_key, f"{title} plan")
cols = st.columns([2, 2, 1], vertical_alignment="bottom")
cols[0].text_input(
    "Name of this plan", key=name_key, help="Shown in your saved scenarios and on the report."
)
cols[1].number_input(
    "Time limit (seconds)",
    1,
    3600,
    step=5,
    key="keep_time_limit",
    help="The solver stops here and returns the best plan found, with how far "
    "from the best possible it could still be.",
)
settings, problem = forms.settings_from_state(scheme, st.session_state["keep_time_limit"])
widgets = scheme_views.view(scheme)
locks = widgets.locks()
if problem:
    st.error(f"The settings cannot be used: {plain(problem)}")
    st.page_link(shared.SCHEME, label="Fix them on the Scheme page", icon=":material/tune:")
    st.stop()
cap = getattr(settings, "budget", None)
budget = (
    ""
    if not entry.budgeted
    else " No cost cap."
    if cap is None
    else f" Within a budget of {settings.cost_rates.money(cap)} per term."
)
st.caption(
    f"{title} for {plain(scheme_views.who_text(cohort, scheme, settings))} "
    f"({plain(shared.cohort_label())}). {locks}{plain(budget)}"
)

done = None  # after a click: the solve box and its words, told the whole wait once the plan shows
if cols[2].button("Solve", type="primary", icon=":material/play_arrow:", width="stretch"):
    clicked = time.perf_counter()  # the time shown is the whole wait, not the solver's part
    with st.status("Solving...", expanded=True) as status:
        st.write(widgets.size(cohort, settings))
        st.write(f"Time limit {settings.time_limit:.0f} s.")
        try:
            made = shared.solve_and_save(cohort, scheme, settings, st.session_state[name_key])
        except ValueError as exc:
            status.update(label="Not solved", state="error")
            st.error(plain(exc))
            st.stop()
        for message in made.status.get("messages") or []:
            st.write(plain(message))
        failed = made.status.get("status") in ("infeasible", "timed out", "not solved")
        done = (status, "No plan could be made" if failed else "Plan made", failed)
        status.update(
            label=f"{done[1]} ({time.perf_counter() - clicked:.1f} s)",
            state="error" if failed else "complete",
            expanded=failed,
        )

# ------------------------------------------------------------------------------ the plan
chosen = shared.scenario()
if chosen is None or chosen.scheme != scheme:
    st.info("No plan yet for this scheme: press **Solve**.")
    st.stop()
results.outcome(chosen)
widgets.plan(chosen)
if done is not None:  # the plan is on the page: the wait from the click, all of it
    done[0].update(label=f"{done[1]} ({time.perf_counter() - clicked:.1f} s)", expanded=done[2])
st.page_link(shared.COVERAGE, label="Next: coverage charts", icon=":material/bar_chart:")
shared.notes("solve")
