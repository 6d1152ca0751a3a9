"""The what-if sweep chart: coverage and cost as one change varies, the current plan marked.

Every point carries its value as a label, and each plan (series) has its own colour, point shape
and dash, so two lines are told apart without colour (see :mod:`workbench.outcomes.chart_style`).
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.outcomes import chart_style as style
from workbench.outcomes.chart_style import GREY, empty_chart, palette, pct, spoken, with_table

# Each line series: its own colour, point shape and dash.
SHAPES = ("circle", "square", "triangle-up", "cross", "diamond", "triangle-down")
DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3])


# ---------------------------------------------------------------------------------------------
# Sweeps


def sweep_table(
    sweep: pd.DataFrame, current: float | None = None, param: str | None = None
) -> pd.DataFrame:
    """A sweep (param, value, coverage, cost, [scheme]) long for drawing.

    Columns: param, value, series, measure ("Coverage" / "Cost"), amount, is_current (the point
    nearest ``current``). Rows are sorted by series, measure and value.
    """
    frame = sweep.copy()
    if param is None and "param" in frame.columns and frame["param"].nunique() > 1:
        raise ValueError("The sweep varies several parameters; say which one to chart.")
    if param is not None and "param" in frame.columns:
        frame = frame.loc[frame["param"] == param]
    param = param or (
        str(frame["param"].iloc[0]) if "param" in frame.columns and len(frame) else "value"
    )
    series = next((c for c in ("scheme", "scenario", "series") if c in frame.columns), None)
    frame["series"] = frame[series].astype(str) if series else "plan"
    frame["value"] = frame["value"].astype(float)
    if current is not None and len(frame):
        nearest = (frame["value"] - float(current)).abs()
        frame["is_current"] = nearest == nearest.min()
    else:
        frame["is_current"] = False
    parts = []
    for column, measure in (("coverage", "Coverage"), ("cost", "Cost")):
        if column in frame.columns:
            parts.append(
                frame[["value", "series", "is_current"]].assign(
                    measure=measure, amount=frame[column].astype(float)
                )
            )
    table = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["value", "series", "is_current", "measure", "amount"])
    )
    table.insert(0, "param", param)
    table = table.sort_values(["series", "measure", "value"], kind="stable")
    return table[["param", "value", "series", "measure", "amount", "is_current"]].reset_index(
        drop=True
    )


def sweep_chart(
    sweep: pd.DataFrame,
    current: float | None = None,
    param: str | None = None,
    param_label: str | None = None,
    currency: str = "£",
    title: str | None = None,
) -> alt.TopLevelMixin:
    """Coverage and cost against the swept parameter, with the current plan marked.

    Every point carries its value as a label; each plan (series) has its own colour, point shape
    and dash, so two lines are told apart without colour.
    """
    table = sweep_table(sweep, current, param)
    name = param_label or str(table["param"].iloc[0] if len(table) else "value")
    title = title or f"Coverage and cost as {name} changes"
    if table.empty:
        return empty_chart(title, "No sweep points to show.")
    coverage_values = table.loc[table["measure"] == "Coverage", "amount"]
    as_share = len(coverage_values) > 0 and coverage_values.between(0, 1).all()
    panels = []
    for measure, axis_title, fmt, prefix in (
        (
            "Coverage",
            "Coverage (share reached)" if as_share else "Coverage (students)",
            ".0%" if as_share else ",.0f",
            "",
        ),
        ("Cost", f"Cost per term ({currency})", ",.0f", currency),
    ):
        if measure in set(table["measure"]):
            panels.append(
                _sweep_panel(table, measure, (name, axis_title, fmt, prefix), current is not None)
            )
    chart = alt.vconcat(*panels, data=table).properties(
        title=style.title(
            title, "Diamond and dashed line: the current plan" if current is not None else None
        ),
        description=_sweep_summary(table, title, as_share, currency, current),
    )
    return with_table(chart, sweep_readable(table, name, as_share, currency))


def _sweep_panel(
    table: pd.DataFrame, measure: str, words: tuple[str, str, str, str], marked: bool
) -> alt.LayerChart:
    """One panel of the sweep chart: a line per plan with labelled points, the current plan."""
    name, axis_title, fmt, prefix = words
    series = list(dict.fromkeys(table["series"]))
    single = len(series) == 1
    legend = None if single else alt.Legend(orient="bottom", title="Plan")
    tooltip = [
        alt.Tooltip("series:N", title="Plan"),
        alt.Tooltip("value:Q", title=name, format=",.3g"),
        alt.Tooltip("amount:Q", title=measure, format=fmt),
        alt.Tooltip("is_current:N", title="Current plan"),
    ]
    base = (
        alt.Chart()
        .transform_filter(alt.datum.measure == measure)
        .encode(
            x=alt.X("value:Q", title=name, scale=alt.Scale(zero=False)),
            y=alt.Y("amount:Q", title=axis_title, axis=alt.Axis(format=fmt)),
            tooltip=tooltip,
        )
    )
    n = len(series)
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=50)).encode(
        color=alt.Color(
            "series:N", sort=series, scale=alt.Scale(domain=series, range=palette(n)), legend=legend
        ),
        shape=alt.Shape(
            "series:N",
            sort=series,
            scale=alt.Scale(domain=series, range=list(SHAPES[:n]) * (1 + n // len(SHAPES))),
            legend=legend,
        ),
        strokeDash=alt.StrokeDash(
            "series:N",
            sort=series,
            scale=alt.Scale(
                domain=series, range=[list(d) for d in DASHES][:n] * (1 + n // len(DASHES))
            ),
            legend=legend,
        ),
    )
    said = name.replace("'", "\\'")
    line = spoken(
        line,
        f"datum.series + ', {said} ' + format(datum.value, ',~g') + ': {measure.lower()} "
        f"{prefix}' + format(datum.amount, '{fmt}')",
    )
    labels = (
        base.transform_calculate(text=f"'{prefix}' + format(datum.amount, '{fmt}')")
        .mark_text(dy=-9, fontSize=9, color="black")
        .encode(text="text:N")
    )
    now = base.transform_filter(alt.datum.is_current).mark_point(
        shape="diamond", size=220, filled=True, fill="white", stroke="black", strokeWidth=2
    )
    layers = [line, labels, now]
    if marked:
        layers.insert(
            0,
            alt.Chart()
            .transform_filter(alt.datum.measure == measure)
            .transform_filter(alt.datum.is_current)
            .mark_rule(strokeDash=[4, 3], color=GREY)
            .encode(x="value:Q"),
        )
    return alt.layer(*layers).properties(width=420, height=170)


def _sweep_summary(
    table: pd.DataFrame, title: str, as_share: bool, currency: str, current: float | None
) -> str:
    cov = table.loc[table["measure"] == "Coverage"]
    cost = table.loc[table["measure"] == "Cost"]
    parts = [
        f"{title}: {table['value'].nunique()} points from {table['value'].min():g} to "
        f"{table['value'].max():g}"
    ]
    if len(cov):
        fmt = pct if as_share else (lambda v: f"{v:,.0f}")
        parts.append(f"coverage {fmt(cov['amount'].min())} to {fmt(cov['amount'].max())}")
    if len(cost):
        parts.append(
            f"cost {currency}{cost['amount'].min():,.0f} to {currency}{cost['amount'].max():,.0f}"
        )
    if current is not None:
        parts.append(f"current plan at {table.loc[table['is_current'], 'value'].iloc[0]:g}")
    return "; ".join(parts) + "."


def sweep_readable(
    table: pd.DataFrame, name: str, as_share: bool, currency: str = "£"
) -> pd.DataFrame:
    """One row per point (and plan, when several): the value tried, coverage and cost as the
    chart's labels write them, and which point is the current plan."""
    wide = table.pivot_table(
        index=["series", "value"], columns="measure", values="amount", aggfunc="first"
    ).reset_index()
    current = table.groupby(["series", "value"])["is_current"].any().reset_index(drop=True)
    readable = pd.DataFrame({name[:1].upper() + name[1:]: wide["value"].map(lambda v: f"{v:g}")})
    if wide["series"].nunique() > 1:
        readable.insert(0, "Plan", wide["series"].astype(str))
    if "Coverage" in wide:
        readable["Coverage"] = wide["Coverage"].map(
            (lambda v: pct(v)) if as_share else (lambda v: f"{v:,.0f}")
        )
    if "Cost" in wide:
        readable[f"Cost per term ({currency})"] = wide["Cost"].map(lambda v: f"{currency}{v:,.0f}")
    readable["Current plan"] = np.where(current, "yes", "")
    return readable
