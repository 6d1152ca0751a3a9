"""Cohort: load the data, read the validation report, preview, quick facts, small fixes."""

import streamlit as st

from app_common import mapping_step, shared
from app_common.file_text import plain
from app_common.tables import fit_height, show_problems
from workbench.cohort.contract import CONTRACT
from workbench.cohort.domain import TABLES

st.title("Cohort")
st.markdown(
    "Load the students and their timetable. Use a folder of CSV files as a **zip**, several "
    "**CSV** files, or one **Excel workbook** with a sheet per table. Column names are matched "
    "generously (e.g. *Student Number* for `student_id`); every problem is listed by file, "
    "row and column, and a file with problems never replaces the cohort you already have."
)

# ------------------------------------------------------------------------------ load
load_col, template_col = st.columns([3, 2])
with load_col:
    files = st.file_uploader(
        "Your cohort files",
        type=["csv", "zip", "xlsx"],
        accept_multiple_files=True,
        key="cohort_upload",
        help="students.csv is required; add modules, enrolments, timetable, rooms, mentors, "
        "mentees and leaders for the schemes that need them. Files stay in this session.",
    )
    if files:
        signature = tuple((f.file_id, f.name) for f in files)
        if st.session_state.get(shared.UPLOAD_SIG) != signature:
            st.session_state[shared.UPLOAD_SIG] = signature
            shared.load_files(
                [(f.name, f.getvalue()) for f in files], mapping_step.current_mapping()
            )
    samples = shared.available_samples()
    if samples:
        choice = st.selectbox(
            "Or use a sample cohort",
            list(samples),
            format_func=samples.get,
            key=f"{shared.KEEP}sample_choice",
            help="Made-up cohorts for trying the workbench.",
        )
        if st.button("Load this sample", icon=":material/dataset:"):
            shared.load_sample(choice)
with template_col:
    st.markdown("**Templates** (every table with its columns, empty)")
    st.download_button(
        "Template as CSV files (zip)",
        shared.template_zip(),
        file_name="cohort_template.zip",
        mime="application/zip",
        icon=":material/download:",
        on_click="ignore",
    )
    st.download_button(
        "Template as an Excel workbook",
        shared.template_workbook(),
        file_name="cohort_template.xlsx",
        icon=":material/download:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
    )
    with st.expander("What each table holds"):
        for spec in CONTRACT.values():
            required = ", ".join(f"`{c}`" for c in spec.required)
            st.markdown(f"**{spec.name}**: {spec.help} Required: {required}.")

# ------------------------------------------------------------------------------ report
attempt = st.session_state.get(shared.LAST_REPORT)
current = shared.cohort()
if attempt is not None:
    report = attempt.report
    if not attempt.ok:
        st.error(
            f"**{plain(attempt.source)}** has {len(report.errors)} problem(s) and was not used. "
            + ("Your previous cohort is still loaded. " if current is not None else "")
            + "Fix the rows listed below and upload again."
        )
    elif report.warnings:
        st.warning(
            f"**{plain(attempt.source)}** loaded with {len(report.warnings)} warning(s) "
            "(worth a look, nothing blocking)."
        )
    else:
        st.success(f"**{plain(attempt.source)}** loaded: no problems found.")
    if report.problems:
        show_problems(report)

if files:
    mapping_step.render(files, loaded_ok=attempt is not None and attempt.ok)

if current is None:
    st.info("No cohort loaded yet: upload your files above, or load a sample cohort.")
    st.stop()

# ------------------------------------------------------------------------------ facts
st.header(plain(st.session_state.get(shared.LABEL, current.name)))
counts = current.counts()
cols = st.columns(5)
for col, (label, key) in zip(
    cols,
    [
        ("Students", "students"),
        ("Modules", "modules"),
        ("Mentees", "mentees"),
        ("Mentors", "mentors"),
        ("PASS leaders", "leaders"),
    ],
    strict=True,
):
    col.metric(label, f"{counts[key]:,}")

st.subheader("Quick facts")
facts = shared.quick_facts(shared.fingerprint(), current)
left, right = st.columns(2)
with left:
    st.markdown("**Students per programme and level**")
    programmes = facts["programmes"]
    st.dataframe(programmes, width="stretch", height=fit_height(len(programmes)))
    st.markdown("**Modules with the highest fail rates**")
    st.dataframe(
        facts["fail_rates"],
        width="stretch",
        height=260,
        column_config={"fail_rate": st.column_config.NumberColumn("fail rate", format="percent")},
    )
with right:
    st.markdown("**Mentors and mentees per programme**")
    st.dataframe(
        facts["ratio"],
        width="stretch",
        height=fit_height(len(facts["ratio"])),
        column_config={
            "places_per_mentee": st.column_config.NumberColumn(
                "places per mentee",
                help="Mentor places for each mentee: below 1 means some mentees cannot be matched",
            )
        },
    )
    st.markdown("**Busiest hours of the week** (students with a timetabled event)")
    st.dataframe(facts["busiest"], width="stretch", hide_index=True)

# ------------------------------------------------------------------------------ previews
st.subheader("Tables")
supplied = [name for name in TABLES if name in current.supplied]
tables = shared.contract_tables(shared.fingerprint(), current)
st.caption("Not supplied: " + (", ".join(n for n in TABLES if n not in current.supplied) or "none"))
tabs = st.tabs([f"{name} ({counts[name]:,})" for name in supplied])
for tab, name in zip(tabs, supplied, strict=True):
    with tab:
        frame = tables[name]
        st.dataframe(frame.head(500), width="stretch", hide_index=True)
        if len(frame) > 500:
            st.caption(f"The first 500 of {len(frame):,} rows.")

# ------------------------------------------------------------------------------ corrections
with st.expander("Correct a few values in place", icon=":material/edit:"):
    st.markdown(
        "Edit cells, add or delete rows, then **Check and use**: the whole cohort is "
        "validated again first, and a correction with problems is not used."
    )
    table = st.selectbox(
        "Table to correct",
        supplied,
        key=f"{shared.KEEP}edit_table",
        help="Large tables are easier to fix in your spreadsheet and upload.",
    )
    edited = st.data_editor(
        tables[table],
        num_rows="dynamic",
        width="stretch",
        key=f"editor_{table}_{shared.fingerprint()}",
        hide_index=True,
    )
    if st.button("Check and use these corrections", icon=":material/fact_check:"):
        shared.apply_corrections(table, edited)
        st.rerun()

shared.notes("cohort")
