"""Workspace (a shared deployment, coordinators only): who shares it, read-only links, what
viewers may see, the audit log, erasure of a student and how long things are kept."""

import streamlit as st

from app_common import shared, signin
from app_common.file_text import plain
from workbench.access import audit
from workbench.access.erasure import ErasureError, forget_student
from workbench.access.workspaces import COORDINATOR, VIEWER, Access, AccessDenied

ROLE_WORDS = {
    VIEWER: "Viewer: sees the plans, their charts and the report",
    COORDINATOR: "Coordinator: can also upload, solve, share and delete",
}

seat = signin.seat()
store = shared.store()
st.title("Workspace")
if seat is None or seat.is_viewer or store is None:
    st.info("This page is for the workspace's coordinators.")
    st.stop()
access = Access(store)
st.markdown(
    f"**{plain(seat.workspace_name)}**: the plans and cohorts saved here, who may see them, "
    "and a record of who did what."
)

# ------------------------------------------------------------------------------ people
st.header("People")
members = access.members(seat.workspace)
st.dataframe(
    [
        {
            "E-mail": m.email,
            "Role": m.role,
            "Added": m.added[:16].replace("T", " "),
            "By": m.added_by,
        }
        for m in members
    ],
    hide_index=True,
    width="stretch",
)
with st.form("share_form", border=True):
    st.markdown("**Share this workspace with a colleague**")
    email = st.text_input("Their university e-mail", placeholder="name@university.ac.uk")
    role = st.radio("Role", list(ROLE_WORDS), format_func=ROLE_WORDS.get, index=0)
    if st.form_submit_button("Share", icon=":material/person_add:") and email.strip():
        try:
            access.share(seat.workspace, seat.email, email, role)
            st.success(f"Shared with {plain(email.strip())} as a {role}.")
        except AccessDenied as exc:
            st.error(plain(exc))
others = [m.email for m in members if m.email != seat.email]
if others:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    leaving = left.selectbox("Stop sharing with", others, key="unshare_choice")
    if right.button("Stop sharing", icon=":material/person_remove:"):
        try:
            access.unshare(seat.workspace, seat.email, leaving)
            st.rerun()
        except AccessDenied as exc:
            st.error(plain(exc))

st.header("What viewers may see")
allowed = st.toggle(
    "Viewers may see the lists of students (the plan's tables and files)",
    value=access.viewers_see_students(seat.workspace),
    help="Off: viewers see figures, charts and a report without names. On: they also see "
    "the plan's lists of students and may download its files.",
)
if allowed != access.viewers_see_students(seat.workspace):
    access.allow_student_tables(seat.workspace, seat.email, allowed)
    st.rerun()

# ------------------------------------------------------------------------------ links
st.header("Read-only links")
st.caption("A link that opens one plan, read-only, for one named colleague (they sign in first).")
plans = shared.saved_scenarios()
if plans:
    with st.form("link_form", border=True):
        plan = st.selectbox("Plan", list(plans), format_func=plans.get)
        reader = st.text_input("For (their university e-mail)")
        if st.form_submit_button("Make the link", icon=":material/link:") and reader.strip():
            token = access.create_link(seat.workspace, plan, seat.email, reader)
            here = st.context.url.split("?")[0].removesuffix("workspace")  # the app's address
            st.session_state["new_link"] = f"{here}?link={token}"
    if st.session_state.get("new_link"):
        st.text("Send this address to them:")
        st.code(st.session_state["new_link"], language=None)
links = access.links(seat.workspace)
if links:
    names = {
        t: plans.get(link.scenario_id, "a deleted plan")
        for t, link in ((k.token, k) for k in links)
    }
    st.dataframe(
        [
            {"Plan": names[k.token], "For": k.email, "Made": k.created[:16].replace("T", " ")}
            for k in links
        ],
        hide_index=True,
        width="stretch",
    )
    gone = st.selectbox(
        "Link to withdraw",
        [k.token for k in links],
        format_func=lambda t: next(f"{names[t]} for {k.email}" for k in links if k.token == t),
    )
    if st.button("Withdraw the link", icon=":material/link_off:"):
        access.revoke_link(seat.workspace, seat.email, gone)
        st.rerun()
else:
    st.caption("No links yet.")

# ------------------------------------------------------------------------------ audit
st.header("Who did what")
entries = audit.entries(store, seat.workspace)
st.dataframe(entries, hide_index=True, width="stretch")
st.download_button(
    "Download the record (CSV)",
    audit.audit_csv(store, seat.workspace),
    file_name="audit-log.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click=signin.on_export(store, "the audit log"),
)

# ------------------------------------------------------------------------------ erasure
st.header("Forget a student")
st.caption(
    "Removes a student's id and rows from every cohort and plan saved in this workspace and "
    "from the record of exports (UK GDPR erasure). Plans keep their figures as solved; solve "
    "again to refresh them."
)
student = st.text_input("Student id", key="forget_id")
with st.popover("Forget this student", icon=":material/person_off:", disabled=not student.strip()):
    st.markdown(f"Remove **{plain(student.strip())}** from everything saved in this workspace?")
    if st.button("Forget for good", type="primary", key="forget_confirm"):
        try:
            report = forget_student(store, seat.workspace, student.strip(), seat.email)
        except ErasureError as exc:
            st.session_state["forget_report"] = None
            st.error(plain(exc))
        else:
            shared.forget_open_plan()  # this session's copies held the student too
            st.session_state["forget_report"] = report.summary()
if st.session_state.get("forget_report"):
    st.success(plain(st.session_state["forget_report"]))

# ------------------------------------------------------------------------------ retention
st.header("How long things are kept")
rules = signin.settings()
st.markdown(
    f"Saved cohorts and plans are deleted **{rules.retention_days} days** after they were last "
    "saved."
    if rules.retention_days
    else "Saved cohorts and plans are kept until a coordinator deletes them (no retention "
    "period is set for this server)."
)
if rules.audit_days:
    st.markdown(f"This record of who did what is kept for {rules.audit_days} days.")
