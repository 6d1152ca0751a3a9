"""Forget a student (UK GDPR erasure): take them out of everything a workspace has saved.

:func:`forget_student` removes the student's rows and id from the workspace's kept cohort and
from every saved plan (cohort tables, result tables, settings, figures and notes; see
:mod:`workbench.access.scrub`), and replaces the id by ``[removed]`` in the workspace's audit
entries (the record of exports). A changed plan keeps the figures solved before and gets a note
saying so; solving it again refreshes them. A plan's last-saved time is left as it was, so
erasure never extends how long retention keeps it.

All of it is one transaction: interrupted, nothing has changed. The one audit entry it writes,
"forgot a student", never holds the id. :func:`last_erasure` reads that entry back, so a
session holding the workspace's cohort or plan in memory can tell it changed under it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field

from workbench.access.audit import write_entry
from workbench.access.scrub import Scrubber
from workbench.access.settings import normalise_email
from workbench.access.workspaces import COORDINATOR, AccessDenied
from workbench.scenarios.scenario import Scenario, ScenarioFileError, read_scenario_bytes
from workbench.scenarios.store import ScenarioStore, summary_json

ACTION = "forgot a student"


class ErasureError(Exception):
    """Erasure could not be done (nothing was changed): the message says why, in words."""


@dataclass(frozen=True)
class ErasureReport:
    """What forgetting one student changed in one workspace."""

    student_id: str
    plans_changed: tuple[str, ...]
    cohort_changed: bool
    rows_removed: dict[str, int] = field(default_factory=dict)
    audit_entries_redacted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.plans_changed or self.cohort_changed or self.audit_entries_redacted)

    def summary(self) -> str:
        """What it changed, in words."""
        if not self.changed:
            return (
                f"No saved cohort, plan or record in this workspace mentions student "
                f"{self.student_id}."
            )
        sentences = [f"Student {self.student_id} was removed from {self._where()}."]
        rows = sum(self.rows_removed.values())
        if rows:
            sentences.append(f"{_n(rows, 'row')} in all were removed.")
        if self.plans_changed:
            names = ", ".join(f"'{name}'" for name in self.plans_changed)
            sentences.append(
                f"Changed: {names}. They keep the figures solved before; solve them again "
                "to refresh them."
            )
        if self.audit_entries_redacted:
            sentences.append(
                f"The id was replaced by [removed] in "
                f"{_n(self.audit_entries_redacted, 'entry', 'entries')} of the record of who "
                "did what."
            )
        return " ".join(sentences)

    def _where(self) -> str:
        parts = []
        if self.plans_changed:
            parts.append(_n(len(self.plans_changed), "saved plan"))
        if self.cohort_changed:
            parts.append("the saved cohort")
        if not parts:
            parts.append("the record of who did what")
        return " and ".join(parts)

    def audit_detail(self) -> str:
        """The audit entry's detail: what changed, never the id."""
        where = self._where() if self.plans_changed or self.cohort_changed else "no plan"
        redacted = (
            f"; the id redacted from {_n(self.audit_entries_redacted, 'entry', 'entries')}"
            if self.audit_entries_redacted
            else ""
        )
        return f"1 student removed from {where}{redacted}"


@dataclass(frozen=True)
class Erasure:
    """The latest erasure in a workspace: its audit entry's number (they only grow), when and
    by whom."""

    entry: int
    at: str
    by: str


def last_erasure(store: ScenarioStore, workspace: str) -> Erasure | None:
    """The workspace's latest "forgot a student" entry, or None (one indexed read: cheap
    enough for every page run)."""
    with store.reading() as conn:
        row = conn.execute(
            "SELECT id, at, who FROM audit_log WHERE workspace = ? AND action = ? "
            "ORDER BY id DESC LIMIT 1",
            (workspace, ACTION),
        ).fetchone()
    return None if row is None else Erasure(int(row[0]), str(row[1]), str(row[2]))


def forget_student(
    store: ScenarioStore, workspace: str, student_id: str, by: str, check_role: bool = True
) -> ErasureReport:
    """Remove ``student_id`` from every cohort, plan and audit entry of ``workspace``.

    ``by`` must coordinate the workspace when it is shared with anyone (``check_role=False``
    for the server's command line, whose user holds the store file anyway)."""
    scrubber = Scrubber(str(student_id))
    sid = str(student_id).strip()
    now = store.clock()
    with store.writing() as conn:
        if check_role:
            _must_coordinate(conn, workspace, by)
        plans = _forget_in_plans(conn, workspace, scrubber, now)
        cohort = _forget_in_cohort(conn, workspace, scrubber)
        redacted = _redact_audit(conn, workspace, scrubber)
        report = ErasureReport(
            student_id=sid,
            plans_changed=tuple(plans),
            cohort_changed=cohort,
            rows_removed=dict(sorted(scrubber.rows_removed.items())),
            audit_entries_redacted=redacted,
        )
        write_entry(conn, now, workspace, by, ACTION, "", report.audit_detail())
    return report


def _must_coordinate(conn: sqlite3.Connection, workspace: str, by: str) -> None:
    roles = dict(
        conn.execute(
            "SELECT email, role FROM workspace_members WHERE workspace = ?", (workspace,)
        ).fetchall()
    )
    if roles and roles.get(normalise_email(by)) != COORDINATOR:
        raise AccessDenied("Only a coordinator of this workspace can forget a student.")


def _read(payload: bytes, name: str) -> Scenario:
    try:
        return read_scenario_bytes(bytes(payload), f"the saved plan '{name}'")
    except ScenarioFileError as exc:
        raise ErasureError(
            f"{exc}. Nothing was changed: delete that plan (or restore it from a backup) and "
            "forget the student again."
        ) from exc


def _forget_in_plans(
    conn: sqlite3.Connection, workspace: str, scrubber: Scrubber, now: str
) -> list[str]:
    """Rewrite every saved plan of the workspace that names the student; their names."""
    changed = []
    rows = conn.execute(
        "SELECT id, name, payload FROM scenarios WHERE owner = ? ORDER BY created, id",
        (workspace,),
    ).fetchall()
    for scenario_id, name, payload in rows:
        scenario = _read(payload, name)
        if not scrubber.scenario(scenario):
            continue
        note = (
            f"A student was removed from this plan on request on {now[:10]}. Its figures are "
            "those solved before; solve it again to refresh them."
        )
        if note not in scenario.notes:  # one note for a day's requests
            scenario.notes = f"{scenario.notes.rstrip()}\n\n{note}".strip()
        data = scenario.to_bytes()
        conn.execute(
            "UPDATE scenarios SET name = ?, notes = ?, summary = ?, size = ?, payload = ? "
            "WHERE id = ? AND owner = ?",
            (
                scenario.name,
                scenario.notes,
                json.dumps(summary_json(scenario)),
                len(data),
                data,
                scenario_id,
                workspace,
            ),
        )
        changed.append(scenario.name)
    return changed


def _forget_in_cohort(conn: sqlite3.Connection, workspace: str, scrubber: Scrubber) -> bool:
    """Rewrite the workspace's kept cohort if it names the student (a new fingerprint, so no
    copy cached under the old one is used again)."""
    row = conn.execute(
        "SELECT label, payload FROM workspace_cohorts WHERE owner = ?", (workspace,)
    ).fetchone()
    if row is None:
        return False
    label, payload = row
    holder = _read(payload, "the saved cohort")
    if not scrubber.scenario(holder):
        return False
    data = holder.to_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    conn.execute(
        "UPDATE workspace_cohorts SET label = ?, fingerprint = ?, size = ?, payload = ? "
        "WHERE owner = ?",
        (scrubber.text(label), f"erased-{digest}", len(data), data, workspace),
    )
    return True


def _redact_audit(conn: sqlite3.Connection, workspace: str, scrubber: Scrubber) -> int:
    rows = conn.execute(
        "SELECT id, target, detail FROM audit_log WHERE workspace = ?", (workspace,)
    ).fetchall()
    redacted = 0
    for entry, target, detail in rows:
        if scrubber.mentions(target) or scrubber.mentions(detail):
            conn.execute(
                "UPDATE audit_log SET target = ?, detail = ? WHERE id = ?",
                (scrubber.redact(target), scrubber.redact(detail), entry),
            )
            redacted += 1
    return redacted


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"
