"""The shared deployment's commands: ``retention``, ``forget-student`` and ``audit``.

They work on the scenario store file the app uses (``--store``), e.g. from cron in the
container: ``python -m workbench retention --store /data/scenarios.sqlite3``.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from workbench.access.audit import audit_csv, entries
from workbench.access.erasure import ErasureError, forget_student
from workbench.access.retention import purge_expired
from workbench.access.settings import DeploymentSettings
from workbench.access.workspaces import Access
from workbench.cli.common import UsageError
from workbench.scenarios.store import ScenarioStore, StoreError


def _store(path: str) -> ScenarioStore:
    """The existing store file (never a new empty one made by a typing slip)."""
    if not Path(path).is_file():
        raise UsageError(f"--store {path}: there is no scenario store there")
    try:
        return ScenarioStore(path)
    except StoreError as exc:
        raise UsageError(str(exc)) from exc


def _workspace(store: ScenarioStore, workspace: str) -> str:
    workspace = workspace.strip()
    if not workspace or not Access(store).known(workspace):
        raise UsageError(f"--workspace {workspace}: the store holds no such workspace")
    return workspace


def _days(value: str, option: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise UsageError(f"{option} must be a whole number of days (0 keeps everything)")
    return int(text)


def run_retention(args: argparse.Namespace) -> int:
    try:
        settings = DeploymentSettings.from_mapping({})
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.days is not None:
        settings = replace(settings, retention_days=_days(args.days, "--days"))
    if args.audit_days is not None:
        settings = replace(settings, audit_days=_days(args.audit_days, "--audit-days"))
    store = _store(args.store)
    try:
        report = purge_expired(store, settings, dry_run=args.dry_run)
    except StoreError as exc:
        raise UsageError(str(exc)) from exc
    print(report.summary())
    return 0


def run_forget(args: argparse.Namespace) -> int:
    if not args.student_id.strip():
        raise UsageError("give the id of the student to forget")
    if "@" not in args.by:
        raise UsageError(f"--by {args.by}: give the e-mail of the person asking")
    store = _store(args.store)
    workspace = _workspace(store, args.workspace)
    try:
        report = forget_student(store, workspace, args.student_id, args.by, check_role=False)
    except (ErasureError, StoreError) as exc:
        raise UsageError(str(exc)) from exc
    print(report.summary())
    return 0


def run_audit(args: argparse.Namespace) -> int:
    store = _store(args.store)
    workspace = _workspace(store, args.workspace)
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(audit_csv(store, workspace))
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write the file ({exc.strerror})") from exc
    print(f"wrote {len(entries(store, workspace))} audit entries to {out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``retention``, ``forget-student`` and ``audit`` commands."""
    p = subparsers.add_parser(
        "retention",
        help="delete saved plans, cohorts and audit entries past their retention period",
        description="Delete what is past its retention period in a scenario store (for cron). "
        "The periods come from WORKBENCH_RETENTION_DAYS and WORKBENCH_AUDIT_DAYS unless given "
        "here; 0 keeps everything.",
    )
    p.add_argument("--store", required=True, help="the scenario store file (scenarios.sqlite3)")
    p.add_argument("--days", help="delete plans and cohorts saved more than N days ago")
    p.add_argument("--audit-days", help="delete audit entries older than N days")
    p.add_argument("--dry-run", action="store_true", help="say what would go; delete nothing")
    p.set_defaults(func=run_retention)

    p = subparsers.add_parser(
        "forget-student",
        help="remove a student from every cohort, plan and audit entry of a workspace",
        description="Erasure on request: remove the student's rows and id from the workspace's "
        "saved cohort and plans, and the id from its audit entries. Plans keep their figures "
        "until solved again.",
    )
    p.add_argument("student_id", help="the student's id")
    p.add_argument("--workspace", required=True, help="the workspace id")
    p.add_argument("--store", required=True, help="the scenario store file (scenarios.sqlite3)")
    p.add_argument("--by", required=True, help="the e-mail of the person asking (for the record)")
    p.set_defaults(func=run_forget)

    p = subparsers.add_parser(
        "audit",
        help="write a workspace's record of who did what as CSV",
        description="Write the workspace's audit log (newest first) as CSV, formulas made inert.",
    )
    p.add_argument("--workspace", required=True, help="the workspace id")
    p.add_argument("--store", required=True, help="the scenario store file (scenarios.sqlite3)")
    p.add_argument("--out", required=True, help="the CSV file to write")
    p.set_defaults(func=run_audit)
