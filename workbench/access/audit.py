"""The audit log: who did what in a workspace, and when.

One row per action, in words ("uploaded a cohort", "solved a plan", "saved a plan", "shared the
workspace", "exported", "deleted a plan", "forgot a student", "deleted on schedule", "opened a
read-only link", "signed in"), with what it was done to (a plan or a file) and a detail. The
entries live in the scenario store (the ``audit_log`` table), are kept for the deployment's
``audit_days`` (see :mod:`workbench.access.retention`) and never hold a forgotten student's id
(see :mod:`workbench.access.erasure`).
"""

from __future__ import annotations

import sqlite3

import pandas as pd

from workbench.access.settings import normalise_email
from workbench.safe_tables import to_csv_bytes
from workbench.scenarios.store import ScenarioStore

COLUMNS = ["When", "Who", "What", "Plan or file", "Detail"]
MAX_TEXT = 500  # a target or detail longer than this is cut (a file name cannot fill the log)


def record(
    store: ScenarioStore,
    workspace: str,
    who: str,
    action: str,
    target: str = "",
    detail: str = "",
) -> None:
    """Add one entry to the workspace's log, at the store's clock time."""
    with store.writing() as conn:
        write_entry(conn, store.clock(), workspace, who, action, target, detail)


def write_entry(
    conn: sqlite3.Connection,
    at: str,
    workspace: str,
    who: str,
    action: str,
    target: str = "",
    detail: str = "",
) -> None:
    """Add one entry inside a transaction the caller holds (so the entry and the change it
    records are saved together, or neither)."""
    if not str(action).strip():
        raise ValueError("an audit entry needs an action in words")
    conn.execute(
        "INSERT INTO audit_log (at, workspace, who, action, target, detail) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            at,
            workspace,
            _who(who),
            str(action).strip(),
            _short(target),
            _short(detail),
        ),
    )


def entries(store: ScenarioStore, workspace: str) -> pd.DataFrame:
    """The workspace's log, newest first: When, Who, What, Plan or file, Detail."""
    with store.reading() as conn:
        rows = conn.execute(
            "SELECT at, who, action, target, detail FROM audit_log WHERE workspace = ? "
            "ORDER BY at DESC, id DESC",
            (workspace,),
        ).fetchall()
    frame = pd.DataFrame(
        [(_when(at), who, action, target, detail) for at, who, action, target, detail in rows],
        columns=COLUMNS,
    )
    return frame.astype(object)


def audit_csv(store: ScenarioStore, workspace: str) -> bytes:
    """The log as CSV, every text cell made inert for spreadsheets (a plan named
    ``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``)."""
    return to_csv_bytes(entries(store, workspace))


def _who(who: str) -> str:
    text = str(who or "").strip()
    return normalise_email(text) if "@" in text else text or "someone"


def _short(text: str) -> str:
    text = str(text or "").strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _when(at: str) -> str:
    """``2026-12-04T19:03:01+00:00`` -> ``2026-12-04 19:03:01 UTC``."""
    text = str(at)
    return text[:19].replace("T", " ") + " UTC" if len(text) >= 19 else text
