"""Study and social-integration groups in the app (AppTest, the real navigation of app.py):
Scheme -> Solve -> move a student by hand -> the broken rule is shown -> save -> Coverage ->
What-if -> Report and the exported files parse. Every plan the app shows is checked against
the hard rules by the engine's own checker."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from test_app import (  # noqa: F401 (the fixtures: own store, recorded downloads)
    _own_store,
    _record_downloads,
    button,
    download,
    loaded_sample,
    needs_sample,
    new_app,
    no_errors,
    page,
    texts,
)

from workbench.schemes.groups.solve import check_groups

pytestmark = needs_sample


def scheme_page(choice: str, at=None):
    at = at or loaded_sample()
    at = page(at, "scheme")
    at.radio(key="scheme_choice").set_value(choice).run()
    no_errors(at)
    return at


def solve(at, limit: int = 10):
    at.session_state["keep_time_limit"] = limit
    at = page(at, "solve")
    no_errors(at)
    button(at, "Solve").click().run()
    no_errors(at)
    return at


def keeps_every_rule(chosen) -> None:
    assert check_groups(chosen.cohort(), chosen.settings_model(), chosen.results["groups"]) == []


def table_with(at, column: str) -> pd.DataFrame:
    """The first table shown with this column."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a {column!r} column"
    return found[0]


def vega_charts(at) -> int:
    return len(at.get("vega_lite_chart"))


# ------------------------------------------------------------------------------ the flow


def test_study_groups_flow_move_a_student_save_coverage_whatif_export() -> None:
    import openpyxl

    at = scheme_page("study")
    assert at.session_state["keep_scheme"] == "groups"
    assert any(i.value.startswith("55 students of SCI1000 in study groups of 4-6") for i in at.info)
    at.selectbox(key="preset_study").set_value(
        "Balanced: programmes and genders mixed; nobody alone by gender or home status"
    ).run()
    button(at, "Apply preset").click().run()
    no_errors(at)
    assert at.session_state["keep_g_diverse"] == ["programme", "gender"]
    assert at.session_state["keep_g_no_isolation"] == ["home_status", "gender"]

    # Solve: the honest outcome, the groups with meeting time and score parts.
    at = solve(at)
    chosen = at.session_state["scenario"]
    assert chosen.scheme == "groups" and chosen.status["status"] in ("optimal", "feasible")
    settings = chosen.settings_model()
    assert (settings.module, settings.diverse, settings.time_limit) == (
        "SCI1000",
        ["programme", "gender"],
        10,
    )
    keeps_every_rule(chosen)
    assert any(chosen.name in s.value for s in [*at.success, *at.warning])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Students placed"] == (
        f"{chosen.summary['placed']} of {chosen.summary['eligible']}"
    )
    scores = chosen.results["group_scores"]
    shown = table_with(at, "meets")
    assert list(shown["meets"]) == list(scores["slot"])
    assert {"score", "diverse_programme", "diverse_gender", "members"} <= set(shown.columns)
    assert f"Groups ({len(scores)})" in [s.value for s in at.header]
    assert vega_charts(at) >= 2  # group scores; meeting times over who is free

    # Move a student into a full group: the size rule breaks and is shown in words.
    groups = chosen.results["groups"]
    sizes = groups.groupby("group_id").size()
    full = sizes[sizes == settings.max_size].index[0]
    mover = groups.loc[groups["group_id"] != full, "student_id"].iloc[0]
    at.selectbox(key=f"move_who_{chosen.id}").set_value(mover)
    at.selectbox(key=f"move_to_{chosen.id}").set_value(full)
    button(at, "Move").click().run()
    no_errors(at)
    edited = at.session_state[f"groups_edit_{chosen.id}"]
    expected = check_groups(chosen.cohort(), settings, edited)
    assert f"Group {full} has {settings.max_size + 1} students: groups have 4-6." in expected
    shown_errors = "\n".join(e.value for e in at.error).replace("\\", "")
    assert all(message in shown_errors for message in expected)
    assert f"{mover}: " in texts(at) and f"→ {full}" in texts(at)
    save = button(at, "Save the edited plan as a scenario")
    assert save.disabled  # not before the coordinator says so

    # Undo, then change a group's meeting time to one its members share: every rule kept.
    button(at, "Undo every change").click().run()
    assert f"groups_edit_{chosen.id}" not in at.session_state
    group = scores["group_id"].iloc[0]
    at.selectbox(key=f"retime_group_{chosen.id}").set_value(group).run()
    times = at.selectbox(key=f"retime_slot_{chosen.id}").options
    other = next(t for t in times if t != scores["slot"].iloc[0])
    at.selectbox(key=f"retime_slot_{chosen.id}").set_value(other)
    button(at, "Change the time").click().run()
    no_errors(at)
    assert any("keeps every rule" in s.value for s in at.success)
    button(at, "Save the edited plan as a scenario").click().run()
    no_errors(at)
    saved = at.session_state["scenario"]
    assert saved.id != chosen.id and saved.name == f"{chosen.name} (edited)"
    assert saved.status["status"] == chosen.status["status"]  # same scores, same bounds
    keeps_every_rule(saved)
    assert (
        saved.results["group_scores"]
        .set_index("group_id")
        .loc[group, "slot"]
        .startswith(other.split(" ")[0])
    )
    from workbench.scenarios.store import ScenarioStore

    listed = {info.id for info in ScenarioStore().list(at.session_state["owner"])}
    assert {chosen.id, saved.id} <= listed

    # Coverage and equity include the groups; the plan's own charts.
    at = page(at, "coverage")
    no_errors(at)
    assert any("students placed in a group" in i.value for i in at.info)
    assert vega_charts(at) >= 5  # coverage, equity, group scores, meeting times, cost
    expanders = [e.label for e in at.expander]
    assert "Table: Group scores" in expanders

    # What-if: intake, take-up and budget only; no inverse question for groups.
    at = page(at, "whatif")
    no_errors(at)
    assert not [b for b in at.button if b.label == "Find out"]
    assert "inverse questions" in texts(at).lower()
    assert len(at.selectbox(key="keep_sweep_param").options) == 3  # intake, uptake, budget
    at.session_state["keep_sweep_param"] = "intake"
    at.run()
    at.text_input(key="keep_sweep_range_intake").set_value("1,1.2").run()
    button(at, "Run sweep").click().run()
    no_errors(at)
    sweep = at.session_state["sweep"]
    assert sweep["value"].tolist() == [1.0, 1.2]
    assert set(sweep["status"]) <= {"optimal", "feasible"}, sweep["message"].tolist()
    assert sweep["eligible"].iloc[1] > sweep["eligible"].iloc[0]
    at.slider[0].set_value(1.2)
    button(at, "Solve with these changes").click().run()
    no_errors(at)
    table = at.dataframe[0].value
    row = table.loc[table["Figure"] == "Students to place"].iloc[0]
    base, variation = (int(str(v).replace(",", "")) for v in row.iloc[1:3])
    assert variation > base

    # Report and export: the groups plan in the HTML; CSV and Excel parse.
    at = page(at, "report")
    no_errors(at)
    html = download(at, "Download the report").decode("utf-8")
    assert "Groups: weekly meeting time, score (0-1) and its parts" in html
    assert "<script" not in html
    exported = pd.read_csv(
        io.BytesIO(download(at, "Groups (CSV)")), encoding="utf-8-sig", dtype={"student_id": str}
    )
    assert exported.shape[0] == len(saved.results["groups"])
    assert {"group_id", "student_id", "day", "start", "end"} <= set(exported.columns)
    unplaced = pd.read_csv(
        io.BytesIO(download(at, "Unplaced students (CSV)")), encoding="utf-8-sig"
    )
    assert list(unplaced.columns) == ["student_id", "reason"]
    book = openpyxl.load_workbook(io.BytesIO(download(at, "Groups, scores and unplaced")))
    assert book.sheetnames == ["groups", "group_scores", "unplaced"]
    assert book["groups"].max_row == len(saved.results["groups"]) + 1
    whole = openpyxl.load_workbook(io.BytesIO(download(at, "Everything as an Excel")))
    assert {"groups", "group_scores", "unplaced"} <= set(whole.sheetnames)
    with zipfile.ZipFile(io.BytesIO(download(at, "Everything as CSV"))) as archive:
        assert "groups.csv" in archive.namelist()


def test_a_rule_breaking_edit_can_be_saved_and_says_so() -> None:
    from workbench.schemes.groups.edit import move_student

    at = solve(scheme_page("study"))
    chosen = at.session_state["scenario"]
    groups, settings = chosen.results["groups"], chosen.settings_model()
    # The first member of each group whose taking out breaks a rule (the engine's checker).
    for _, rows in groups.groupby("group_id"):
        first, mover = rows["group_id"].iloc[0], rows["student_id"].iloc[0]
        expected = check_groups(chosen.cohort(), settings, move_student(groups, mover, ""))
        if expected:
            break
    assert expected
    at.selectbox(key=f"move_who_{chosen.id}").set_value(mover)
    at.selectbox(key=f"move_to_{chosen.id}").set_value("")  # out of every group
    button(at, "Move").click().run()
    no_errors(at)
    at.checkbox(key=f"edit_confirm_{chosen.id}").check().run()
    button(at, "Save the edited plan as a scenario").click().run()
    no_errors(at)
    saved = at.session_state["scenario"]
    assert saved.status["status"] == "breaks rules"
    assert any("breaks rules" in e.value for e in at.error)
    assert all(message in texts(at) for message in expected)
    reasons = saved.results["unplaced"].set_index("student_id")["reason"]
    assert reasons[mover] == f"taken out of {first} by hand"
    for name in ("coverage", "whatif", "report"):
        no_errors(page(at, name))


# ------------------------------------------------------------------------------ outcomes


def test_social_groups_led_by_mentors_list_the_unplaced_with_reasons() -> None:
    at = scheme_page("social")
    at.checkbox(key="keep_g_led").check().run()
    no_errors(at)
    assert any(
        "of UG1 in social-integration groups" in i.value and "can lead a group" in i.value
        for i in at.info
    )
    at = solve(at, limit=5)
    chosen = at.session_state["scenario"]
    assert chosen.settings_model().led_by_mentors and chosen.settings["kind"] == "social"
    keeps_every_rule(chosen)
    groups = chosen.results["groups"]
    assert groups.groupby("group_id")["mentor_id"].nunique().eq(1).all()
    unplaced = chosen.results["unplaced"]
    assert len(unplaced) and unplaced["reason"].str.len().gt(10).all()
    shown = table_with(at, "reason")
    assert set(shown["student_id"]) == set(unplaced["student_id"])
    if chosen.status["status"] == "feasible":
        assert any("Not proven the best possible" in w.value for w in at.warning)
    assert any("mentor" in c.value for c in at.caption)  # notes on mentors who cannot lead


def test_no_group_possible_is_explained_in_words() -> None:
    at = scheme_page("study")
    at.session_state["keep_g_module"] = "MA7005"  # 6 students
    at.session_state["keep_g_size"] = (7, 8)
    at = solve(at)
    chosen = at.session_state["scenario"]
    assert chosen.status["status"] == "infeasible"
    assert any("no plan could be made" in e.value for e in at.error)
    assert "No group can be formed in MA7005" in texts(at)
    reasons = chosen.results["unplaced"]
    assert len(reasons) == 6 and reasons["reason"].str.len().gt(10).all()
    for name in ("coverage", "whatif", "report"):
        no_errors(page(at, name))


def test_settings_problems_are_reported_and_a_reopened_plan_restores_them() -> None:
    at = scheme_page("study")
    at.radio(key="keep_g_by").set_value("programme").run()
    no_errors(at)
    assert any("choose the students" in e.value for e in at.error)
    at.selectbox(key="keep_g_level").set_value("UG2").run()
    at.text_area(key="keep_g_keep").set_value("2500001").run()
    assert any("keep together, line 1" in e.value for e in at.error)
    at.text_area(key="keep_g_keep").set_value("").run()
    no_errors(at)
    assert not at.error
    at = solve(at, limit=5)
    chosen = at.session_state["scenario"]
    assert chosen.settings["level"] == "UG2" and chosen.settings["module"] is None
    keeps_every_rule(chosen)

    reopened = new_app()
    reopened.query_params.update(ws=at.session_state["owner"], plan=chosen.id)
    reopened.run()
    no_errors(reopened)
    assert reopened.session_state["scenario"].id == chosen.id
    assert reopened.session_state["keep_scheme"] == "groups"
    assert reopened.session_state["keep_g_by"] == "programme"
    assert reopened.session_state["keep_g_level"] == "UG2"
    reopened = page(reopened, "solve")
    no_errors(reopened)
    assert any(chosen.name in s.value for s in [*reopened.success, *reopened.warning])


def test_every_groups_control_has_a_label_and_help() -> None:
    from test_app import WIDGETS

    seen = 0
    at = loaded_sample()
    for choice in ("social", "study"):
        at = scheme_page(choice, at)
        for widget in [w for kind in WIDGETS for w in at.get(kind)]:
            seen += 1
            assert widget.label.strip() and len(widget.help or "") >= 15, widget.label
    at = solve(at)
    chosen = at.session_state["scenario"]
    button(at, "Move").click().run()  # an edit: the save controls appear
    at.selectbox(key=f"move_to_{chosen.id}").set_value("").run()
    button(at, "Move").click().run()
    for name in ("solve", "coverage", "whatif", "report"):
        at = page(at, name) if name != "solve" else at
        for widget in [w for kind in WIDGETS for w in at.get(kind)]:
            seen += 1
            assert widget.label.strip() and len(widget.help or "") >= 15, (name, widget.label)
    assert seen > 40


@pytest.mark.parametrize("choice", ["study", "social"])
def test_the_scheme_radio_follows_the_scheme_and_kind(choice: str) -> None:
    at = scheme_page(choice)
    at = page(at, "home")
    at = page(at, "scheme")
    assert at.radio(key="scheme_choice").value == choice
    at.radio(key="scheme_choice").set_value("pass").run()
    assert at.session_state["keep_scheme"] == "pass"
