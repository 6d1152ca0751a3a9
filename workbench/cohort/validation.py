"""Check raw tables against the data contract and build a :class:`~workbench.cohort.domain.Cohort`.

Every problem is collected, never only the first. Each is reported as
``file:row: column: message``, where ``row`` is the row as a spreadsheet shows it (the header is
row 1, the first data row is row 2).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort.contract import (
    BOOL,
    CONTRACT,
    DATE,
    DAY,
    FRACTION,
    ID,
    INT,
    LEVEL,
    LIST,
    NUMBER,
    TEXT,
    TIME,
    TableSpec,
    header_lookup,
    normalise_header,
)
from workbench.cohort.domain import DAY_NAMES, LEVEL_RANK, LEVELS, TABLES, Cohort
from workbench.cohort.names import combine_name_columns

ROW = "__row__"  # column of raw frames holding the spreadsheet row number
MAX_PER_COLUMN = 50  # problems listed per file and column before they are summarised


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the coordinator's data, located by file, row and column."""

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"  # "error" stops the cohort loading; "warning" does not

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = f" {self.column}:" if self.column else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}:{column} {prefix}{self.message}"


@dataclass
class ValidationReport:
    """All problems found, in file order."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts_by_file(self) -> dict[str, int]:
        """Errors per file, for the summary line."""
        return dict(Counter(p.file for p in self.errors))

    def format_text(self) -> str:
        """The report as the command line prints it."""
        lines = [str(p) for p in self.problems]
        counts = self.counts_by_file()
        if counts:
            total = sum(counts.values())
            per_file = ", ".join(f"{f}: {n}" for f, n in counts.items())
            lines.append(f"{total} problem{'s' if total != 1 else ''} ({per_file}).")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table (file, row, column, severity, message)."""
        return pd.DataFrame(
            [(p.file, p.row, p.column, p.severity, p.message) for p in self.problems],
            columns=["file", "row", "column", "severity", "message"],
        )


@dataclass
class ValidationResult:
    cohort: Cohort | None
    report: ValidationReport


@dataclass
class Mapping:
    """How a coordinator's export maps onto the contract.

    ``tables``: file or sheet name -> table; ``columns``: table -> {their header: contract column};
    ``values``: table -> column -> {their value: contract value}.
    """

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        if not isinstance(data, dict):
            raise ValueError("a mapping must be an object with 'tables', 'columns' and 'values'")
        unknown = set(data) - {"tables", "columns", "values"}
        if unknown:
            raise ValueError(f"unknown mapping section(s): {', '.join(sorted(unknown))}")
        tables = {normalise_header(k): str(v) for k, v in (data.get("tables") or {}).items()}
        for target in tables.values():
            if target not in CONTRACT:
                raise ValueError(f"mapping names an unknown table '{target}'")
        columns = {
            str(t): {normalise_header(k): str(v) for k, v in (cols or {}).items()}
            for t, cols in (data.get("columns") or {}).items()
        }
        values = {
            str(t): {
                str(c): {str(k).strip().lower(): str(v) for k, v in (vals or {}).items()}
                for c, vals in (cols or {}).items()
            }
            for t, cols in (data.get("values") or {}).items()
        }
        return cls(tables, columns, values)


@dataclass
class RawTable:
    """A table as read from a file: strings only, plus where each row came from."""

    name: str
    file: str
    frame: pd.DataFrame  # string cells (or None), with a ROW column
    problems: list[Problem] = field(default_factory=list)
    clean: bool = False  # every cell is already stripped text or None (readers do this)


# ---------------------------------------------------------------------------------- values

_LEVEL_WORDS = {
    "first": 1,
    "one": 1,
    "second": 2,
    "two": 2,
    "third": 3,
    "three": 3,
    "fourth": 4,
    "four": 4,
    "fifth": 5,
    "five": 5,
    "sixth": 6,
    "six": 6,
}
_LEVEL_PG = {
    "pgt": "PGT",
    "masters": "PGT",
    "master": "PGT",
    "msc": "PGT",
    "ma": "PGT",
    "mres": "PGT",
    "postgraduate taught": "PGT",
    "pg taught": "PGT",
    "pgr": "PGR",
    "phd": "PGR",
    "doctoral": "PGR",
    "postgraduate research": "PGR",
    "pg research": "PGR",
    "research": "PGR",
}


def parse_level(text: str) -> str | None:
    """``UG1``.., ``PGT``, ``PGR`` from common spellings ("Year 2", "y2", "2", "PhD")."""
    t = re.sub(r"[\s_\-]+", " ", str(text).strip().lower())
    if t in _LEVEL_PG:
        return _LEVEL_PG[t]
    m = re.fullmatch(r"(?:ug|undergraduate|year|yr|y|stage|ug year)? ?([1-6])", t)
    if m:
        return f"UG{m.group(1)}"
    m = re.fullmatch(
        r"(first|second|third|fourth|fifth|sixth|one|two|three|four|five|six)"
        r"(?: year)?",
        t,
    )
    if m:
        return f"UG{_LEVEL_WORDS[m.group(1)]}"
    m = re.fullmatch(r"year (one|two|three|four|five|six)", t)
    if m:
        return f"UG{_LEVEL_WORDS[m.group(1)]}"
    return None


def parse_day(text: str) -> int | None:
    """0 (Mon) .. 6 (Sun) from ``Mon``, ``monday``, ``Tues``, ``THURS``."""
    t = str(text).strip().lower().rstrip(".")
    if len(t) < 2:
        return None
    for i, name in enumerate(DAY_NAMES):
        full = name.lower()
        if t == full or (len(t) >= 3 and full.startswith(t)):
            return i
    return {"tu": 1, "th": 3, "su": 6, "sa": 5, "mo": 0, "we": 2, "fr": 4}.get(t)


_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_date(text: str) -> dt.date | None:
    """A date written YYYY-MM-DD (ISO 8601, as spreadsheets export it), or None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if len(text) >= 10 and text[10:].strip(" T0:") == "":  # "2026-09-28 00:00:00" from a sheet
        text = text[:10]
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_time(text: str) -> int | None:
    """Minutes after midnight from 24-hour ``HH:MM`` (``HH:MM:00`` from exports too)."""
    m = _TIME.fullmatch(str(text).strip())
    if not m:
        return None
    hours, minutes, seconds = int(m.group(1)), int(m.group(2)), m.group(3)
    if seconds not in (None, "00") or minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


_TRUE = {"yes", "y", "true", "t", "1", "1.0"}
_FALSE = {"no", "n", "false", "f", "0", "0.0"}


def _cached_parse(series: pd.Series, parse) -> pd.Series:
    """Apply ``parse`` once per distinct value (columns repeat a few values many times)."""
    uniques = pd.unique(series.dropna())
    table = {u: parse(u) for u in uniques}
    return series.map(table)


# -------------------------------------------------------------------------------- validator


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._per_column: Counter[tuple[str, str | None, str]] = Counter()

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        message: str,
        severity: str = "error",
        kind: str | None = None,
    ) -> None:
        key = (file, column, kind or message)
        self._per_column[key] += 1
        if self._per_column[key] <= MAX_PER_COLUMN:
            self.problems.append(Problem(file, row, column, message, severity))

    def add_rows(
        self,
        table: RawTable,
        rows: pd.Series,
        column: str,
        messages: pd.Series | str,
        kind: str,
        severity: str = "error",
    ) -> None:
        """Report one problem per row in ``rows`` (the ROW values), capped per column."""
        if isinstance(messages, str):
            messages = pd.Series([messages] * len(rows), index=rows.index)
        for row, msg in zip(rows.tolist(), messages.tolist(), strict=True):
            self.add(table.file, int(row), column, msg, severity, kind)

    def finish(self) -> list[Problem]:
        """The problems grouped by file (in the order files were met), then by row."""
        for (file, column, kind), n in self._per_column.items():
            if n > MAX_PER_COLUMN:
                self.problems.append(
                    Problem(
                        file,
                        None,
                        column,
                        f"... and {n - MAX_PER_COLUMN:,} more rows with this problem: {kind}",
                    )
                )
        order = {f: i for i, f in enumerate(dict.fromkeys(p.file for p in self.problems))}
        return sorted(
            self.problems, key=lambda p: (order[p.file], float("inf") if p.row is None else p.row)
        )


def _quote(value: Any) -> str:
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"


def _resolve_headers(
    raw: RawTable, spec: TableSpec, mapping: Mapping, out: _Collector
) -> pd.DataFrame | None:
    """Rename the raw headers to contract names; report missing and doubled columns."""
    lookup = header_lookup(spec)
    lookup.update({k: v for k, v in mapping.columns.get(spec.name, {}).items()})
    rename: dict[str, str] = {}
    seen: dict[str, str] = {}
    ok = True
    for header in raw.frame.columns:
        if header == ROW:
            continue
        key = normalise_header(header)
        target = lookup.get(key)
        if target is None:
            target = key.replace(" ", "_") or "unnamed"
            if target in spec.columns:  # an unmapped header that spells a contract name
                target = f"{target}_extra"
        if target in seen:
            if target in spec.columns:
                out.add(
                    raw.file,
                    1,
                    str(header),
                    f"columns '{seen[target]}' and '{header}' both give {target}; keep one of them",
                )
                ok = False
            target = f"{target}_{len(seen)}"
        seen[target] = str(header)
        rename[header] = target
    for col in spec.required:
        if col not in seen:
            names = ", ".join(dict.fromkeys([col, *spec.columns[col].aliases]))
            out.add(
                raw.file, 1, col, f"missing required column '{col}' (a header such as: {names})"
            )
            ok = False
    if not ok:
        return None
    return raw.frame.rename(columns=rename)


def _none_for_missing(values: pd.Series) -> pd.Series:
    """An object Series whose missing cells are None (not NaN), so tables compare equal."""
    array = values.to_numpy(dtype=object, copy=True)
    array[pd.isna(array)] = None
    return pd.Series(array, index=values.index, dtype=object)


def _clean_strings(values: pd.Series) -> pd.Series:
    """Cells as stripped text; empty and missing cells become None (vectorised)."""
    text = values.astype(object)
    is_str = text.map(type).eq(str) if len(text) else text.astype(bool)
    if not is_str.all():
        text = text.where(text.isna() | is_str, text.astype(str))
    stripped = text.str.strip()
    return _none_for_missing(stripped.where(stripped.str.len() > 0))


def _normalise_strings(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        if col == ROW:
            out[col] = frame[col].astype("int64")
            continue
        out[col] = _clean_strings(frame[col])
    return pd.DataFrame(out, index=frame.index)


def _check_column(
    raw: RawTable,
    frame: pd.DataFrame,
    spec: TableSpec,
    col_name: str,
    mapping: Mapping,
    out: _Collector,
) -> tuple[pd.Series, pd.Series]:
    """Parse one column; return (values, bad-row mask)."""
    col = spec.columns[col_name]
    if col_name not in frame.columns:
        n = len(frame)
        if col.kind == LIST:
            return pd.Series([()] * n, index=frame.index, dtype=object), pd.Series(
                False, frame.index
            )
        if col.default is not None:
            return pd.Series(col.default, index=frame.index), pd.Series(False, frame.index)
        dtype = (
            "boolean"
            if col.kind == BOOL
            else ("float64" if col.kind in (FRACTION, NUMBER) else object)
        )
        return pd.Series(None, index=frame.index, dtype=dtype), pd.Series(False, frame.index)

    s = frame[col_name]
    value_map = mapping.values.get(spec.name, {}).get(col_name)
    if value_map:
        s = s.map(lambda v: value_map.get(v.lower(), v) if isinstance(v, str) else v)
    missing = s.isna()
    bad = pd.Series(False, index=frame.index)
    if col.required and missing.any():
        out.add_rows(raw, frame.loc[missing, ROW], col_name, f"{col_name} is empty", "is empty")
        bad |= missing

    present = ~missing
    if col.kind in (ID, TEXT):
        values = s
    elif col.kind == LIST:
        values = _cached_parse(
            s, lambda v: tuple(sorted({p.strip().lower() for p in v.split(";") if p.strip()}))
        )
        values = values.map(lambda v: v if isinstance(v, tuple) else ())
    elif col.kind == LEVEL:
        values = _cached_parse(s, parse_level)
        wrong = present & values.isna()
        out.add_rows(
            raw,
            frame.loc[wrong, ROW],
            col_name,
            s[wrong].map(lambda v: f"{_quote(v)} is not a level (use one of {', '.join(LEVELS)})"),
            "not a level",
        )
        bad |= wrong
    elif col.kind == DAY:
        values = _cached_parse(s, parse_day)
        wrong = present & values.isna()
        out.add_rows(
            raw,
            frame.loc[wrong, ROW],
            col_name,
            s[wrong].map(lambda v: f"{_quote(v)} is not a day (use Mon..Sun)"),
            "not a day",
        )
        bad |= wrong
    elif col.kind == TIME:
        values = _cached_parse(s, parse_time)
        wrong = present & values.isna()
        out.add_rows(
            raw,
            frame.loc[wrong, ROW],
            col_name,
            s[wrong].map(lambda v: f"{_quote(v)} is not a 24-hour time HH:MM"),
            "not a time",
        )
        bad |= wrong
    elif col.kind == BOOL:
        lowered = s.map(lambda v: v.lower() if isinstance(v, str) else None)
        values = pd.Series(pd.NA, index=frame.index, dtype="boolean")
        values[lowered.isin(_TRUE)] = True
        values[lowered.isin(_FALSE)] = False
        wrong = present & ~lowered.isin(_TRUE | _FALSE)
        out.add_rows(
            raw,
            frame.loc[wrong, ROW],
            col_name,
            s[wrong].map(lambda v: f"{_quote(v)} is not yes or no"),
            "not yes/no",
        )
        bad |= wrong
    elif col.kind == DATE:
        values = _cached_parse(s, parse_date)
        wrong = present & values.isna()
        out.add_rows(
            raw,
            frame.loc[wrong, ROW],
            col_name,
            s[wrong].map(lambda v: f"{_quote(v)} is not a date written YYYY-MM-DD"),
            "not a date",
        )
        bad |= wrong
    else:  # FRACTION, NUMBER or INT
        text = s.map(lambda v: v.replace(",", "") if isinstance(v, str) else None)
        percent = text.map(lambda v: isinstance(v, str) and v.endswith("%")).astype(bool)
        number = pd.to_numeric(
            text.map(lambda v: v.rstrip("%").strip() if isinstance(v, str) else None),
            errors="coerce",
        )
        number = number.where(~percent, number / 100.0)
        wrong_number = present & number.isna()
        what = "a whole number" if col.kind == INT else "a number"
        out.add_rows(
            raw,
            frame.loc[wrong_number, ROW],
            col_name,
            s[wrong_number].map(lambda v: f"{_quote(v)} is not {what}"),
            "not a number",
        )
        bad |= wrong_number
        ok_number = present & number.notna()
        if col.kind == INT:
            fractional = ok_number & (number != np.floor(number.fillna(0)))
            out.add_rows(
                raw,
                frame.loc[fractional, ROW],
                col_name,
                s[fractional].map(lambda v: f"{_quote(v)} is not a whole number"),
                "not whole",
            )
            bad |= fractional
            ok_number &= ~fractional
        low = -np.inf if col.low is None else col.low
        high = np.inf if col.high is None else col.high
        outside = ok_number & ((number < low) | (number > high))
        rng = (
            f"from {int(low)} to {int(high)}"
            if col.kind == INT
            else f"between {low:g} and {high:g}"
        )
        out.add_rows(
            raw,
            frame.loc[outside, ROW],
            col_name,
            s[outside].map(lambda v: f"{_quote(v)} is out of range (must be {rng})"),
            "out of range",
        )
        bad |= outside
        if col.kind == INT:
            fill = col.default if col.default is not None else 0
            values = number.where(ok_number & ~outside, fill).fillna(fill).astype("int64")
        else:
            values = number.where(ok_number & ~outside).astype("float64")
    return values, bad


def _check_table(
    raw: RawTable, spec: TableSpec, mapping: Mapping, out: _Collector
) -> tuple[pd.DataFrame, pd.Series] | None:
    """The parsed table and a mask of its rows that broke a rule (None: unusable headers)."""
    if spec.name == "students":  # first + last name, preferred name ... -> one `name`
        raw = RawTable(raw.name, raw.file, combine_name_columns(raw.frame), raw.problems, raw.clean)
    frame = _resolve_headers(raw, spec, mapping, out)
    if frame is None:
        return None
    if not raw.clean:
        frame = _normalise_strings(frame)
    result = {ROW: frame[ROW]}
    bad_any = pd.Series(False, index=frame.index)
    for col_name in spec.columns:
        values, bad = _check_column(raw, frame, spec, col_name, mapping, out)
        result[col_name] = values
        bad_any |= bad
    for extra in frame.columns:
        if extra not in spec.columns and extra != ROW:
            result[extra] = frame[extra]
    table = pd.DataFrame(result, index=frame.index)

    if {"start", "end"} <= set(spec.columns):
        ok = table["start"].notna() & table["end"].notna()
        backwards = ok & (table["end"].fillna(0) <= table["start"].fillna(0))
        out.add_rows(
            raw,
            table.loc[backwards, ROW],
            "end",
            table[backwards].apply(
                lambda r: f"ends before or when it starts ({_fmt(r['start'])}-{_fmt(r['end'])})",
                axis=1,
            )
            if backwards.any()
            else "",
            "ends before it starts",
        )
        bad_any |= backwards
    if spec.name == "avoid":
        same = table["student_id_a"].notna() & (table["student_id_a"] == table["student_id_b"])
        out.add_rows(
            raw,
            table.loc[same, ROW],
            "student_id_b",
            "a student cannot be on their own avoid list",
            "self avoid",
        )
        bad_any |= same
    if spec.name == "preferences":
        same = table["student_id"].notna() & (table["student_id"] == table["prefers_id"])
        out.add_rows(
            raw, table.loc[same, ROW], "prefers_id", "a student cannot rank themself", "self rank"
        )
        bad_any |= same
    if spec.unique:
        keys = list(spec.unique)
        if spec.name == "avoid":  # an unordered pair
            a, b = table["student_id_a"], table["student_id_b"]
            key_frame = pd.DataFrame({"x": np.where(a < b, a, b), "y": np.where(a < b, b, a)})
            keys_df = key_frame.set_axis(table.index)
        else:
            keys_df = table[keys]
        complete = keys_df.notna().all(axis=1)
        dup = complete & keys_df.duplicated(keep="first")
        if dup.any():
            first_rows = table.loc[complete].assign(_k=list(map(tuple, keys_df[complete].values)))
            first_row = first_rows.drop_duplicates("_k").set_index("_k")[ROW]
            label = " and ".join(keys)
            msgs = [
                f"duplicate {label} {_quote(', '.join(map(str, k)))} "
                f"(first given at row {first_row[k]})"
                for k in map(tuple, keys_df[dup].values)
            ]
            out.add_rows(
                raw,
                table.loc[dup, ROW],
                keys[0],
                pd.Series(msgs, index=table.index[dup]),
                "duplicate",
            )
            bad_any |= dup
    return table, bad_any


def _fmt(minutes: Any) -> str:
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def empty_table(name: str) -> pd.DataFrame:
    """An empty normalised table with the contract's columns."""
    spec = CONTRACT[name]
    cols = {}
    for col in spec.columns_list:
        if col.kind in (INT, DAY, TIME):
            cols[col.name] = pd.Series([], dtype="int64")
        elif col.kind in (FRACTION, NUMBER):
            cols[col.name] = pd.Series([], dtype="float64")
        elif col.kind == BOOL:
            cols[col.name] = pd.Series([], dtype="boolean")
        else:
            cols[col.name] = pd.Series([], dtype=object)
    return pd.DataFrame(cols)


def _finalise(name: str, table: pd.DataFrame) -> pd.DataFrame:
    spec = CONTRACT[name]
    table = table.drop(columns=[ROW]).reset_index(drop=True)
    for col in spec.columns_list:
        if col.kind in (DAY, TIME):  # an optional day or time may be blank: nullable Int64
            complete = col.required or table[col.name].notna().all()
            table[col.name] = table[col.name].astype("int64" if complete else "Int64")
        elif col.kind in (ID, TEXT, LEVEL):
            table[col.name] = _none_for_missing(table[col.name])
    for extra in table.columns:
        if extra not in spec.columns:
            table[extra] = _none_for_missing(table[extra])
    return table


def validate_tables(
    raw_tables: dict[str, pd.DataFrame | RawTable],
    mapping: Mapping | None = None,
    read_problems: list[Problem] | None = None,
) -> ValidationResult:
    """Check every table against the contract and the references between tables.

    ``raw_tables`` maps a table name to a :class:`RawTable` or a plain DataFrame of strings
    (a DataFrame is labelled ``<name>.csv`` with rows numbered from 2).
    """
    mapping = mapping or Mapping()
    out = _Collector()
    out.problems.extend(read_problems or [])
    raws: dict[str, RawTable] = {}
    for name, value in raw_tables.items():
        if isinstance(value, RawTable):
            raws[name] = value
            out.problems.extend(value.problems)
        else:
            frame = value.copy()
            if ROW not in frame.columns:
                frame[ROW] = np.arange(2, len(frame) + 2)
            raws[name] = RawTable(name, f"{name}.csv", frame)

    if "students" not in raws:
        out.add(
            "students",
            None,
            None,
            "the cohort has no students table (a students.csv file or a 'students' sheet)",
        )

    checked: dict[str, pd.DataFrame] = {}
    bad_rows: dict[str, pd.Series] = {}
    blocked = False
    for name in TABLES:
        if name not in raws:
            continue
        if list(raws[name].frame.columns) == [ROW] and any(
            p.severity == "error" for p in raws[name].problems
        ):
            blocked = True  # unreadable: its reading problem says why
            continue
        parsed = _check_table(raws[name], CONTRACT[name], mapping, out)
        if parsed is None:
            blocked = True
        else:
            checked[name], bad_rows[name] = parsed

    if "students" in checked and len(checked["students"]) == 0 and "students" in raws:
        out.add(raws["students"].file, None, None, "the students table has no rows")

    # References between tables.
    for name, table in list(checked.items()):
        spec = CONTRACT[name]
        raw = raws[name]
        keep = pd.Series(True, index=table.index)
        for column, target, target_col in spec.references:
            if target not in checked:
                if target in raws or len(table) == 0:
                    continue  # the target table has its own problems reported
                if target == "modules":
                    continue  # module codes may stand alone when no modules table is given
                out.add(
                    raw.file,
                    None,
                    column,
                    f"refers to the {target} table, which the cohort does not have",
                )
                continue
            known = set(checked[target][target_col].dropna())
            unknown = table[column].notna() & ~table[column].isin(known)
            file_of_target = raws[target].file
            out.add_rows(
                raw,
                table.loc[unknown, ROW],
                column,
                table.loc[unknown, column].map(
                    lambda v, t=file_of_target: f"{_quote(v)} is not in {t}"
                ),
                "unknown reference",
            )
            keep &= ~unknown
        checked[name] = table.loc[keep & ~bad_rows[name]]

    problems = out.finish()
    _warn_soft(checked, raws, problems)
    report = ValidationReport(problems)
    if not report.ok or blocked or "students" not in checked:
        if report.ok:  # defensive: never build a cohort that failed a check
            report.problems.append(Problem("cohort", None, None, "the cohort could not be read"))
        return ValidationResult(None, report)

    tables = {
        name: _finalise(name, checked[name]) if name in checked else empty_table(name)
        for name in TABLES
    }
    if "modules" not in raws:
        tables["modules"] = _modules_from_codes(tables)
    cohort = Cohort(**tables, supplied=frozenset(raws))
    return ValidationResult(cohort, report)


def _modules_from_codes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """When no modules table is given, the module codes used elsewhere stand as modules."""
    codes = sorted(
        set(tables["enrolments"]["module_code"])
        | set(tables["timetable"]["module_code"])
        | set(tables["leaders"]["module_code"])
    )
    frame = empty_table("modules")
    if not codes:
        return frame
    frame = pd.DataFrame(
        {c: pd.Series([None] * len(codes), dtype=frame[c].dtype) for c in frame.columns}
    )
    frame["module_code"] = codes
    return frame


def _warn_soft(
    checked: dict[str, pd.DataFrame], raws: dict[str, RawTable], problems: list[Problem]
) -> None:
    """Things that are allowed but probably not meant; shown as warnings."""
    students = checked.get("students")
    mentors = checked.get("mentors")
    mentees = checked.get("mentees")
    if students is not None and mentors is not None and mentees is not None:
        both = set(mentors["student_id"]) & set(mentees["student_id"])
        if both:
            problems.append(
                Problem(
                    raws["mentors"].file,
                    None,
                    "student_id",
                    f"{len(both)} student(s) are both mentor and mentee (e.g. {sorted(both)[0]})",
                    "warning",
                )
            )
    if students is not None and mentees is not None and mentors is not None and len(mentees):
        by_level = students.set_index("student_id")["level"]
        lows = mentees["student_id"].map(by_level).map(LEVEL_RANK.get)
        highs = mentors["student_id"].map(by_level).map(LEVEL_RANK.get)
        if len(highs) and lows.notna().any() and highs.notna().any() and highs.max() <= lows.min():
            problems.append(
                Problem(
                    raws["mentors"].file,
                    None,
                    "student_id",
                    "no mentor is at a higher level than any mentee",
                    "warning",
                )
            )
    enrol = checked.get("enrolments")
    tt = checked.get("timetable")
    if enrol is not None and tt is not None and len(tt):
        orphan = sorted(set(tt["module_code"]) - set(enrol["module_code"]))
        if orphan:
            problems.append(
                Problem(
                    raws["timetable"].file,
                    None,
                    "module_code",
                    f"{len(orphan)} module(s) have timetabled events but no "
                    f"enrolled students (e.g. {orphan[0]})",
                    "warning",
                )
            )


def scheme_problems(cohort: Cohort, scheme: str) -> list[Problem]:
    """What the chosen scheme needs that the cohort lacks, in the coordinator's words."""
    from workbench.cohort.contract import SCHEME_TABLES

    problems = []
    for name in SCHEME_TABLES.get(scheme, ()):
        if len(cohort.table(name)) == 0:
            problems.append(
                Problem(
                    f"{name}.csv",
                    None,
                    None,
                    f"the {scheme} scheme needs a {name} table with rows; the cohort has none",
                )
            )
    return problems


__all__ = [
    "Mapping",
    "Problem",
    "RawTable",
    "ValidationReport",
    "ValidationResult",
    "empty_table",
    "parse_day",
    "parse_level",
    "parse_time",
    "scheme_problems",
    "validate_tables",
]


def cohort_from_records(**tables: list[dict[str, Any]]) -> Cohort:
    """Validate small hand-written tables (values as a coordinator would type them).

    Raises ``ValueError`` listing every problem when the tables do not validate.
    """
    frames = {
        name: pd.DataFrame(
            [{k: None if v is None else str(v) for k, v in row.items()} for row in rows],
            dtype=object,
        )
        if rows
        else pd.DataFrame()
        for name, rows in tables.items()
    }
    result = validate_tables(frames)
    if result.cohort is None:
        raise ValueError(result.report.format_text())
    return result.cohort
