"""Property: generate -> write as CSV folder / zip / xlsx -> load gives the same cohort."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.cohort.domain import TABLES, Cohort
from workbench.cohort.generate import generate_cohort, generate_tables
from workbench.cohort.loading import cohort_to_tables, load_cohort, write_tables

SUFFIX = {"csv": "", "zip": ".zip", "xlsx": ".xlsx"}
sizes = st.integers(min_value=10, max_value=90)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def assert_same_cohort(loaded: Cohort, expected: Cohort) -> None:
    # The generator writes every v1 table; the optional v1.1 tables only with --term.
    assert loaded.supplied == expected.supplied <= frozenset(TABLES)
    assert {"students", "enrolments", "timetable", "mentors", "leaders"} <= loaded.supplied
    for name in TABLES:
        pd.testing.assert_frame_equal(loaded.table(name), expected.table(name), obj=name)


def write_and_load(tables: dict[str, pd.DataFrame], fmt: str) -> Cohort:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_tables(tables, Path(tmp) / f"cohort{SUFFIX[fmt]}", fmt)
        result = load_cohort(path)
    assert result.cohort is not None, result.report.format_text()
    assert result.report.ok, result.report.format_text()
    return result.cohort


@settings(max_examples=12, deadline=None)
@given(n=sizes, seed=seeds)
def test_csv_folder_round_trip(n, seed):
    assert_same_cohort(write_and_load(generate_tables(n, seed), "csv"), generate_cohort(n, seed))


@settings(max_examples=12, deadline=None)
@given(n=sizes, seed=seeds)
def test_zip_round_trip(n, seed):
    assert_same_cohort(write_and_load(generate_tables(n, seed), "zip"), generate_cohort(n, seed))


@settings(max_examples=8, deadline=None)
@given(n=sizes, seed=seeds)
def test_xlsx_round_trip(n, seed):
    assert_same_cohort(write_and_load(generate_tables(n, seed), "xlsx"), generate_cohort(n, seed))


@settings(max_examples=6, deadline=None)
@given(
    n=sizes,
    seed=seeds,
    fmt=st.sampled_from(["csv", "zip", "xlsx"]),
    share=st.one_of(st.none(), st.floats(min_value=0.05, max_value=0.8)),
)
def test_a_loaded_cohort_written_back_loads_the_same(n, seed, fmt, share):
    cohort = generate_cohort(n, seed, mentee_share=share)
    again = write_and_load(cohort_to_tables(cohort), fmt)
    assert_same_cohort(again, cohort)
