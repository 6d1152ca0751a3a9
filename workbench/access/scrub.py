"""Taking one student out of a saved scenario: every row, list and text that names them.

A row whose student column (``student_id``, ``mentee_id``, ``mentor_id``, ``leader_id``,
``prefers_id``, either side of an ``avoid`` pair, ...) holds the id is removed, in the cohort
tables and in every result table. Elsewhere the id is taken out of list cells (``a;b;c``) and
replaced by ``[removed]`` in free text (a reason, a note, a plan's name). The settings lose
every locked pair, keep-together pair or locked session that names the student.

Matching ignores case and surrounding spaces, and a text only matches the whole id (``123`` is
not found inside ``41234``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.cohort.contract import CONTRACT
from workbench.scenarios.scenario import Scenario

REMOVED = "[removed]"

# Result columns that hold one student each (the contract's own come from its references).
RESULT_STUDENT_COLUMNS = ("student_id", "mentee_id", "mentor_id", "leader_id", "member_id")


def student_columns() -> frozenset[str]:
    """Every column name that holds one student id, in the contract or in a plan's results."""
    names = set(RESULT_STUDENT_COLUMNS)
    for spec in CONTRACT.values():
        for column, table, target in spec.references:
            if (table, target) == ("students", "student_id"):
                names.add(column)
        if "student_id" in spec.columns:
            names.add("student_id")
    return frozenset(names)


STUDENT_COLUMNS = student_columns()
_LIST_SEPARATORS = re.compile(r"\s*[;,]\s*")


@dataclass
class Scrubber:
    """Removes one student id; counts what it changed."""

    student_id: str
    rows_removed: dict[str, int] = field(default_factory=dict)
    changes: int = 0

    def __post_init__(self) -> None:
        self.key = self.student_id.strip().casefold()
        if not self.key:
            raise ValueError("Give the id of the student to forget.")
        self._pattern = re.compile(
            r"(?<![0-9A-Za-z_])" + re.escape(self.student_id.strip()) + r"(?![0-9A-Za-z_])",
            re.IGNORECASE,
        )

    # -- values

    def is_student(self, value: Any) -> bool:
        if value is None or isinstance(value, float) and value != value:
            return False
        return str(value).strip().casefold() == self.key

    def mentions(self, value: Any) -> bool:
        """Whether a value names the student (as itself, in a list or in a text)."""
        if isinstance(value, str):
            return bool(self._pattern.search(value))
        if isinstance(value, dict):
            return any(self.mentions(v) for v in value.values())
        if isinstance(value, (list, tuple, set, frozenset)):
            return any(self.mentions(v) for v in value)
        return self.is_student(value)

    def text(self, value: str) -> str:
        """A text without the id: a list cell loses the item, other text gets ``[removed]``."""
        if not self.mentions(value):
            return value
        self.changes += 1
        parts = _LIST_SEPARATORS.split(value.strip())
        if len(parts) > 1 and any(self.is_student(p) for p in parts):
            separator = ";" if ";" in value else ","
            kept = [p for p in parts if not self.is_student(p)]
            if not any(self.mentions(p) for p in kept):
                return separator.join(kept)
        return self._pattern.sub(REMOVED, value)

    def redact(self, value: str) -> str:
        """A text with the id replaced by ``[removed]`` wherever it stands."""
        return self._pattern.sub(REMOVED, str(value or ""))

    def value(self, value: Any) -> Any:
        """Any JSON value without the student: list items naming them are dropped, a value
        that is the id becomes None, texts lose the id."""
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            kept = [v for v in value if not self._names_student(v)]
            self.changes += len(value) - len(kept)
            out = [self.value(v) for v in kept]
            return out if isinstance(value, list) else tuple(out)
        if self.is_student(value):
            self.changes += 1
            return None
        return self.text(value) if isinstance(value, str) else value

    def _names_student(self, item: Any) -> bool:
        """A list item to drop: the id itself, or a pair or record naming the student (a locked
        pair, a keep-together pair, a locked session led by them)."""
        if isinstance(item, (dict, list, tuple, set, frozenset)):
            return self.mentions(item)
        return self.is_student(item)

    # -- tables

    def frame(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The table without the student's rows, and without the id in any other cell."""
        columns = [c for c in frame.columns if str(c) in STUDENT_COLUMNS]
        drop = pd.Series(False, index=frame.index)
        for column in columns:
            drop |= frame[column].map(self.is_student).astype(bool)
        out = frame
        if drop.any():
            self.rows_removed[name] = self.rows_removed.get(name, 0) + int(drop.sum())
            self.changes += int(drop.sum())
            out = frame.loc[~drop].reset_index(drop=True)
        for column in out.columns:
            dtype = out[column].dtype
            if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
                continue
            hits = out[column].map(self.mentions).astype(bool)
            if hits.any():
                out = out.copy() if out is frame else out
                out[column] = out[column].map(self._cell).astype(object)
        return out

    def _cell(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (list, tuple, set, frozenset)):
            return self.value(list(value))
        return value

    # -- a whole scenario

    def scenario(self, scenario: Scenario) -> bool:
        """Take the student out of ``scenario`` in place; True when anything changed."""
        before = self.changes
        scenario.cohort_tables = {n: self.frame(n, f) for n, f in scenario.cohort_tables.items()}
        scenario.results = {n: self.frame(n, f) for n, f in scenario.results.items()}
        scenario.settings = self.value(scenario.settings)
        scenario.assumptions = self.value(scenario.assumptions)
        scenario.cost_rates = self.value(scenario.cost_rates)
        scenario.summary = self.value(scenario.summary)
        scenario.status = self.value(scenario.status)
        scenario.summary_text = self.text(scenario.summary_text)
        scenario.notes = self.text(scenario.notes)
        scenario.name = self.text(scenario.name)
        scenario.cohort_name = self.text(scenario.cohort_name)
        scenario._cohort = None  # validated again from the tables when next asked for
        return self.changes > before
