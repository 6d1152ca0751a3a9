"""Workspaces that belong to people: roles, sharing, read-only links, the audit log and the
deployment's settings, on a real store file with a clock the test moves."""

from __future__ import annotations

import csv
import io
import re

import pytest
from access_helpers import BOSS, HEAD, OTHER, Clock, small_scenario

from workbench.access import audit
from workbench.access.settings import DeploymentSettings
from workbench.access.workspaces import (
    COORDINATOR,
    VIEWER,
    Access,
    AccessDenied,
    Member,
    Membership,
)
from workbench.scenarios.store import ScenarioStore


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def store(tmp_path, clock) -> ScenarioStore:
    return ScenarioStore(tmp_path / "scenarios.sqlite3", clock=clock)


def test_a_new_workspace_belongs_to_its_creator_only(store, clock):
    access = Access(store)
    mine = access.create_workspace(" Boss@Uni.AC.uk ", "Maths PASS")
    assert re.fullmatch(r"[0-9a-f]{32}", mine)
    theirs = access.create_workspace(OTHER, "Chemistry")
    assert access.memberships(BOSS) == [Membership(mine, "Maths PASS", COORDINATOR)]
    assert access.memberships("OTHER@uni.ac.uk") == [Membership(theirs, "Chemistry", COORDINATOR)]
    assert access.memberships(HEAD) == []
    assert access.role(mine, "BOSS@uni.ac.uk") == COORDINATOR
    assert access.role(mine, OTHER) is None
    assert access.members(mine) == [Member(BOSS, COORDINATOR, clock(), BOSS)]
    # The workspace id is the store's owner key: its plans are listed by it, and only there.
    saved = store.save(small_scenario("Plan A"), mine)
    assert [i.id for i in store.list(mine)] == [saved]
    assert store.list(theirs) == []


def test_sharing_gives_a_role_and_viewers_cannot_share(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    access.share(ws, "BOSS@uni.ac.uk", " Head@Uni.ac.uk", VIEWER)
    assert access.role(ws, HEAD) == VIEWER
    assert access.memberships(HEAD) == [Membership(ws, "Maths PASS", VIEWER)]
    with pytest.raises(AccessDenied, match="Only a coordinator of this workspace can share it"):
        access.share(ws, HEAD, OTHER, VIEWER)
    with pytest.raises(AccessDenied, match="Only a coordinator"):
        access.share(ws, OTHER, OTHER, COORDINATOR)  # a stranger cannot let themselves in
    with pytest.raises(AccessDenied, match="Only a coordinator"):
        access.unshare(ws, HEAD, BOSS)
    with pytest.raises(AccessDenied, match="Only a coordinator"):
        access.allow_student_tables(ws, HEAD, True)
    assert access.role(ws, OTHER) is None
    with pytest.raises(ValueError, match="not an e-mail address"):
        access.share(ws, BOSS, "head", VIEWER)
    with pytest.raises(ValueError, match="coordinator or viewer"):
        access.share(ws, BOSS, HEAD, "owner")
    # A viewer made coordinator may share in turn.
    access.share(ws, BOSS, HEAD, COORDINATOR)
    access.share(ws, HEAD, OTHER, VIEWER)
    assert [(m.email, m.role) for m in access.members(ws)] == [
        (BOSS, COORDINATOR),
        (HEAD, COORDINATOR),
        (OTHER, VIEWER),
    ]
    # One user's listing never shows another's unshared workspace.
    own = access.create_workspace(OTHER, "Other's own")
    assert {m.workspace for m in access.memberships(BOSS)} == {ws}
    assert [m.workspace for m in access.memberships(OTHER)] == [own, ws]  # coordinator first


def test_the_last_coordinator_cannot_leave_or_be_made_a_viewer(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    access.share(ws, BOSS, HEAD, VIEWER)
    with pytest.raises(AccessDenied, match="last coordinator of this workspace"):
        access.unshare(ws, BOSS, "Boss@uni.ac.uk")
    with pytest.raises(AccessDenied, match="last coordinator"):
        access.share(ws, BOSS, BOSS, VIEWER)
    assert access.role(ws, BOSS) == COORDINATOR
    access.share(ws, BOSS, HEAD, COORDINATOR)
    access.unshare(ws, BOSS, BOSS)  # now someone else coordinates: they may leave
    assert access.role(ws, BOSS) is None
    assert access.memberships(BOSS) == []
    assert [m.email for m in access.members(ws)] == [HEAD]


def test_viewers_see_students_only_when_a_coordinator_allows(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    assert access.viewers_see_students(ws) is False
    access.allow_student_tables(ws, BOSS, True)
    assert access.viewers_see_students(ws) is True
    access.allow_student_tables(ws, BOSS, False)
    assert access.viewers_see_students(ws) is False


def test_adopting_a_laptop_workspace_keeps_its_plans(store):
    access = Access(store)
    laptop = "0123456789abcdef0123456789abcdef"
    saved = store.save(small_scenario("Laptop plan"), laptop)
    access.adopt_workspace(laptop, BOSS, "My laptop plans")
    assert access.memberships(BOSS) == [Membership(laptop, "My laptop plans", COORDINATOR)]
    assert [i.id for i in store.list(laptop)] == [saved]
    access.adopt_workspace(laptop, BOSS, "again")  # the same coordinator: nothing changes
    with pytest.raises(AccessDenied, match="already belongs to someone"):
        access.adopt_workspace(laptop, OTHER, "Mine now")
    assert access.role(laptop, OTHER) is None


def test_a_link_opens_its_plan_for_the_named_person_only(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    plan = store.save(small_scenario("Plan A"), ws)
    other_ws = access.create_workspace(OTHER, "Chemistry")
    elsewhere = store.save(small_scenario("Their plan"), other_ws)
    with pytest.raises(ValueError, match="not saved in this workspace"):
        access.create_link(ws, elsewhere, BOSS, HEAD)
    access.share(ws, BOSS, OTHER, VIEWER)
    with pytest.raises(AccessDenied, match="Only a coordinator"):
        access.create_link(ws, plan, OTHER, HEAD)
    token = access.create_link(ws, plan, BOSS, " Head@uni.ac.uk ")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert access.open_link(token, OTHER) is None  # not the person it names
    assert access.open_link("0" * 32, HEAD) is None  # no such link
    link = access.open_link(token, "HEAD@uni.ac.uk")
    assert link is not None and (link.workspace, link.scenario_id, link.email) == (ws, plan, HEAD)
    assert [k.token for k in access.links(ws)] == [token]
    # Withdrawn: it opens nothing, and only a coordinator may withdraw it.
    with pytest.raises(AccessDenied):
        access.revoke_link(ws, OTHER, token)
    access.revoke_link(ws, BOSS, token)
    assert access.open_link(token, HEAD) is None
    assert access.links(ws) == []
    # A link whose plan is deleted opens nothing either.
    token = access.create_link(ws, plan, BOSS, HEAD)
    assert access.open_link(token, HEAD) is not None
    store.delete(plan, ws)
    assert access.open_link(token, HEAD) is None


def test_links_for_a_person_newest_first_without_withdrawn_or_deleted_plans(store, clock):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    theirs = access.create_workspace(OTHER, "Chemistry")
    plans = {name: store.save(small_scenario(name), ws) for name in ("A", "B", "C")}
    elsewhere = store.save(small_scenario("Their plan"), theirs)
    assert access.links_for(HEAD) == []
    made = {}
    for name, workspace, plan, by in [
        ("A", ws, plans["A"], BOSS),
        ("theirs", theirs, elsewhere, OTHER),
        ("B", ws, plans["B"], BOSS),
        ("withdrawn", ws, plans["C"], BOSS),
        ("deleted", ws, plans["C"], BOSS),
    ]:
        clock.advance(minutes=1)
        made[name] = access.create_link(workspace, plan, by, HEAD)
    same_second = access.create_link(ws, plans["A"], BOSS, "Head@Uni.ac.uk")  # made last
    access.create_link(ws, plans["B"], BOSS, OTHER)  # someone else's
    access.revoke_link(ws, BOSS, made["withdrawn"])
    store.delete(plans["C"], ws)
    found = access.links_for(" HEAD@uni.ac.uk ")
    assert [k.token for k in found] == [same_second, made["B"], made["theirs"], made["A"]]
    assert [k.plan for k in found] == ["A", "B", "Their plan", "A"]
    assert {k.email for k in found} == {HEAD}
    assert (found[1].workspace, found[1].scenario_id, found[1].created_by) == (ws, plans["B"], BOSS)
    assert [k.token for k in access.links_for(OTHER)] != []
    assert access.links_for(BOSS) == []
    # Listing records nothing: only opening a link does.
    log = audit.entries(store, ws)
    assert "opened a read-only link" not in set(log["What"])


def test_unsharing_withdraws_that_persons_links(store):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    plan = store.save(small_scenario("Plan A"), ws)
    access.share(ws, BOSS, HEAD, VIEWER)
    for_head = access.create_link(ws, plan, BOSS, HEAD)
    for_other = access.create_link(ws, plan, BOSS, OTHER)
    access.unshare(ws, BOSS, HEAD)
    assert [k.token for k in access.links(ws)] == [for_other]
    assert access.open_link(for_head, HEAD) is None
    assert access.open_link(for_other, OTHER) is not None


def test_the_audit_log_records_every_action_with_who_and_when(store, clock):
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    plan = store.save(small_scenario("Plan A"), ws)
    steps = [
        lambda: access.share(ws, BOSS, HEAD, VIEWER),
        lambda: access.allow_student_tables(ws, BOSS, True),
        lambda: access.create_link(ws, plan, BOSS, HEAD),
        lambda: access.open_link(access.links(ws)[0].token, HEAD),
        lambda: access.revoke_link(ws, BOSS, access.links(ws)[0].token),
        lambda: audit.record(store, ws, BOSS, "uploaded a cohort", "cohort.xlsx"),
        lambda: audit.record(store, ws, BOSS, "solved a plan", "Plan A"),
        lambda: audit.record(store, ws, "Boss@Uni.ac.uk", "exported", "Plan A", "workbook"),
        lambda: audit.record(store, ws, HEAD, "signed in", detail="as viewer"),
        lambda: access.unshare(ws, BOSS, HEAD),
    ]
    for step in steps:
        clock.advance(minutes=1)
        step()
    log = audit.entries(store, ws)
    assert list(log.columns) == ["When", "Who", "What", "Plan or file", "Detail"]
    expected = [
        ("2026-01-01 09:00:00 UTC", BOSS, "created the workspace", "Maths PASS", ""),
        ("2026-01-01 09:01:00 UTC", BOSS, "shared the workspace", HEAD, "as viewer"),
        (
            "2026-01-01 09:02:00 UTC",
            BOSS,
            "changed what viewers see",
            "",
            "viewers may see the lists of students",
        ),
        ("2026-01-01 09:03:00 UTC", BOSS, "made a read-only link", "Plan A", f"for {HEAD}"),
        ("2026-01-01 09:04:00 UTC", HEAD, "opened a read-only link", "Plan A", ""),
        ("2026-01-01 09:05:00 UTC", BOSS, "withdrew a read-only link", "Plan A", f"for {HEAD}"),
        ("2026-01-01 09:06:00 UTC", BOSS, "uploaded a cohort", "cohort.xlsx", ""),
        ("2026-01-01 09:07:00 UTC", BOSS, "solved a plan", "Plan A", ""),
        ("2026-01-01 09:08:00 UTC", BOSS, "exported", "Plan A", "workbook"),
        ("2026-01-01 09:09:00 UTC", HEAD, "signed in", "", "as viewer"),
        ("2026-01-01 09:10:00 UTC", BOSS, "stopped sharing the workspace", HEAD, ""),
    ]
    assert [tuple(row) for row in log.itertuples(index=False)] == expected[::-1]  # newest first
    # A refused link is recorded too, and a denied action records nothing.
    token = access.create_link(ws, plan, BOSS, OTHER)
    access.open_link(token, HEAD)
    with pytest.raises(AccessDenied):
        access.share(ws, HEAD, HEAD, COORDINATOR)
    log = audit.entries(store, ws)
    assert log.iloc[0]["What"] == "was refused a read-only link"
    assert log.iloc[0]["Who"] == HEAD and log.iloc[0]["Detail"] == f"the link is for {OTHER}"
    assert len(log) == len(expected) + 2
    # Another workspace's log is its own.
    theirs = access.create_workspace(OTHER, "Chemistry")
    assert list(audit.entries(store, theirs)["What"]) == ["created the workspace"]


def test_the_audit_csv_makes_formulas_inert(store):
    ws = Access(store).create_workspace(BOSS, "Maths PASS")
    audit.record(store, ws, BOSS, "exported", '=HYPERLINK("http://x.test","click")', "+1-2")
    audit.record(store, ws, BOSS, "uploaded a cohort", "@SUM(A1)", "-3")
    data = audit.audit_csv(store, ws)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "What", "Plan or file", "Detail"]
    assert rows[1][3:] == ["'@SUM(A1)", "'-3"]
    assert rows[2][3:] == ['\'=HYPERLINK("http://x.test","click")', "'+1-2"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_settings_from_secrets_and_the_environment():
    table = {"coordinators": ["@Uni.ac.uk", "dean@other.ac.uk"], "retention_days": 365}
    rules = DeploymentSettings.from_mapping(table, environ={})
    assert rules == DeploymentSettings(("@uni.ac.uk", "dean@other.ac.uk"), 365, 0)
    assert rules.may_coordinate("Anyone@UNI.ac.uk")
    assert rules.may_coordinate(" dean@other.ac.uk ")
    assert not rules.may_coordinate("someone@other.ac.uk")
    assert not rules.may_coordinate("x@evil-uni.ac.uk")
    assert not rules.may_coordinate("uni.ac.uk")
    assert not DeploymentSettings().may_coordinate(BOSS)  # nobody unless named
    env = {
        "WORKBENCH_COORDINATORS": "a@x.ac.uk, @y.ac.uk",
        "WORKBENCH_RETENTION_DAYS": "30",
        "WORKBENCH_AUDIT_DAYS": "90",
    }
    assert DeploymentSettings.from_mapping(table, environ=env) == DeploymentSettings(
        ("a@x.ac.uk", "@y.ac.uk"), 30, 90
    )
    assert DeploymentSettings.from_mapping({"coordinators": "a@x.ac.uk,b@x.ac.uk"}, {}) == (
        DeploymentSettings(("a@x.ac.uk", "b@x.ac.uk"))
    )
    for bad, words in [
        ({"retention_days": -1}, "retention period"),
        ({"retention_days": "a year"}, "retention period"),
        ({"audit_days": 1.5}, "audit log"),
        ({"audit_days": True}, "audit log"),
        ({"coordinators": ["not an address"]}, "coordinators"),
        ({"coordinators": 5}, "coordinators"),
    ]:
        with pytest.raises(ValueError, match=words):
            DeploymentSettings.from_mapping(bad, environ={})
    with pytest.raises(ValueError, match="retention period"):
        DeploymentSettings.from_mapping({}, environ={"WORKBENCH_RETENTION_DAYS": "-5"})
