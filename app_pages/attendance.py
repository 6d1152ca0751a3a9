"""Attendance: print the registers for the plan, then upload them as they come back."""

import streamlit as st

from app_common import shared, signin, tables, term_state
from app_common.file_text import plain
from workbench.cohort.loading import Upload
from workbench.safe_tables import to_csv_bytes
from workbench.term.registers import (
    TERM_TABLES,
    check_attendance,
    register_rows,
    registers_html,
    with_term_uploads,
)

st.title("Attendance")
st.markdown(
    "Run the term: print a sign-in sheet for each PASS session, then upload the registers "
    "(or a card-swipe export), mentoring meetings and, at the end, results and progression. "
    "Each upload is checked against the plan and the term's weeks."
)
cohort = term_state.term_cohort()
term = term_state.term_calendar(cohort)
plan = term_state.current_plan()

st.header("Registers to print")
if plan is None or not plan.is_pass:
    st.info("Solve a PASS plan first to print its registers (Scheme, then Solve).")
else:
    cols = st.columns(2)
    cols[0].download_button(
        "Download the sign-in sheets (HTML, a page a session)",
        registers_html(cohort, plan.sessions, term),
        "registers.html",
        "text/html",
        on_click=signin.on_export(
            shared.store(), "Download the sign-in sheets (HTML, a page a session)"
        ),
    )
    cols[1].download_button(
        "Download the registers to fill in (CSV)",
        to_csv_bytes(register_rows(cohort, plan.sessions, term)),
        "registers.csv",
        "text/csv",
        on_click=signin.on_export(shared.store(), "Download the registers to fill in (CSV)"),
    )

st.header("Upload registers and results")
files = st.file_uploader(
    "Registers (attendance, or a filled registers.csv), meetings, outcomes, progression",
    type=["csv", "xlsx", "zip"],
    accept_multiple_files=True,
    key="term_uploads",
)
if files and st.button("Check and add them", type="primary", key="term_add"):
    result = with_term_uploads(cohort, [Upload(f.name, f.getvalue()) for f in files])
    if result.cohort is None:
        st.error("These files cannot be added yet; every problem is listed below.")
        tables.show_problems(result.report)
    else:
        term_state.keep(result.cohort)
        cohort = result.cohort
        st.success("Added. Monitoring and Evaluation now use them.")

counts = {name: len(cohort.table(name)) for name in TERM_TABLES if name in cohort.supplied}
if counts:
    st.subheader("What the term has so far")
    st.text("\n".join(f"{name.replace('_', ' ')}: {n:,} rows" for name, n in counts.items()))
if len(cohort.attendance):
    problems = check_attendance(cohort, term, plan.sessions if plan and plan.is_pass else None)
    if len(problems):
        st.warning(f"{len(problems):,} register rows do not fit the plan or the term:")
        st.dataframe(problems, hide_index=True, column_config=tables.headers(problems.columns))
    else:
        st.success(
            f"All {len(cohort.attendance):,} register rows fit the plan and the term's weeks."
        )
else:
    st.caption(plain("No registers yet."))
