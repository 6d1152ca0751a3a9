"""Forgetting a student: a store holding a real solved plan of each scheme (the sample
department) and the kept cohort; after erasure the id is in no cell, list, setting, figure or
audit entry, every other student is untouched, and every plan still opens."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from access_helpers import BOSS, HEAD, Clock

from workbench.access import audit
from workbench.access.erasure import ErasureError, forget_student
from workbench.access.scrub import STUDENT_COLUMNS, Scrubber
from workbench.access.workspaces import VIEWER, Access, AccessDenied
from workbench.cli.main import main
from workbench.cohort.loading import cohort_to_tables, load_cohort
from workbench.scenarios.scenario import Scenario, solve_scenario
from workbench.scenarios.store import ScenarioStore
from workbench.schemes import registry

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENT = ROOT / "sample_data" / "department"
MENTEE, MENTOR, LEADER = "2500017", "2400065", "2400045"  # matched, matching, leading PASS


@pytest.fixture(scope="module")
def plans():
    """One solved plan per scheme on the sample department; the mentoring plan locks the
    mentee's pair and the groups plan keeps them together with a classmate."""
    cohort = load_cohort(DEPARTMENT).cohort
    return cohort, [
        solve_scenario(cohort, "mentoring", {"locked_pairs": [[MENTEE, MENTOR]]}),
        solve_scenario(cohort, "pass", {"top": 5}),
        solve_scenario(
            cohort,
            "groups",
            {
                "module": "MA1001",
                "min_size": 4,
                "max_size": 6,
                "keep_together": [[MENTEE, "2500018"]],
            },
        ),
    ]


@pytest.fixture()
def workspace(tmp_path, plans):
    cohort, scenarios = plans
    store = ScenarioStore(tmp_path / "scenarios.sqlite3", clock=Clock("2026-03-02T10:00:00+00:00"))
    access = Access(store)
    ws = access.create_workspace(BOSS, "Maths PASS")
    access.share(ws, BOSS, HEAD, VIEWER)
    ids = [store.save(s.with_changes(), ws) for s in scenarios]
    store.keep_cohort(ws, cohort_to_tables(cohort), cohort.name, "department.xlsx", "fp-1")
    audit.record(store, ws, BOSS, "exported", f"matches for {MENTEE}", f"{MENTEE};{MENTOR}")
    audit.record(store, ws, BOSS, "exported", "the PASS plan", "workbook")
    return store, ws, ids


def cells(scenario: Scenario):
    """Every value a plan holds: table cells, settings, figures, notes and names."""
    for frame in [*scenario.cohort_tables.values(), *scenario.results.values()]:
        yield from frame.astype(str).to_numpy().ravel().tolist()
        yield from map(str, frame.columns)
    yield from (scenario.name, scenario.notes, scenario.summary_text, scenario.cohort_name)
    yield repr(scenario.settings)
    yield repr(scenario.summary)
    yield repr(scenario.status)


def mentions(values, student: str) -> list[str]:
    word = re.compile(rf"(?<![0-9A-Za-z_]){re.escape(student)}(?![0-9A-Za-z_])")
    return [v for v in values if word.search(str(v))]


def rows_by_table(scenario: Scenario) -> dict[str, int]:
    return {
        f"{kind}/{name}": len(frame)
        for kind, tables in (("cohort", scenario.cohort_tables), ("results", scenario.results))
        for name, frame in tables.items()
    }


def test_the_sample_plans_name_the_students_everywhere_first(workspace):
    """The erasure test is only as good as its plans: each student is really in them."""
    store, ws, ids = workspace
    mentoring, pass_plan, groups = (store.load(i, ws) for i in ids)
    assert MENTEE in set(mentoring.results["matches"]["mentee_id"])
    assert [MENTEE, MENTOR] in [list(p) for p in mentoring.settings["locked_pairs"]]
    assert LEADER in set(pass_plan.results["sessions"]["leader_id"])
    assert MENTEE in set(groups.results["groups"]["student_id"])
    assert [MENTEE, "2500018"] in [list(p) for p in groups.settings["keep_together"]]
    for plan in (mentoring, pass_plan, groups):
        assert mentions(cells(plan), MENTEE) and mentions(cells(plan), LEADER)


@pytest.mark.parametrize("student", [MENTEE, LEADER])
def test_forgetting_leaves_the_id_in_no_cell_and_everyone_else_untouched(workspace, student):
    store, ws, ids = workspace
    before = {i: store.load(i, ws) for i in ids}
    cohort_before = store.kept_cohort(ws).holder
    updated = {i.id: i.updated for i in store.list(ws)}
    report = forget_student(store, ws, f" {student} ", BOSS)
    assert report.student_id == student
    assert set(report.plans_changed) == {p.name for p in before.values()}
    assert report.cohort_changed and report.audit_entries_redacted == (student == MENTEE)
    assert report.rows_removed["students"] == 4  # three plans and the kept cohort
    for scenario_id in ids:
        after = store.load(scenario_id, ws)
        assert mentions(cells(after), student) == [], after.scheme
        after.cohort()  # the cohort still validates
        registry.get(after.scheme).settings_class.model_validate(after.settings)
        assert "A student was removed from this plan on request on 2026-03-02" in after.notes
        assert "solve it again to refresh" in after.notes
        _others_untouched(before[scenario_id], after, student)
    kept = store.kept_cohort(ws)
    assert mentions(cells(kept.holder), student) == []
    assert kept.fingerprint != "fp-1" and kept.label == "department.xlsx"
    kept.cohort()
    _others_untouched(cohort_before, kept.holder, student)
    assert {i.id: i.updated for i in store.list(ws)} == updated  # retention's clock not reset
    # The audit log: the id is gone from every entry; one new entry says what, without it.
    log = audit.entries(store, ws)
    assert mentions(log.astype(str).to_numpy().ravel(), student) == []
    assert tuple(log.iloc[0][["Who", "What", "Plan or file"]]) == (BOSS, "forgot a student", "")
    assert log.iloc[0]["Detail"].startswith("1 student removed from 3 saved plans and the saved")
    if student == MENTEE:
        assert list(log["Plan or file"])[2] == "matches for [removed]"
        assert list(log["Detail"])[2] == f"[removed];{MENTOR}"  # the other student stays
    # The whole store file: the id is nowhere in the audit table or the list columns.
    with sqlite3.connect(store.path) as conn:
        text = [str(v) for row in conn.execute("SELECT * FROM audit_log") for v in row]
        text += [
            str(v)
            for row in conn.execute("SELECT name, notes, summary FROM scenarios")
            for v in row
        ]
    assert mentions(text, student) == []
    assert student in report.summary() and "Changed:" in report.summary()


def _others_untouched(before: Scenario, after: Scenario, student: str) -> None:
    """Every row without the student is still there, as it was."""
    for kind in ("cohort_tables", "results"):
        for name, frame in getattr(before, kind).items():
            columns = [c for c in frame.columns if c in STUDENT_COLUMNS]
            theirs = pd.Series(False, index=frame.index)
            for column in columns:
                theirs |= frame[column].astype(str) == student
            kept = frame.loc[~theirs].reset_index(drop=True)
            now = getattr(after, kind)[name]
            assert len(now) == len(kept), name
            for column in columns:
                assert list(now[column].astype(str)) == list(kept[column].astype(str)), name


def test_forgetting_twice_or_a_stranger_changes_nothing_more(workspace):
    store, ws, ids = workspace
    forget_student(store, ws, MENTEE, BOSS)
    payloads = [store.load_bytes(i, ws) for i in ids]
    again = forget_student(store, ws, MENTEE, BOSS)
    assert again.summary() == (
        f"No saved cohort, plan or record in this workspace mentions student {MENTEE}."
    )
    assert [store.load_bytes(i, ws) for i in ids] == payloads
    nobody = forget_student(store, ws, "9999999", BOSS)
    assert not nobody.changed and nobody.rows_removed == {}
    assert audit.entries(store, ws).iloc[0]["Detail"] == "1 student removed from no plan"


def test_only_a_coordinator_may_forget_and_nothing_changes_when_refused(workspace):
    store, ws, ids = workspace
    payloads = [store.load_bytes(i, ws) for i in ids]
    with pytest.raises(AccessDenied, match="Only a coordinator of this workspace can forget"):
        forget_student(store, ws, MENTEE, HEAD)
    with pytest.raises(ValueError, match="id of the student"):
        forget_student(store, ws, "  ", BOSS)
    assert [store.load_bytes(i, ws) for i in ids] == payloads


def test_a_damaged_plan_stops_the_erasure_before_anything_changes(workspace):
    store, ws, ids = workspace
    kept = store.kept_cohort_key(ws)
    with store.writing() as conn:
        conn.execute("UPDATE scenarios SET payload = ? WHERE id = ?", (b"not a zip", ids[2]))
    with pytest.raises(ErasureError, match="Nothing was changed"):
        forget_student(store, ws, MENTEE, BOSS)
    assert MENTEE in set(store.load(ids[0], ws).results["matches"]["mentee_id"])
    assert store.kept_cohort_key(ws) == kept
    assert "forgot a student" not in set(audit.entries(store, ws)["What"])


def test_list_cells_and_free_text_lose_the_id_only():
    scrub = Scrubber("s1")
    frame = pd.DataFrame(
        {
            "group_id": ["G1", "G2"],
            "members": ["s1;s2;s3", "s4; s5"],
            "reason": ["kept apart from S1", "s11 is not s1x"],
            "student_id": ["s9", "s8"],
        }
    )
    out = scrub.frame("groups", frame)
    assert out.to_dict("list") == {
        "group_id": ["G1", "G2"],
        "members": ["s2;s3", "s4; s5"],
        "reason": ["kept apart from [removed]", "s11 is not s1x"],
        "student_id": ["s9", "s8"],
    }
    assert scrub.value({"pairs": [["s1", "s2"], ["s3", "s4"]], "lead": "s1", "n": 3}) == {
        "pairs": [["s3", "s4"]],
        "lead": None,
        "n": 3,
    }


def test_the_forget_and_audit_commands(workspace, tmp_path, capsys):
    store, ws, ids = workspace
    path = str(store.path)
    args = ["forget-student", MENTEE, "--workspace", ws, "--store", path, "--by", "dpo@uni.ac.uk"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Student {MENTEE} was removed from 3 saved plans and the saved cohort")
    assert mentions(cells(store.load(ids[0], ws)), MENTEE) == []
    assert main([*args[:3], "0" * 32, *args[4:]]) == 2
    assert "no such workspace" in capsys.readouterr().err
    assert main([*args[:-1], "nobody"]) == 2
    assert "e-mail" in capsys.readouterr().err
    audit.record(ScenarioStore(path), ws, BOSS, "exported", '=HYPERLINK("http://x.test")', "@once")
    target = tmp_path / "out" / "audit.csv"
    assert main(["audit", "--workspace", ws, "--store", path, "--out", str(target)]) == 0
    assert "audit entries" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["When", "Who", "What", "Plan or file", "Detail"]
    assert rows[1][1:] == ["boss@uni.ac.uk", "exported", '\'=HYPERLINK("http://x.test")', "'@once"]
    assert rows[2][1:3] == ["dpo@uni.ac.uk", "forgot a student"]
    assert mentions([c for row in rows for c in row], MENTEE) == []
    assert (
        main(
            [
                "audit",
                "--workspace",
                ws,
                "--store",
                str(tmp_path / "no.sqlite3"),
                "--out",
                str(target),
            ]
        )
        == 2
    )
