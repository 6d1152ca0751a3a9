"""Retention on a store holding plans, cohorts and audit entries of different ages; the
schedule the server runs it on (a thread); the upgrade of a v3 store file; the ``retention``
command end to end."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import time

import pandas as pd
import pytest
from access_helpers import BOSS, HEAD, OTHER, Clock, small_scenario

from workbench.access import audit, retention
from workbench.access.retention import (
    SCHEDULE,
    PurgeReport,
    RetentionSchedule,
    purge_expired,
    start_schedule,
)
from workbench.access.settings import DeploymentSettings
from workbench.access.workspaces import VIEWER, Access
from workbench.cli.main import main
from workbench.scenarios.schema import SCHEMA_VERSION, downgrade_to_v3
from workbench.scenarios.store import ScenarioStore

TABLES = {
    "students": pd.DataFrame({"student_id": ["s1"], "programme": ["Maths"], "level": ["UG1"]})
}


@pytest.fixture()
def aged(tmp_path):
    """Two workspaces: plans saved 100, 40, 29 and 1 days before now, kept cohorts saved 50
    and 5 days before, an audit entry 10 days before, links to an old and a new plan. 'Now' is
    the wall clock's (so the command line, which uses it, sees the same ages)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    clock = Clock("2026-01-01T09:00:00+00:00")
    store = ScenarioStore(tmp_path / "scenarios.sqlite3", clock=clock)
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    theirs = access.create_workspace(OTHER, "Chemistry")
    access.share(ws, BOSS, HEAD, VIEWER)
    ids = {}
    for age, name, owner in [
        (100, "very old", ws),
        (50, "cohort", ws),
        (40, "old", theirs),
        (29, "recent", ws),
        (10, "entry", ws),
        (5, "cohort", theirs),
        (1, "new", ws),
    ]:
        clock.now = now - dt.timedelta(days=age)
        if name == "cohort":
            store.keep_cohort(owner, TABLES, "dept", f"{age} days", f"fp{age}")
        elif name == "entry":
            audit.record(store, ws, BOSS, "exported", "Plan", "workbook")
        else:
            ids[name] = store.save(small_scenario(name), owner)
    links = {name: access.create_link(ws, ids[name], BOSS, HEAD) for name in ("very old", "new")}
    clock.now = now
    return store, ws, theirs, ids, links


def test_retention_deletes_exactly_what_is_older_than_its_period(aged):
    store, ws, theirs, ids, links = aged
    before_ws = audit.entries(store, ws)
    report = purge_expired(store, DeploymentSettings(retention_days=30, audit_days=0))
    assert report == PurgeReport(
        plans_deleted=2,
        cohorts_deleted=1,
        audit_entries_deleted=0,
        links_deleted=1,
        workspaces=tuple(sorted([ws, theirs])),
        retention_days=30,
    )
    assert report.summary() == (
        "Deleted 2 plans and 1 cohort saved more than 30 days ago. Deleted 1 read-only link "
        "to plans no longer saved."
    )
    assert {i.name for i in store.list(ws)} == {"recent", "new"}
    assert store.list(theirs) == []
    assert store.kept_cohort(ws) is None  # saved 50 days ago
    assert store.kept_cohort(theirs).label == "5 days"
    assert [k.token for k in Access(store).links(ws)] == [links["new"]]
    # One entry per workspace that lost something, by the schedule, never deleting the log.
    log = audit.entries(store, ws)
    assert len(log) == len(before_ws) + 1
    assert tuple(log.iloc[0]) == (
        store.clock()[:19].replace("T", " ") + " UTC",
        SCHEDULE,
        "deleted on schedule",
        "",
        "1 plan and the saved cohort saved more than 30 days ago",
    )
    assert audit.entries(store, theirs).iloc[0]["Detail"] == "1 plan saved more than 30 days ago"
    # A second round finds nothing and writes nothing.
    again = purge_expired(store, DeploymentSettings(retention_days=30))
    assert again.summary() == "Nothing was past its retention period."
    assert len(audit.entries(store, ws)) == len(log)


def test_zero_keeps_everything_and_a_dry_run_deletes_nothing(aged):
    store, ws, theirs, ids, links = aged
    count, log = store.count(), len(audit.entries(store, ws))
    report = purge_expired(store, DeploymentSettings())
    assert (report.plans_deleted, report.cohorts_deleted, report.audit_entries_deleted) == (0, 0, 0)
    assert report.summary().startswith("Nothing to delete: no retention period is set")
    dry = purge_expired(store, DeploymentSettings(retention_days=30, audit_days=60), dry_run=True)
    assert (dry.plans_deleted, dry.cohorts_deleted, dry.links_deleted) == (2, 1, 1)
    assert dry.summary().startswith("Would delete 2 plans and 1 cohort")
    assert store.count() == count and len(audit.entries(store, ws)) == log
    assert store.kept_cohort(ws) is not None


def _until(condition, timeout: float = 15.0) -> bool:
    """Whether ``condition()`` comes true within ``timeout`` seconds (checked every 20 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_schedule_deletes_old_plans_now_and_keeps_going_until_stopped(aged, caplog):
    store, ws, theirs, ids, links = aged
    caplog.set_level(logging.INFO, logger="workbench.access.retention")
    schedule = start_schedule(str(store.path), DeploymentSettings(retention_days=30), 0.05)
    try:
        assert schedule.thread.daemon and schedule.thread.name == "workbench-retention"
        assert _until(lambda: {i.name for i in store.list(ws)} == {"recent", "new"})
        assert store.list(theirs) == [] and store.kept_cohort(ws) is None
        assert _until(lambda: schedule.rounds >= 3)  # and again, every interval
        assert schedule.failures == 0
        assert schedule.last_report.summary() == "Nothing was past its retention period."
        said = [r.getMessage() for r in caplog.records if r.name == "workbench.access.retention"]
        assert said[0].startswith("retention: Deleted 2 plans and 1 cohort saved more than 30")
        assert "retention: Nothing was past its retention period." in said
    finally:
        assert schedule.stop(timeout=5)
    assert not schedule.thread.is_alive() and schedule.stopping
    done = schedule.rounds
    time.sleep(0.2)
    assert schedule.rounds == done  # stopped: no more rounds
    # One "deleted on schedule" entry per workspace, however many rounds ran.
    assert list(audit.entries(store, ws)["What"]).count("deleted on schedule") == 1


def test_a_failing_round_does_not_end_the_schedule(aged, caplog, monkeypatch):
    store, ws, theirs, ids, links = aged
    caplog.set_level(logging.INFO, logger="workbench.access.retention")
    path = store.path
    aside = path.with_name("moved-aside.sqlite3")
    assert not path.with_name(path.name + "-wal").exists()  # every connection closed
    os.replace(path, aside)
    path.write_bytes(b"this is not a scenario store" * 100)  # e.g. a restore gone wrong
    schedule = start_schedule(str(path), DeploymentSettings(retention_days=30), 0.05)
    try:
        assert _until(lambda: schedule.failures >= 2)
        assert schedule.thread.is_alive() and schedule.last_report is None
        assert "cannot be read" in schedule.last_error
        warned = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert warned and warned[0].getMessage().startswith("retention round failed")
        os.replace(aside, path)  # the store is back: the next round deletes what is old
        assert _until(lambda: {i.name for i in store.list(ws)} == {"recent", "new"})
        assert schedule.thread.is_alive()
    finally:
        assert schedule.stop(timeout=5)

    # Any error, not only the store's own, is survived (one round, no thread needed).
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(retention, "purge_expired", broken)
    again = RetentionSchedule(str(path), DeploymentSettings(retention_days=30), 60)
    assert again.round() is None
    assert (again.rounds, again.failures, again.last_error) == (1, 1, "disk on fire")
    with pytest.raises(ValueError, match="positive interval"):
        RetentionSchedule(str(path), DeploymentSettings(), 0)


def test_audit_entries_go_after_their_own_period(aged):
    store, ws, theirs, ids, links = aged
    # The workspaces were made and shared 100 days ago (the clock stood at the oldest save);
    # the export 10 days ago and the links made a day ago stay.
    report = purge_expired(store, DeploymentSettings(audit_days=60))
    assert report.plans_deleted == 0 and report.workspaces == ()
    assert report.audit_entries_deleted > 0
    assert (
        report.summary()
        == f"Deleted {report.audit_entries_deleted} audit entries older than 60 days."
    )
    assert list(audit.entries(store, ws)["What"]) == ["made a read-only link"] * 2 + ["exported"]
    assert store.count() == 4  # plans untouched


def test_a_v3_store_file_is_upgraded_and_keeps_its_scenarios(tmp_path):
    path = tmp_path / "scenarios.sqlite3"
    old = ScenarioStore(path)
    laptop = "0123456789abcdef0123456789abcdef"
    saved = [old.save(small_scenario(f"plan {n}"), laptop) for n in range(3)]
    old.keep_cohort(laptop, TABLES, "dept", "dept.xlsx", "fp")
    downgrade_to_v3(path)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == 3
    conn.close()
    assert "audit_log" not in tables and "workspaces" not in tables
    store = ScenarioStore(path)
    assert store.schema_version() == SCHEMA_VERSION == 4
    assert sorted(i.id for i in store.list(laptop)) == sorted(saved)
    assert store.load(saved[0], laptop).name == "plan 0"
    assert store.kept_cohort(laptop).label == "dept.xlsx"
    access = Access(store)
    access.adopt_workspace(laptop, BOSS, "Laptop")
    assert access.role(laptop, BOSS) == "coordinator"
    assert list(audit.entries(store, laptop)["What"]) == ["adopted the workspace"]
    with sqlite3.connect(path) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "audit_log_workspace_at" in indexes


def test_the_retention_command(aged, capsys, monkeypatch):
    store, ws, theirs, ids, links = aged
    path = str(store.path)
    monkeypatch.setenv("WORKBENCH_RETENTION_DAYS", "30")
    monkeypatch.delenv("WORKBENCH_AUDIT_DAYS", raising=False)
    assert main(["retention", "--store", path, "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("Would delete 2 plans and 1 cohort saved more")
    assert store.count() == 4
    # --days wins over the environment.
    assert main(["retention", "--store", path, "--days", "0"]) == 0
    assert capsys.readouterr().out.startswith("Nothing to delete")
    assert store.count() == 4
    assert main(["retention", "--store", path, "--days", "2"]) == 0
    assert capsys.readouterr().out.startswith("Deleted 3 plans and 2 cohorts saved more than 2 ")
    assert [i.name for i in store.list(ws)] == ["new"]
    assert main(["retention", "--store", path, "--audit-days", "5"]) == 0
    assert "audit entries older than 5 days" in capsys.readouterr().out
    assert main(["retention", "--store", path, "--days", "soon"]) == 2
    assert "--days must be a whole number" in capsys.readouterr().err
    assert main(["retention", "--store", str(store.path.with_name("none.sqlite3"))]) == 2
    assert "there is no scenario store there" in capsys.readouterr().err
    monkeypatch.setenv("WORKBENCH_RETENTION_DAYS", "a year")
    assert main(["retention", "--store", path]) == 2
    assert "retention period" in capsys.readouterr().err
