"""Scheme of work: each PASS module's weeks (topics, revisits, open weeks), edited by hand."""

import datetime as dt

import streamlit as st

from app_common import prepare_state as ps
from app_common import shared, signin
from app_common.file_text import plain
from workbench.prepare import handbook
from workbench.prepare.scheme_of_work import (
    left_out,
    mark_open,
    move_topic,
    plan_problems,
    plan_scheme_of_work,
    scheme_verdict,
)
from workbench.prepare.sow_instance import FIRST, REVISIT, SchemeSettings
from workbench.safe_tables import to_csv_bytes

st.title("Scheme of work")
st.markdown(
    "Plan each PASS module's sessions week by week: a session works on what was lectured the "
    "week before, difficult topics come back a few weeks later, the weeks before a test or the "
    "exams are for students' own questions, and no session runs in a break."
)
cohort = shared.require_cohort()
if not len(cohort.topics):
    st.info(
        "**Add a topics table first.** It lists what each module lectures week by week "
        "(module_code, week, topic, and optionally difficulty 1-5 and kind). The sample "
        "department has one."
    )
    st.stop()

files = ps.plan_files()
if len(files.sessions):
    codes = sorted(set(files.sessions["module_code"]))
    st.caption(f"Modules of the current PASS plan: {plain(', '.join(codes))}.")
else:
    codes = None
    st.caption("No PASS plan solved yet: every module in the topics table is planned.")

with st.form("scheme_of_work"):
    d = SchemeSettings()
    cols = st.columns(4)
    lag = cols[0].number_input(
        "Weeks after the lecture",
        0,
        4,
        d.lag,
        help="A session works on what was lectured this many weeks before.",
    )
    most = cols[1].number_input("Topics a session holds at most", 1, 10, d.max_topics)
    catch_up = cols[2].number_input(
        "Weeks a topic may wait", 0, 6, d.catch_up, help="When its week is full or open."
    )
    before = cols[3].number_input(
        "Open weeks before a test", 0, 3, d.open_before, help="Kept for students' own questions."
    )
    if "term_weeks" not in cohort.supplied or not len(cohort.term_weeks):
        cols = st.columns(2)
        start = cols[0].date_input("First Monday of term", dt.date.today())
        weeks = cols[1].number_input("Teaching weeks", 1, 30, 10)
    else:
        start, weeks = None, 10
        st.caption("The term's weeks come from the cohort's term weeks table.")
    planned = st.form_submit_button("Plan the weeks", type="primary")
if planned:
    settings = SchemeSettings(lag=lag, max_topics=most, catch_up=catch_up, open_before=before)
    try:
        term = ps.term(cohort, start, weeks)
    except ValueError as exc:
        st.error(f"The term's weeks cannot be used: {plain(exc)}")
        st.stop()
    with st.spinner("Planning the weeks..."):
        ps.keep_scheme(plan_scheme_of_work(cohort, term, codes, settings))

plan = ps.saved_scheme()
if plan is None:
    st.stop()

problems = plan_problems(plan)
if problems:
    st.warning(f"This scheme of work breaks the rules in {len(problems)} place(s):")
else:
    st.success(plain(scheme_verdict(plan)))
for problem in problems:
    st.text(problem)
for note in plan.instance.problems:
    st.text(f"Note: {note}")

modules = [m.module_code for m in plan.instance.modules]
code = st.selectbox("Module", modules, key="sow_module")
module = plan.instance.module(code)
table = handbook.weeks_table(plan, files.sessions)
st.dataframe(table[table["module_code"] == code].drop(columns="module_code"), hide_index=True)
left = left_out(plan)
if len(left[left["module_code"] == code]):
    st.header("Left out, and why")
    st.dataframe(left[left["module_code"] == code].drop(columns="module_code"), hide_index=True)

st.header("Change it by hand")
week_numbers = [w.week for w in module.weeks]
cols = st.columns(3)
topic = cols[0].selectbox("Topic", [t.topic for t in module.topics], key="sow_topic")
visit = cols[1].radio("Which visit", ["first", "revisit"], horizontal=True, key="sow_visit")
target = cols[2].selectbox("Move to week", ["leave out", *week_numbers], key="sow_week")
if st.button("Move the topic", key="sow_move"):
    week = None if target == "leave out" else int(target)
    ps.keep_scheme(move_topic(plan, code, topic, week, FIRST if visit == "first" else REVISIT))
    st.rerun()
cols = st.columns([1, 2])
opened = cols[0].selectbox("Week", week_numbers, key="sow_open_week")
if cols[1].button("Keep this week for students' own questions", key="sow_open"):
    ps.keep_scheme(mark_open(plan, code, int(opened)))
    st.rerun()

st.header("Download")
books = handbook.module_handbooks(cohort, plan, files.sessions)
name, page = books[code]
st.download_button(
    "Download the handbook for this module (HTML, prints)",
    page,
    name,
    "text/html",
    on_click=signin.on_export(
        shared.store(), "Download the handbook for this module (HTML, prints)"
    ),
)
st.download_button(
    "Download every module's weeks (CSV)",
    to_csv_bytes(table),
    "weeks.csv",
    "text/csv",
    on_click=signin.on_export(shared.store(), "Download every module's weeks (CSV)"),
)
st.download_button(
    "Download what was left out (CSV)",
    to_csv_bytes(left),
    "left_out.csv",
    "text/csv",
    on_click=signin.on_export(shared.store(), "Download what was left out (CSV)"),
)
if len(files.sessions):
    ics = handbook.scheme_ics(plan, files.sessions)
    st.download_button(
        "Download the sessions with their topics (calendar)",
        ics,
        "scheme_of_work.ics",
        "text/calendar",
        on_click=signin.on_export(
            shared.store(), "Download the sessions with their topics (calendar)"
        ),
    )
with st.expander("How this was solved"):
    st.text(f"{plan.status.status}; {plan.status.solver}; {plan.status.seconds:.2f} s")
