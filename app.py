"""The peer-support planning workbench: ``streamlit run app.py``.

This entry script owns the navigation. The page scripts live in ``app_pages/`` (not
``pages/``): a ``pages/`` folder beside the entry script makes Streamlit start in its legacy
multipage mode, so a link to a page opened on a freshly started server would show that page
without this navigation and without the session defaults set here.

Everything runs inside ``main()``: the what-if sweeps start worker processes with "spawn", which
import the main module again (as ``__mp_main__``); they must not run the app.
"""

from pathlib import Path

import streamlit as st

APP_NAME = "Peer-support workbench"
STYLE = Path(__file__).parent / "app_common" / "a11y.css"


def page_title(page: str) -> str:
    """The browser tab's title: the page first, then the app ("Solve · Peer-support workbench")."""
    return f"{page} · {APP_NAME}"


def main() -> None:
    from app_common import forms, shared, signin  # here, so a sweep's worker never imports the app

    st.set_page_config(layout="wide")  # the default icon: no font service
    st.html(STYLE)  # the focus ring (see the file); colours are in .streamlit/config.toml
    seat = None
    if signin.enabled():  # a shared deployment: nothing but the sign-in page until signed in
        seat = signin.admit(shared.store())
        if seat is None:
            return
        signin.stale_after_erasure(shared.store())  # a student forgotten since: reload, say so
    shared.start_session(seat)
    forms.apply_pending()  # a plan reopened by this session: its settings into the controls

    # No page icons: Streamlit fetches a page's Material icon from a font service as its favicon.
    # One flat list in working order, not sections: Streamlit's sectioned sidebar puts <div>s
    # straight inside its <ul> (axe "list", WCAG 1.3.1); the flat one is a clean list.
    # A viewer (sign-in on) gets the pages that only show a plan; a coordinator also gets the
    # Workspace page (sharing, the audit log, erasure).
    pages = [
        st.Page(shared.HOME, title="Home", default=True),
        st.Page(shared.COHORT, title="Cohort", url_path="cohort"),
        st.Page(shared.SCHEME, title="Scheme", url_path="scheme"),
        st.Page(shared.SOLVE, title="Solve", url_path="solve"),
        st.Page(shared.COVERAGE, title="Coverage", url_path="coverage"),
        st.Page(shared.WHATIF, title="What-if", url_path="what-if"),
        st.Page(shared.VOLUNTEERS, title="Volunteers", url_path="volunteers"),
        st.Page("app_pages/scheme_of_work.py", title="Scheme of work", url_path="scheme-of-work"),
        st.Page("app_pages/messages.py", title="Messages", url_path="messages"),
        # Run the term (kept in the flat list; see above): registers, monitoring, evaluation.
        st.Page("app_pages/attendance.py", title="Attendance", url_path="attendance"),
        st.Page("app_pages/monitoring.py", title="Monitoring", url_path="monitoring"),
        st.Page("app_pages/evaluation.py", title="Evaluation", url_path="evaluation"),
        st.Page(shared.REPORT, title="Report and export", url_path="report"),
    ]
    if seat is not None and seat.is_viewer:
        pages = [page for page in pages if page.url_path in signin.VIEWER_PAGES]
    elif seat is not None:
        pages.append(st.Page(shared.WORKSPACE, title="Workspace", url_path="workspace"))
    navigation = st.navigation(pages, position="sidebar", expanded=True)
    # Each tab names its page (WCAG 2.4.2). Before the first run the tab says "Streamlit":
    # the initial HTML's title cannot be configured (streamlit/streamlit#9058).
    st.set_page_config(page_title=page_title(navigation.title))
    status = st.sidebar.empty()
    shared.sidebar_status(status)  # also shown when a page stops early (st.stop drops `finally`)
    if seat is not None:
        signin.sidebar_account(shared.store(), seat)
    try:
        navigation.run()
    finally:  # after the page, so a cohort loaded on this run is already shown
        shared.after_page(status)


if __name__ == "__main__":
    main()
