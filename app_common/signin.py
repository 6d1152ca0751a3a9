"""Sign-in, workspaces and roles for a shared deployment; off unless secrets name a provider.

With an ``[auth]`` table in ``.streamlit/secrets.toml`` (Streamlit's own OIDC support,
``st.login``), every page needs a signed-in user. A user works in a workspace that belongs to
them or that a coordinator shared with them, with one of two roles:

* **coordinator**: everything (upload, solve, edit, share, export, delete);
* **viewer** (a head of department): the shared plans, their charts and the report; no upload,
  solve or edit, and no student-level tables or files unless a coordinator allows it.

A read-only link (``?link=<token>``) opens one plan for the one person it names. Streamlit's
sign-in returns to the app's start address without the link, so a person who belongs to no
workspace gets the plan of the newest link made for them; someone who also works in a workspace
finds their links' plans in the sidebar's Workspace list. Without an ``[auth]`` table nothing here
changes the app: one browser, one workspace key, as on a laptop.

After a coordinator forgets a student, every other session of the workspace drops the cohort
and plan it holds in memory and reloads them from the store (:func:`stale_after_erasure`).

The rules (who may do what, the audit log, retention) are in ``workbench/access/``; this module
only asks them and draws the sign-in page.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import streamlit as st

from app_common import session_memory
from app_common.file_text import plain
from workbench.access import audit
from workbench.access.erasure import last_erasure
from workbench.access.retention import RetentionSchedule, start_schedule
from workbench.access.settings import DeploymentSettings
from workbench.access.workspaces import VIEWER, Access, Membership, PlanLink

LOG = logging.getLogger(__name__)
SIGNED_IN = "signed_in"  # session key: this session's Seat once signed in
ERASURE_SEEN = "erasure_seen"  # session key: the last erasure this session's data reflects
# The session keys holding the workspace's data (app_common.shared's OWNER, COHORT_KEY,
# FINGERPRINT, LABEL, SCENARIO, RESULT; a test checks they are the same): without OWNER, the next
# shared.start_session reloads the cohort and plan from the store.
SESSION_DATA = ("owner", "cohort", "cohort_fingerprint", "cohort_label", "scenario", "result")
RETENTION_EVERY_S = 3600.0  # how often the server deletes what is past its retention period
LINK_WORDS = "(read-only link)"
NEW_WORKSPACE = "new"  # ?ws=new: someone who may coordinate, so far only in links, starts one
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
        st.caption(
            "This is a link to a plan shared with you: the plan opens once you have signed in. "
            "If you also work in a workspace, you find the plan in the sidebar's Workspace list."
        )


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


def _link_seat(access: Access, token: str, email: str, name: str) -> Seat | None:
    """The seat a read-only link gives (its opening recorded), or None."""
    link = access.open_link(token, email)
    if link is None:
        return None
    return Seat(email, name, link.workspace, "a shared plan", VIEWER, link.scenario_id)


def take_seat(store) -> Seat | None:
    """After sign-in: this session's workspace and role (from the address's ``ws`` or ``link``,
    else the user's first workspace; someone in no workspace who has read-only links gets the
    newest link's plan, since sign-in drops the link from the address; a coordinator without
    either gets a new workspace)."""
    email = _email()
    name = str(st.user.get("name") or email)
    access = Access(store)
    token = st.query_params.get("link", "")
    if token:
        taken = _link_seat(access, token, email, name)
        if taken is not None:
            return taken
        st.toast("That read-only link is not for this account, or its plan was deleted.")
    memberships = access.memberships(email)
    own = st.query_params.get("ws") == NEW_WORKSPACE and settings().may_coordinate(email)
    if not memberships and not own:
        for link in access.links_for(email):
            taken = _link_seat(access, link.token, email, name)
            if taken is not None:
                st.query_params["link"] = link.token  # a refresh opens the same plan
                return taken
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


def _plans_by_link(links: list[PlanLink]) -> dict[str, PlanLink]:
    """One link per plan (the newest), keyed ``link:<token>``."""
    chosen: dict[tuple[str, str], PlanLink] = {}
    for link in links:  # newest first
        chosen.setdefault((link.workspace, link.scenario_id), link)
    return {f"link:{link.token}": link for link in chosen.values()}


def workspace_choices(store, current: Seat) -> tuple[dict[str, str], str]:
    """What the sidebar's Workspace list offers (``ws:<id>`` or ``link:<token>`` -> words) and
    the current seat's entry: the user's workspaces, then the plans of their read-only links."""
    access = Access(store)
    choices = {
        f"ws:{m.workspace}": f"{m.name} ({m.role})" for m in access.memberships(current.email)
    }
    links = _plans_by_link(access.links_for(current.email))
    choices.update({key: f"{link.plan} {LINK_WORDS}" for key, link in links.items()})
    if len(choices) == len(links) and settings().may_coordinate(current.email):
        choices[f"ws:{NEW_WORKSPACE}"] = "A new workspace of your own"
    here = f"ws:{current.workspace}"
    if current.link_plan:
        here = next(
            (
                key
                for key, link in links.items()
                if (link.workspace, link.scenario_id) == (current.workspace, current.link_plan)
            ),
            "here",
        )
    if here not in choices:  # withdrawn or unshared since: still say where this session is
        here = "here"
        words = LINK_WORDS if current.link_plan else f"({current.role})"
        choices = {here: f"{current.workspace_name} {words}", **choices}
    return choices, here


def switch_workspace(store, current: Seat) -> None:
    """In the sidebar: the user's other workspaces and their read-only links' plans (a fresh
    start in the one chosen)."""
    choices, here = workspace_choices(store, current)
    if len(choices) < 2:
        return
    picked = st.sidebar.selectbox(
        "Workspace",
        list(choices),
        index=list(choices).index(here),
        format_func=choices.get,
        key="workspace_choice",
        help="The workspaces you coordinate or that were shared with you, and the plans "
        "shared with you by a read-only link.",
    )
    if picked != here:
        for key in list(st.session_state):
            del st.session_state[key]
        st.query_params.clear()
        kind, _, value = picked.partition(":")
        st.query_params[kind] = value  # ?ws=<workspace> or ?link=<token>
        st.rerun()


def sidebar_account(store, current: Seat) -> None:
    """Who is signed in, their role, the other workspaces, and signing out."""
    switch_workspace(store, current)
    st.sidebar.caption(
        f"Signed in as **{plain(current.email)}**: {current.role} of "
        f"**{plain(current.workspace_name)}**."
    )
    st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")


# ----------------------------------------------------------------------------- erasure


@st.cache_resource(show_spinner=False)
def _erasures_cleared() -> tuple[threading.Lock, dict[tuple[str, str], int]]:
    """Per server: the last erasure of each workspace whose shared copies were dropped."""
    return threading.Lock(), {}


def _drop_shared_copies(store, workspace: str, entry: int) -> None:
    """Once per erasure and server: the plans and cohorts kept in memory for every session
    (an erasure from the command line cleared none of them)."""
    lock, cleared = _erasures_cleared()
    with lock:
        key = (str(store.path), workspace)
        if cleared.get(key, 0) >= entry:
            return
        cleared[key] = entry
    session_memory.restored_scenario.clear()
    session_memory.restored_cohort.clear()
    st.cache_data.clear()


def stale_after_erasure(store) -> bool:
    """Call on every page run, before ``shared.start_session``: when a student was forgotten in
    this session's workspace since it loaded its data, drop its cohort and plan (so
    ``start_session`` reloads them from the store, without the student), say so once, and
    return True. The first run only notes the latest erasure."""
    current = seat()
    if current is None or store is None:
        return False
    try:
        latest = last_erasure(store, current.workspace)
    except Exception as exc:  # noqa: BLE001 (a busy store: look again at the next run)
        LOG.warning("could not check for erasures: %s", exc)
        return False
    entry = latest.entry if latest is not None else 0
    seen = st.session_state.get(ERASURE_SEEN)
    st.session_state[ERASURE_SEEN] = entry
    if seen is None or entry <= seen or latest is None:
        return False
    _drop_shared_copies(store, current.workspace, entry)
    held = [key for key in SESSION_DATA[1:] if st.session_state.get(key) is not None]
    what = "the plan was" if st.session_state.get("scenario") is not None else "the cohort was"
    for key in SESSION_DATA:
        st.session_state.pop(key, None)
    if held:  # nothing shown was stale otherwise (e.g. the session that did the erasure)
        who = "you" if latest.by == current.email else latest.by
        st.info(
            f"A student's records were erased from this workspace by {plain(who)}; {what} "
            "reloaded without them.",
            icon=":material/person_off:",
        )
    return True


# ----------------------------------------------------------------------------- retention


@st.cache_resource(show_spinner=False)
def start_retention(store_path: str) -> RetentionSchedule | None:
    """Once per server: delete what is past its retention period, now and every hour."""
    rules = settings()
    if not (rules.retention_days or rules.audit_days):
        return None
    return start_schedule(store_path, rules, RETENTION_EVERY_S)
