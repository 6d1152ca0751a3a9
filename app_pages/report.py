"""Report and export: a printable report of the plan, and files to share."""

import streamlit as st

from app_common import options_view, shared, signin
from app_common.file_text import plain
from workbench.schemes import registry

st.title("Report and export")
st.markdown(
    "A printable, self-contained report of the current plan (headline figures, the "
    "plan, the charts, the assumptions and your notes) to show your head of department, "
    "and the plan as files: CSV, Excel, a calendar for PASS and the scenario file to "
    "send to a colleague."
)
chosen = shared.require_scenario()
st.caption(
    f"Plan: **{plain(chosen.name)}**, updated {plain(chosen.updated[:16].replace('T', ' '))} UTC."
)

# ------------------------------------------------------------------------------ notes
viewing = signin.is_viewer()  # a viewer reads the notes and downloads; a coordinator edits
people = signin.may_see_students(shared.store())


def edit_notes() -> None:
    page_notes = shared.all_notes()
    st.session_state.setdefault(
        f"report_notes_{chosen.id}",
        chosen.notes
        or "\n".join(f"{page.capitalize()}: {text}" for page, text in page_notes.items()),
    )
    notes = st.text_area(
        "Notes for the report",
        key=f"report_notes_{chosen.id}",
        height=120,
        help="Printed on the report and saved with the scenario.",
        placeholder="What this plan is for, what you decided and why",
    )
    if page_notes:
        with st.expander("Your notes from the other pages"):
            for page, text in page_notes.items():
                st.markdown(f"**{plain(page.capitalize())}**: {plain(text)}")
    if notes != chosen.notes:
        if st.button("Save the notes with the scenario", icon=":material/save:"):
            shared.save_notes(chosen, notes)
            st.rerun()
        st.caption("The report below uses the saved notes.")


if viewing:
    st.header("Coordinator's notes")
    st.text(chosen.notes or "No notes.")
else:
    edit_notes()

# ------------------------------------------------------------------------------ report
st.header("The report")
whatifs = options_view.whatif_sentences(chosen)
report = shared.report_html(shared.scenario_key(chosen), chosen, whatifs, people)
if not people:
    st.caption("This copy leaves out the plan's lists of students; the coordinator can share them.")
if whatifs:
    st.caption(f"The report includes your {len(whatifs)} what-if answer(s) about this plan.")
safe_name = shared.file_stem(chosen.name)
st.download_button(
    "Download the report (HTML, opens in any browser, prints to PDF)",
    report,
    file_name=f"{safe_name}.html",
    mime="text/html",
    type="primary",
    icon=":material/description:",
    on_click=signin.on_export(shared.store(), f"the report of {chosen.name}"),
)

# ------------------------------------------------------------------------------ files
st.header("Files")
if not people:
    st.info(
        "The plan's files list students by name, so they are for the scheme's coordinators. "
        "A coordinator can let viewers download them from the Workspace page."
    )
    options_view.options_section(chosen)
    st.stop()
files = shared.export_files(shared.scenario_key(chosen), chosen)
cols = st.columns(2)
for i, (label, (name, data, mime)) in enumerate(files.items()):
    cols[i % 2].download_button(
        label,
        data,
        file_name=f"{safe_name}{name}",
        mime=mime,
        icon=":material/download:",
        on_click=signin.on_export(shared.store(), f"{label} of {chosen.name}"),
        key=f"download_{name}",
    )
if registry.get(chosen.scheme).calendar and "Sessions as a calendar (.ics)" not in files:
    st.caption("The calendar export (.ics) is not available in this version.")
st.caption(
    "Exported spreadsheets make any cell starting with = + - or @ inert, so a name in "
    "your data cannot run as a formula when a colleague opens the file."
)

# ------------------------------------------------------------------------------ options
options_view.options_section(chosen)
