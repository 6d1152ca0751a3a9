"""Workspaces that belong to people, their roles, sharing and read-only links to one plan.

A workspace id is the scenario store's ``owner`` key (32 lowercase hex), so its saved plans and
kept cohort are the store's as before. Each member has one role:

* **coordinator**: everything, including sharing, links and erasure;
* **viewer**: the shared plans, their charts and the report; student-level tables only when a
  coordinator allows it (:meth:`Access.allow_student_tables`).

A workspace always keeps at least one coordinator. E-mail addresses are compared without
regard to case or surrounding spaces. Every change is written with its audit entry in one
transaction (:mod:`workbench.access.audit`).
"""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from dataclasses import dataclass

from workbench.access.audit import write_entry
from workbench.access.settings import normalise_email
from workbench.scenarios.store import ScenarioStore

COORDINATOR = "coordinator"
VIEWER = "viewer"
ROLES = (COORDINATOR, VIEWER)
MAX_NAME = 120


class AccessDenied(PermissionError):
    """The person may not do this here: the message says who may, in words."""


@dataclass(frozen=True)
class Membership:
    """A workspace a person belongs to, its name and their role there."""

    workspace: str
    name: str
    role: str


@dataclass(frozen=True)
class Member:
    """A person a workspace is shared with."""

    email: str
    role: str
    added: str
    added_by: str


@dataclass(frozen=True)
class PlanLink:
    """A read-only link to one saved plan for one named person."""

    token: str
    workspace: str
    scenario_id: str
    email: str
    created: str
    created_by: str
    plan: str = ""  # the plan's name (filled by :meth:`Access.links_for`)


def _address(email: str) -> str:
    """A usable e-mail address, normalised; ValueError in words otherwise."""
    address = normalise_email(email)
    if "@" not in address or address.startswith("@") or address.endswith("@") or " " in address:
        raise ValueError(f"'{str(email).strip()}' is not an e-mail address.")
    return address


class Access:
    """Who may do what in the workspaces kept in one scenario store."""

    def __init__(self, store: ScenarioStore) -> None:
        self.store = store

    # -- belonging

    def memberships(self, email: str) -> list[Membership]:
        """The workspaces this person belongs to: those they coordinate first, then by name."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT w.id, w.name, m.role FROM workspace_members m "
                "JOIN workspaces w ON w.id = m.workspace WHERE m.email = ? "
                "ORDER BY m.role != ?, lower(w.name), w.id",
                (normalise_email(email), COORDINATOR),
            ).fetchall()
        return [Membership(*row) for row in rows]

    def create_workspace(self, email: str, name: str) -> str:
        """A new workspace whose coordinator is ``email``; returns its id."""
        address = _address(email)
        title = _title(name, address)
        workspace = uuid.uuid4().hex
        now = self.store.clock()
        with self.store.writing() as conn:
            conn.execute(
                "INSERT INTO workspaces (id, name, created, created_by) VALUES (?, ?, ?, ?)",
                (workspace, title, now, address),
            )
            _add_member(conn, workspace, address, COORDINATOR, now, address)
            write_entry(conn, now, workspace, address, "created the workspace", title)
        return workspace

    def adopt_workspace(self, workspace: str, email: str, name: str) -> None:
        """Make an existing owner key (a laptop's saved plans and cohort) a workspace that
        ``email`` coordinates, if nobody belongs to it yet."""
        address = _address(email)
        if not str(workspace).strip():
            raise ValueError("Give the workspace to adopt.")
        title = _title(name, address)
        now = self.store.clock()
        with self.store.writing() as conn:
            roles = _roles(conn, workspace)
            if roles.get(address) == COORDINATOR:
                return
            if roles:
                raise AccessDenied(
                    "This workspace already belongs to someone: ask one of its coordinators "
                    "to share it with you."
                )
            conn.execute(
                "INSERT INTO workspaces (id, name, created, created_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO NOTHING",
                (workspace, title, now, address),
            )
            _add_member(conn, workspace, address, COORDINATOR, now, address)
            write_entry(conn, now, workspace, address, "adopted the workspace", title)

    def known(self, workspace: str) -> bool:
        """Whether the store holds anything of this workspace (members, plans, a cohort or
        audit entries)."""
        with self.store.reading() as conn:
            return any(
                conn.execute(
                    f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", (workspace,)
                ).fetchone()
                for table, column in (
                    ("workspaces", "id"),
                    ("scenarios", "owner"),
                    ("workspace_cohorts", "owner"),
                    ("audit_log", "workspace"),
                )
            )

    def role(self, workspace: str, email: str) -> str | None:
        """This person's role in the workspace, or None when it is not shared with them."""
        with self.store.reading() as conn:
            return _roles(conn, workspace).get(normalise_email(email))

    def members(self, workspace: str) -> list[Member]:
        """Everyone the workspace is shared with: coordinators first, then by address."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT email, role, added, added_by FROM workspace_members WHERE workspace = ? "
                "ORDER BY role != ?, email",
                (workspace, COORDINATOR),
            ).fetchall()
        return [Member(*row) for row in rows]

    # -- sharing

    def share(self, workspace: str, by: str, email: str, role: str) -> None:
        """Share the workspace with ``email`` as ``role`` (or change their role)."""
        if role not in ROLES:
            raise ValueError(f"A role is {' or '.join(ROLES)}, not '{role}'.")
        address = _address(email)
        now = self.store.clock()
        with self.store.writing() as conn:
            roles = _coordinator_only(conn, workspace, by, "share it")
            if roles.get(address) == role:
                return
            if roles.get(address) == COORDINATOR and _coordinators(roles) == 1:
                raise AccessDenied(
                    f"{address} is the last coordinator of this workspace: make someone else a "
                    "coordinator first."
                )
            _add_member(conn, workspace, address, role, now, normalise_email(by))
            write_entry(conn, now, workspace, by, "shared the workspace", address, f"as {role}")

    def unshare(self, workspace: str, by: str, email: str) -> None:
        """Stop sharing the workspace with ``email``; their read-only links go too."""
        address = normalise_email(email)
        now = self.store.clock()
        with self.store.writing() as conn:
            roles = _coordinator_only(conn, workspace, by, "stop sharing it")
            if address not in roles:
                return
            if roles[address] == COORDINATOR and _coordinators(roles) == 1:
                raise AccessDenied(
                    f"{address} is the last coordinator of this workspace and cannot be "
                    "removed: make someone else a coordinator first."
                )
            conn.execute(
                "DELETE FROM workspace_members WHERE workspace = ? AND email = ?",
                (workspace, address),
            )
            gone = conn.execute(
                "DELETE FROM plan_links WHERE workspace = ? AND email = ?", (workspace, address)
            ).rowcount
            detail = f"and withdrew {_count(gone, 'read-only link')}" if gone else ""
            write_entry(conn, now, workspace, by, "stopped sharing the workspace", address, detail)

    def allow_student_tables(self, workspace: str, by: str, allowed: bool) -> None:
        """Whether viewers may see the plans' lists of students (tables and files)."""
        now = self.store.clock()
        with self.store.writing() as conn:
            _coordinator_only(conn, workspace, by, "change what viewers see")
            conn.execute(
                "UPDATE workspaces SET viewers_see_students = ? WHERE id = ?",
                (1 if allowed else 0, workspace),
            )
            detail = (
                "viewers may see the lists of students"
                if allowed
                else "viewers see figures, charts and the report only"
            )
            write_entry(conn, now, workspace, by, "changed what viewers see", "", detail)

    def viewers_see_students(self, workspace: str) -> bool:
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT viewers_see_students FROM workspaces WHERE id = ?", (workspace,)
            ).fetchone()
        return bool(row and row[0])

    # -- read-only links

    def create_link(self, workspace: str, scenario_id: str, by: str, email: str) -> str:
        """A read-only link to one saved plan of the workspace, for ``email`` only; returns
        its token (the app puts it in the address as ``?link=<token>``)."""
        address = _address(email)
        now = self.store.clock()
        token = secrets.token_hex(16)
        with self.store.writing() as conn:
            _coordinator_only(conn, workspace, by, "make a read-only link")
            plan = _plan_name(conn, workspace, scenario_id)
            if plan is None:
                raise ValueError("That plan is not saved in this workspace (it may be deleted).")
            conn.execute(
                "INSERT INTO plan_links (token, workspace, scenario_id, email, created, "
                "created_by) VALUES (?, ?, ?, ?, ?, ?)",
                (token, workspace, scenario_id, address, now, normalise_email(by)),
            )
            write_entry(conn, now, workspace, by, "made a read-only link", plan, f"for {address}")
        return token

    def open_link(self, token: str, email: str) -> PlanLink | None:
        """The link, when it exists, names this person and its plan is still saved; else
        None. Opening is recorded, and so is a refused attempt on a real link."""
        address = normalise_email(email)
        now = self.store.clock()
        with self.store.writing() as conn:
            row = conn.execute(
                "SELECT token, workspace, scenario_id, email, created, created_by "
                "FROM plan_links WHERE token = ?",
                (str(token),),
            ).fetchone()
            if row is None:
                return None
            link = PlanLink(*row)
            plan = _plan_name(conn, link.workspace, link.scenario_id)
            if plan is None:
                return None
            if link.email != address or not address:
                write_entry(
                    conn,
                    now,
                    link.workspace,
                    address or "someone not signed in",
                    "was refused a read-only link",
                    plan,
                    f"the link is for {link.email}",
                )
                return None
            write_entry(conn, now, link.workspace, address, "opened a read-only link", plan)
        return link

    def links(self, workspace: str) -> list[PlanLink]:
        """The workspace's read-only links, newest first."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT token, workspace, scenario_id, email, created, created_by "
                "FROM plan_links WHERE workspace = ? ORDER BY created DESC, email",
                (workspace,),
            ).fetchall()
        return [PlanLink(*row) for row in rows]

    def links_for(self, email: str) -> list[PlanLink]:
        """The read-only links made for this person whose plan is still saved, newest first,
        with the plan's name (a withdrawn link is gone from the store)."""
        with self.store.reading() as conn:
            rows = conn.execute(
                "SELECT l.token, l.workspace, l.scenario_id, l.email, l.created, l.created_by, "
                "s.name FROM plan_links l "
                "JOIN scenarios s ON s.id = l.scenario_id AND s.owner = l.workspace "
                "WHERE l.email = ? ORDER BY l.created DESC, l.rowid DESC",
                (normalise_email(email),),
            ).fetchall()
        return [PlanLink(*row) for row in rows]

    def revoke_link(self, workspace: str, by: str, token: str) -> None:
        """Withdraw a read-only link: it opens nothing from now on."""
        now = self.store.clock()
        with self.store.writing() as conn:
            _coordinator_only(conn, workspace, by, "withdraw a read-only link")
            row = conn.execute(
                "SELECT scenario_id, email FROM plan_links WHERE token = ? AND workspace = ?",
                (str(token), workspace),
            ).fetchone()
            if row is None:
                return
            conn.execute("DELETE FROM plan_links WHERE token = ?", (str(token),))
            plan = _plan_name(conn, workspace, row[0]) or "a deleted plan"
            write_entry(
                conn, now, workspace, by, "withdrew a read-only link", plan, f"for {row[1]}"
            )


# ------------------------------------------------------------------------------ helpers


def _title(name: str, address: str) -> str:
    title = " ".join(str(name or "").split())[:MAX_NAME]
    return title or f"{address}'s workspace"


def _roles(conn: sqlite3.Connection, workspace: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT email, role FROM workspace_members WHERE workspace = ?", (workspace,)
    ).fetchall()
    return dict(rows)


def _coordinators(roles: dict[str, str]) -> int:
    return sum(1 for role in roles.values() if role == COORDINATOR)


def _coordinator_only(
    conn: sqlite3.Connection, workspace: str, by: str, what: str
) -> dict[str, str]:
    """Everyone's role in the workspace, once ``by`` is known to coordinate it."""
    roles = _roles(conn, workspace)
    if roles.get(normalise_email(by)) != COORDINATOR:
        raise AccessDenied(f"Only a coordinator of this workspace can {what}.")
    return roles


def _add_member(
    conn: sqlite3.Connection, workspace: str, email: str, role: str, now: str, by: str
) -> None:
    conn.execute(
        "INSERT INTO workspace_members (workspace, email, role, added, added_by) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(workspace, email) DO UPDATE SET role = excluded.role",
        (workspace, email, role, now, by),
    )


def _plan_name(conn: sqlite3.Connection, workspace: str, scenario_id: str) -> str | None:
    row = conn.execute(
        "SELECT name FROM scenarios WHERE id = ? AND owner = ?", (str(scenario_id), workspace)
    ).fetchone()
    return None if row is None else str(row[0])


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" + ("" if n == 1 else "s")
