"""Downloads: a whole scenario as a workbook or a zip of CSV files, PASS as ``.ics``.

Every table is written by :mod:`workbench.safe_tables` (CSV and Excel with every formula made
inert: a text cell a spreadsheet would run gets a leading apostrophe).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pandas as pd

from workbench.cohort.names import name_lookup, named
from workbench.review import calendar as ics
from workbench.review.whatif import headline_label
from workbench.safe_tables import to_csv_bytes, to_excel_bytes
from workbench.schemes import registry
from workbench.term.calendar import calendar_from_table

# ------------------------------------------------------------------------------ scenarios

RESULT_ORDER = (
    "matches",
    "unmatched",
    "mentor_load",
    "sessions",
    "coverage",
    "reach",
    "groups",
    "unplaced",
)


def headline_table(scenario: Any) -> pd.DataFrame:
    """The scenario's headline figures as a two-column table (figure, value)."""

    rows = [
        ("Scenario", scenario.name),
        ("Scheme", scenario.scheme),
        ("Solver outcome", scenario.status_label),
        ("Updated", scenario.updated),
    ]
    for key, value in scenario.summary.items():
        if key == "status" or isinstance(value, (dict, list)):
            continue
        rows.append((headline_label(key, scenario.scheme), value))
    if scenario.notes:
        rows.append(("Notes", scenario.notes))
    return pd.DataFrame(rows, columns=["figure", "value"]).astype({"value": object})


def _settings_table(settings: dict, prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _settings_table(value, name + ".")
        elif isinstance(value, (list, dict)):
            rows.append((name, ", ".join(map(str, value)) if isinstance(value, list) else ""))
        else:
            rows.append((name, value))
    return rows


def parameters_table(scenario: Any) -> pd.DataFrame:
    """Settings, assumptions and cost rates as one table (kind, parameter, value)."""
    rows = [("setting", k, v) for k, v in _settings_table(scenario.settings)]
    rows += [("assumption", k, v) for k, v in _settings_table(scenario.assumptions)]
    rows += [("cost rate", k, v) for k, v in _settings_table(scenario.cost_rates)]
    return pd.DataFrame(rows, columns=["kind", "parameter", "value"]).astype({"value": object})


def scenario_tables(scenario: Any) -> dict[str, pd.DataFrame]:
    """Every table worth exporting from a scenario: summary, results, parameters."""
    tables: dict[str, pd.DataFrame] = {"summary": headline_table(scenario)}
    names = [n for n in RESULT_ORDER if n in scenario.results]
    names += [n for n in scenario.results if n not in names]
    students = (getattr(scenario, "cohort_tables", None) or {}).get("students")
    for name in names:
        tables[name] = named(scenario.results[name], students)
    tables["parameters"] = parameters_table(scenario)
    return tables


def scenario_excel_bytes(scenario: Any) -> bytes:
    """The whole scenario as one workbook: summary, each result table, parameters."""
    return to_excel_bytes(scenario_tables(scenario))


def scenario_csv_zip(scenario: Any) -> bytes:
    """Every table of the scenario as CSV files in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in scenario_tables(scenario).items():
            archive.writestr(f"{name}.csv", to_csv_bytes(frame))
    return buffer.getvalue()


def pass_ics_bytes(
    scenario_or_sessions: Any,
    term_start: dt.date | None = None,
    weeks: int | None = None,
    timezone: str | None = None,
    name: str | None = None,
) -> bytes:
    """The PASS timetable as an iCalendar file (weekly events), through :mod:`workbench.review.calendar`.

    Give a PASS scenario or its sessions table. ``term_start`` defaults to next Monday,
    ``weeks`` to the scenario's weeks per term, ``name`` to the scenario's name.
    """

    sessions = scenario_or_sessions
    people: dict[str, str] = {}
    mondays = None
    if hasattr(scenario_or_sessions, "results"):
        scenario = scenario_or_sessions
        if not registry.get(scenario.scheme).calendar:
            raise ValueError("only a PASS scenario has a timetable to export as a calendar")
        sessions = scenario.results.get("sessions")
        students = (getattr(scenario, "cohort_tables", None) or {}).get("students")
        people = name_lookup(students) if students is not None else {}
        if sessions is None:
            raise ValueError("this PASS scenario has no sessions table")
        weeks = weeks or int((scenario.cost_rates or {}).get("weeks_per_term") or 0) or None
        name = name or f"PASS: {scenario.name}"
        mondays = _term_mondays(scenario) if term_start is None else None
    return ics.sessions_ics(
        sessions,
        term_start or ics.next_monday(),
        weeks or ics.DEFAULT_WEEKS,
        timezone or ics.DEFAULT_TIMEZONE,
        name or "PASS sessions",
        names=people,
        session_mondays=mondays,
    )


def _term_mondays(scenario: Any) -> list[dt.date] | None:
    """The Mondays of the weeks with sessions from the scenario's term_weeks (None without)."""
    weeks = (getattr(scenario, "cohort_tables", None) or {}).get("term_weeks")
    if weeks is None or not len(weeks):
        return None
    try:
        return calendar_from_table(scenario.cohort().term_weeks).session_mondays()
    except ValueError:
        return None
