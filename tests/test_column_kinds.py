"""The NUMBER and DATE column kinds: parsed, bounded and reported by file, row and column."""

import datetime as dt

import pandas as pd

from workbench.cohort import validation
from workbench.cohort.contract import DATE, NUMBER, Column, TableSpec
from workbench.cohort.validation import parse_date


def test_parse_date_accepts_iso_dates_only():
    assert parse_date("2026-09-28") == dt.date(2026, 9, 28)
    assert parse_date(" 2026-09-28 00:00:00") == dt.date(2026, 9, 28)
    for bad in ("28/09/2026", "2026-02-30", "2026-9-28", "", "soon"):
        assert parse_date(bad) is None, bad


def _check(kind, values, low=None, high=None):
    spec = TableSpec("things", (Column("value", kind, False, (), low, high),))
    frame = pd.DataFrame({"value": values, validation.ROW: range(2, 2 + len(values))})
    raw = validation.RawTable("things", "things.csv", frame)
    out = validation._Collector()
    parsed, bad = validation._check_column(raw, frame, spec, "value", validation.Mapping(), out)
    return parsed, bad, out.finish()


def test_number_kind_keeps_fractions_and_reports_bounds_by_row():
    parsed, bad, problems = _check(NUMBER, ["61.5", "101", "abc", None], low=0, high=100)
    assert parsed[0] == 61.5
    assert list(bad) == [False, True, True, False]
    texts = sorted(str(p) for p in problems)
    assert any(
        "things.csv:3:" in t and "out of range (must be between 0 and 100)" in t for t in texts
    )
    assert any("things.csv:4:" in t and "is not a number" in t for t in texts)


def test_number_kind_without_bounds_accepts_any_number():
    parsed, bad, problems = _check(NUMBER, ["-3", "250000"])
    assert list(parsed) == [-3.0, 250000.0] and not bad.any() and not problems


def test_date_kind_reports_the_row_of_a_bad_date():
    parsed, bad, problems = _check(DATE, ["2026-09-28", "29/09/2026"])
    assert parsed[0] == dt.date(2026, 9, 28)
    assert list(bad) == [False, True]
    assert any("things.csv:3:" in str(p) and "YYYY-MM-DD" in str(p) for p in problems)
