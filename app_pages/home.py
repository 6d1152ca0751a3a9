"""Home: what the workbench does, where to start, saved scenarios to reopen."""

import streamlit as st

from app_pages import shared

st.title("Peer-support planning workbench")
st.markdown(
    "Plan your university's peer-support schemes from the spreadsheets you already have: "
    "who mentors whom, when and where PASS sessions run, and how many students each plan "
    "reaches. Every plan comes with its reasons, its charts and a report you can show your "
    "head of department."
)

st.subheader("The schemes")
left, middle, right = st.columns(3)
with left, st.container(border=True):
    st.markdown("**Peer mentoring**  \n"
                "Matches every mentee with a suitable mentor at once, within each mentor's "
                "places. Says why each pair was made and why anyone was left unmatched.")
with middle, st.container(border=True):
    st.markdown("**PASS (Peer Assisted Study Sessions)**  \n"
                "Places weekly sessions for high-risk modules at times students are free, "
                "with a leader and a room. Shows how many students each module reaches.")
with right, st.container(border=True):
    st.markdown("**Study groups** *(coming)*  \n"
                "Forms small groups who share modules and free time, without isolating "
                "anyone. Not available in this version yet.")

st.subheader("Start here")
current = shared.cohort()
start, upload = st.columns(2)
with start:
    samples = shared.available_samples()
    if st.button("Start with the sample department", type="primary",
                 icon=":material/rocket_launch:", disabled="department" not in samples,
                 help="Loads a made-up department of about 300 students (mentors, mentees, "
                      "modules, timetable, rooms and PASS leaders) so you can try every page.",
                 ) and shared.load_sample("department"):
        st.switch_page(shared.COHORT)
    if "department" not in samples:
        st.caption("The sample department is not installed with this copy.")
with upload:
    st.page_link(shared.COHORT, label="Upload your cohort (CSV files, a zip or a workbook)",
                 icon=":material/upload_file:")

if current is not None:
    st.success(f"Loaded: **{st.session_state.get(shared.LABEL, current.name)}** "
               f"({len(current.students):,} students). Next: choose a scheme.")
    st.page_link(shared.SCHEME, label="Choose a scheme", icon=":material/tune:")

st.subheader("How it works")
st.markdown(
    "1. **Cohort**: load your data; every problem is listed by file, row and column.\n"
    "2. **Scheme**: pick a scheme and its settings (each control explains itself).\n"
    "3. **Solve**: one button; the outcome is honest (optimal, close to optimal, or why not).\n"
    "4. **Coverage** and **What-if**: charts, and what changes if you recruit more.\n"
    "5. **Report and export**: a printable report and files for your colleagues."
)

shared.saved_scenarios_section()
