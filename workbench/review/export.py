"""Downloads: result tables as CSV and Excel, a whole scenario as a workbook, PASS as ``.ics``.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return) as a formula, so a student or module name such as ``=HYPERLINK(...)``
could act when a colleague opens the export. Every text cell that starts so gets a leading
apostrophe (:func:`neutralise`); numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.names import name_lookup, named
from workbench.review import calendar as ics
from workbench.review.whatif import headline_label
from workbench.term.calendar import calendar_from_table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula, made inert (numbers untouched)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(value: Any) -> Any:
    if isinstance(value, (tuple, list, set, frozenset)):
        return ";".join(str(v) for v in value)
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with list cells joined and every text cell neutralised; numeric columns as they
    are. Column names are neutralised too."""
    out = frame.copy()
    if any(n is not None for n in out.index.names) and not isinstance(out.index, pd.RangeIndex):
        out = out.reset_index()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        out[col] = series.astype(object).map(lambda v: neutralise(_text(v))).astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV (UTF-8 with a byte-order mark so Excel reads accents), formulas inert.

    Every text cell is quoted (numbers are not): a spreadsheet that splits on ``;`` or a tab
    (as a European-locale Excel does) keeps ``Law;=2+5*7`` as one inert cell instead of
    splitting it into a live formula after the delimiter.
    """
    return (
        safe_frame(frame)
        .to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
        .encode("utf-8-sig")
    )


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no []:*?/\\)."""
    base = _SHEET_BAD.sub(" ", str(name)).strip().strip("'") or "Sheet"
    base = base[:31]
    candidate, k = base, 1
    while candidate.lower() in {t.lower() for t in taken}:
        k += 1
        suffix = f" ({k})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def _excel_cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    if isinstance(value, (int, float, bool, dt.datetime, dt.date, dt.time)):
        return value
    return neutralise(str(_text(value)))


def to_excel_bytes(tables: Mapping[str, pd.DataFrame] | pd.DataFrame) -> bytes:
    """One sheet per table (or a single table) as ``.xlsx`` bytes, formulas inert.

    Cells are written as values (never formulas): numbers as numbers, text neutralised.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if isinstance(tables, pd.DataFrame):
        tables = {"Table": tables}
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for name, frame in tables.items():
        sheet = book.create_sheet(sheet_name(name, taken))
        frame = safe_frame(frame)
        headers = [str(c) for c in frame.columns]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([_excel_cell(v) for v in row])
        for cell_row in sheet.iter_rows(min_row=2):
            for cell in cell_row:
                if cell.data_type == "f":  # belt and braces: never a formula
                    cell.value = "'" + str(cell.value)
                    cell.data_type = "s"
        for i, header in enumerate(headers, start=1):
            sample = [len(header)] + [len(str(v)) for v in frame.iloc[:200, i - 1].tolist()]
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, max(sample) + 2))
        sheet.freeze_panes = "A2"
    if not tables:
        book.create_sheet("Empty")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
        if scenario.scheme != "pass":
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
