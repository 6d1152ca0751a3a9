"""Charts sized to their column with every label readable: the app's specs, rendered to SVG at
half and full column width, are no wider than the column and cut no label, title or legend."""

from __future__ import annotations

import re

import pytest
import vl_convert as vlc

from workbench.cohort.generate import generate_cohort
from workbench.outcomes import charts
from workbench.outcomes.chart_fit import LABEL_LIMIT, PANEL_MAX, TITLE_LIMIT, fit_to_column
from workbench.review.report import analyse
from workbench.review.whatif import run_sweep
from workbench.scenarios.scenario import solve_scenario

HALF, FULL = 340, 700  # px: a chart in one of two columns, and alone, at 1,280 px


@pytest.fixture(scope="module")
def built():
    cohort = generate_cohort(3000, seed=1)  # the faculty: long programme names
    plan = solve_scenario(cohort, "mentoring")
    analysis = analyse(plan, charts=False)
    results = plan.results
    sweep = run_sweep(cohort, "mentoring", None, "intake", [1.0, 1.2], parallel=False)
    return {
        "match scores": charts.match_score_chart(results["matches"], score_range=(0, 10)),
        "mentor load": charts.mentor_load_chart(results["mentor_load"]),
        "equity": charts.equity_chart(analysis.coverage.equity),
        "by programme": charts.coverage_by_programme_chart(
            analysis.coverage.table, analysis.coverage.measure_labels
        ),
        "sweep": charts.sweep_chart(sweep, 1.0, "intake", "Intake (x today's)"),
    }


def _svg(spec: dict, width: int) -> str:
    shown = {k: v for k, v in spec.items() if k != "usermeta"}
    if shown.get("width") == "container":
        shown["width"] = width  # what the browser's column gives it
    return vlc.vegalite_to_svg(shown)


def _width(svg: str) -> float:
    return float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg).group(1))


@pytest.mark.parametrize("name", ["match scores", "mentor load", "equity", "by programme", "sweep"])
def test_charts_fit_their_column_and_cut_no_label(built, name) -> None:
    spec = fit_to_column(built[name].to_dict())
    assert spec["config"]["axis"]["labelLimit"] >= LABEL_LIMIT
    assert spec["config"]["axis"]["titleLimit"] >= TITLE_LIMIT
    assert spec["config"]["legend"]["labelLimit"] >= LABEL_LIMIT
    panels = spec.get("vconcat") or spec.get("hconcat")
    if panels:
        assert all(p.get("width", 0) <= PANEL_MAX for p in panels)
        svg = _svg(spec, FULL)
        assert _width(svg) <= FULL + 40  # the panel and its axis titles
    else:
        assert spec["width"] == "container" and spec["autosize"]["type"] == "fit"
        for column in (HALF, FULL):
            svg = _svg(spec, column)
            assert _width(svg) <= column + 1, (name, column)
            assert "…" not in svg, (name, column)  # no label, title or legend cut short
    assert "…" not in _svg(spec, FULL)


def test_without_the_fit_a_long_programme_name_was_cut(built) -> None:
    """The check above can fail: Vega's default limits cut the faculty's long names."""
    raw = built["by programme"].to_dict()
    assert "…" in _svg(raw, FULL)
    assert "…" not in _svg(fit_to_column(raw), FULL)


def test_the_match_score_chart_keeps_its_height_in_a_narrow_column(built) -> None:
    svg = _svg(fit_to_column(built["match scores"].to_dict()), HALF)
    height = float(re.search(r'<svg[^>]*\sheight="([\d.]+)"', svg).group(1))
    assert height >= 200  # not squashed to a sliver
