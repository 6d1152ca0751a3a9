"""Charts of coverage, equity, timetables, mentor load, sweeps and cost (Altair, headless).

Every chart is a pure function of data: a ``*_table`` function prepares the tidy table behind
the chart, the chart function draws exactly that table, and :func:`chart_data` gives it back
(the text alternative a screen reader or a report table uses; :func:`describe` gives a one-line
summary, also stored in the chart's ``description``). Colours are the Okabe-Ito palette for
categories and viridis for amounts, both safe for colour-blind readers, and no chart relies on
colour alone: bars carry text labels and chosen sessions carry a marker.

:func:`render_png` and :func:`render_svg` render offline through ``vl-convert-python``.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.cohort.domain import DAY_NAMES, format_time

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
GREY = "#999999"
BELOW, ABOVE, SMALL = "below average", "at or above average", "too few to compare"

MEASURE_LABELS: dict[str, dict[str, str]] = {
    "pass": {
        "reach_share": "Session fits their timetable",
        "expected_share": "Expected to attend at least once",
        "expected_regular_share": "Expected to attend regularly",
    },
    "mentoring": {
        "reach_share": "Matched with a mentor",
        "expected_share": "Expected to stay active",
    },
    "groups": {"reach_share": "Placed in a group", "expected_share": "Expected to keep meeting"},
}


# ---------------------------------------------------------------------------------------------
# Common


def chart_data(chart: alt.TopLevelMixin) -> pd.DataFrame:
    """The table a chart draws (a copy): the chart's text alternative."""
    data = getattr(chart, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        return data.copy()
    for attr in ("layer", "vconcat", "hconcat", "concat"):
        for sub in getattr(chart, attr, None) or []:
            found = getattr(sub, "data", alt.Undefined)
            if isinstance(found, pd.DataFrame):
                return found.copy()
    raise ValueError("This chart has no table attached.")


def describe(chart: alt.TopLevelMixin) -> str:
    """The one-line text summary stored with a chart."""
    text = getattr(chart, "description", alt.Undefined)
    return "" if text is alt.Undefined else str(text)


def render_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, rendered offline."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart.to_json(), scale=scale)


def render_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document, rendered offline."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def _palette(n: int) -> list[str]:
    return [OKABE_ITO[i % len(OKABE_ITO)] for i in range(max(n, 1))]


def _pct(value: float) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{value:.0%}"


def _empty_chart(title: str, message: str) -> alt.Chart:
    frame = pd.DataFrame({"message": [message]})
    return (
        alt.Chart(frame)
        .mark_text(size=14)
        .encode(text="message:N")
        .properties(title=_title(title), description=message, width=400, height=60)
    )


# ---------------------------------------------------------------------------------------------
# Coverage by module / programme / any breakdown


def coverage_chart_table(coverage: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The rows of one breakdown of a coverage table, long: one row per group and measure.

    Columns: group, measure, measure_order (reach first, then the expected measures), share,
    count, population, reach_share, order (groups by reach share, highest first; ties by name),
    label (share as text).
    """
    rows = coverage.loc[coverage["dimension"] == dimension]
    scheme = str(coverage["scheme"].iloc[0]) if len(coverage) else "pass"
    labels = MEASURE_LABELS.get(scheme, MEASURE_LABELS["pass"])
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
    table["label"] = table["share"].map(_pct)
    return table.sort_values(["order", "measure_order"], kind="stable").reset_index(drop=True)


def coverage_chart(
    coverage: pd.DataFrame, dimension: str, title: str | None = None
) -> alt.TopLevelMixin:
    """Horizontal bars: reach and expected coverage per group of one breakdown."""
    table = coverage_chart_table(coverage, dimension)
    label = coverage.loc[coverage["dimension"] == dimension, "dimension_label"]
    name = label.iloc[0] if len(label) else dimension
    title = title or f"Coverage by {name.lower()}"
    if table.empty:
        return _empty_chart(title, f"No {name.lower()} to show.")
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
    bars = base.mark_bar().encode(
        color=alt.Color(
            "measure:N",
            title="Measure",
            scale=alt.Scale(domain=measures, range=_palette(len(measures))),
            legend=alt.Legend(orient="bottom"),
        )
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text="label:N")
    best = table.loc[table["order"] == 0].iloc[0]
    worst = table.loc[table["order"] == table["order"].max()].iloc[0]
    summary = (
        f"{title}: {len(groups)} groups; highest {best['group']} "
        f"{_pct(best['reach_share'])}, lowest {worst['group']} "
        f"{_pct(worst['reach_share'])} reached."
    )
    return alt.layer(bars, text, data=table).properties(
        title=_title(title, "Share of each group's students, by measure"),
        description=summary,
        width=420,
        height=alt.Step(12),
    )


def coverage_by_module_chart(coverage: pd.DataFrame) -> alt.TopLevelMixin:
    """Coverage of each targeted module (PASS)."""
    return coverage_chart(coverage, "module", "Coverage by module")


def coverage_by_programme_chart(coverage: pd.DataFrame) -> alt.TopLevelMixin:
    """Coverage of each programme."""
    return coverage_chart(coverage, "programme", "Coverage by programme")


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
        return _empty_chart(title, "No student groups to compare.")
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
        .mark_bar()
        .encode(
            y=y,
            x=x,
            tooltip=tooltip,
            color=alt.Color(
                "position:N",
                title="Against the average",
                scale=alt.Scale(domain=positions, range=["#D55E00", "#009E73", GREY]),
                legend=alt.Legend(orient="bottom"),
            ),
            opacity=alt.condition("datum.small", alt.value(0.5), alt.value(1.0)),
        )
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
        f"{title}: cohort average {_pct(average)}; {len(below)} of {len(table)} groups "
        "below it"
        + (
            f", furthest {below.iloc[0]['label']} {below.iloc[0]['gap_pp']:+.1f} points"
            if len(below)
            else ""
        )
        + f"; {int(table['small'].sum())} groups too small to compare."
    )
    return alt.layer(bars, text, rule, data=table).properties(
        title=_title(title, f"Dashed line: cohort average ({_pct(average)})"),
        description=summary,
        width=420,
        height=alt.Step(18),
    )


# ---------------------------------------------------------------------------------------------
# Day x hour heat map of free targeted students with the chosen sessions


def free_heatmap_table(
    free_by_slot: pd.DataFrame, sessions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per slot: day, day_name, start, time, free_students, sessions (how many chosen
    sessions start in the slot), modules (their codes), chosen (bool), marker."""
    free = free_by_slot[["day", "start", "free_students"]].copy()
    free["day"] = free["day"].astype(int)
    free["start"] = free["start"].astype(int)
    free = free.groupby(["day", "start"], as_index=False)["free_students"].sum()
    if sessions is not None and len(sessions):
        chosen = sessions.assign(
            day=sessions["day"].astype(int), start=sessions["start"].astype(int)
        )
        chosen = (
            chosen.sort_values(["day", "start", "module_code"])
            .groupby(["day", "start"])
            .agg(
                sessions=("module_code", "size"),
                modules=("module_code", lambda s: ", ".join(map(str, s))),
            )
        )
        table = free.merge(chosen.reset_index(), on=["day", "start"], how="outer")
    else:
        table = free.assign(sessions=0, modules="")
    table["sessions"] = table["sessions"].fillna(0).astype(int)
    table["modules"] = table["modules"].fillna("").astype(str)
    table["chosen"] = table["sessions"] > 0
    table["marker"] = np.where(table["chosen"], "chosen session", "")
    table["day_name"] = table["day"].map(lambda d: DAY_NAMES[int(d)])
    table["time"] = table["start"].map(format_time)
    table = table.sort_values(["day", "start"]).reset_index(drop=True)
    return table[
        [
            "day",
            "day_name",
            "start",
            "time",
            "free_students",
            "sessions",
            "modules",
            "chosen",
            "marker",
        ]
    ]


def free_heatmap_chart(
    free_by_slot: pd.DataFrame,
    sessions: pd.DataFrame | None = None,
    title: str = "When targeted students are free",
) -> alt.TopLevelMixin:
    """Day x hour grid coloured by free targeted students; chosen sessions marked."""
    table = free_heatmap_table(free_by_slot, sessions)
    if table.empty:
        return _empty_chart(title, "No slots to show.")
    return slot_grid_chart(
        table,
        title,
        "Colour: targeted students free; diamond: a chosen session",
        count="sessions",
        names="modules",
        free_title="Targeted students free",
        count_title="Chosen sessions",
        names_title="Modules",
        marker="chosen session",
        events="{total} chosen sessions in {slots} slots",
    )


def slot_grid_chart(
    table: pd.DataFrame,
    title: str,
    subtitle: str,
    *,
    count: str,
    names: str,
    free_title: str,
    count_title: str,
    names_title: str,
    marker: str,
    events: str,
) -> alt.TopLevelMixin:
    """A day x start-time grid coloured by ``free_students``, with a diamond on every slot
    whose ``count`` is above 0 (and the number when above 1).

    ``table`` has day, day_name, start, time, free_students, ``count``, ``names`` and marker;
    ``events`` words the summary, e.g. ``"{total} groups meet at {slots} times"``.
    """
    days = [DAY_NAMES[d] for d in sorted(table["day"].unique())]
    times = list(dict.fromkeys(table.sort_values("start")["time"]))
    x = alt.X("time:O", sort=times, title="Start time")
    y = alt.Y("day_name:O", sort=days, title="Day")
    tooltip = [
        alt.Tooltip("day_name:N", title="Day"),
        alt.Tooltip("time:N", title="Start"),
        alt.Tooltip("free_students:Q", title=free_title, format=","),
        alt.Tooltip(f"{count}:Q", title=count_title),
        alt.Tooltip(f"{names}:N", title=names_title),
    ]
    cells = (
        alt.Chart()
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            tooltip=tooltip,
            color=alt.Color(
                "free_students:Q", title="Students free", scale=alt.Scale(scheme="viridis")
            ),
        )
    )
    marks = (
        alt.Chart()
        .transform_filter(f"datum.{count} > 0")
        .mark_point(
            filled=True, size=160, fill="white", stroke="black", strokeWidth=1.5, shape="diamond"
        )
        .encode(
            x=x,
            y=y,
            tooltip=tooltip,
            shape=alt.Shape(
                "marker:N", title="", scale=alt.Scale(domain=[marker], range=["diamond"])
            ),
        )
    )
    counts = (
        alt.Chart()
        .transform_filter(f"datum.{count} > 1")
        .mark_text(dx=11, dy=-9, fontSize=10, fontWeight="bold", color="black")
        .encode(x=x, y=y, text=f"{count}:Q")
    )
    best = table.sort_values(["free_students", "day", "start"], ascending=[False, True, True]).iloc[
        0
    ]
    used = table.loc[table[count] > 0]
    listed = "; ".join(
        f"{r['day_name'][:3]} {r['time']} {r[names]}" for _, r in used.head(8).iterrows()
    )
    summary = (
        f"{title}: most free {best['day_name']} {best['time']} "
        f"({best['free_students']:,.0f} students); "
        + events.format(total=int(used[count].sum()), slots=len(used))
        + (f": {listed}" if len(used) else "")
        + ("…" if len(used) > 8 else "")
        + "."
    )
    return alt.layer(cells, marks, counts, data=table).properties(
        title=_title(title, subtitle), description=summary, width=alt.Step(34), height=alt.Step(26)
    )


# ---------------------------------------------------------------------------------------------
# Mentoring: load and match scores


def mentor_load_table(mentor_load: pd.DataFrame) -> pd.DataFrame:
    """Mentors by mentees assigned and capacity, with zero rows so every count shows.

    Columns: assigned, capacity, mentors, label ("3 of 4 places").
    """
    if mentor_load.empty:
        return pd.DataFrame(columns=["assigned", "capacity", "mentors", "label"])
    load = mentor_load.assign(
        assigned=mentor_load["assigned"].astype(int), capacity=mentor_load["capacity"].astype(int)
    )
    counts = load.groupby(["assigned", "capacity"]).size().rename("mentors")
    grid = pd.MultiIndex.from_product(
        [range(0, int(load["capacity"].max()) + 1), sorted(load["capacity"].unique())],
        names=["assigned", "capacity"],
    )
    table = counts.reindex(grid, fill_value=0).reset_index()
    table = table.loc[table["assigned"] <= table["capacity"]]
    table["mentors"] = table["mentors"].astype(int)
    table["label"] = [
        f"{a} of {c} places" for a, c in zip(table["assigned"], table["capacity"], strict=True)
    ]
    return table.sort_values(["assigned", "capacity"]).reset_index(drop=True)


def mentor_load_chart(mentor_load: pd.DataFrame, title: str = "Mentor load") -> alt.TopLevelMixin:
    """How many mentees each mentor has, stacked by the mentor's capacity."""
    table = mentor_load_table(mentor_load)
    if table.empty:
        return _empty_chart(title, "No mentors to show.")
    capacities = [str(c) for c in sorted(table["capacity"].unique())]
    table["capacity_label"] = table["capacity"].astype(str)
    tooltip = [alt.Tooltip("label:N", title="Load"), alt.Tooltip("mentors:Q", title="Mentors")]
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("assigned:O", title="Mentees assigned"),
            y=alt.Y("sum(mentors):Q", title="Mentors"),
            color=alt.Color(
                "capacity_label:N",
                title="Capacity",
                sort=capacities,
                scale=alt.Scale(domain=capacities, range=_palette(len(capacities))),
            ),
            order=alt.Order("capacity:Q"),
            tooltip=tooltip,
        )
    )
    totals = (
        alt.Chart()
        .mark_text(dy=-5, fontSize=10)
        .encode(x=alt.X("assigned:O"), y=alt.Y("sum(mentors):Q"), text=alt.Text("sum(mentors):Q"))
    )
    total = int(table["mentors"].sum())
    idle = int(table.loc[table["assigned"] == 0, "mentors"].sum())
    full = int(table.loc[table["assigned"] == table["capacity"], "mentors"].sum())
    summary = (
        f"{title}: {total} mentors; {idle} without a mentee, {full} at capacity, "
        f"{total - idle - full} with spare places."
    )
    return alt.layer(bars, totals, data=table).properties(
        title=_title(title, "Mentors by mentees assigned; colour: capacity, number: total"),
        description=summary,
        width=alt.Step(40),
        height=240,
    )


def match_score_table(
    matches: pd.DataFrame, bins: int = 10, score_range: tuple[float, float] | None = None
) -> pd.DataFrame:
    """Matched pairs by score band: bin_start, bin_end, label, pairs, median (of all scores).

    Bands split ``score_range`` (for a mentoring result: 0 to the sum of its criterion
    weights) into ``bins`` equal parts; by default 0-1 when every score is at most 1, else 0 to
    the highest score rounded up. The top band includes its upper end.
    """
    scores = matches["score"].astype(float).dropna() if len(matches) else pd.Series(dtype=float)
    if scores.empty:
        return pd.DataFrame(columns=["bin_start", "bin_end", "label", "pairs", "median"])
    if score_range is not None:
        low, high = float(score_range[0]), float(score_range[1])
    else:
        low = min(0.0, float(scores.min()))
        top = float(scores.max())
        high = 1.0 if top <= 1 else float(np.ceil(top))
    if high <= low:
        high = low + 1.0
    edges = np.linspace(low, high, bins + 1)
    index = np.clip(np.searchsorted(edges, scores.to_numpy(), side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    width = (high - low) / bins
    digits = (
        0 if float(width).is_integer() and float(low).is_integer() else (2 if width < 0.1 else 1)
    )
    table = pd.DataFrame(
        {
            "bin_start": edges[:-1],
            "bin_end": edges[1:],
            "pairs": counts.astype(int),
        }
    )
    table["label"] = [
        f"{a:.{digits}f}–{b:.{digits}f}"
        for a, b in zip(table["bin_start"], table["bin_end"], strict=True)
    ]
    table["median"] = float(scores.median())
    return table[["bin_start", "bin_end", "label", "pairs", "median"]]


def match_score_chart(
    matches: pd.DataFrame,
    bins: int = 10,
    score_range: tuple[float, float] | None = None,
    title: str = "Match scores",
) -> alt.TopLevelMixin:
    """Distribution of match scores over the matched pairs (see :func:`match_score_table`)."""
    table = match_score_table(matches, bins, score_range)
    if table.empty:
        return _empty_chart(title, "No matched pairs to show.")
    labels = list(table["label"])
    bars = (
        alt.Chart()
        .mark_bar(color=OKABE_ITO[4])
        .encode(
            x=alt.X("label:O", sort=labels, title="Match score"),
            y=alt.Y("pairs:Q", title="Matched pairs"),
            tooltip=[
                alt.Tooltip("label:N", title="Score band"),
                alt.Tooltip("pairs:Q", title="Pairs"),
            ],
        )
    )
    text = (
        alt.Chart()
        .mark_text(dy=-5, fontSize=10)
        .encode(x=alt.X("label:O", sort=labels), y="pairs:Q", text="pairs:Q")
    )
    median = float(table["median"].iloc[0])
    summary = (
        f"{title}: {int(table['pairs'].sum())} pairs, median score {median:.3g}; "
        f"most pairs in band {table.loc[table['pairs'].idxmax(), 'label']}."
    )
    return alt.layer(bars, text, data=table).properties(
        title=_title(title, f"Median score {median:.3g}"),
        description=summary,
        width=alt.Step(40),
        height=220,
    )


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
    """Coverage and cost against the swept parameter, with the current plan marked."""
    table = sweep_table(sweep, current, param)
    name = param_label or str(table["param"].iloc[0] if len(table) else "value")
    title = title or f"Coverage and cost as {name} changes"
    if table.empty:
        return _empty_chart(title, "No sweep points to show.")
    series = list(dict.fromkeys(table["series"]))
    colour = alt.Color(
        "series:N",
        title="Plan",
        sort=series,
        scale=alt.Scale(domain=series, range=_palette(len(series))),
        legend=None if len(series) == 1 else alt.Legend(orient="bottom"),
    )
    coverage_values = table.loc[table["measure"] == "Coverage", "amount"]
    as_share = len(coverage_values) > 0 and coverage_values.between(0, 1).all()
    panels = []
    for measure, axis_title, fmt in (
        (
            "Coverage",
            "Coverage (share reached)" if as_share else "Coverage (students)",
            ".0%" if as_share else ",.0f",
        ),
        ("Cost", f"Cost per term ({currency})", ",.0f"),
    ):
        if measure not in set(table["measure"]):
            continue
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
        line = base.mark_line(point=True).encode(color=colour)
        now = base.transform_filter(alt.datum.is_current).mark_point(
            shape="diamond", size=220, filled=True, fill="white", stroke="black", strokeWidth=2
        )
        layers = [line, now]
        if current is not None:
            layers.insert(
                0,
                alt.Chart()
                .transform_filter(alt.datum.measure == measure)
                .transform_filter(alt.datum.is_current)
                .mark_rule(strokeDash=[4, 3], color=GREY)
                .encode(x="value:Q"),
            )
        panels.append(alt.layer(*layers).properties(width=420, height=170))
    cov = table.loc[table["measure"] == "Coverage"]
    cost = table.loc[table["measure"] == "Cost"]
    parts = [
        f"{title}: {table['value'].nunique()} points from {table['value'].min():g} to "
        f"{table['value'].max():g}"
    ]
    if len(cov):
        fmt = _pct if as_share else (lambda v: f"{v:,.0f}")
        parts.append(f"coverage {fmt(cov['amount'].min())} to {fmt(cov['amount'].max())}")
    if len(cost):
        parts.append(
            f"cost {currency}{cost['amount'].min():,.0f} to {currency}{cost['amount'].max():,.0f}"
        )
    if current is not None:
        parts.append(f"current plan at {table.loc[table['is_current'], 'value'].iloc[0]:g}")
    return alt.vconcat(*panels, data=table).properties(
        title=_title(
            title, "Diamond and dashed line: the current plan" if current is not None else None
        ),
        description="; ".join(parts) + ".",
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
    :func:`workbench.outcomes.costs.cost_per_student_table`)."""
    table = cost_per_student_chart_table(costs)
    if table.empty:
        return _empty_chart(title, "No plan reaches any student yet.")
    table["text"] = table["per_student_reached"].map(lambda v: f"{currency}{v:,.2f}")
    labels = list(table["label"])
    schemes = list(dict.fromkeys(table["scheme"]))
    tooltip = [
        alt.Tooltip("label:N", title="Plan"),
        alt.Tooltip("scheme:N", title="Scheme"),
        alt.Tooltip("total:Q", title=f"Total ({currency})", format=",.0f"),
        alt.Tooltip("students_reached:Q", title="Students reached", format=","),
        alt.Tooltip("per_student_reached:Q", title=f"Per student ({currency})", format=",.2f"),
    ]
    y = alt.Y("label:N", sort=labels, title="Plan")
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("per_student_reached:Q", title=f"Cost per student reached ({currency})"),
            color=alt.Color(
                "scheme:N",
                title="Scheme",
                sort=schemes,
                scale=alt.Scale(domain=schemes, range=_palette(len(schemes))),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=3, fontSize=10)
        .encode(y=y, x="per_student_reached:Q", text="text:N")
    )
    summary = (
        f"{title}: "
        + "; ".join(
            f"{r.label} {r.text} ({r.students_reached:,} students)" for r in table.itertuples()
        )
        + "."
    )
    return alt.layer(bars, text, data=table).properties(
        title=_title(title), description=summary, width=380, height=alt.Step(22)
    )
