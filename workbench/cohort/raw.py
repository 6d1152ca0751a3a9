"""What reading gives validation: raw tables, the coordinator's mapping, and problems.

A reader (:mod:`workbench.cohort.loading`) turns files into :class:`RawTable` s of text cells;
:mod:`workbench.cohort.validation` checks them and reports each :class:`Problem` by file, row
(as a spreadsheet shows it) and column.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.cohort.contract import CONTRACT, normalise_header
from workbench.cohort.domain import Cohort

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
        """A mapping from a file's data; ValueError names the section with the wrong shape."""
        if not isinstance(data, dict):
            raise ValueError("a mapping must be an object with 'tables', 'columns' and 'values'")
        unknown = set(map(str, data)) - {"tables", "columns", "values"}
        if unknown:
            raise ValueError(f"unknown mapping section(s): {', '.join(sorted(unknown))}")
        tables = {normalise_header(k): v for k, v in _pairs(data.get("tables"), "tables").items()}
        for target in tables.values():
            if target not in CONTRACT:
                raise ValueError(f"mapping names an unknown table '{target}'")
        columns = {
            t: {normalise_header(k): v for k, v in _pairs(cols, f"columns: {t}").items()}
            for t, cols in _sections(data.get("columns"), "columns").items()
        }
        values = {
            t: {
                c: {k.strip().lower(): v for k, v in _pairs(vals, f"values: {t}: {c}").items()}
                for c, vals in _sections(cols, f"values: {t}").items()
            }
            for t, cols in _sections(data.get("values"), "values").items()
        }
        return cls(tables, columns, values)


_SCALARS = (str, int, float, bool)


def _sections(data: Any, where: str) -> dict[str, Any]:
    """A mapping section of named parts (tables, or columns of a table)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(
            f"the mapping's '{where}' must list names with what each holds, not {_shape(data)}"
        )
    return {str(k): v for k, v in data.items()}


def _pairs(data: Any, where: str) -> dict[str, str]:
    """A mapping section of 'theirs: ours' pairs of plain values."""
    pairs = _sections(data, where)
    for key, value in pairs.items():
        if not isinstance(value, _SCALARS):
            raise ValueError(
                f"the mapping's '{where}: {key}' must be a single name or value, not {_shape(value)}"
            )
    return {k: str(v) for k, v in pairs.items()}


def _shape(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a section"
    return f"'{str(value)[:40]}'"


@dataclass
class RawTable:
    """A table as read from a file: strings only, plus where each row came from."""

    name: str
    file: str
    frame: pd.DataFrame  # string cells (or None), with a ROW column
    problems: list[Problem] = field(default_factory=list)
    clean: bool = False  # every cell is already stripped text or None (readers do this)
    delimiter: str = ""  # a CSV file's delimiter ("" for a workbook or a frame)
    headers: dict[str, str] = field(default_factory=dict)  # column -> header as written, when
    # the reader renamed it (a repeated header, or one named like the row column)


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
