"""Home: what the workbench does, where to start, saved scenarios to reopen."""

import streamlit as st

from app_common import shared, signin
from app_common.file_text import plain
from workbench.scenarios.scenario import ScenarioFileError
from workbench.schemes import registry

st.title("Peer-support planning workbench")
st.markdown(
    "Plan your university's peer-support schemes from the spreadsheets you already have: "
    "who mentors whom, when and where PASS sessions run, and how many students each plan "
    "reaches. Every plan comes with its reasons, its charts and a report you can show your "
    "head of department."
)

st.header("The schemes")
left, middle, right = st.columns(3)
with left, st.container(border=True):
    st.markdown(
        "**Peer mentoring**  \n"
        "Matches every mentee with a suitable mentor at once, within each mentor's "
        "places. Says why each pair was made and why anyone was left unmatched."
    )
with middle, st.container(border=True):
    st.markdown(
        "**PASS (Peer Assisted Study Sessions)**  \n"
        "Places weekly sessions for high-risk modules at times students are free, "
        "with a leader and a room. Shows how many students each module reaches."
    )
with right, st.container(border=True):
    st.markdown(
        "**Study and social-integration groups**  \n"
        "Splits a module (or a year group, mixed across programmes) into small groups "
        "who share a weekly free time, without leaving anyone the only one of their "
        "kind; you can move students by hand and the rules are checked again."
    )

current = shared.cohort()
viewing = signin.is_viewer()  # a viewer (sign-in on) sees shared plans; cannot load or solve


def start_here() -> None:
    st.header("Start here")
    start, upload = st.columns(2)
    with start:
        samples = shared.available_samples()
        if st.button(
            "Start with the sample department",
            type="primary",
            icon=":material/rocket_launch:",
            disabled="department" not in samples,
            help="Loads a made-up department of about 300 students (mentors, mentees, "
            "modules, timetable, rooms and PASS leaders) so you can try every page.",
        ) and shared.load_sample("department"):
            st.switch_page(shared.COHORT)
        if "department" not in samples:
            st.caption("The sample department is not installed with this copy.")
    with upload:
        st.page_link(
            shared.COHORT,
            label="Upload your cohort (CSV files, a zip or a workbook)",
            icon=":material/upload_file:",
        )


if not viewing:
    start_here()
plan = shared.scenario() if current is not None else None
if current is not None and plan is None:
    st.success(
        f"Loaded: **{plain(st.session_state.get(shared.LABEL, current.name))}** "
        f"({len(current.students):,} students). Next: choose a scheme."
    )
    st.page_link(shared.SCHEME, label="Choose a scheme", icon=":material/tune:")
elif current is not None:
    st.success(
        f"Loaded: **{plain(st.session_state.get(shared.LABEL, current.name))}** "
        f"({len(current.students):,} students), with a plan: **{plain(plan.name)}**. "
        "Next: see who it reaches, try a what-if, or print the report."
    )
    if viewing:
        st.page_link(shared.COVERAGE, label="See who it reaches", icon=":material/groups:")
    else:
        st.page_link(shared.SOLVE, label="Open the plan", icon=":material/task_alt:")

if not viewing:
    st.header("How it works")
    st.markdown(
        "1. **Cohort**: load your data; every problem is listed by file, row and column.\n"
        "2. **Scheme**: pick a scheme and its settings (each control explains itself).\n"
        "3. **Solve**: one button; the verdict first, in words, and what would help.\n"
        "4. **Coverage** and **What-if**: charts, and what changes if you recruit more.\n"
        "5. **Report and export**: a printable report and files for your colleagues."
    )

# ------------------------------------------------------------------------------ saved
st.header("Plans shared with you" if viewing else "Your saved scenarios")
saved = shared.store()


def open_scenario_file() -> None:
    """A colleague's .wbscenario file, checked, becomes one of this workspace's plans."""
    with st.expander("Open a scenario file from a colleague (.wbscenario)"):
        sent = st.file_uploader(
            "Scenario file",
            type=["wbscenario"],
            key="scenario_upload",
            help="A plan exported from the Report page: its cohort, "
            "settings and results. It is checked before it opens.",
        )
        if (
            sent is not None
            and saved is not None
            and st.session_state.get("scenario_upload_done") != sent.file_id
        ):
            st.session_state["scenario_upload_done"] = sent.file_id
            try:
                opened = saved.import_bytes(sent.getvalue(), shared.owner(), sent.name)
                signin.record(saved, "opened a scenario file", opened.name)
                shared.use_scenario(opened, from_store=True)
                st.success(f"Opened **{plain(opened.name)}**; it is now one of your scenarios.")
            except ScenarioFileError as exc:
                st.error(plain(exc))


if not viewing:
    open_scenario_file()
listing = saved.list_frame(shared.owner()) if saved is not None else None
if listing is not None:
    listing = listing[listing["id"].map(signin.may_open)] if len(listing) else listing
if listing is None or listing.empty:
    st.caption(
        "None yet: a coordinator's plans appear here once they share the workspace with you."
        if viewing
        else "None yet: every plan you solve is saved here automatically, and comes back "
        "after a refresh or a restart (keep this page's address)."
    )
    st.stop()
shown = [
    c
    for c in ("name", "scheme", "updated", "headline", "coverage", "cost", "notes")
    if c in listing.columns
]
st.dataframe(
    listing[shown].assign(scheme=listing["scheme"].map(registry.scheme_name)),
    width="stretch",
    hide_index=True,
    column_config={
        "name": "Plan",
        "scheme": "Scheme",
        "updated": "Saved",
        "headline": st.column_config.TextColumn("Verdict", width="large"),
        "coverage": st.column_config.NumberColumn("Coverage", format="percent"),
        "cost": st.column_config.NumberColumn("Cost per term", format="£%.0f"),
        "notes": "Notes",
    },
)
names = dict(zip(listing["id"], listing["name"], strict=True))
chosen = st.selectbox(
    "Plan to open" if viewing else "Scenario to reopen",
    list(names),
    format_func=names.get,
    key="reopen_choice",
    help="Brings back its cohort, settings and plan.",
)
left, right = st.columns([1, 3])
if left.button("Open this plan" if viewing else "Reopen", icon=":material/history:"):
    shared.use_scenario(saved.load(chosen, shared.owner()), from_store=True)
    st.switch_page(shared.COVERAGE if viewing else shared.SOLVE)
if not viewing:
    with right.popover("Delete", icon=":material/delete:"):
        st.markdown(
            f"Delete **{plain(names[chosen])}** from your saved scenarios? Its cohort, plan and "
            "notes are removed from this machine; a plan open in this session stays open "
            "until you leave it."
        )
        if st.button("Delete for good", key="delete_scenario", type="primary"):
            saved.delete(chosen, shared.owner())
            signin.record(saved, "deleted a plan", names[chosen])
            st.rerun()
