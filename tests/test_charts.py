"""Charts: the data behind each chart, its sort and marks, accessibility rules, offline rendering."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from workbench.cohort.domain import Cohort
from workbench.cohort.generate import generate_cohort
from workbench.cohort.validation import cohort_from_records
from workbench.outcomes import charts as ch
from workbench.outcomes.costs import (
    CostRates,
    cost_of_mentors,
    cost_of_pass_plan,
    cost_per_student_table,
)
from workbench.outcomes.coverage import coverage_table, equity_table
from workbench.schemes import registry
from workbench.schemes.groups import view as gv
from workbench.schemes.mentoring import solve as mentoring
from workbench.schemes.pass_sessions import solve as pass_sessions
from workbench.schemes.pass_sessions.settings import PassSettings

NAMED = {"black": "#000000", "white": "#ffffff"}


def luminance(colour: str) -> float:
    """WCAG relative luminance, written out here (not the module's) so the test is independent."""
    code = NAMED.get(colour.lower(), colour).lstrip("#")
    rgb = [int(code[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour: str, background: str = "#ffffff") -> float:
    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mark_colours(spec: dict) -> list[str]:
    """Every colour a mark is drawn in: colour scale ranges, and the marks' own colour, fill and
    stroke, except a white fill inside a dark stroke (the diamonds) and white edges between
    touching marks (a 1 px stroke)."""
    found = []
    for d in walk(spec):
        scale = d.get("scale") if isinstance(d.get("scale"), dict) else None
        if scale and isinstance(scale.get("range"), list):
            found += [r for r in scale["range"] if isinstance(r, str) and r.startswith("#")]
        assert not (scale and "scheme" in scale), "a named scheme: its colours are not checked"
        mark = d.get("mark") if isinstance(d.get("mark"), dict) else None
        if not mark:
            continue
        assert mark.get("opacity", 1) == 1 and "opacity" not in d.get("encoding", {})
        for key in ("color", "fill", "stroke"):
            value = mark.get(key)
            if not isinstance(value, str):
                continue
            edge = key == "stroke" and value.lower() in ("white", "#ffffff")
            inside = key == "fill" and contrast(mark.get("stroke", value)) >= 3
            if not (edge and mark.get("strokeWidth", 1) <= 1) and not inside:
                found.append(value)
    return found


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


# The measures' names each scheme's registry entry gives its coverage charts.
PASS_MEASURES = registry.get("pass").measure_labels
MENTORING_MEASURES = registry.get("mentoring").measure_labels


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
    for colour in mark_colours(spec):
        assert contrast(colour) >= 3, f"{colour} is {contrast(colour):.2f}:1 on white"
    table = ch.chart_table(chart)
    assert ch.chart_table(spec).equals(table), "the readable table survives to_dict"
    assert_readable(table)
    return spec


def assert_readable(table: pd.DataFrame) -> None:
    """Headers in words (capitalised, no snake_case), no drawing helpers, no bare fractions."""
    for header in table.columns:
        assert re.fullmatch(r"[A-Z][^_]*", str(header)), f"header {header!r} is not in words"
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_float_dtype(values):
            raise AssertionError(f"{column!r} holds raw fractions: {values.tolist()[:3]}")
        assert not pd.api.types.is_bool_dtype(values), f"{column!r} holds True/False"


# ---------------------------------------------------------------------------------------------


def test_coverage_by_module_data_sort_and_measures():
    table = pass_coverage()
    chart = ch.coverage_by_module_chart(table, PASS_MEASURES)
    data = ch.chart_data(chart)
    assert data.equals(ch.coverage_chart_table(table, "module", PASS_MEASURES))
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
    chart = ch.coverage_by_programme_chart(mentoring_coverage(), MENTORING_MEASURES)
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
        [registry.scheme_name(k) for k in ("pass", "mentoring", "mentoring")],
    )
    chart = ch.cost_per_student_chart(costs)
    data = ch.chart_data(chart)
    assert "Nobody" not in set(data["label"])
    # The scheme is named as the registry names it, beside each bar.
    assert data.set_index("label").loc["PASS 2 sessions", "scheme_name"] == "PASS sessions"
    assert data["bar_text"].str.endswith(" · Peer mentoring").any()
    assert data["per_student_reached"].is_monotonic_increasing
    mentoring = data.set_index("label").loc["Mentoring"]
    assert mentoring["per_student_reached"] == pytest.approx(costs.loc[1, "total"] / 30)
    assert mentoring["text"] == f"£{costs.loc[1, 'total'] / 30:,.2f}"
    assert_accessible(chart)


def test_empty_inputs_give_a_message_not_an_error():
    empty = ch.coverage_by_module_chart(
        mentoring_coverage(), MENTORING_MEASURES
    )  # mentoring has no modules
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
    svg = ch.render_svg(ch.coverage_by_module_chart(pass_coverage(), PASS_MEASURES))
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
    return generate_cohort(300, seed=3)


def test_pass_heatmap_and_coverage_from_a_real_plan(generated):

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
    report = registry.coverage_report(result, generated)
    module_chart = ch.coverage_by_module_chart(report.table, report.measure_labels)
    shares = ch.chart_data(module_chart)
    reach = shares.loc[shares["measure_order"] == 0].set_index("group")["share"]
    solver = result.coverage.set_index("module_code")["coverage"]
    for code, share in reach.items():
        assert share == pytest.approx(solver[code], abs=1e-4)
    assert ch.render_png(chart)[:4] == b"\x89PNG"


def test_mentoring_charts_from_a_real_result(generated):
    result = mentoring.solve_mentoring(generated, mentoring.MentoringSettings(time_limit=30))
    load = ch.chart_data(ch.mentor_load_chart(result.mentor_load))
    assert load["mentors"].sum() == len(result.mentor_load)
    assert (load["mentors"] * load["assigned"]).sum() == len(result.matches)
    top = sum(result.settings.weights.values())
    scores = ch.chart_data(ch.match_score_chart(result.matches, score_range=(0, top)))
    assert scores["pairs"].sum() == len(result.matches)
    assert scores["bin_end"].iloc[-1] == pytest.approx(top)


# ---------------------------------------------------------------------------------------------
# Accessibility across every chart: mark contrast, series apart without colour, readable tables


def two_plan_sweep() -> pd.DataFrame:
    sweep = pd.DataFrame(
        {
            "param": "intake",
            "value": [0.8, 1.0, 1.2],
            "coverage": [0.9, 0.8667, 0.7],
            "cost": [4100.0, 4600.0, 5200.0],
        }
    )
    return pd.concat([sweep.assign(scheme="PASS"), sweep.assign(scheme="Peer mentoring")])


def two_scheme_costs() -> pd.DataFrame:
    rates = CostRates()
    plan = pd.DataFrame({"day": [0], "start": [600], "end": [660], "leader_id": ["L1"]})
    return cost_per_student_table(
        [cost_of_pass_plan(plan, rates, students_reached=40), cost_of_mentors(10, rates, 30)],
        ["PASS 1 session", "Mentoring"],
        [registry.scheme_name("pass"), registry.scheme_name("mentoring")],
    )


def group_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_id": ["G01", "G02"],
            "size": [5, 4],
            "slot": ["Mon 09:00", "Tue 10:00"],
            "score": [0.5, 1.0],
            "day": [0, 1],
            "start": [540, 600],
        }
    )


def every_chart() -> dict[str, Any]:
    free = pd.DataFrame({"day": [0, 0, 1], "start": [540, 600, 540], "free_students": [3, 40, 0]})
    sessions = pd.DataFrame({"module_code": ["CH101"], "day": [0], "start": [600]})
    load = pd.DataFrame({"capacity": [2, 2, 3, 1], "assigned": [0, 2, 1, 1]})
    return {
        "coverage": ch.coverage_by_module_chart(pass_coverage(), PASS_MEASURES),
        "equity": ch.equity_chart(equity_table(mentoring_coverage())),
        "heat map": ch.free_heatmap_chart(free, sessions),
        "mentor load": ch.mentor_load_chart(load),
        "match scores": ch.match_score_chart(pd.DataFrame({"score": [0.2, 0.8, 0.9]})),
        "sweep": ch.sweep_chart(two_plan_sweep().iloc[:3], current=1.0, param_label="Intake"),
        "two sweeps": ch.sweep_chart(two_plan_sweep(), param_label="Intake"),
        "cost": ch.cost_per_student_chart(two_scheme_costs()),
        "group scores": gv.group_scores_chart(group_scores()),
        "meeting times": gv.meeting_times_chart(free.assign(end=0, label=""), group_scores()),
        "empty": ch.mentor_load_chart(pd.DataFrame(columns=["capacity", "assigned"])),
    }


def test_every_mark_colour_is_at_least_3_to_1_on_white():
    assert contrast("#E69F00") < 3 and contrast("#000000") == pytest.approx(21)  # the checker
    for name, chart in every_chart().items():
        colours = mark_colours(chart.to_dict())
        assert name == "empty" or colours, f"{name}: no mark colours found"
        for colour in colours:
            assert contrast(colour) >= 3, f"{name}: {colour} is {contrast(colour):.2f}:1"
    for colour in ch.PALETTE + (ch.GREY,):
        assert contrast(colour) >= 3 and ch.contrast_ratio(colour) == pytest.approx(
            contrast(colour)
        )
    # The heat map is interpolated in RGB between its stops: sample every segment.
    for low, high in zip(ch.HEAT, ch.HEAT[1:], strict=False):
        a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
        b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
        for t in [i / 20 for i in range(21)]:
            mixed = "#" + "".join(
                f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True)
            )
            assert contrast(mixed) >= 3, mixed


def _layers(spec: dict) -> list[dict]:
    return [d for d in walk(spec) if isinstance(d.get("mark"), (dict, str))]


def test_series_next_to_each_other_are_told_apart_by_more_than_colour():
    charts = every_chart()
    # Coverage: the measures in the legend's order in every group (yOffset sorted like the colour
    # domain), white edges between the bars, and the share written on every bar.
    spec = charts["coverage"].to_dict()
    bars = next(d for d in _layers(spec) if d["mark"]["type"] == "bar")
    domain = bars["encoding"]["color"]["scale"]["domain"]
    assert len(domain) == 3 and bars["encoding"]["yOffset"]["sort"] == domain
    assert bars["mark"]["stroke"].lower() in ("white", "#ffffff")
    data = ch.chart_data(charts["coverage"])
    assert list(data.groupby("group", sort=False)["measure"].apply(list).iloc[0]) == domain
    assert any(d["mark"]["type"] == "text" for d in _layers(spec))
    # Equity: below and above are also told by the signed gap written beside every bar.
    table = ch.chart_table(charts["equity"])
    for gap, position in zip(table["Difference"], table["Against the average"], strict=True):
        if position == ch.BELOW:
            assert gap.startswith("-")
        elif position == ch.ABOVE:
            assert gap.startswith("+")
        else:
            assert "too few" in gap
    # Mentor load: capacities stacked in the legend's order, with white edges.
    spec = charts["mentor load"].to_dict()
    bars = next(d for d in _layers(spec) if d["mark"]["type"] == "bar")
    assert bars["encoding"]["order"] == {
        "field": "capacity",
        "sort": "ascending",
        "type": "quantitative",
    }
    assert bars["encoding"]["color"]["scale"]["domain"] == ["1", "2", "3"]
    assert bars["mark"]["stroke"].lower() in ("white", "#ffffff")
    # Two sweeps: each plan has its own point shape and dash, and every point its value.
    spec = charts["two sweeps"].to_dict()
    lines = [d for d in _layers(spec) if d["mark"]["type"] == "line"]
    assert len(lines) == 2
    for line in lines:
        shapes = line["encoding"]["shape"]["scale"]["range"]
        dashes = line["encoding"]["strokeDash"]["scale"]["range"]
        assert (
            line["encoding"]["shape"]["field"]
            == line["encoding"]["strokeDash"]["field"]
            == "series"
        )
        assert len(set(shapes[:2])) == 2 and dashes[0] != dashes[1]
    labels = [d for d in _layers(spec) if d["mark"]["type"] == "text"]
    assert len(labels) == 2 and all(d["encoding"]["text"]["field"] == "text" for d in labels)
    # Cost: the scheme is written on every bar, not only coloured.
    data = ch.chart_data(charts["cost"])
    assert data["scheme_name"].nunique() == 2
    assert all(
        t.endswith(f" · {s}") for t, s in zip(data["bar_text"], data["scheme_name"], strict=True)
    )


def test_every_chart_table_reads_like_the_chart():
    charts = every_chart()
    for name, chart in charts.items():
        table = ch.chart_table(chart)
        assert len(table), name
        assert_readable(table)
        helpers = {"order", "measure_order", "label_at", "is_current", "marker", "chosen"}
        assert not helpers & {c.lower() for c in table.columns}, name
    # Coverage: one row per module in the chart's order, each measure as the bar says it.
    table = ch.chart_table(charts["coverage"])
    data = ch.chart_data(charts["coverage"])
    assert list(table.columns) == [
        "Module",
        "Students",
        "Reached",
        "Session fits their timetable",
        "Expected to attend at least once",
        "Expected to attend regularly",
    ]
    assert table["Module"].tolist() == ["CH101", "MA103", "PH102"]
    assert table["Session fits their timetable"].tolist() == ["90%", "70%", "40%"]
    assert table["Reached"].tolist() == [9, 7, 4] and table["Students"].tolist() == [10, 10, 10]
    for row in data.itertuples():
        assert table.set_index("Module").loc[row.group, row.measure] == row.label
    # Equity: shares as percentages, the gap as the chart writes it.
    table = ch.chart_table(charts["equity"]).set_index("Student group")
    assert table.loc["Level: UG1", "Share reached"] == "73%"
    assert table.loc["Level: UG1", "Cohort average"] == "80%"
    assert table.loc["Level: UG1", "Difference"] == f"{(11 / 15 - 0.8) * 100:+.1f} pts"
    # Sweep: 0.8667 is written 87%, as the point's label says; the cost in pounds.
    table = ch.chart_table(charts["sweep"])
    assert list(table.columns) == ["Intake", "Coverage", "Cost per term (£)", "Current plan"]
    assert table["Coverage"].tolist() == ["90%", "87%", "70%"]
    assert table["Cost per term (£)"].tolist() == ["£4,100", "£4,600", "£5,200"]
    assert table["Current plan"].tolist() == ["", "yes", ""]
    spec = charts["sweep"].to_dict()
    label = next(d for d in _layers(spec) if d["mark"]["type"] == "text")
    assert "format(datum.amount, '.0%')" in label["transform"][-1]["calculate"]
    assert list(ch.chart_table(charts["two sweeps"]).columns)[:2] == ["Plan", "Intake"]
    # Heat map and meeting times: one row per slot, day and start first.
    table = ch.chart_table(charts["heat map"])
    assert table.iloc[1].tolist() == ["Monday", "10:00", "40", 1, "CH101"]
    table = ch.chart_table(charts["meeting times"])
    assert list(table.columns) == ["Day", "Start", "Students free", "Groups meeting", "Groups"]
    # Mentor load, match scores, cost, group scores.
    table = ch.chart_table(charts["mentor load"])
    assert list(table.columns) == ["Mentees assigned", "Capacity (places)", "Mentors"]
    assert table["Mentors"].sum() == 4
    assert ch.chart_table(charts["match scores"])["Score band"].iloc[0] == "0.0–0.1"
    table = ch.chart_table(charts["cost"])
    # The schemes as the registry names them.
    assert sorted(table["Scheme"]) == ["PASS sessions", "Peer mentoring"]
    assert all(v.startswith("£") for v in table["Cost per student reached (£)"])
    table = ch.chart_table(charts["group scores"])
    assert table["Score (0-1)"].tolist() == ["0.50 (weakest)", "1.00"]
    assert ch.chart_table(charts["empty"]).to_dict("list") == {"Note": ["No mentors to show."]}


def test_a_screen_reader_hears_each_mark_in_words():
    """Vega names each mark from its encodings ("share: 0.866667"); ours say it in words."""
    charts = every_chart()
    spoken = {
        "coverage": "CH101, Session fits their timetable: 90%",
        "equity": "Level: UG1: 73% reached, -6.7 pts",
        "heat map": "Monday 10:00: 40 students free; CH101",
        "mentor load": "1 mentors with 0 of 2 places",
        "match scores": "Score 0.8–0.9: 1 pairs",
        "group scores": "G01 (Mon 09:00): score 0.50 (weakest)",
        "sweep": "PASS, Intake 1: coverage 87%",
    }
    for name, words in spoken.items():
        svg = ch.render_svg(charts[name])
        assert f'aria-label="{words}"' in svg, (name, re.findall(r'aria-label="([^"]*)"', svg)[:8])
