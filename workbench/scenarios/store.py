"""The scenario store: saved scenarios in an embedded SQLite database (standard library only).

* Where: ``$WORKBENCH_DATA_DIR/scenarios.sqlite3`` when that variable is set, else the user's data
  folder (``$XDG_DATA_HOME/peer-support-workbench`` or ``~/.local/share/peer-support-workbench``);
  a path given to :class:`ScenarioStore` wins over both. Never inside the package.
* Safe: every write is one transaction in WAL mode with full sync, so a crash mid-save loses
  nothing already saved; a damaged database is refused with a message, never half-read.
* Versioned: a ``schema_version`` table and migrations (``schema.py``); an older database is
  upgraded on open.
* Separate workspaces: each scenario has an ``owner`` (e.g. one browser session) and listing
  filters by it.
* The workspace's cohort: the cohort a coordinator loaded last (before or after a solve) is
  kept for the workspace (``keep_cohort``), so a refresh or a server restart brings it back.

* Shared deployments: the workspaces, their members, read-only links and the audit log have
  their tables here too (schema v4); ``workbench/access/`` reads and writes them through
  :meth:`ScenarioStore.reading` and :meth:`ScenarioStore.writing`.

Each scenario is stored as its ``.wbscenario`` bytes plus the columns a list needs.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.scenarios.scenario import (
    Scenario,
    _jsonable,
    now_iso,
    read_scenario_bytes,
)
from workbench.scenarios.schema import (  # noqa: F401 (SCHEMA_V1, MIGRATIONS: re-exported)
    DEFAULT_OWNER,
    MIGRATIONS,
    SCHEMA_V1,
    SCHEMA_VERSION,
    create_fresh,
    create_v1_store,
)

APP_DIR = "peer-support-workbench"
DB_NAME = "scenarios.sqlite3"
BUSY_TIMEOUT_S = 30.0


class StoreError(Exception):
    """The store cannot be used (damaged, newer schema, unwritable): the message says what to do."""


class ScenarioNotFound(KeyError):
    """No scenario with that id for that owner."""


def default_store_path() -> Path:
    """Where the store lives unless told otherwise (see the module docstring)."""
    explicit = os.environ.get("WORKBENCH_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser() / DB_NAME
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / APP_DIR / DB_NAME


def _package_dir() -> Path:
    """The ``workbench`` package folder (this module lives in ``workbench/scenarios/``)."""
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ScenarioInfo:
    """One row of the list: what a coordinator sees before opening a scenario."""

    id: str
    owner: str
    name: str
    scheme: str
    notes: str
    created: str
    updated: str
    summary: dict
    size: int


@dataclass(frozen=True)
class KeptCohort:
    """A workspace's loaded cohort, as kept: where it came from and the cohort itself."""

    label: str
    fingerprint: str
    saved: str
    holder: Scenario  # a scenario without a plan: ``holder.cohort()`` validates it again

    def cohort(self):
        return self.holder.cohort()


# -- the store --------------------------------------------------------------------------------


class ScenarioStore:
    """Saved scenarios: save, list, load, rename, delete; every write atomic."""

    def __init__(self, path: str | Path | None = None, clock: Callable[[], str] = now_iso) -> None:
        """``clock`` gives the time a save or rename records (ISO 8601 to the second; tests
        pass their own instead of waiting for the wall clock)."""
        self.clock = clock
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        resolved = self.path.resolve()
        if resolved.is_relative_to(_package_dir()):
            raise StoreError(
                f"the scenario store cannot live inside the workbench package "
                f"({resolved}); set WORKBENCH_DATA_DIR to a data folder"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for the scenario store "
                f"({self.path.parent}): {exc.strerror}"
            ) from exc
        self._open_and_upgrade()

    # connection handling: one short-lived connection per operation (safe across threads)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the scenario store {self.path}: {exc}") from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._damaged(exc) from exc
        return conn

    def _damaged(self, exc: Exception) -> StoreError:
        return StoreError(
            f"the scenario store {self.path} is damaged and cannot be read ({exc}). Move the "
            "file aside (or restore it from a backup) and the workbench will start a new one; "
            "scenarios exported as .wbscenario files can be imported again."
        )

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise StoreError(f"the scenario store is busy: {exc}") from exc
            raise self._damaged(exc) from exc
        finally:
            conn.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: all of it is saved, or none of it."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (e.g. on a full disk): keep the first error.
                if conn.in_transaction:
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if _disk_full(exc):
                raise StoreError(
                    f"the disk holding the scenario store ({self.path.parent}) is full, so "
                    "nothing was saved or changed. Free some space and try again; the scenarios "
                    "saved before are kept."
                ) from exc
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"the scenario store is busy (another save took too long): {exc}"
                ) from exc
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(f"the scenario store {self.path} is read-only") from exc
            raise self._damaged(exc) from exc
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc
        finally:
            conn.close()

    def _open_and_upgrade(self) -> None:
        with self._writing() as conn:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise self._damaged(Exception(check[0] if check else "no answer"))
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if "schema_version" not in tables:
                if tables - {"sqlite_sequence"}:
                    raise StoreError(
                        f"{self.path} is an SQLite database but not a scenario "
                        "store; choose another path"
                    )
                create_fresh(conn)
                return
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the scenario store {self.path} was written by a newer "
                    f"workbench (schema {version}, this one knows up to "
                    f"{SCHEMA_VERSION}); update the workbench"
                )
            if version < 1:
                raise self._damaged(Exception("no schema version"))
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute("UPDATE schema_version SET version = ?", (version,))

    # -- public operations

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection to read with (closed afterwards; damage reported as StoreError)."""
        with self._reading() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: all of it is saved, or none of it (StoreError when the
        disk is full, the store busy, read-only or damaged)."""
        with self._writing() as conn:
            yield conn

    def schema_version(self) -> int:
        with self._reading() as conn:
            return int(conn.execute("SELECT version FROM schema_version").fetchone()[0])

    def save(self, scenario: Scenario, owner: str = DEFAULT_OWNER) -> str:
        """Save (insert or replace by id) a scenario for ``owner``; returns its id."""
        scenario.touch(self.clock())
        payload = scenario.to_bytes()
        with self._writing() as conn:
            taken = conn.execute(
                "SELECT owner FROM scenarios WHERE id = ?", (scenario.id,)
            ).fetchone()
            if taken is not None and taken[0] != owner:
                scenario.id = uuid.uuid4().hex  # another workspace's scenario: save a copy
                payload = scenario.to_bytes()
            conn.execute(
                "INSERT INTO scenarios (id, owner, name, scheme, notes, created, updated, "
                "summary, size, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name = excluded.name, scheme = excluded.scheme, "
                "notes = excluded.notes, updated = excluded.updated, summary = excluded.summary, "
                "size = excluded.size, payload = excluded.payload",
                (
                    scenario.id,
                    owner,
                    scenario.name,
                    scenario.scheme,
                    scenario.notes,
                    scenario.created,
                    scenario.updated,
                    json.dumps(summary_json(scenario)),
                    len(payload),
                    payload,
                ),
            )
        return scenario.id

    def list(self, owner: str | None = DEFAULT_OWNER) -> list[ScenarioInfo]:
        """Scenarios of ``owner`` (everyone's when None), most recently updated first."""
        query = (
            "SELECT id, owner, name, scheme, notes, created, updated, summary, size FROM scenarios"
        )
        params: tuple = ()
        if owner is not None:
            query += " WHERE owner = ?"
            params = (owner,)
        query += " ORDER BY updated DESC, rowid DESC"
        with self._reading() as conn:
            rows = conn.execute(query, params).fetchall()
        return [
            ScenarioInfo(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _loads(r[7]), r[8]) for r in rows
        ]

    def list_frame(self, owner: str | None = DEFAULT_OWNER) -> pd.DataFrame:
        """The list as a table (id, name, scheme, updated, notes, headline figures)."""
        rows = []
        for info in self.list(owner):
            row = {
                "id": info.id,
                "name": info.name,
                "scheme": info.scheme,
                "updated": info.updated,
                "notes": info.notes,
            }
            row.update(
                {
                    k: v
                    for k, v in info.summary.items()
                    if isinstance(v, (int, float, str)) and not isinstance(v, bool)
                }
            )
            rows.append(row)
        return pd.DataFrame(
            rows, columns=None if rows else ["id", "name", "scheme", "updated", "notes"]
        )

    def load(self, scenario_id: str, owner: str | None = DEFAULT_OWNER) -> Scenario:
        """The scenario with this id (of ``owner``; anyone's when None)."""
        return read_scenario_bytes(self.load_bytes(scenario_id, owner), "the saved scenario")

    def load_bytes(self, scenario_id: str, owner: str | None = DEFAULT_OWNER) -> bytes:
        """The scenario's ``.wbscenario`` bytes, e.g. to download."""
        query = "SELECT payload FROM scenarios WHERE id = ?"
        params: tuple = (scenario_id,)
        if owner is not None:
            query += " AND owner = ?"
            params += (owner,)
        with self._reading() as conn:
            row = conn.execute(query, params).fetchone()
        if row is None:
            raise ScenarioNotFound(scenario_id)
        return bytes(row[0])

    def latest(self, owner: str = DEFAULT_OWNER) -> Scenario | None:
        """The owner's most recently updated scenario, or None."""
        infos = self.list(owner)
        return self.load(infos[0].id, owner) if infos else None

    def delete(self, scenario_id: str, owner: str | None = DEFAULT_OWNER) -> bool:
        """Delete; True when something was deleted."""
        query = "DELETE FROM scenarios WHERE id = ?"
        params: tuple = (scenario_id,)
        if owner is not None:
            query += " AND owner = ?"
            params += (owner,)
        with self._writing() as conn:
            return conn.execute(query, params).rowcount > 0

    def rename(self, scenario_id: str, new_name: str, owner: str | None = DEFAULT_OWNER) -> None:
        """Give a saved scenario a new name (in the list and inside its file)."""
        new_name = new_name.strip()
        if not new_name:
            raise ValueError("a scenario needs a name")
        scenario = self.load(scenario_id, owner)
        scenario.name = new_name
        scenario.touch(self.clock())
        payload = scenario.to_bytes()
        query = "UPDATE scenarios SET name = ?, updated = ?, payload = ?, size = ? WHERE id = ?"
        params: tuple = (new_name, scenario.updated, payload, len(payload), scenario_id)
        if owner is not None:
            query += " AND owner = ?"
            params += (owner,)
        with self._writing() as conn:
            if conn.execute(query, params).rowcount == 0:
                raise ScenarioNotFound(scenario_id)

    def import_bytes(
        self, data: bytes, owner: str = DEFAULT_OWNER, label: str = "the scenario file"
    ) -> Scenario:
        """Import a ``.wbscenario`` (checked first) as a new scenario of ``owner``."""
        scenario = read_scenario_bytes(data, label)
        scenario.id = uuid.uuid4().hex
        self.save(scenario, owner)
        return scenario

    def count(self, owner: str | None = None) -> int:
        with self._reading() as conn:
            if owner is None:
                return int(conn.execute("SELECT COUNT(*) FROM scenarios").fetchone()[0])
            return int(
                conn.execute("SELECT COUNT(*) FROM scenarios WHERE owner = ?", (owner,)).fetchone()[
                    0
                ]
            )

    # -- the workspace's cohort (what a coordinator loaded, before any plan)

    def keep_cohort(
        self, owner: str, tables: dict[str, pd.DataFrame], name: str, label: str, fingerprint: str
    ) -> None:
        """Keep the cohort ``owner`` just loaded (its contract tables), replacing the one before.

        It is written in the scenario file format (checksummed, read back with the same checks)
        as a scenario without a plan; ``label`` says where it came from.
        """
        holder = Scenario(
            name=label,
            scheme="mentoring",
            cohort_tables=tables,
            cohort_name=name,
            created=self.clock(),
        )
        payload = holder.to_bytes()
        with self._writing() as conn:
            conn.execute(
                "INSERT INTO workspace_cohorts (owner, label, fingerprint, saved, size, payload) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(owner) DO UPDATE SET "
                "label = excluded.label, fingerprint = excluded.fingerprint, "
                "saved = excluded.saved, size = excluded.size, payload = excluded.payload",
                (owner, label, fingerprint, holder.updated, len(payload), payload),
            )

    def kept_cohort(self, owner: str) -> KeptCohort | None:
        """The cohort ``owner`` loaded last, or None (none kept, or it was forgotten)."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT label, fingerprint, saved, payload FROM workspace_cohorts WHERE owner = ?",
                (owner,),
            ).fetchone()
        if row is None:
            return None
        holder = read_scenario_bytes(bytes(row[3]), "the workspace's cohort")
        return KeptCohort(label=row[0], fingerprint=row[1], saved=row[2], holder=holder)

    def kept_cohort_key(self, owner: str) -> tuple[str, str] | None:
        """(fingerprint, saved) of the workspace's kept cohort, without reading it; or None."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT fingerprint, saved FROM workspace_cohorts WHERE owner = ?", (owner,)
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def forget_cohort(self, owner: str) -> bool:
        """Drop the workspace's kept cohort (e.g. a saved plan with its own cohort was opened)."""
        with self._writing() as conn:
            return (
                conn.execute("DELETE FROM workspace_cohorts WHERE owner = ?", (owner,)).rowcount > 0
            )

    def integrity_ok(self) -> bool:
        """Full integrity check of the database file."""
        with self._reading() as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _disk_full(exc: sqlite3.Error) -> bool:
    return getattr(
        exc, "sqlite_errorname", ""
    ) == "SQLITE_FULL" or "database or disk is full" in str(exc)


def summary_json(scenario: Scenario) -> dict:
    """The headline figures kept beside a scenario's payload (for the list)."""
    summary = _jsonable(scenario.summary)
    summary.setdefault("status", scenario.status.get("status", "not solved"))
    return summary


def _loads(text: str) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}
