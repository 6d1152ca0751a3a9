"""Every file a plan can be downloaded as: label -> (file suffix, bytes, MIME type).

The app's Report page offers these (cached per plan version); a script gets the same files.
Spreadsheets are neutralised by :mod:`workbench.review.export`.
"""

from __future__ import annotations

import contextlib
from typing import Any

from workbench.review import export
from workbench.schemes import registry

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
TABLE_FILES = (
    ("matches", "Matches"),
    ("unmatched", "Unmatched"),
    ("sessions", "Sessions"),
    ("coverage", "Coverage"),
    ("groups", "Groups"),
    ("group_scores", "Group scores"),
    ("unplaced", "Unplaced students"),
)
Download = tuple[str, bytes, str]


def scenario_downloads(chosen: Any) -> dict[str, Download]:
    """label -> (file suffix, bytes, MIME type) for every download of a scenario."""
    files: dict[str, Download] = {
        "Everything as an Excel workbook": (".xlsx", export.scenario_excel_bytes(chosen), XLSX),
        "Everything as CSV files (zip)": ("_csv.zip", export.scenario_csv_zip(chosen), ZIP),
    }
    for name, label in TABLE_FILES:
        if name in chosen.results:
            files[f"{label} (CSV)"] = (
                f"_{name}.csv",
                export.to_csv_bytes(chosen.results[name]),
                CSV,
            )
    entry = registry.get(chosen.scheme)
    if entry.plan_workbook:
        title, tables = entry.plan_workbook
        plan = {n: chosen.results[n] for n in tables if n in chosen.results}
        files[title] = ("_groups.xlsx", export.to_excel_bytes(plan), XLSX)
    if entry.calendar:
        # Without the calendar module the page says the calendar is not available.
        with contextlib.suppress(ImportError, RuntimeError, ValueError):
            files["Sessions as a calendar (.ics)"] = (
                ".ics",
                export.pass_ics_bytes(chosen),
                "text/calendar",
            )
    files["Scenario file to send to a colleague (.wbscenario)"] = (
        ".wbscenario",
        chosen.to_bytes(),
        ZIP,
    )
    return files
