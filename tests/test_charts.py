"""Charts: the data behind each chart, its sort and marks, accessibility rules, offline rendering."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from workbench.cohort.domain import Cohort
from workbench.cohort.validation import cohort_from_records
from workbench.outcomes import charts as ch
from workbench.outcomes.costs import (
    CostRates,
    cost_of_mentors,
    cost_of_pass_plan,
    cost_per_student_table,
)
from workbench.outcomes.coverage import coverage_table, equity_table

ALLOWED_COLOURS = {c.lower() for c in ch.OKABE_ITO} | {ch.GREY.lower(), "black", "white"}


def make_cohort() -> Cohort:
    rows = [
        {
            "student_id": f"s{i:02d}",
            "programme": ["Chemistry", "Physics", "Maths"][i % 3],
            "level": "UG1" if i < 15 else "UG2",
            "commuter": "yes" if i % 4 == 0 else "no",
            "home_status": "international" if i % 10 == 0 else "home",
        }
        for i in range(30)
    ]
    return cohort_from_records(students=rows)


COHORT = make_cohort()


def pass_coverage() -> pd.DataFrame:
    ids = COHORT.students["student_id"].tolist()
    # CH101: 9 of 10 reached; PH102: 4 of 10; MA103: 7 of 10.
    reached = [i != 3 for i in range(10)] + [i < 4 for i in range(10)] + [i < 7 for i in range(10)]
    reach = pd.DataFrame(
        {
            "student_id": ids[:10] * 3,
            "module_code": ["CH101"] * 10 + ["PH102"] * 10 + ["MA103"] * 10,
            "reached": reached,
        }
    )
    return coverage_table(reach, COHORT, "pass")


def mentoring_coverage() -> pd.DataFrame:
    ids = COHORT.students["student_id"].tolist()
    # Commuters (every 4th) are reached half as often: miss 0, 8, 16, 24 and 2 more.
    missed = {0, 8, 16, 24, 5, 7}
    reach = pd.DataFrame({"student_id": ids, "reached": [i not in missed for i in range(30)]})
    return coverage_table(reach, COHORT, "mentoring")


def walk(spec: Any):
    """Every dict inside a Vega-Lite spec."""
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from walk(value)


def assert_accessible(chart) -> dict:
    """Title, description, axis titles, tooltips on data marks, colour-blind-safe colours."""
    spec = chart.to_dict()
    title = spec.get("title")
    assert title if isinstance(title, str) else (title or {}).get("text"), "chart has no title"
    assert ch.describe(chart), "chart has no text summary"
    encodings = [d["encoding"] for d in walk(spec) if "encoding" in d]
    titled = {
        channel
        for enc in encodings
        for channel in ("x", "y")
        if isinstance(enc.get(channel), dict) and enc[channel].get("title")
    }
    assert titled == {"x", "y"}, f"axis titles missing: {titled}"
    assert any("tooltip" in enc for enc in encodings), "no tooltips"
    for d in walk(spec):
        scale = d.get("scale") if isinstance(d.get("scale"), dict) else None
        if (
            scale
            and "range" in scale
            and isinstance(scale["range"], list)
            and all(isinstance(r, str) and r.startswith("#") for r in scale["range"])
        ):
            assert {r.lower() for r in scale["range"]} <= ALLOWED_COLOURS, scale["range"]
        if scale and "scheme" in scale:
            assert scale["scheme"] == "viridis"
        for key in ("color", "fill", "stroke"):
            value = d.get(key)
            if d.get("type") in {"bar", "point", "text", "rule", "rect", "line"} and isinstance(
                value, str
            ):
                assert value.lower() in ALLOWED_COLOURS, (key, value)
    return spec


# ---------------------------------------------------------------------------------------------


def test_coverage_by_module_data_sort_and_measures():
    table = pass_coverage()
    chart = ch.coverage_by_module_chart(table)
    data = ch.chart_data(chart)
    assert data.equals(ch.coverage_chart_table(table, "module"))
    reach = data.loc[data["measure"] == "Session fits their timetable"]
    assert reach["group"].tolist() == ["CH101", "MA103", "PH102"]  # highest reach first
    assert reach["share"].tolist() == pytest.approx([0.9, 0.7, 0.4])
    assert reach["label"].tolist() == ["90%", "70%", "40%"]
    once = data.loc[data["measure"] == "Expected to attend at least once"].set_index("group")
    regular = data.loc[data["measure"] == "Expected to attend regularly"].set_index("group")
    assert once.loc["PH102", "share"] == pytest.approx(0.4 * 0.45)
    assert regular.loc["PH102", "count"] == pytest.approx(4 * 0.30)
    # Reach first within each module, the y sort follows the table.
    assert data["measure_order"].tolist()[:3] == [0, 1, 2]
    spec = assert_accessible(chart)
    y = next(d["encoding"]["y"] for d in walk(spec) if "encoding" in d and "y" in d["encoding"])
    assert y["sort"] == ["CH101", "MA103", "PH102"]
    assert "lowest PH102 40%" in ch.describe(chart)


def test_coverage_by_programme_mentoring_measures():
    chart = ch.coverage_by_programme_chart(mentoring_coverage())
    data = ch.chart_data(chart)
    assert set(data["measure"]) == {"Matched with a mentor", "Expected to stay active"}
    matched = data.loc[data["measure"] == "Matched with a mentor"].set_index("group")
    # Chemistry = 0, 3, ..., 27: misses 0, 24 -> 8/10; Physics misses 7, 16 -> 8/10;
    # Maths misses 5, 8 -> 8/10.
    assert matched["share"].tolist() == pytest.approx([0.8, 0.8, 0.8])
    assert list(matched.index) == ["Chemistry", "Maths", "Physics"]  # ties by name
    assert_accessible(chart)


def test_equity_chart_rule_at_average_and_positions():
    coverage = mentoring_coverage()
    equity = equity_table(coverage)
    chart = ch.equity_chart(equity)
    data = ch.chart_data(chart)
    assert data["label"].tolist() == [
        f"{d}: {g}" for d, g in zip(equity["dimension_label"], equity["group"], strict=True)
    ]
    commuter = data.set_index("label").loc["Commuter: yes"]
    # Commuters 0, 4, ..., 28 (8 students): 0, 8, 16, 24 missed -> 50% vs 80% overall.
    assert commuter["reach_share"] == pytest.approx(0.5)
    assert commuter["position"] == ch.SMALL and commuter["gap_text"] == "n=8, too few"
    level = data.set_index("label").loc["Level: UG1"]
    assert level["position"] == ch.BELOW  # 0, 5, 7, 8 missed of 15 -> 73%
    assert level["gap_text"] == f"{(11 / 15 - 0.8) * 100:+.1f} pts"
    assert set(data["position"]) <= {ch.BELOW, ch.ABOVE, ch.SMALL}
    spec = assert_accessible(chart)
    rules = [
        d
        for d in walk(spec)
        if d.get("mark", {}) == {"type": "rule", "strokeDash": [4, 3], "color": "black"}
    ]
    assert rules and rules[0]["encoding"]["x"]["aggregate"] == "mean"
    assert rules[0]["encoding"]["x"]["field"] == "cohort_share"
    assert "cohort average 80%" in ch.describe(chart)
    # Each gap is written right of its bar and of the average line, never across the line.
    assert (data["label_at"] > data[["reach_share", "cohort_share"]].max(axis=1)).all()


def test_free_heatmap_marks_chosen_sessions():
    free = pd.DataFrame(
        {
            "day": [0, 0, 1, 1, 4],
            "start": [540, 600, 540, 600, 540],
            "end": [600, 660, 600, 660, 600],
            "label": [""] * 5,
            "free_students": [12, 40, 7, 0, 3],
        }
    )
    sessions = pd.DataFrame(
        {
            "module_code": ["PH102", "CH101", "MA103", "XX9"],
            "day": [0, 0, 1, 2],
            "start": [600, 600, 540, 720],
            "end": [660, 660, 600, 780],
        }
    )
    chart = ch.free_heatmap_chart(free, sessions)
    data = ch.chart_data(chart)
    assert data[["day", "start"]].values.tolist() == [
        [0, 540],
        [0, 600],
        [1, 540],
        [1, 600],
        [2, 720],
        [4, 540],
    ]
    chosen = data.loc[data["chosen"]]
    assert chosen[["day_name", "time", "sessions", "modules"]].values.tolist() == [
        ["Monday", "10:00", 2, "CH101, PH102"],
        ["Tuesday", "09:00", 1, "MA103"],
        ["Wednesday", "12:00", 1, "XX9"],
    ]
    # A session outside the free grid is still shown, with no free count.
    assert pd.isna(data.set_index(["day", "start"]).loc[(2, 720), "free_students"])
    assert (data.loc[~data["chosen"], "marker"] == "").all()
    spec = assert_accessible(chart)
    # The chosen sessions are a point layer filtered to them, with a shape legend.
    points = [
        d
        for d in walk(spec)
        if isinstance(d.get("mark"), dict) and d["mark"].get("type") == "point"
    ]
    assert points and points[0]["transform"] == [{"filter": "datum.sessions > 0"}]
    assert points[0]["encoding"]["shape"]["field"] == "marker"
    assert "Mon 10:00 CH101, PH102" in ch.describe(chart)
    assert "most free Monday 10:00 (40 students)" in ch.describe(chart)
    assert ch.chart_data(ch.free_heatmap_chart(free))["chosen"].sum() == 0


def test_mentor_load_table_and_chart():
    load = pd.DataFrame(
        {
            "mentor_id": list("abcdef"),
            "capacity": [2, 2, 2, 3, 3, 1],
            "assigned": [0, 2, 2, 1, 3, 1],
            "spare": [2, 0, 0, 2, 0, 0],
        }
    )
    chart = ch.mentor_load_chart(load)
    data = ch.chart_data(chart)
    assert data["mentors"].sum() == 6
    lookup = data.set_index(["assigned", "capacity"])["mentors"]
    assert lookup[(2, 2)] == 2 and lookup[(0, 2)] == 1 and lookup[(1, 3)] == 1
    assert lookup[(0, 3)] == 0  # zero rows kept so the axis shows every count
    assert (data["assigned"] <= data["capacity"]).all()
    assert data["assigned"].is_monotonic_increasing
    assert_accessible(chart)
    assert ch.describe(chart) == (
        "Mentor load: 6 mentors; 1 without a mentee, 4 at capacity, 1 with spare places."
    )


def test_match_score_bins():
    matches = pd.DataFrame({"score": [0.05, 0.5, 0.55, 0.95, 1.0, 1.0]})
    table = ch.match_score_table(matches)
    assert len(table) == 10 and table["pairs"].sum() == 6
    assert table["pairs"].tolist() == [1, 0, 0, 0, 0, 2, 0, 0, 0, 3]  # 1.0 in the top band
    assert table["label"].iloc[0] == "0.0–0.1"
    assert table["bin_start"].is_monotonic_increasing
    percent = ch.match_score_table(pd.DataFrame({"score": [35.0, 72.0, 100.0]}), bins=5)
    assert percent["bin_end"].iloc[-1] == 100 and percent["pairs"].tolist() == [0, 1, 0, 1, 1]
    assert percent["label"].tolist()[:2] == ["0–20", "20–40"]
    # Mentoring points out of the weights' total (13 by default).
    points = ch.match_score_table(
        pd.DataFrame({"score": [6.4, 9.0, 13.0]}), bins=2, score_range=(0, 13)
    )
    assert points["pairs"].tolist() == [1, 2] and points["label"].tolist() == [
        "0.0–6.5",
        "6.5–13.0",
    ]
    assert ch.match_score_table(pd.DataFrame({"score": [8.2]}), bins=3)["bin_end"].iloc[-1] == 9
    chart = ch.match_score_chart(matches)
    assert ch.chart_data(chart).equals(table)
    spec = assert_accessible(chart)
    x = next(d["encoding"]["x"] for d in walk(spec) if "encoding" in d)
    assert x["sort"] == table["label"].tolist()
    assert "median score 0.75" in ch.describe(chart)


def test_sweep_table_and_current_plan_marker():
    sweep = pd.DataFrame(
        {
            "param": "intake",
            "value": [1.2, 0.8, 1.0, 1.4],
            "coverage": [0.7, 0.95, 0.85, 0.6],
            "cost": [5200, 4100, 4600, 5900],
            "status": "optimal",
        }
    )
    chart = ch.sweep_chart(sweep, current=1.04, param_label="Intake (x current)")
    data = ch.chart_data(chart)
    cov = data.loc[data["measure"] == "Coverage"]
    assert cov["value"].tolist() == [0.8, 1.0, 1.2, 1.4]  # sorted by the parameter
    assert cov["amount"].tolist() == [0.95, 0.85, 0.7, 0.6]
    assert data.loc[data["is_current"], "value"].tolist() == [1.0, 1.0]  # nearest point
    assert set(data["measure"]) == {"Coverage", "Cost"}
    spec = assert_accessible(chart)
    assert len(spec["vconcat"]) == 2
    current_marks = [
        d
        for d in walk(spec)
        if isinstance(d.get("mark"), dict)
        and d["mark"].get("type") == "point"
        and {"filter": "datum.is_current"} in d.get("transform", [])
    ]
    assert len(current_marks) == 2  # a diamond on the coverage panel and on the cost panel
    assert spec["vconcat"][0]["layer"][1]["encoding"]["x"]["title"] == "Intake (x current)"
    assert "current plan at 1" in ch.describe(chart)
    with pytest.raises(ValueError, match="several parameters"):
        ch.sweep_table(pd.concat([sweep, sweep.assign(param="mentors")]))
    two = ch.sweep_table(
        pd.concat([sweep.assign(scheme="pass"), sweep.assign(scheme="mentoring", cost=100)])
    )
    assert set(two["series"]) == {"pass", "mentoring"} and not two["is_current"].any()


def test_cost_per_student_sorted_with_labels():
    rates = CostRates()
    plan = pd.DataFrame(
        {"day": [0, 1], "start": [600, 600], "end": [660, 660], "leader_id": ["L1", "L2"]}
    )
    costs = cost_per_student_table(
        [
            cost_of_pass_plan(plan, rates, students_reached=40),
            cost_of_mentors(10, rates, 30),
            cost_of_mentors(0, rates, 0),
        ],
        ["PASS 2 sessions", "Mentoring", "Nobody"],
    )
    chart = ch.cost_per_student_chart(costs)
    data = ch.chart_data(chart)
    assert "Nobody" not in set(data["label"])
    assert data["per_student_reached"].is_monotonic_increasing
    mentoring = data.set_index("label").loc["Mentoring"]
    assert mentoring["per_student_reached"] == pytest.approx(costs.loc[1, "total"] / 30)
    assert mentoring["text"] == f"£{costs.loc[1, 'total'] / 30:,.2f}"
    assert_accessible(chart)


def test_empty_inputs_give_a_message_not_an_error():
    empty = ch.coverage_by_module_chart(mentoring_coverage())  # mentoring has no modules
    assert "No module" in ch.describe(empty)
    assert "No mentors" in ch.describe(
        ch.mentor_load_chart(pd.DataFrame(columns=["mentor_id", "capacity", "assigned"]))
    )
    assert "No matched pairs" in ch.describe(ch.match_score_chart(pd.DataFrame(columns=["score"])))
    png = ch.render_png(empty)
    assert png.startswith(b"\x89PNG")


def test_render_png_and_svg_offline():
    chart = ch.equity_chart(equity_table(mentoring_coverage()))
    png = ch.render_png(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    svg = ch.render_svg(ch.coverage_by_module_chart(pass_coverage()))
    assert svg.lstrip().startswith("<svg") and "Coverage by module" in svg and "CH101" in svg
    heat = ch.render_png(
        ch.free_heatmap_chart(
            pd.DataFrame(
                {"day": [0, 1], "start": [540, 540], "end": [600, 600], "free_students": [3, 4]}
            )
        )
    )
    assert heat[:4] == b"\x89PNG" and len(heat) > 5_000


# ---------------------------------------------------------------------------------------------
# Integration with the real solvers on a generated cohort


@pytest.fixture(scope="module")
def generated() -> Cohort:
    generate = pytest.importorskip(
        "workbench.cohort.generate", reason="cohort generator not available"
    )
    return generate.generate_cohort(300, seed=3)


def test_pass_heatmap_and_coverage_from_a_real_plan(generated):
    pass_sessions = pytest.importorskip(
        "workbench.schemes.pass_sessions.solve", reason="PASS solver not available"
    )
    from workbench.outcomes.coverage import coverage_report
    from workbench.schemes.pass_sessions.settings import PassSettings

    settings = PassSettings(time_limit=30)
    result = pass_sessions.solve_pass(generated, settings)
    free = pass_sessions.free_students_by_slot(generated, settings)
    chart = ch.free_heatmap_chart(free, result.sessions)
    data = ch.chart_data(chart)
    assert data["sessions"].sum() == len(result.sessions)
    chosen = data.loc[data["chosen"]].set_index(["day", "start"])
    for row in result.sessions.itertuples():
        assert row.module_code in chosen.loc[(row.day, row.start), "modules"].split(", ")
        # Every session sits on the grid, so its cell has a free count.
        assert chosen.loc[(row.day, row.start), "free_students"] >= row.students_free
    assert data["free_students"].notna().all()
    module_chart = ch.coverage_by_module_chart(coverage_report(result, generated).table)
    shares = ch.chart_data(module_chart)
    reach = shares.loc[shares["measure_order"] == 0].set_index("group")["share"]
    solver = result.coverage.set_index("module_code")["coverage"]
    for code, share in reach.items():
        assert share == pytest.approx(solver[code], abs=1e-4)
    assert ch.render_png(chart)[:4] == b"\x89PNG"


def test_mentoring_charts_from_a_real_result(generated):
    mentoring = pytest.importorskip(
        "workbench.schemes.mentoring.solve", reason="mentoring solver not available"
    )
    result = mentoring.solve_mentoring(generated, mentoring.MentoringSettings(time_limit=30))
    load = ch.chart_data(ch.mentor_load_chart(result.mentor_load))
    assert load["mentors"].sum() == len(result.mentor_load)
    assert (load["mentors"] * load["assigned"]).sum() == len(result.matches)
    top = sum(result.settings.weights.values())
    scores = ch.chart_data(ch.match_score_chart(result.matches, score_range=(0, top)))
    assert scores["pairs"].sum() == len(result.matches)
    assert scores["bin_end"].iloc[-1] == pytest.approx(top)
