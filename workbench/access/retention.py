"""Retention: saved plans and cohorts, and audit entries, deleted once past their period.

``retention_days`` (see :class:`DeploymentSettings`) deletes a saved plan whose last save is
older than that many days, and a workspace's kept cohort likewise, with the read-only links of
the plans deleted; ``audit_days`` deletes older audit entries. 0 keeps everything. Each
workspace that lost something gets one audit entry "deleted on schedule" by "the retention
schedule". The app runs this every hour (:func:`start_schedule`, a thread that survives a
failing round); a container can run ``python -m workbench retention`` from cron instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.access.audit import write_entry
from workbench.access.settings import DeploymentSettings
from workbench.scenarios.scenario import now_iso
from workbench.scenarios.store import ScenarioStore

LOG = logging.getLogger(__name__)
SCHEDULE = "the retention schedule"


@dataclass(frozen=True)
class PurgeReport:
    """What one round of retention deleted (or, in a dry run, would delete)."""

    plans_deleted: int
    cohorts_deleted: int
    audit_entries_deleted: int
    links_deleted: int
    workspaces: tuple[str, ...]
    retention_days: int = 0
    audit_days: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        """In words, e.g. "Deleted 3 plans and 1 cohort saved more than 30 days ago."."""
        verb = "Would delete" if self.dry_run else "Deleted"
        sentences = []
        saved = _and(_n(self.plans_deleted, "plan"), _n(self.cohorts_deleted, "cohort"))
        if saved:
            sentences.append(f"{verb} {saved} saved more than {self.retention_days} days ago.")
        if self.links_deleted:
            sentences.append(
                f"{verb} {_n(self.links_deleted, 'read-only link')} to plans no longer saved."
            )
        if self.audit_entries_deleted:
            entries = _n(self.audit_entries_deleted, "audit entry", "audit entries")
            sentences.append(f"{verb} {entries} older than {self.audit_days} days.")
        if not sentences:
            if not (self.retention_days or self.audit_days):
                return "Nothing to delete: no retention period is set (everything is kept)."
            return "Nothing was past its retention period."
        return " ".join(sentences)


@dataclass
class _Expired:
    plans: dict[str, list[str]] = field(default_factory=dict)  # workspace -> scenario ids
    cohorts: list[str] = field(default_factory=list)  # workspaces whose kept cohort expired
    audit_ids: list[int] = field(default_factory=list)


def purge_expired(
    store: ScenarioStore,
    settings: DeploymentSettings,
    now: str | None = None,
    dry_run: bool = False,
) -> PurgeReport:
    """Delete what is past its retention period (``now`` defaults to the store's clock);
    ``dry_run`` only counts it."""
    now = now or store.clock()
    moment = _parse(now)
    if moment is None:
        raise ValueError(f"'{now}' is not a date and time")
    if dry_run:
        with store.reading() as conn:
            expired = _find(conn, settings, moment)
            links = _orphan_links(conn, expired)
        return _report(expired, links, settings, dry_run=True)
    with store.writing() as conn:
        expired = _find(conn, settings, moment)
        links = _delete(conn, expired)
        report = _report(expired, links, settings)
        for workspace in report.workspaces:
            write_entry(
                conn,
                now,
                workspace,
                SCHEDULE,
                "deleted on schedule",
                "",
                _workspace_detail(expired, workspace, settings.retention_days),
            )
    return report


class RetentionSchedule:
    """Retention rounds in a daemon thread: one now, then one every ``every_s`` seconds, until
    :meth:`stop`. A failing round (a store that cannot be opened, a busy or full disk) is
    logged and the next round tries again; what the rounds did is counted for the curious."""

    def __init__(
        self,
        store_path: str,
        rules: DeploymentSettings,
        every_s: float,
        clock: Callable[[], str] = now_iso,
        name: str = "workbench-retention",
    ) -> None:
        if every_s <= 0:
            raise ValueError("the retention schedule needs a positive interval")
        self.store_path = str(store_path)
        self.rules = rules
        self.every_s = float(every_s)
        self.clock = clock
        self.rounds = 0  # rounds finished, failed or not
        self.failures = 0
        self.last_report: PurgeReport | None = None
        self.last_error = ""
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)

    def start(self) -> RetentionSchedule:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the thread to end (after the round under way, if any); whether it has."""
        self._stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)
        return not self.thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """The loop (the thread's target; runs in the caller when called directly)."""
        while not self._stop.is_set():
            self.round()
            if self._stop.wait(self.every_s):
                break

    def round(self) -> PurgeReport | None:
        """One round, its report logged; None when it failed (logged as well)."""
        try:
            report = purge_expired(ScenarioStore(self.store_path, clock=self.clock), self.rules)
        except Exception as exc:  # noqa: BLE001 (any failure: try again at the next round)
            self.failures += 1
            self.last_error = str(exc)
            LOG.warning("retention round failed (trying again later): %s", exc)
            report = None
        else:
            self.last_report = report
            LOG.info("retention: %s", report.summary())
        self.rounds += 1
        return report


def start_schedule(
    store_path: str,
    rules: DeploymentSettings,
    every_s: float,
    clock: Callable[[], str] = now_iso,
) -> RetentionSchedule:
    """Start retention rounds on the store file at ``store_path``: now, then every
    ``every_s`` seconds (see :class:`RetentionSchedule`)."""
    return RetentionSchedule(store_path, rules, every_s, clock).start()


def _find(conn: sqlite3.Connection, settings: DeploymentSettings, moment: dt.datetime) -> _Expired:
    expired = _Expired()
    if settings.retention_days:
        cutoff = moment - dt.timedelta(days=settings.retention_days)
        for scenario_id, owner, updated in conn.execute("SELECT id, owner, updated FROM scenarios"):
            if _older(updated, cutoff):
                expired.plans.setdefault(owner, []).append(scenario_id)
        for owner, saved in conn.execute("SELECT owner, saved FROM workspace_cohorts"):
            if _older(saved, cutoff):
                expired.cohorts.append(owner)
    if settings.audit_days:
        cutoff = moment - dt.timedelta(days=settings.audit_days)
        expired.audit_ids = [
            entry
            for entry, at in conn.execute("SELECT id, at FROM audit_log")
            if _older(at, cutoff)
        ]
    return expired


def _orphan_links(conn: sqlite3.Connection, expired: _Expired) -> int:
    """Links whose plan is gone, or goes in this round."""
    going = {sid for ids in expired.plans.values() for sid in ids}
    rows = conn.execute(
        "SELECT l.scenario_id, s.id FROM plan_links l "
        "LEFT JOIN scenarios s ON s.id = l.scenario_id AND s.owner = l.workspace"
    ).fetchall()
    return sum(1 for scenario_id, found in rows if found is None or scenario_id in going)


def _delete(conn: sqlite3.Connection, expired: _Expired) -> int:
    """Delete the expired rows; returns how many links went with their plans."""
    for owner, ids in expired.plans.items():
        conn.executemany(
            "DELETE FROM scenarios WHERE id = ? AND owner = ?", [(i, owner) for i in ids]
        )
    conn.executemany(
        "DELETE FROM workspace_cohorts WHERE owner = ?", [(o,) for o in expired.cohorts]
    )
    conn.executemany("DELETE FROM audit_log WHERE id = ?", [(i,) for i in expired.audit_ids])
    return conn.execute(
        "DELETE FROM plan_links WHERE NOT EXISTS (SELECT 1 FROM scenarios s "
        "WHERE s.id = plan_links.scenario_id AND s.owner = plan_links.workspace)"
    ).rowcount


def _report(
    expired: _Expired, links: int, settings: DeploymentSettings, dry_run: bool = False
) -> PurgeReport:
    workspaces = sorted(set(expired.plans) | set(expired.cohorts))
    return PurgeReport(
        plans_deleted=sum(len(ids) for ids in expired.plans.values()),
        cohorts_deleted=len(expired.cohorts),
        audit_entries_deleted=len(expired.audit_ids),
        links_deleted=links,
        workspaces=tuple(workspaces),
        retention_days=settings.retention_days,
        audit_days=settings.audit_days,
        dry_run=dry_run,
    )


def _workspace_detail(expired: _Expired, workspace: str, days: int) -> str:
    plans = _n(len(expired.plans.get(workspace, [])), "plan")
    cohort = "the saved cohort" if workspace in expired.cohorts else ""
    return f"{_and(plans, cohort)} saved more than {days} days ago"


def _parse(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _older(text: str, cutoff: dt.datetime) -> bool:
    """Whether a stored time is before the cutoff (an unreadable time is kept)."""
    moment = _parse(text)
    return moment is not None and moment < cutoff


def _n(count: int, one: str, many: str | None = None) -> str:
    if not count:
        return ""
    return f"{count} {one if count == 1 else many or one + 's'}"


def _and(*parts: str) -> str:
    return " and ".join(p for p in parts if p)
