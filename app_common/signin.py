"""Sign-in, workspaces and roles for a shared deployment; off unless secrets name a provider.

With an ``[auth]`` table in ``.streamlit/secrets.toml`` (Streamlit's own OIDC support,
``st.login``), every page needs a signed-in user. A user works in a workspace that belongs to
them or that a coordinator shared with them, with one of two roles:

* **coordinator**: everything (upload, solve, edit, share, export, delete);
* **viewer** (a head of department): the shared plans, their charts and the report; no upload,
  solve or edit, and no student-level tables or files unless a coordinator allows it.

A read-only link (``?link=<token>``) opens one plan for the one person it names. Without an
``[auth]`` table nothing here changes the app: one browser, one workspace key, as on a laptop.

The rules (who may do what, the audit log, retention) are in ``workbench/access/``; this module
only asks them and draws the sign-in page.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import streamlit as st

from app_common.file_text import plain
from workbench.access import audit
from workbench.access.retention import purge_expired
from workbench.access.settings import DeploymentSettings
from workbench.access.workspaces import VIEWER, Access, Membership
from workbench.scenarios.store import ScenarioStore

LOG = logging.getLogger(__name__)
SIGNED_IN = "signed_in"  # session key: this session's Seat once signed in
RETENTION_EVERY_S = 3600.0  # how often the server deletes what is past its retention period
# The pages a viewer has (by their address): Home (the shared plans), Coverage, the report.
VIEWER_PAGES = frozenset({"", "coverage", "report"})


@dataclass(frozen=True)
class Seat:
    """Who this session is and where they work: their e-mail, the workspace, their role there,
    and the one plan a read-only link opened (empty otherwise)."""

    email: str
    name: str
    workspace: str
    workspace_name: str
    role: str
    link_plan: str = ""

    @property
    def is_viewer(self) -> bool:
        return self.role == VIEWER


def enabled() -> bool:
    """Sign-in is on when the secrets name an identity provider (an ``[auth]`` table)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # noqa: BLE001 (an unreadable secrets file: Streamlit itself reports it)
        return False


@st.cache_resource(show_spinner=False)
def settings() -> DeploymentSettings:
    """Who may create workspaces and how long things are kept (secrets ``[workbench]`` table,
    overridden by ``WORKBENCH_*`` environment variables)."""
    table = st.secrets.get("workbench", {}) if enabled() else {}
    return DeploymentSettings.from_mapping(dict(table))


def seat() -> Seat | None:
    """This session's seat; None when sign-in is off (or before the user has one)."""
    return st.session_state.get(SIGNED_IN)


def is_viewer() -> bool:
    """A viewer's session (sign-in on); on a laptop everyone is the coordinator."""
    current = seat()
    return current is not None and current.is_viewer


def may_open(scenario_id: str) -> bool:
    """A read-only link opens its one plan; everyone else sees the workspace's plans."""
    current = seat()
    return current is None or not current.link_plan or scenario_id == current.link_plan


def may_see_students(store) -> bool:
    """Student-level tables and files: coordinators always; viewers when a coordinator allows."""
    current = seat()
    if current is None or not current.is_viewer:
        return True
    return store is not None and Access(store).viewers_see_students(current.workspace)


def record(store, action: str, target: str = "", detail: str = "") -> None:
    """One line in the workspace's audit log (only in a shared deployment: on a laptop nothing
    is written that the coordinator did not ask to save)."""
    current = seat()
    if current is None or store is None:
        return
    try:
        audit.record(store, current.workspace, current.email, action, target, detail)
    except Exception as exc:  # noqa: BLE001 (a full disk must not lose the coordinator's work)
        LOG.warning("audit entry not written: %s", exc)


def on_export(store, what: str):
    """A download button's ``on_click``: records the export in a shared deployment; on a
    laptop the button does not even rerun the page."""
    if seat() is None:
        return "ignore"
    what = what.removeprefix("Download ")  # a button's label names what it downloads
    return lambda: record(store, "exported", what)


# ----------------------------------------------------------------------------- signing in


def sign_in_page() -> None:
    """What a signed-out browser sees, and all it sees."""
    st.title("Sign in")
    st.markdown(
        "The peer-support planning workbench holds student data, so it asks who you are. "
        "Sign in with your university account to see the workspaces you coordinate or that "
        "were shared with you."
    )
    st.button("Sign in with your university account", type="primary", on_click=st.login)
    if st.query_params.get("link"):
        st.caption("This is a link to a shared plan: once signed in, open the link again.")


def no_workspace_page() -> None:
    """Signed in, but no workspace: say whom to ask."""
    current = st.user.get("email", "")
    st.title("No workspace yet")
    st.markdown(
        f"You are signed in as **{plain(current)}**, but no workspace has been shared with "
        "you. Ask your scheme coordinator to share theirs with this address from their "
        "Workspace page."
    )
    st.button("Sign out", on_click=st.logout)


def _email() -> str:
    return str(st.user.get("email") or st.user.get("sub") or "").strip().lower()


def _chosen(memberships: list[Membership], wanted: str) -> Membership:
    for membership in memberships:
        if membership.workspace == wanted:
            return membership
    return memberships[0]


def take_seat(store) -> Seat | None:
    """After sign-in: this session's workspace and role (from the address's ``ws`` or ``link``,
    else the user's first workspace; a coordinator without one gets a new one)."""
    email = _email()
    name = str(st.user.get("name") or email)
    access = Access(store)
    token = st.query_params.get("link", "")
    if token:
        link = access.open_link(token, email)
        if link is not None:
            return Seat(email, name, link.workspace, "a shared plan", VIEWER, link.scenario_id)
        st.toast("That read-only link is not for this account, or its plan was deleted.")
    memberships = access.memberships(email)
    if not memberships and settings().may_coordinate(email):
        access.create_workspace(email, f"{name}'s workspace")
        memberships = access.memberships(email)
    if not memberships:
        return None
    chosen = _chosen(memberships, st.query_params.get("ws", ""))
    return Seat(email, name, chosen.workspace, chosen.name, chosen.role)


def admit(store) -> Seat | None:
    """Sign-in on: this session's seat, or None after drawing the only page a visitor without
    one may see (the sign-in page, or "no workspace yet")."""
    current = seat()
    if current is not None and (not st.user.is_logged_in or current.email != _email()):
        for key in list(st.session_state):  # signed out, or signed in as someone else
            del st.session_state[key]
        current = None
    if not st.user.is_logged_in:
        st.navigation([st.Page(sign_in_page, title="Sign in")], position="hidden").run()
        return None
    if current is None and store is not None:
        current = take_seat(store)
        if current is not None:
            st.session_state[SIGNED_IN] = current
            record(store, "signed in", detail=f"as {current.role}")
    if current is None:
        st.navigation([st.Page(no_workspace_page, title="No workspace")], position="hidden").run()
        return None
    start_retention(str(store.path))
    return current


def switch_workspace(store, current: Seat) -> None:
    """In the sidebar: the user's other workspaces (a fresh start in the one chosen)."""
    if current.link_plan:
        return
    memberships = Access(store).memberships(current.email)
    if len(memberships) < 2:
        return
    names = {m.workspace: f"{m.name} ({m.role})" for m in memberships}
    picked = st.sidebar.selectbox(
        "Workspace",
        list(names),
        index=list(names).index(current.workspace),
        format_func=names.get,
        key="workspace_choice",
        help="The workspaces you coordinate or that were shared with you.",
    )
    if picked != current.workspace:
        keep = {SIGNED_IN}
        for key in [k for k in st.session_state if k not in keep]:
            del st.session_state[key]
        st.session_state.pop(SIGNED_IN, None)
        st.query_params.clear()
        st.query_params["ws"] = picked
        st.rerun()


def sidebar_account(store, current: Seat) -> None:
    """Who is signed in, their role, the other workspaces, and signing out."""
    switch_workspace(store, current)
    st.sidebar.caption(
        f"Signed in as **{plain(current.email)}**: {current.role} of "
        f"**{plain(current.workspace_name)}**."
    )
    st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")


# ----------------------------------------------------------------------------- retention


@st.cache_resource(show_spinner=False)
def start_retention(store_path: str) -> threading.Thread | None:
    """Once per server: delete what is past its retention period, now and every hour."""
    rules = settings()
    if not (rules.retention_days or rules.audit_days):
        return None

    def run() -> None:
        while True:
            try:
                report = purge_expired(ScenarioStore(store_path), rules)
                LOG.info("retention: %s", report.summary())
            except Exception as exc:  # noqa: BLE001 (try again at the next round)
                LOG.warning("retention round failed: %s", exc)
            time.sleep(RETENTION_EVERY_S)

    thread = threading.Thread(target=run, name="workbench-retention", daemon=True)
    thread.start()
    return thread
