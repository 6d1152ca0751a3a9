"""The sign-in glue's own decisions, without a browser: a session whose workspace had a student
forgotten under it reloads its data and says so once (``signin.stale_after_erasure``, over
``erasure.last_erasure``), and the read-only links someone has reach them after sign-in
(``signin.take_seat`` and the sidebar's Workspace list)."""

from __future__ import annotations

import pytest
from access_helpers import BOSS, HEAD, OTHER, Clock, small_scenario
from streamlit.testing.v1 import AppTest

from app_common import shared, signin
from workbench.access import audit
from workbench.access.erasure import forget_student, last_erasure
from workbench.access.workspaces import COORDINATOR, VIEWER, Access
from workbench.scenarios.store import ScenarioStore


@pytest.fixture()
def store(tmp_path) -> ScenarioStore:
    return ScenarioStore(tmp_path / "scenarios.sqlite3", clock=Clock())


def test_last_erasure_is_the_newest_forgot_entry_of_that_workspace(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    theirs = access.create_workspace(OTHER, "Chemistry")
    store.save(small_scenario("Plan A"), ws)
    assert last_erasure(store, ws) is None
    forget_student(store, ws, "s1", BOSS)
    first = last_erasure(store, ws)
    assert (first.at, first.by) == (store.clock(), BOSS)
    store.clock.advance(minutes=5)
    forget_student(store, ws, "nobody-here", "dpo@uni.ac.uk", check_role=False)
    second = last_erasure(store, ws)
    assert second.entry > first.entry and second.by == "dpo@uni.ac.uk"
    assert last_erasure(store, theirs) is None  # another workspace's log is its own


def test_the_session_keys_dropped_are_the_apps():
    assert signin.SESSION_DATA == (
        shared.OWNER,
        shared.COHORT_KEY,
        shared.FINGERPRINT,
        shared.LABEL,
        shared.SCENARIO,
        shared.RESULT,
    )


def _page(store_path: str) -> None:
    """A page run as app.py does it: the erasure check, then a stand-in for start_session that
    loads the workspace's plan (through the server-wide copy) when the session has none."""
    import streamlit as st

    from app_common import session_memory, signin
    from workbench.scenarios.store import ScenarioStore

    store = ScenarioStore(store_path)
    ss = st.session_state
    ss["stale"] = signin.stale_after_erasure(store)
    if "owner" not in ss and signin.seat() is not None:
        ss["owner"] = signin.seat().workspace
        info = store.list(ss["owner"])[0]
        ss["scenario"] = session_memory.restored_scenario(
            store_path, ss["owner"], info.id, info.updated
        )
        ss["loads"] = ss.get("loads", 0) + 1
    ss["students"] = (
        sorted(ss["scenario"].cohort_tables["students"]["student_id"]) if "scenario" in ss else []
    )


def _session(store, who: signin.Seat) -> AppTest:
    app = AppTest.from_function(_page, args=(str(store.path),), default_timeout=30)
    app.session_state[signin.SIGNED_IN] = who
    return app.run()


def _notices(app: AppTest) -> list[str]:
    """The notices as read (file text is shown with a word joiner and an escaped @)."""
    return [element.value.replace("\u2060", "").replace("\\@", "@") for element in app.info]


def test_sessions_reload_once_after_a_student_is_forgotten(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    access.share(ws, BOSS, OTHER, COORDINATOR)
    access.share(ws, BOSS, HEAD, VIEWER)
    store.save(small_scenario("Plan A"), ws)
    colleague = _session(store, signin.Seat(OTHER, "Olu", ws, "Maths PASS", COORDINATOR))
    viewer = _session(store, signin.Seat(HEAD, "Harper", ws, "Maths PASS", VIEWER))
    boss = _session(store, signin.Seat(BOSS, "Boss", ws, "Maths PASS", COORDINATOR))
    for app in (colleague, viewer, boss):
        assert not app.exception
        assert app.session_state["students"] == ["s1", "s2"]
        assert app.session_state["loads"] == 1 and not app.session_state["stale"]
        assert _notices(app) == []
    colleague.run()  # nothing happened: nothing reloads
    assert colleague.session_state["loads"] == 1 and _notices(colleague) == []

    forget_student(store, ws, "s1", BOSS)
    colleague.run()
    assert colleague.session_state["stale"] and colleague.session_state["loads"] == 2
    assert colleague.session_state["students"] == ["s2"]  # the shared copy was read again
    assert _notices(colleague) == [
        f"A student's records were erased from this workspace by {BOSS}; the plan was "
        "reloaded without them."
    ]
    colleague.run()  # said once
    assert not colleague.session_state["stale"] and _notices(colleague) == []
    assert colleague.session_state["loads"] == 2
    viewer.run()
    assert viewer.session_state["students"] == ["s2"] and len(_notices(viewer)) == 1
    # The person who did it, in another tab, is told it was them.
    boss.run()
    assert _notices(boss) == [
        "A student's records were erased from this workspace by you; the plan was reloaded "
        "without them."
    ]
    # A session that holds nothing (e.g. the one that did the erasure, which dropped its
    # copies) reloads without a notice.
    boss.session_state["scenario"] = None
    forget_student(store, ws, "s9", BOSS)
    boss.run()
    assert boss.session_state["stale"] and _notices(boss) == []
    assert boss.session_state["students"] == ["s2"] and boss.session_state["loads"] == 3


def test_without_a_seat_nothing_is_checked(store):
    app = AppTest.from_function(_page, args=(str(store.path),), default_timeout=30).run()
    assert not app.exception and app.session_state["stale"] is False
    assert signin.ERASURE_SEEN not in app.session_state


# ----------------------------------------------------------------------------- links after sign-in


def _signing_in(store_path: str) -> None:
    """After sign-in, as admit() does it: a seat for the signed-in user, then the sidebar's
    Workspace list."""
    import streamlit as st

    from app_common import signin
    from workbench.scenarios.store import ScenarioStore

    store = ScenarioStore(store_path)
    if signin.seat() is None:
        st.session_state[signin.SIGNED_IN] = signin.take_seat(store)
    if signin.seat() is not None:
        signin.switch_workspace(store, signin.seat())


@pytest.fixture()
def rules(monkeypatch):
    """Only the boss may start a workspace (the settings are read once per server)."""
    monkeypatch.setenv("WORKBENCH_COORDINATORS", BOSS)
    monkeypatch.delenv("WORKBENCH_RETENTION_DAYS", raising=False)
    signin.settings.clear()
    yield
    signin.settings.clear()


def _signed_in(store, email: str) -> AppTest:
    app = AppTest.from_function(_signing_in, args=(str(store.path),), default_timeout=30)
    app.user = {"email": email, "name": email.split("@")[0].title(), "is_logged_in": True}
    return app.run()


def _two_links(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    older = store.save(small_scenario("Older plan"), ws)
    newer = store.save(small_scenario("Newer plan"), ws)
    first = access.create_link(ws, older, BOSS, HEAD)
    store.clock.advance(minutes=1)
    second = access.create_link(ws, newer, BOSS, HEAD)
    return access, ws, (older, first), (newer, second)


def _choices(app: AppTest) -> list[str]:
    if not app.sidebar.selectbox:
        return []
    return list(app.sidebar.selectbox(key="workspace_choice").options)


def test_someone_in_no_workspace_lands_on_their_newest_links_plan(store, rules):
    access, ws, (older, first), (newer, second) = _two_links(store)
    app = _signed_in(store, HEAD)
    assert not app.exception
    seat = app.session_state[signin.SIGNED_IN]
    assert (seat.workspace, seat.role, seat.link_plan) == (ws, VIEWER, newer)
    assert app.query_params["link"] == second  # a refresh opens the same plan
    # Recorded as opening the link is.
    assert (HEAD, "opened a read-only link", "Newer plan") in audit_rows(store, ws)
    assert _choices(app) == ["Newer plan (read-only link)", "Older plan (read-only link)"]
    # Choosing the other plan opens it by its link, recorded the same way.
    app.sidebar.selectbox(key="workspace_choice").select(f"link:{first}").run()
    assert not app.exception
    seat = app.session_state[signin.SIGNED_IN]
    assert seat.link_plan == older and app.query_params["link"] == first
    assert (HEAD, "opened a read-only link", "Older plan") in audit_rows(store, ws)


def test_a_member_keeps_their_workspace_and_finds_the_links_plans_in_the_list(store, rules):
    access, ws, (older, first), (newer, second) = _two_links(store)
    access.share(ws, BOSS, HEAD, VIEWER)
    access.create_link(ws, newer, BOSS, HEAD)  # a second link to the same plan: listed once
    app = _signed_in(store, HEAD)
    seat = app.session_state[signin.SIGNED_IN]
    assert (seat.workspace, seat.role, seat.link_plan) == (ws, VIEWER, "")
    assert "link" not in app.query_params
    assert _choices(app) == [
        "Maths PASS (viewer)",
        "Newer plan (read-only link)",
        "Older plan (read-only link)",
    ]
    app.sidebar.selectbox(key="workspace_choice").select(f"link:{first}").run()
    seat = app.session_state[signin.SIGNED_IN]
    assert (seat.link_plan, seat.workspace_name) == (older, "a shared plan")
    app.sidebar.selectbox(key="workspace_choice").select(f"ws:{ws}").run()  # and back
    seat = app.session_state[signin.SIGNED_IN]
    assert (seat.workspace, seat.link_plan) == (ws, "") and "link" not in app.query_params


def test_someone_who_may_coordinate_but_only_has_links_can_start_a_workspace(store, rules):
    access = Access(store)
    theirs = access.create_workspace(OTHER, "Chemistry")
    plan = store.save(small_scenario("Their plan"), theirs)
    access.create_link(theirs, plan, OTHER, BOSS)
    app = _signed_in(store, BOSS)
    assert app.session_state[signin.SIGNED_IN].link_plan == plan
    assert access.memberships(BOSS) == []  # not made a workspace on the way to the plan
    assert _choices(app) == ["Their plan (read-only link)", "A new workspace of your own"]
    app.sidebar.selectbox(key="workspace_choice").select("ws:new").run()
    seat = app.session_state[signin.SIGNED_IN]
    assert seat.role == COORDINATOR and seat.link_plan == ""
    assert [m.workspace for m in access.memberships(BOSS)] == [seat.workspace]
    # Without links, or with a withdrawn one, nobody else gets anything.
    assert _signed_in(store, "stranger@uni.ac.uk").session_state[signin.SIGNED_IN] is None


def audit_rows(store, ws) -> list[tuple[str, str, str]]:
    log = audit.entries(store, ws)
    return list(zip(log["Who"], log["What"], log["Plan or file"], strict=True))
