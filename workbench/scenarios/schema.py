"""The scenario store's SQLite schema and the migrations from every older version.

* v1 (the first release): integer ids, names unique across everyone, no owner or notes.
* v2: text ids, an owner (workspace) per scenario, notes, updated time, the headline summary.
* v3: the cohort each workspace loaded last (``workspace_cohorts``).
* v4: a shared deployment: workspaces, their members and roles, read-only plan links and the
  audit log (``workbench/access/`` reads and writes them).

A fresh store is created at the newest version in one go (:func:`create_fresh`); an older one
is upgraded one step at a time by :data:`MIGRATIONS`, inside the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from workbench.scenarios.scenario import ScenarioFileError, now_iso, read_manifest

SCHEMA_VERSION = 4
DEFAULT_OWNER = "default"

SCHEMA_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE scenarios (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    scheme TEXT NOT NULL,
    created TEXT NOT NULL,
    payload BLOB NOT NULL
);
INSERT INTO schema_version (version) VALUES (1);
"""

CREATE_V2 = """
CREATE TABLE scenarios (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL DEFAULT 'default',
    name TEXT NOT NULL,
    scheme TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '{}',
    size INTEGER NOT NULL,
    payload BLOB NOT NULL
);
CREATE INDEX scenarios_owner_updated ON scenarios (owner, updated);
"""

# Version 3: the cohort each workspace loaded last, kept like a plan (one row per workspace).
CREATE_V3 = """
CREATE TABLE workspace_cohorts (
    owner TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    saved TEXT NOT NULL,
    size INTEGER NOT NULL,
    payload BLOB NOT NULL
);
"""

# Version 4: workspaces that belong to people (a workspace id is the scenarios' owner), their
# members with a role each, read-only links to one plan for one person, and the audit log.
CREATE_V4 = """
CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created TEXT NOT NULL,
    created_by TEXT NOT NULL,
    viewers_see_students INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE workspace_members (
    workspace TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    added TEXT NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (workspace, email)
);
CREATE INDEX workspace_members_email ON workspace_members (email);
CREATE TABLE plan_links (
    token TEXT PRIMARY KEY,
    workspace TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    email TEXT NOT NULL,
    created TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX plan_links_workspace ON plan_links (workspace);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    workspace TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_workspace_at ON audit_log (workspace, at);
"""


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run statements one by one (``executescript`` would commit the open transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def create_fresh(conn: sqlite3.Connection) -> None:
    """An empty store at the newest version (in the caller's transaction)."""
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    execute_script(conn, CREATE_V2 + CREATE_V3 + CREATE_V4)
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """v1 -> v2: text ids, an owner per scenario (old ones go to the default workspace),
    notes, updated time and the headline summary read from each payload's manifest."""
    conn.execute("ALTER TABLE scenarios RENAME TO scenarios_v1")
    conn.execute("DROP INDEX IF EXISTS scenarios_owner_updated")
    execute_script(conn, CREATE_V2)
    rows = conn.execute(
        "SELECT id, name, scheme, created, payload FROM scenarios_v1 ORDER BY id"
    ).fetchall()
    for old_id, name, scheme, created, payload in rows:
        try:
            manifest = read_manifest(bytes(payload))
            summary, notes = manifest.get("summary") or {}, ""
        except ScenarioFileError:
            summary, notes = {}, "(could not read this scenario's summary when upgrading)"
        conn.execute(
            "INSERT INTO scenarios (id, owner, name, scheme, notes, created, updated, summary, "
            "size, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                f"v1-{old_id}",
                DEFAULT_OWNER,
                name,
                scheme,
                notes,
                created,
                created,
                json.dumps(summary),
                len(payload),
                payload,
            ),
        )
    conn.execute("DROP TABLE scenarios_v1")


def _migrate_2_to_3(conn: sqlite3.Connection) -> None:
    """v2 -> v3: a table for each workspace's loaded cohort (empty: nothing kept yet)."""
    execute_script(conn, CREATE_V3)


def _migrate_3_to_4(conn: sqlite3.Connection) -> None:
    """v3 -> v4: workspaces, members, links and the audit log (empty: every saved scenario
    stays with its owner key; a coordinator adopts a laptop workspace when sign-in is on)."""
    execute_script(conn, CREATE_V4)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
}


def create_v1_store(path: str | Path, scenarios: list[tuple[str, str, bytes]]) -> Path:
    """Write a database in the old v1 layout (for the migration test and support)."""
    path = Path(path)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(SCHEMA_V1)
        for name, scheme, payload in scenarios:
            conn.execute(
                "INSERT INTO scenarios (name, scheme, created, payload) VALUES (?, ?, ?, ?)",
                (name, scheme, now_iso(), payload),
            )
        conn.commit()
    finally:
        conn.close()
    return path


def downgrade_to_v3(path: str | Path) -> Path:
    """Turn a store file back into the v3 layout, keeping its scenarios and kept cohorts (for
    the migration test: a v3 store is the v4 one without the shared-deployment tables)."""
    conn = sqlite3.connect(path)
    try:
        for table in ("workspaces", "workspace_members", "plan_links", "audit_log"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute("UPDATE schema_version SET version = 3")
        conn.commit()
    finally:
        conn.close()
    return Path(path)
