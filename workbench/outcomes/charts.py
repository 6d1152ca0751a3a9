"""Charts of coverage, equity, sweeps and cost (Altair, headless); the plan charts (timetable
grid, mentor load, match scores) are in :mod:`workbench.outcomes.plan_charts`, and what every
chart shares (colours, summary, readable table) in :mod:`workbench.outcomes.chart_style`. This
module gives all of them, so ``charts.free_heatmap_chart`` works as before.

Every chart is a pure function of data: a ``*_table`` function prepares the tidy table behind
the chart, the chart function draws exactly that table, and :func:`chart_data` gives it back.
Each chart also carries its text alternative: :func:`describe` gives a one-line summary (also its
``description``) and :func:`chart_table` its readable table (the chart's headers and formatting,
no drawing helpers). Mark colours are at least 3:1 against white (:data:`PALETTE`, :data:`HEAT`)
and no chart relies on colour alone: bars carry text labels, series are in the legend's order
with white edges between them, lines have their own shapes, dashes and value labels, and chosen
sessions carry a marker.

:func:`render_png` and :func:`render_svg` render offline through ``vl-convert-python``.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from workbench.outcomes import chart_style as style
from workbench.outcomes.chart_style import (
    EDGE,
    GREY,
    HEAT,
    PALETTE,
    chart_data,
    chart_table,
    contrast_ratio,
    describe,
    empty_chart,
    palette,
    pct,
    render_png,
    render_svg,
    spoken,
    with_table,
)
from workbench.outcomes.plan_charts import (
    free_heatmap_chart,
    free_heatmap_table,
    match_score_chart,
    match_score_table,
    mentor_load_chart,
    mentor_load_table,
    slot_grid_chart,
)
from workbench.outcomes.sweep_charts import sweep_chart, sweep_table

__all__ = [
    "GREY",
    "HEAT",
    "PALETTE",
    "chart_data",
    "chart_table",
    "contrast_ratio",
    "cost_per_student_chart",
    "coverage_by_module_chart",
    "coverage_by_programme_chart",
    "coverage_chart",
    "describe",
    "equity_chart",
    "free_heatmap_chart",
    "free_heatmap_table",
    "match_score_chart",
    "match_score_table",
    "mentor_load_chart",
    "mentor_load_table",
    "render_png",
    "render_svg",
    "slot_grid_chart",
    "sweep_chart",
    "sweep_table",
]

BELOW, ABOVE, SMALL = "below average", "at or above average", "too few to compare"
# Below the average in vermillion, at or above in blue (apart for every colour vision), too few
# in grey; the gap's sign is written beside every bar as well.
POSITION_COLOURS = {BELOW: PALETTE[1], ABOVE: PALETTE[0], SMALL: GREY}

# ---------------------------------------------------------------------------------------------
# Coverage by module / programme / any breakdown


def coverage_chart_table(
    coverage: pd.DataFrame, dimension: str, labels: Mapping[str, str]
) -> pd.DataFrame:
    """The rows of one breakdown of a coverage table, long: one row per group and measure.

    ``labels`` names the measures (coverage column -> words, reach first): the scheme's
    ``measure_labels`` in the registry, carried by its coverage report.

    Columns: group, measure, measure_order (reach first, then the expected measures), share,
    count, population, reach_share, order (groups by reach share, highest first; ties by name),
    label (share as text).
    """
    rows = coverage.loc[coverage["dimension"] == dimension]
    rows = rows.sort_values(["reach_share", "group"], ascending=[False, True], kind="stable")
    order = {g: i for i, g in enumerate(rows["group"])}
    parts = []
    for rank, (column, measure) in enumerate(labels.items()):
        if column not in rows.columns:
            continue
        count_col = "reached" if column == "reach_share" else column.removesuffix("_share")
        parts.append(
            pd.DataFrame(
                {
                    "group": rows["group"].astype(str).to_numpy(),
                    "measure": measure,
                    "measure_order": rank,
                    "share": rows[column].astype(float).to_numpy(),
                    "count": rows[count_col].astype(float).to_numpy(),
                    "population": rows["population"].astype(int).to_numpy(),
                    "reach_share": rows["reach_share"].astype(float).to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            columns=[
                "group",
                "measure",
                "measure_order",
                "share",
                "count",
                "population",
                "reach_share",
                "order",
                "label",
            ]
        )
    table = pd.concat(parts, ignore_index=True)
    table["order"] = table["group"].map(order).astype(int)
    table["label"] = table["share"].map(pct)
    return table.sort_values(["order", "measure_order"], kind="stable").reset_index(drop=True)


def coverage_chart(
    coverage: pd.DataFrame, dimension: str, labels: Mapping[str, str], title: str | None = None
) -> alt.TopLevelMixin:
    """Horizontal bars: reach and expected coverage per group of one breakdown (``labels``: the
    measures' names, see :func:`coverage_chart_table`)."""
    table = coverage_chart_table(coverage, dimension, labels)
    label = coverage.loc[coverage["dimension"] == dimension, "dimension_label"]
    name = label.iloc[0] if len(label) else dimension
    title = title or f"Coverage by {name.lower()}"
    if table.empty:
        return empty_chart(title, f"No {name.lower()} to show.")
    groups = list(dict.fromkeys(table.sort_values("order")["group"]))
    measures = list(dict.fromkeys(table.sort_values("measure_order")["measure"]))
    y = alt.Y("group:N", sort=groups, title=name)
    tooltip = [
        alt.Tooltip("group:N", title=name),
        alt.Tooltip("measure:N", title="Measure"),
        alt.Tooltip("share:Q", title="Share", format=".1%"),
        alt.Tooltip("count:Q", title="Students", format=",.1f"),
        alt.Tooltip("population:Q", title="Out of", format=","),
    ]
    base = alt.Chart().encode(
        y=y,
        yOffset=alt.YOffset("measure:N", sort=measures),
        x=alt.X(
            "share:Q",
            title="Share of students",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=tooltip,
    )
    # Measures in the same order in every group and in the legend, white edges between them.
    bars = base.mark_bar(**EDGE).encode(
        color=alt.Color(
            "measure:N",
            title="Measure (top to bottom in each group)",
            scale=alt.Scale(domain=measures, range=palette(len(measures))),
            legend=alt.Legend(orient="bottom"),
        )
    )
    bars = spoken(bars, "datum.group + ', ' + datum.measure + ': ' + datum.label")
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text="label:N")
    best = table.loc[table["order"] == 0].iloc[0]
    worst = table.loc[table["order"] == table["order"].max()].iloc[0]
    summary = (
        f"{title}: {len(groups)} groups; highest {best['group']} "
        f"{pct(best['reach_share'])}, lowest {worst['group']} "
        f"{pct(worst['reach_share'])} reached."
    )
    chart = alt.layer(bars, text, data=table).properties(
        title=style.title(title, "Share of each group's students, by measure"),
        description=summary,
        width=420,
        height=alt.Step(12),
    )
    return with_table(chart, coverage_readable(table, name))


def coverage_readable(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """One row per group in the chart's order: students, reached, and each measure as the bar's
    label ("87%")."""
    groups = table.drop_duplicates("group").sort_values("order")
    readable = pd.DataFrame({name: groups["group"].astype(str).to_numpy()})
    readable["Students"] = groups["population"].astype(int).to_numpy()
    reach = table.loc[table["measure_order"] == 0].set_index("group")
    readable["Reached"] = reach.loc[groups["group"], "count"].round().astype(int).to_numpy()
    for _, rows in table.groupby("measure_order", sort=True):
        rows = rows.set_index("group")
        readable[str(rows["measure"].iloc[0])] = rows.loc[groups["group"], "label"].to_numpy()
    return readable


def coverage_by_module_chart(
    coverage: pd.DataFrame, labels: Mapping[str, str]
) -> alt.TopLevelMixin:
    """Coverage of each targeted module (PASS)."""
    return coverage_chart(coverage, "module", labels, "Coverage by module")


def coverage_by_programme_chart(
    coverage: pd.DataFrame, labels: Mapping[str, str]
) -> alt.TopLevelMixin:
    """Coverage of each programme."""
    return coverage_chart(coverage, "programme", labels, "Coverage by programme")


# ---------------------------------------------------------------------------------------------
# Equity


def equity_chart_table(equity: pd.DataFrame) -> pd.DataFrame:
    """The equity table ready to draw: one row per student group, in the equity table's order
    (largest shortfall first, small groups last), with ``label`` ("Commuter: yes"),
    ``position`` (below average / at or above average / too few to compare) and ``gap_text``."""
    table = equity.copy()
    table["label"] = table["dimension_label"].astype(str) + ": " + table["group"].astype(str)
    table["position"] = np.where(
        table["small"], SMALL, np.where(table["below_average"], BELOW, ABOVE)
    )
    table["gap_text"] = [
        f"n={p}, too few" if s else f"{g:+.1f} pts"
        for p, s, g in zip(table["population"], table["small"], table["gap_pp"], strict=True)
    ]
    table["order"] = range(len(table))
    # The gap is written right of both the bar and the average line, so the dashed line never
    # crosses its sign (a minus under the line reads as a plus).
    table["label_at"] = np.maximum(table["reach_share"], table["cohort_share"]) + 0.01
    cols = [
        "label",
        "dimension_label",
        "group",
        "population",
        "reached",
        "reach_share",
        "cohort_share",
        "gap_pp",
        "ratio",
        "small",
        "below_average",
        "position",
        "gap_text",
        "order",
        "label_at",
    ]
    return table[cols].reset_index(drop=True)


def equity_chart(equity: pd.DataFrame, title: str = "Reach by student group") -> alt.TopLevelMixin:
    """Each student group's reach against the cohort average (rule line at the average)."""
    table = equity_chart_table(equity)
    if table.empty:
        return empty_chart(title, "No student groups to compare.")
    average = float(table["cohort_share"].iloc[0])
    positions = [BELOW, ABOVE, SMALL]
    y = alt.Y(
        "label:N",
        sort=list(table["label"]),
        title="Student group",
        axis=alt.Axis(labelLimit=260, labelOverlap=False),
    )
    tooltip = [
        alt.Tooltip("label:N", title="Group"),
        alt.Tooltip("reach_share:Q", title="Reached", format=".1%"),
        alt.Tooltip("cohort_share:Q", title="Cohort average", format=".1%"),
        alt.Tooltip("gap_pp:Q", title="Difference (points)", format="+.1f"),
        alt.Tooltip("ratio:Q", title="Ratio to average", format=".2f"),
        alt.Tooltip("population:Q", title="Students", format=","),
    ]
    x = alt.X(
        "reach_share:Q",
        title="Share reached",
        axis=alt.Axis(format="%"),
        scale=alt.Scale(domain=[0, 1]),
    )
    bars = (
        alt.Chart()
        .mark_bar(**EDGE)
        .encode(
            y=y,
            x=x,
            tooltip=tooltip,
            color=alt.Color(
                "position:N",
                title="Against the average",
                scale=alt.Scale(domain=positions, range=[POSITION_COLOURS[p] for p in positions]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    bars = spoken(
        bars,
        "datum.label + ': ' + format(datum.reach_share, '.0%') + ' reached, ' + datum.gap_text",
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=2, fontSize=10)
        .encode(
            y=y,
            x=alt.X("label_at:Q", scale=alt.Scale(domain=[0, 1])),
            text="gap_text:N",
            tooltip=tooltip,
        )
    )
    rule = (
        alt.Chart()
        .mark_rule(strokeDash=[4, 3], color="black")
        .encode(x=alt.X("mean(cohort_share):Q"))
    )
    below = table.loc[table["position"] == BELOW]
    summary = (
        f"{title}: cohort average {pct(average)}; {len(below)} of {len(table)} groups "
        "below it"
        + (
            f", furthest {below.iloc[0]['label']} {below.iloc[0]['gap_pp']:+.1f} points"
            if len(below)
            else ""
        )
        + f"; {int(table['small'].sum())} groups too small to compare."
    )
    chart = alt.layer(bars, text, rule, data=table).properties(
        title=style.title(title, f"Dashed line: cohort average ({pct(average)})"),
        description=summary,
        width=420,
        height=alt.Step(18),
    )
    return with_table(chart, equity_readable(table))


def equity_readable(table: pd.DataFrame) -> pd.DataFrame:
    """One row per student group in the chart's order, shares and gaps as the chart writes them."""
    return pd.DataFrame(
        {
            "Student group": table["label"].astype(str),
            "Students": table["population"].astype(int),
            "Reached": table["reached"].round().astype(int),
            "Share reached": table["reach_share"].map(pct),
            "Cohort average": table["cohort_share"].map(pct),
            "Difference": table["gap_text"].astype(str),
            "Against the average": table["position"].astype(str),
        }
    )


# ---------------------------------------------------------------------------------------------
# Cost per student reached


def cost_per_student_chart_table(costs: pd.DataFrame) -> pd.DataFrame:
    """Cost table (label, scheme, total, students_reached, per_student_reached, ...) sorted
    cheapest per student first, with a money ``text`` label; plans reaching nobody dropped."""
    table = costs.loc[costs["per_student_reached"].notna()].copy()
    table["per_student_reached"] = table["per_student_reached"].astype(float)
    table = table.sort_values(["per_student_reached", "label"], kind="stable")
    return table.reset_index(drop=True)


def cost_per_student_chart(
    costs: pd.DataFrame, currency: str = "£", title: str = "Cost per student reached"
) -> alt.TopLevelMixin:
    """Cost per student reached for each scheme or scenario (from
    :func:`workbench.outcomes.costs.cost_per_student_table`). The scheme is named by the table's
    ``scheme_name`` column (the registry's name, filled by the caller), else its ``scheme``."""
    table = cost_per_student_chart_table(costs)
    if table.empty:
        return empty_chart(title, "No plan reaches any student yet.")
    table["text"] = table["per_student_reached"].map(lambda v: f"{currency}{v:,.2f}")
    names = table["scheme_name"] if "scheme_name" in table.columns else table["scheme"]
    table["scheme_name"] = names.astype(str)
    # The scheme is written beside each bar too, so the colour is never the only clue.
    table["bar_text"] = table["text"] + " · " + table["scheme_name"]
    labels = list(table["label"])
    schemes = list(dict.fromkeys(table["scheme_name"]))
    tooltip = [
        alt.Tooltip("label:N", title="Plan"),
        alt.Tooltip("scheme_name:N", title="Scheme"),
        alt.Tooltip("total:Q", title=f"Total ({currency})", format=",.0f"),
        alt.Tooltip("students_reached:Q", title="Students reached", format=","),
        alt.Tooltip("per_student_reached:Q", title=f"Per student ({currency})", format=",.2f"),
    ]
    y = alt.Y("label:N", sort=labels, title="Plan")
    bars = (
        alt.Chart()
        .mark_bar(**EDGE)
        .encode(
            y=y,
            x=alt.X("per_student_reached:Q", title=f"Cost per student reached ({currency})"),
            color=alt.Color(
                "scheme_name:N",
                title="Scheme",
                sort=schemes,
                scale=alt.Scale(domain=schemes, range=palette(len(schemes))),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=tooltip,
        )
    )
    bars = spoken(bars, "datum.label + ': ' + datum.bar_text + ' per student reached'")
    text = (
        alt.Chart()
        .mark_text(align="left", dx=3, fontSize=10)
        .encode(y=y, x="per_student_reached:Q", text="bar_text:N")
    )
    summary = (
        f"{title}: "
        + "; ".join(
            f"{r.label} {r.text} ({r.students_reached:,} students)" for r in table.itertuples()
        )
        + "."
    )
    chart = alt.layer(bars, text, data=table).properties(
        title=style.title(title), description=summary, width=380, height=alt.Step(22)
    )
    readable = pd.DataFrame(
        {
            "Plan": table["label"].astype(str),
            "Scheme": table["scheme_name"].astype(str),
            f"Cost per student reached ({currency})": table["text"],
            "Students reached": table["students_reached"].astype(int),
            f"Total cost ({currency})": table["total"].map(lambda v: f"{currency}{v:,.0f}"),
        }
    )
    return with_table(chart, readable)
