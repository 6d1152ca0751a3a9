"""Messages: drafts that launch a scheme, from templates you edit. Nothing is sent."""

import streamlit as st

from app_common import prepare_state as ps
from app_common import shared, signin
from app_common.file_text import plain
from workbench.prepare import messages as msg
from workbench.prepare.drafts import eml_zip, make_drafts, messages_csv, preview
from workbench.prepare.handbook import module_handbooks

st.title("Messages")
st.markdown(
    "Draft one message per person from the current plan: introductions for mentors and "
    "mentees, PASS timetables for students, sessions and handbooks for leaders, training "
    "sessions for volunteers. You download them as a mail-merge file or as drafts your mail "
    "program opens; **nothing is sent from the workbench**."
)
cohort = shared.require_cohort()
files = ps.plan_files()

kind = st.radio("Which messages", msg.KINDS, format_func=msg.KIND_WORDS.get, key="msg_kind")
template = msg.DEFAULT_TEMPLATES[kind]
subject = st.text_input("Subject", template.subject, key=f"msg_subject_{kind}")
body = st.text_area("Message", template.body, height=260, key=f"msg_body_{kind}")
st.caption("Fields you can use: " + ", ".join(f"`{{{f}}}`" for f in msg.allowed_fields(kind)))
coordinator = st.text_input("Signed by", "The peer support team", key="msg_coordinator")

problems = msg.template_problems(subject, kind) + msg.template_problems(body, kind)
if problems:
    st.error("The template cannot be used yet:")
    for problem in problems:
        st.text(problem)
    st.stop()

books = None
scheme = ps.saved_scheme()
if kind == "leaders" and scheme is not None and len(files.sessions):
    books = module_handbooks(cohort, scheme, files.sessions)
try:
    drafts = make_drafts(kind, cohort, files, msg.Template(subject, body), coordinator, books)
except ValueError as exc:
    st.info(f"**Nothing to draft yet.** {plain(exc)}: solve it first (Solve or Volunteers).")
    st.stop()

st.success(f"{len(drafts.messages)} message(s) drafted; nothing has been sent.")
if kind == "leaders" and books is None:
    st.caption("Plan the Scheme of work first to attach each module's handbook.")
if drafts.without_address:
    st.warning(f"{len(drafts.without_address)} people have no usable e-mail address:")
    st.text(", ".join(drafts.without_address))

st.header("Preview")
for shown in preview(drafts):
    with st.container(border=True):
        st.text(f"To: {shown['to']}\nSubject: {shown['subject']}")
        st.text(shown["body"])

st.download_button(
    "Download the mail merge (CSV)",
    messages_csv(drafts),
    f"messages_{kind}.csv",
    "text/csv",
    on_click=signin.on_export(shared.store(), "Download the mail merge (CSV)"),
)
st.download_button(
    "Download the drafts (.eml files in a zip)",
    eml_zip(drafts),
    f"messages_{kind}.zip",
    "application/zip",
    on_click=signin.on_export(shared.store(), "Download the drafts (.eml files in a zip)"),
)
