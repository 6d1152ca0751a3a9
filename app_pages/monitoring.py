"""Monitoring: actual against expected attendance, what to look at, and the observed take-up."""

import json

import pandas as pd
import streamlit as st

from app_common import shared, signin, term_state
from app_common.forms import OBSERVED_UPTAKE
from workbench.term.charts import weekly_attendance_chart
from workbench.term.monitoring import monitor, sessions_for_people

st.title("Monitoring")
st.markdown(
    "Is the plan working? Attendance against what the plan expected, sessions well below it "
    "with a better slot where more of the module's students are free, and mentoring pairs "
    "that have not met lately."
)
cohort = term_state.term_cohort()
plan = term_state.current_plan()
if plan is None:
    shared.require_scenario()
    st.info("Monitoring compares the registers with a PASS or mentoring plan: solve one first.")
    st.stop()
if len(cohort.attendance) == 0 and len(cohort.meetings) == 0:
    st.info("**No registers yet.** Upload them on the Attendance page.")
    st.page_link("app_pages/attendance.py", label="Go to Attendance")
    st.stop()
term = term_state.term_calendar(cohort)
cols = st.columns(2)
threshold = cols[0].slider("Flag sessions below this share of expected", 0.1, 1.0, 0.5, 0.05)
quiet = cols[1].number_input("Mentoring pairs with no meeting in the last N weeks", 1, 12, 3)
by_week, flagged, uptake, by_session = monitor(cohort, plan, term, threshold, int(quiet))

if len(flagged):
    st.warning(f"**{len(flagged)} to look at.**")
    st.dataframe(flagged, hide_index=True, width="stretch")
else:
    st.success("**Nothing to flag.** Every session is near its expected attendance.")

if plan.is_pass and len(by_week):
    st.header("Attendance by week")
    shared.chart_with_table(
        lambda: weekly_attendance_chart(by_week),
        "Attendance by term week",
        "term_weekly",
        f"term_weekly_{hash(by_week.to_json())}",
    )
    st.header("By session")
    st.dataframe(sessions_for_people(by_session), hide_index=True, width="stretch")
    st.header("Observed take-up")
    st.markdown(uptake["regular_means"].capitalize() + " counts as regular.")
    table = pd.DataFrame.from_dict(uptake["modules"], orient="index").rename_axis("module_code")
    st.dataframe(table.reset_index(), hide_index=True)
    st.download_button(
        "Download the observed take-up (uptake.json) for planning next term",
        json.dumps(uptake, indent=2),
        "uptake.json",
        "application/json",
        on_click=signin.on_export(
            shared.store(), "Download the observed take-up (uptake.json) for planning next term"
        ),
    )
    observed = {
        code: {"regular": v["regular"], "once": v["once"]} for code, v in uptake["modules"].items()
    }
    if st.session_state.get(OBSERVED_UPTAKE) == observed:
        st.success("The PASS plan on the Solve page uses this observed take-up.")
        if st.button("Go back to the documented defaults", key="uptake_defaults"):
            st.session_state.pop(OBSERVED_UPTAKE, None)
            st.rerun()
    elif st.button("Plan PASS with this observed take-up", key="uptake_use", type="primary"):
        st.session_state[OBSERVED_UPTAKE] = observed
        st.rerun()
    st.caption(
        "From the command line: `python -m workbench solve pass DATA --uptake-from "
        "uptake.json` (or `whatif --uptake-from`)."
    )
