"""Copy the workbench's store while the server runs: ``python deploy/backup.py SOURCE TARGET``.

SQLite's online backup (the same as ``sqlite3 SOURCE ".backup TARGET"``): the copy is one
consistent database that includes what is still only in the write-ahead log
(``scenarios.sqlite3-wal``), taken while coordinators keep working. Copying the ``.sqlite3``
file alone with ``cp`` can miss the latest saves or catch a save half-written; this cannot.
The copy is checked (``PRAGMA integrity_check``) before the command reports success.

In the container (the image has no ``sqlite3`` command; Python's module does the same)::

    docker compose exec workbench python /app/deploy/backup.py \\
        /data/scenarios.sqlite3 /data/backups/scenarios-$(date +%F).sqlite3
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

PAGES_PER_STEP = 1024  # copy in steps so the server's writers are never held up for long
BUSY_TIMEOUT_S = 30.0


def backup(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (a new file) consistently, then check the copy."""
    if not source.is_file():
        raise FileNotFoundError(f"no store at {source}")
    if target.exists():
        raise FileExistsError(f"{target} exists already; name a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if verdict != "ok":
        target.unlink(missing_ok=True)
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the store, e.g. /data/scenarios.sqlite3")
    parser.add_argument("target", type=Path, help="a new file for the copy")
    args = parser.parse_args(argv)
    try:
        backup(args.source, args.target)
    except (OSError, sqlite3.Error) as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {args.source} to {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
