"""Coverage: reach frames, breakdowns, expected coverage, the equity view, scheme adapters."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from workbench.cohort import generate
from workbench.cohort.domain import Cohort
from workbench.cohort.validation import cohort_from_records
from workbench.outcomes.coverage import (
    NOT_RECORDED,
    Assumptions,
    assumptions_for,
    assumptions_table,
    attribute_columns,
    coverage_table,
    equity_table,
    groups_reach,
    mentoring_reach,
    pass_reach,
    reach_frame,
)
from workbench.schemes import registry
from workbench.schemes.groups import solve as groups
from workbench.schemes.mentoring import solve as mentoring
from workbench.schemes.pass_sessions import solve as pass_sessions
from workbench.schemes.registry import coverage_report

DOCS = Path(__file__).resolve().parents[1] / "docs" / "assumptions.md"


def make_cohort(n: int = 24) -> Cohort:
    """n students: Chem/Phys alternating, UG1/UG2 in halves, a few attributes and extras."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "student_id": f"s{i:02d}",
                "programme": "Chemistry" if i % 2 == 0 else "Physics",
                "level": "UG1" if i < n // 2 else "UG2",
                "home_status": "international" if i % 4 == 0 else "home",
                "first_generation": "yes" if i % 3 == 0 else "no",
                "commuter": None if i == 5 else ("yes" if i % 5 == 0 else "no"),
                "gender": "F" if i % 2 else "M",
                "bursary": "yes" if i < 6 else "no",  # extra, 2 values -> a breakdown
                "postcode": f"AB{i} 1CD",  # extra, unique -> not a breakdown
            }
        )
    return cohort_from_records(students=rows)


_COHORT = make_cohort()


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return _COHORT


def reach_every_third_missed(cohort: Cohort) -> pd.DataFrame:
    ids = cohort.students["student_id"].tolist()
    return pd.DataFrame(
        {
            "student_id": ids,
            "reached": [i % 3 != 0 for i in range(len(ids))],
            "reason": ["no mentor free" if i % 3 == 0 else "" for i in range(len(ids))],
        }
    )


def test_reach_frame_normalises_and_requires_columns():
    frame = reach_frame(
        pd.DataFrame(
            {"student_id": [1, 2], "reached": [True, None], "reason": ["ignored", "clash"]}
        )
    )
    assert list(frame.columns) == ["student_id", "module_code", "reached", "reason"]
    assert frame["student_id"].tolist() == ["1", "2"]
    assert frame["reached"].tolist() == [True, False]
    assert frame["reason"].tolist() == ["", "clash"]  # a reached row has no reason
    with pytest.raises(ValueError, match="reached"):
        reach_frame(pd.DataFrame({"student_id": ["a"]}))


def test_overall_and_programme_figures_match_hand_counts(cohort):
    reach = reach_every_third_missed(cohort)
    table = coverage_table(reach, cohort, "mentoring", Assumptions(mentoring_active_share=0.6))
    first = table.iloc[0]
    assert first["dimension"] == "overall" and first["group"] == "all"
    assert first["population"] == 24 and first["reached"] == 16
    assert first["reach_share"] == pytest.approx(16 / 24)
    assert first["expected"] == pytest.approx(16 * 0.6)
    assert first["expected_share"] == pytest.approx(16 / 24 * 0.6)
    prog = table.loc[table["dimension"] == "programme"].set_index("group")
    # Chemistry = even indices; missed = multiples of 3 -> 0, 6, 12, 18 among evens.
    assert prog.loc["Chemistry", "population"] == 12
    assert prog.loc["Chemistry", "reached"] == 8
    assert prog.loc["Physics", "reached"] == 8  # odd multiples of 3: 3, 9, 15, 21
    assert "expected_regular" not in table.columns  # PASS only
    # Every breakdown adds up to the whole.
    for dim, rows in table.loc[table["dimension"] != "overall"].groupby("dimension"):
        assert rows["population"].sum() == 24, dim
        assert rows["reached"].sum() == 16, dim


def test_breakdowns_cover_attributes_booleans_missing_and_extras(cohort):
    assert attribute_columns(cohort) == [
        "home_status",
        "first_generation",
        "commuter",
        "gender",
        "bursary",
    ]
    table = coverage_table(reach_every_third_missed(cohort), cohort, "mentoring")
    dims = list(dict.fromkeys(table["dimension"]))
    assert dims == [
        "overall",
        "programme",
        "level",
        "home_status",
        "first_generation",
        "commuter",
        "gender",
        "bursary",
    ]  # no module (mentoring), no postcode
    commuter = table.loc[table["dimension"] == "commuter"].set_index("group")
    assert set(commuter.index) == {"yes", "no", NOT_RECORDED}
    assert commuter.loc[NOT_RECORDED, "population"] == 1
    assert table.loc[table["dimension"] == "commuter", "group"].iloc[-1] == NOT_RECORDED
    labels = table.set_index("dimension")["dimension_label"].to_dict()
    assert labels["home_status"] == "Home/international"
    assert labels["bursary"] == "Bursary"
    level = table.loc[table["dimension"] == "level", "group"].tolist()
    assert level == ["UG1", "UG2"]


def test_attribute_columns_respects_max_values():
    cohort = make_cohort(30)
    assert "postcode" not in attribute_columns(cohort, Assumptions(max_attribute_values=12))
    assert "postcode" in attribute_columns(cohort, Assumptions(max_attribute_values=30))


def test_pass_modules_two_uptakes_and_module_overrides(cohort):
    ids = cohort.students["student_id"].tolist()[:10]
    reach = pd.DataFrame(
        {
            "student_id": ids + ids[:4],
            "module_code": ["CH101"] * 10 + ["PH102"] * 4,
            "reached": [True] * 7 + [False] * 3 + [True, True, False, False],
        }
    )
    table = coverage_table(reach, cohort, "pass")
    mod = table.loc[table["dimension"] == "module"].set_index("group")
    assert list(mod.index) == ["CH101", "PH102"]
    assert mod.loc["CH101", "reached"] == 7
    assert mod.loc["CH101", "expected"] == pytest.approx(7 * 0.45)
    assert mod.loc["CH101", "expected_regular"] == pytest.approx(7 * 0.30)
    assert mod.loc["PH102", "expected_regular_share"] == pytest.approx(0.5 * 0.30)
    first = table.iloc[0]
    assert first["population"] == 14 and first["students"] == 10
    # s00..s06 reached on CH101; PH102 reaches s00 and s01 again: 7 distinct students.
    assert first["students_reached"] == 7
    # A module with its own uptake (per-row override) changes only its rows.
    reach2 = reach.assign(uptake=np.where(reach["module_code"] == "PH102", 0.9, np.nan))
    table2 = coverage_table(reach2, cohort, "pass")
    mod2 = table2.loc[table2["dimension"] == "module"].set_index("group")
    assert mod2.loc["PH102", "expected"] == pytest.approx(2 * 0.9)
    assert mod2.loc["CH101", "expected"] == pytest.approx(7 * 0.45)
    assert table2.iloc[0]["expected"] == pytest.approx(7 * 0.45 + 2 * 0.9)


def test_students_reached_counts_distinct_students(cohort):
    reach = pd.DataFrame(
        {
            "student_id": ["s00", "s00", "s01", "s02"],
            "module_code": ["A", "B", "A", "A"],
            "reached": [True, True, False, True],
        }
    )
    first = coverage_table(reach, cohort, "pass").iloc[0]
    assert (
        first["population"],
        first["reached"],
        first["students"],
        first["students_reached"],
    ) == (4, 3, 3, 2)


def test_equity_gaps_ratios_small_groups_and_order(cohort):
    # Reach everyone except international students (every 4th) and two UG2 home students.
    ids = cohort.students["student_id"].tolist()
    missed = {i for i in range(24) if i % 4 == 0} | {13, 14}
    reach = pd.DataFrame({"student_id": ids, "reached": [i not in missed for i in range(24)]})
    table = coverage_table(reach, cohort, "mentoring")
    equity = equity_table(table)
    average = 16 / 24
    assert np.allclose(equity["cohort_share"], average)
    row = equity.set_index(["dimension", "group"]).loc[("home_status", "international")]
    assert row["population"] == 6 and row["reached"] == 0
    assert row["small"]  # 6 < 10
    assert row["gap_pp"] == pytest.approx(-average * 100)
    assert row["ratio"] == pytest.approx(0.0)
    assert "too few to compare" in row["note"]
    home = equity.set_index(["dimension", "group"]).loc[("home_status", "home")]
    assert home["population"] == 18 and not home["small"]
    assert home["reach_share"] == pytest.approx(16 / 18)
    assert home["gap_pp"] == pytest.approx((16 / 18 - average) * 100)
    assert home["ratio"] == pytest.approx((16 / 18) / average)
    assert not home["below_average"]
    ug2 = equity.set_index(["dimension", "group"]).loc[("level", "UG2")]
    assert ug2["reached"] == 12 - 3 - 2 and ug2["below_average"]  # 12, 16, 20 and 13, 14
    assert "points" in ug2["note"] and "times the average" in ug2["note"]
    # Readable groups first, the largest shortfall first; modules never appear.
    readable = equity.loc[~equity["small"]]
    assert readable["gap_pp"].is_monotonic_increasing
    assert equity["small"].is_monotonic_increasing
    assert "module" not in set(equity["dimension"])
    # Men (even indices) miss 0, 4, 8, 12, 14, 16, 20: 5 of 12 reached, the largest shortfall.
    assert (equity.iloc[0]["dimension"], equity.iloc[0]["group"]) == ("gender", "M")
    assert equity.iloc[0]["gap_pp"] == pytest.approx((5 / 12 - average) * 100)
    assert Assumptions(small_group=5).small_group == 5
    assert (
        not equity_table(table, Assumptions(small_group=5))
        .set_index(["dimension", "group"])
        .loc[("home_status", "international"), "small"]
    )


def test_report_headline_and_empty(cohort):
    report = coverage_report(
        None, cohort, reach=reach_every_third_missed(cohort), scheme="mentoring"
    )
    assert report.students_reached == 16
    assert report.expected_students == pytest.approx(8.0)
    assert report.headline().startswith("16 of 24 mentees matched (67%)")
    assert len(report.by("programme")) == 2
    empty = coverage_report(
        None,
        cohort,
        reach=pd.DataFrame(
            {"student_id": pd.Series([], dtype=str), "reached": pd.Series([], dtype=bool)}
        ),
        scheme="groups",
    )
    assert empty.overall["population"] == 0 and np.isnan(empty.overall["reach_share"])
    assert empty.headline() == "Nobody to reach."
    assert empty.equity.empty
    with pytest.raises(ValueError, match="Unknown scheme"):
        coverage_table(reach_every_third_missed(cohort), cohort, "tutoring")


def mentoring_result() -> SimpleNamespace:
    return SimpleNamespace(
        matches=pd.DataFrame(
            {
                "mentee_id": ["s01", "s02", "s03"],
                "mentor_id": ["s20", "s20", "s21"],
                "score": [0.9, 0.5, 0.7],
            }
        ),
        unmatched=pd.DataFrame(
            {
                "mentee_id": ["s04", "s05"],
                "programme": ["Physics"] * 2,
                "level": ["UG1"] * 2,
                "reason": ["Physics UG1: no eligible mentor", "avoid list"],
            }
        ),
        mentor_load=pd.DataFrame(
            {"mentor_id": ["s20", "s21"], "capacity": [2, 3], "assigned": [2, 1], "spare": [0, 2]}
        ),
        settings=None,
    )


def test_mentoring_adapter(cohort):
    result = mentoring_result()
    assert registry.scheme_of_result(result).key == "mentoring"
    reach = mentoring_reach(result)
    assert reach["student_id"].tolist() == ["s01", "s02", "s03", "s04", "s05"]
    assert reach["reached"].tolist() == [True, True, True, False, False]
    assert reach.loc[3, "reason"] == "Physics UG1: no eligible mentor"
    report = coverage_report(result, cohort)
    assert report.scheme == "mentoring" and report.overall["reached"] == 3


def test_groups_adapter(cohort):
    result = SimpleNamespace(
        groups=pd.DataFrame(
            {
                "group_id": ["g1", "g1", "g2", "g2"],
                "student_id": ["s01", "s02", "s03", "s04"],
                "day": [0] * 4,
                "start": [600] * 4,
                "end": [660] * 4,
            }
        ),
        unplaced=pd.DataFrame({"student_id": ["s05"], "reason": ["no common free hour"]}),
    )
    assert registry.scheme_of_result(result).key == "groups"
    reach = groups_reach(result)
    assert reach["reached"].sum() == 4 and len(reach) == 5
    report = coverage_report(result, cohort, Assumptions(groups_active_share=0.25))
    assert report.overall["expected"] == pytest.approx(1.0)


def test_pass_adapter_uses_settings_uptake(cohort):
    uptake = SimpleNamespace(once=0.8, regular=0.6)
    result = SimpleNamespace(
        sessions=pd.DataFrame(
            columns=[
                "module_code",
                "day",
                "start",
                "end",
                "room_id",
                "leader_id",
                "expected_attendance",
            ]
        ),
        reach=pd.DataFrame(
            {
                "student_id": ["s01", "s02", "s01"],
                "module_code": ["B", "B", "A"],
                "reached": [True, False, True],
                "reason": ["", "clash with CH101 lecture", ""],
            }
        ),
        settings=SimpleNamespace(uptake_once=0.5, uptake_regular=0.2, module_uptake={"A": uptake}),
    )
    reach = pass_reach(result)
    assert reach["module_code"].tolist() == ["A", "B", "B"]
    assert reach["uptake"].tolist()[0] == 0.8 and np.isnan(reach["uptake"].tolist()[1])
    assumptions = assumptions_for(result)
    assert (assumptions.pass_uptake_once, assumptions.pass_uptake_regular) == (0.5, 0.2)
    report = coverage_report(result, cohort)
    mod = report.by("module").set_index("group")
    assert mod.loc["A", "expected"] == pytest.approx(0.8)
    assert mod.loc["B", "expected"] == pytest.approx(0.5)
    assert mod.loc["B", "expected_regular"] == pytest.approx(0.2)
    # Explicit assumptions win over the settings (module overrides still apply).
    report2 = coverage_report(result, cohort, Assumptions(pass_uptake_once=0.1))
    assert report2.by("module").set_index("group").loc["B", "expected"] == pytest.approx(0.1)


def test_scheme_of_rejects_other_objects():
    with pytest.raises(TypeError):
        registry.scheme_of_result(object())


def test_assumptions_validated_and_documented():
    with pytest.raises(ValidationError):
        Assumptions(pass_uptake_once=1.5)
    a = Assumptions()
    with pytest.raises(ValidationError):
        a.mentoring_active_share = -0.1
    table = assumptions_table()
    assert set(table["parameter"]) == set(Assumptions.model_fields)
    assert table.set_index("parameter").loc["pass_uptake_regular", "value"] == 0.30
    assert table.set_index("parameter").loc["pass_uptake_once", "value"] == 0.45
    assert table["source"].str.len().min() > 30
    text = DOCS.read_text(encoding="utf-8")
    for name, value in zip(table["parameter"], table["default"], strict=True):
        line = next((ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |")), None)
        assert line is not None, f"{name} missing from docs/assumptions.md"
        documented = line.split("|")[2].strip()
        assert float(documented) == pytest.approx(value), (name, value, documented)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 23), st.sampled_from(["A", "B", "C"]), st.booleans()),
        min_size=1,
        max_size=60,
        unique_by=lambda t: (t[0], t[1]),
    )
)
def test_breakdowns_always_add_up(rows):
    cohort = _COHORT
    reach = pd.DataFrame(
        {
            "student_id": [f"s{i:02d}" for i, _, _ in rows],
            "module_code": [m for _, m, _ in rows],
            "reached": [r for _, _, r in rows],
        }
    )
    table = coverage_table(reach, cohort, "pass")
    first = table.iloc[0]
    assert first["population"] == len(rows)
    assert first["reached"] == sum(r for _, _, r in rows)
    for _, part in table.loc[table["dimension"] != "overall"].groupby("dimension"):
        assert part["population"].sum() == first["population"]
        assert part["reached"].sum() == first["reached"]
        assert part["expected"].sum() == pytest.approx(first["expected"])
    assert (table["expected"] <= table["reached"] + 1e-9).all()
    assert (table["expected_regular"] <= table["expected"] + 1e-9).all()
    assert table["reach_share"].between(0, 1).all()


# ---------------------------------------------------------------------------------------------
# Integration with the real solvers on a generated cohort


@pytest.fixture(scope="module")
def generated() -> Cohort:
    return generate.generate_cohort(300, seed=3)


def test_mentoring_result_coverage(generated):
    result = mentoring.solve_mentoring(generated, mentoring.MentoringSettings(time_limit=30))
    report = coverage_report(result, generated)
    first = report.overall
    assert first["population"] == len(generated.mentees) == result.mentees
    assert first["reached"] == len(result.matches) == result.matched
    # Programme figures counted independently from the cohort tables.
    programme = generated.students.set_index("student_id")["programme"]
    matched = set(result.matches["mentee_id"])
    by_prog = report.by("programme").set_index("group")
    for prog, ids in generated.mentees["student_id"].groupby(
        generated.mentees["student_id"].map(programme)
    ):
        assert by_prog.loc[prog, "population"] == len(ids)
        assert by_prog.loc[prog, "reached"] == sum(i in matched for i in ids)
    dims = set(report.table["dimension"])
    assert {
        "programme",
        "level",
        "home_status",
        "first_generation",
        "commuter",
        "gender",
        "faculty",
    } <= dims
    assert report.expected_students == pytest.approx(result.matched * 0.5)


def test_pass_result_coverage_agrees_with_the_solver(generated):
    from workbench.schemes.pass_sessions.settings import PassSettings

    # The top 6 include the generator's module with no leader: a real, partial plan.
    result = pass_sessions.solve_pass(generated, PassSettings(top=6, time_limit=30))
    report = coverage_report(result, generated)
    assert 0 < result.reach_count < result.targeted_pairs
    assert report.overall["reached"] == result.reach_count
    assert report.overall["population"] == result.targeted_pairs
    modules = report.by("module").set_index("group")
    solver = result.coverage.set_index("module_code")
    for code, row in solver.iterrows():
        if row["enrolled"] == 0:
            continue
        assert modules.loc[code, "population"] == row["enrolled"]
        assert modules.loc[code, "reached"] == row["reachable"]
        assert modules.loc[code, "expected_regular"] == pytest.approx(
            row["expected_attendance"], abs=0.01
        )
        assert modules.loc[code, "expected"] == pytest.approx(
            row["expected_at_least_once"], abs=0.01
        )


def test_groups_result_coverage(generated):
    from workbench.schemes.groups.settings import GroupSettings

    module = generated.enrolments["module_code"].value_counts().index[0]
    result = groups.form_groups(generated, GroupSettings(module=module, time_limit=20))
    report = coverage_report(result, generated)
    assert report.scheme == "groups"
    assert report.overall["population"] == result.students
    assert report.overall["reached"] == result.placed
