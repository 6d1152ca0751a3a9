"""The printable report of a scenario: one self-contained HTML page.

Everything is inline: the CSS, the charts (PNG rendered offline, base64 ``data:`` images with
their text alternative), the tables. No script, font, stylesheet or image is fetched from
anywhere, and a Content-Security-Policy says so to the browser. Every value from the cohort,
the settings or the coordinator is HTML-escaped.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from workbench import __version__
from workbench.cohort.names import named
from workbench.outcomes import charts as ch
from workbench.outcomes.charts import chart_table, describe, render_png
from workbench.outcomes.costs import CostRates, cost_per_student_table, rates_table
from workbench.outcomes.coverage import Assumptions, assumptions_table
from workbench.review.export import parameters_table
from workbench.review.html import (
    CSP,
    CSS,
    PLAN_COLUMNS,
    _figure_text,
    esc,
    html_table,
)
from workbench.review.words import column_words
from workbench.schemes import registry
from workbench.schemes.registry import figure_labels, scheme_name
from workbench.term.evaluation import impact_of
from workbench.volunteers.overview import volunteer_overview


@dataclass
class ScenarioAnalysis:
    """Coverage, cost and charts of a scenario, rebuilt from its stored tables."""

    coverage: Any = None  # workbench.outcomes.coverage.CoverageReport
    cost: Any = None  # workbench.outcomes.costs.CostBreakdown
    charts: list[tuple[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def result_view(scenario: Any) -> SimpleNamespace:
    """The scenario's result tables as an object the coverage and cost functions accept."""
    return SimpleNamespace(**scenario.results)


def analyse(scenario: Any, charts: bool = True) -> ScenarioAnalysis:
    """Coverage report, cost breakdown and the charts of a scenario (problems noted, not
    raised, so a report always renders)."""
    out = ScenarioAnalysis()
    view = result_view(scenario)
    try:
        assumptions = Assumptions.model_validate(scenario.assumptions or {})
    except ValueError as exc:
        out.problems.append(f"assumptions not valid, defaults used ({exc})")
        assumptions = Assumptions()
    try:
        rates = CostRates.model_validate(scenario.cost_rates or {})
    except ValueError as exc:
        out.problems.append(f"cost rates not valid, defaults used ({exc})")
        rates = CostRates()
    try:
        out.coverage = (
            registry.coverage_report(view, scenario.cohort(), assumptions, scheme=scenario.scheme)
            if _has_reach(scenario)
            else None
        )
    except Exception as exc:  # noqa: BLE001 (the report still renders)
        out.problems.append(f"coverage could not be computed ({type(exc).__name__}: {exc})")
    try:
        out.cost = registry.get(scenario.scheme).cost(view, rates, assumptions)
    except Exception as exc:  # noqa: BLE001
        out.problems.append(f"cost could not be computed ({type(exc).__name__}: {exc})")
    if charts:
        out.charts = _charts(scenario, out, rates)
    return out


def _has_reach(scenario: Any) -> bool:
    needed = registry.get(scenario.scheme).reach_tables
    return all(n in scenario.results for n in needed)


def _charts(scenario: Any, analysis: ScenarioAnalysis, rates: Any) -> list[tuple[str, Any]]:
    made: list[tuple[str, Any]] = []

    def add(name: str, build: Any) -> None:
        try:
            made.append((name, build()))
        except Exception as exc:  # noqa: BLE001 (one chart failing leaves the others)
            analysis.problems.append(
                f"chart '{name}' could not be drawn ({type(exc).__name__}: {exc})"
            )

    scheme = registry.get(scenario.scheme)
    cov = analysis.coverage
    if cov is not None:
        labels = cov.measure_labels
        add("Coverage by programme", lambda: ch.coverage_by_programme_chart(cov.table, labels))
        for name, build in scheme.coverage_charts(cov.table, labels):
            add(name, build)
        add("Reach by student group", lambda: ch.equity_chart(cov.equity))
    for name, build in scheme.plan_charts(scenario.results, scenario.settings_model):
        add(name, build)
    if analysis.cost is not None and analysis.cost.students_reached:
        add(
            "Cost per student reached",
            lambda: ch.cost_per_student_chart(
                cost_per_student_table(
                    [analysis.cost],
                    [scenario.name],
                    [scheme_name(scenario.scheme, scenario.settings)],
                ),
                rates.currency,
            ),
        )
    return made


# ------------------------------------------------------------------------------ the page


def verdict_text(summary: dict) -> str:
    """The plan's one-sentence verdict (older saved plans: built from their figures)."""
    headline = summary.get("headline")
    if headline:
        return str(headline)
    reached, eligible = summary.get("reached"), summary.get("eligible")
    if isinstance(reached, int) and isinstance(eligible, int) and eligible:
        return f"Reaches {reached:,} of {eligible:,} ({reached / eligible:.0%})."
    return "This plan has no verdict yet: solve it again to get one."


def fix_lines(summary: dict) -> list[str]:
    """The plan's measured fixes in words ("Recruit ...: +27 student-module places")."""
    lines = []
    for fix in summary.get("fixes") or []:
        lines.append(
            str(fix.get("text") or fix.get("action")) if isinstance(fix, dict) else str(fix)
        )
    return lines


def _headline_section(scenario: Any, analysis: ScenarioAnalysis, currency: str) -> str:
    summary = scenario.summary
    level = str(summary.get("verdict") or "")
    parts = [
        '<section id="headline"><h2>Verdict</h2>',
        f'<p class="verdict {esc(level)}"><strong>{esc(verdict_text(summary))}</strong></p>',
    ]
    fixes = fix_lines(summary)
    if fixes:
        parts.append(
            '<h3>What would help</h3><p class="small">Each change was tried by planning again '
            "with it; the number is how many more the plan then reaches.</p><ul>"
            + "".join(f"<li>{esc(line)}</li>" for line in fixes)
            + "</ul>"
        )
    cards = []
    for key, label in figure_labels(scenario.scheme):
        if key == "status" or key not in summary:
            continue
        text = _figure_text(key, summary[key], currency)
        cards.append(
            f'<div class="figure"><div class="value">{esc(text)}</div>'
            f'<div class="label">{esc(label)}</div></div>'
        )
    parts.append("<h3>Headline figures</h3>")
    if cards:
        parts.append('<div class="figures">' + "".join(cards) + "</div>")
    if analysis.coverage is not None:
        with contextlib.suppress(Exception):  # the sentence is optional
            parts.append(f"<p>{esc(analysis.coverage.headline())}</p>")
    parts.append("</section>")
    return "".join(parts)


def _how_solved_section(scenario: Any) -> str:
    """The method, the solver's own outcome and every raw setting, collapsed."""
    status = scenario.status or {}
    rows = [
        ("Outcome", scenario.status_label),
        ("Solver", status.get("solver")),
        ("Gap to the best possible", status.get("gap")),
        ("Best possible (bound)", status.get("bound")),
        ("Seconds", status.get("seconds")),
    ]
    table = pd.DataFrame(
        [(k, v) for k, v in rows if v not in (None, "")], columns=["what", "value"]
    )
    messages = list(status.get("messages") or [])
    settings = parameters_table(scenario)
    settings = settings.loc[settings["kind"] == "setting", ["parameter", "value"]]
    return (
        '<section id="how-solved"><details><summary><h2>How this was solved</h2></summary>'
        + html_table(table, "The solve")
        + "".join(f'<p class="small">{esc(m)}</p>' for m in messages)
        + html_table(settings, f"{scheme_name(scenario.scheme, scenario.settings)} settings")
        + "</details></section>"
    )


def _chart_section(analysis: ScenarioAnalysis) -> str:
    parts = ['<section id="charts"><h2>Charts</h2>']
    drawn = 0
    for name, chart in analysis.charts:
        try:
            png = render_png(chart, scale=1.5)
        except Exception as exc:  # noqa: BLE001 (renderer problem: keep the table)
            analysis.problems.append(f"chart '{name}' could not be rendered ({exc})")
            png = None
        alt_text = describe(chart) or name
        parts.append("<figure>")
        if png:
            encoded = base64.b64encode(png).decode("ascii")
            parts.append(f'<img src="data:image/png;base64,{encoded}" alt="{esc(alt_text)}">')
            drawn += 1
        parts.append(f"<figcaption>{esc(alt_text)}</figcaption>")
        try:
            data = chart_table(chart)  # the chart's headers and formatting
            if len(data) <= 40:
                parts.append(
                    f'<details><summary class="small">The numbers behind "{esc(name)}"'
                    f"</summary>{html_table(data, max_rows=40)}</details>"
                )
        except ValueError:
            pass
        parts.append("</figure>")
    if not analysis.charts:
        return ""
    parts.append("</section>")
    return "".join(parts)


PEOPLE_LEFT_OUT = (
    '<section id="plan"><h2>The plan</h2><p class="small">The lists of students in this plan '
    "are left out of this copy; the scheme coordinator can share them with you.</p></section>"
)


def _plan_section(scenario: Any) -> str:
    students = (getattr(scenario, "cohort_tables", None) or {}).get("students")
    results = {name: named(frame, students) for name, frame in scenario.results.items()}
    parts = ['<section id="plan"><h2>The plan</h2>']
    for part in registry.get(scenario.scheme).plan_view(results, PLAN_COLUMNS):
        parts.append(html_table(part.frame, part.title, columns=part.columns, formats=part.formats))
    known = {
        "matches",
        "unmatched",
        "sessions",
        "coverage",
        "groups",
        "unplaced",
        "reach",
        "mentor_load",
        "free_by_slot",
        "group_scores",
    }
    for name, frame in results.items():
        if name not in known and len(frame) <= 200:
            parts.append(html_table(frame, name.replace("_", " ").capitalize()))
    parts.append("</section>")
    return "".join(parts)


def _coverage_section(analysis: ScenarioAnalysis) -> str:
    cov = analysis.coverage
    if cov is None:
        return ""
    parts = ['<section id="coverage"><h2>Who the plan reaches</h2>']
    cols = ["group", "population", "reached", "reach_share", "expected_share"]
    fmt = {"reach_share": ".1%", "expected_share": ".1%", "expected_regular_share": ".1%"}
    for dimension in dict.fromkeys(cov.table["dimension"]):
        if dimension == "overall":
            continue
        rows = cov.by(dimension)
        label = rows["dimension_label"].iloc[0] if len(rows) else dimension
        extra = ["expected_regular_share"] if "expected_regular_share" in rows else []
        parts.append(
            html_table(
                rows, f"By {str(label).lower()}", columns=cols + extra, formats=fmt, max_rows=200
            )
        )
    below = cov.equity.loc[cov.equity["below_average"] & ~cov.equity["small"]]
    if len(below):
        parts.append("<h3>Groups reached less than the cohort average</h3><ul>")
        parts += [f"<li>{esc(note)}</li>" for note in below["note"].head(20)]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _cost_section(analysis: ScenarioAnalysis, currency: str) -> str:
    if analysis.cost is None:
        return ""
    table = analysis.cost.table()
    return (
        '<section id="cost"><h2>Cost per term</h2>'
        + html_table(
            table,
            f"Cost line by line ({currency})",
            formats={"hours": ",.1f", "rate": ",.2f", "cost": ",.2f"},
        )
        + "</section>"
    )


def _volunteers_section(scenario: Any, people: bool = True) -> str:
    """The mentors and PASS leaders: training, supervision and hours (none for groups);
    without ``people``, the counts only (no table of volunteers by name)."""
    try:
        overview = volunteer_overview(scenario.cohort(), scenario.results)
    except (ValueError, KeyError) as exc:
        return (
            f'<section id="volunteers"><h2>Volunteers</h2><p>Not counted: {esc(exc)}</p></section>'
        )
    if overview is None:
        return ""
    lines = "".join(f"<p>{esc(line)}</p>" for line in overview.lines)
    if not people:
        return f'<section id="volunteers"><h2>Volunteers</h2>{lines}</section>'
    table = html_table(
        overview.hours,
        "Hours per volunteer (those with hours)",
        columns=[
            "name",
            "role",
            "training_hours",
            "session_hours",
            "prep_hours",
            "meeting_hours",
            "total_hours",
        ],
        formats={
            c: ",.1f"
            for c in (
                "training_hours",
                "session_hours",
                "prep_hours",
                "meeting_hours",
                "total_hours",
            )
        },
    )
    return f'<section id="volunteers"><h2>Volunteers</h2>{lines}{table}</section>'


def _impact_section(scenario: Any) -> str:
    """Impact: the SI table by attendance band and the adjusted estimate, when the cohort has
    the term's registers and results (or progression for mentoring)."""
    spec = registry.get(scenario.scheme).evaluation
    if spec is None:
        return ""
    try:
        impact = impact_of(scenario.cohort(), scenario.scheme)
    except ValueError as exc:
        return f'<section id="impact"><h2>Impact</h2><p>Not estimated: {esc(exc)}</p></section>'
    if impact is None:
        return ""
    effect = impact.effect
    who = spec.attenders
    parts = [
        '<section id="impact"><h2>Impact</h2>',
        f"<p><strong>{esc(effect.sentence)}</strong></p>",
        f"<p>{esc(effect.dfw_sentence)}</p>",
        f"<p>{effect.attenders:,} {esc(who)} and {effect.non_attenders:,} others. Attenders "
        "are often the better-prepared students, so the raw difference"
        + (
            f" ({effect.naive_difference:+.1f})"
            if effect.naive_difference is not None and spec.outcome == "mark"
            else ""
        )
        + " overstates the effect; the estimate allows for "
        + esc(", ".join(column_words(c).lower() for c in effect.adjusted_for) or "nothing")
        + ".</p>",
        html_table(
            impact.bands,
            "Results by attendance band (sessions attended); DFW: D, fail or withdrawn",
            formats={c: ".0%" for c in impact.bands.columns if c.endswith("_rate")},
        ),
    ]
    if effect.groups:
        parts.append(html_table(pd.DataFrame(effect.groups), "The estimate by student group"))
    parts.append(
        '<details><summary>How this was estimated</summary><p class="small">Least squares '
        f"with robust standard errors clustered by {esc(column_words(effect.clustered_by).lower())} "
        f"({effect.clusters} clusters); a 95% confidence interval.</p></details></section>"
    )
    return "".join(parts)


def _assumptions_section(scenario: Any) -> str:
    parts = ['<section id="assumptions"><h2>Assumptions and rates</h2>']
    try:
        table = assumptions_table(Assumptions.model_validate(scenario.assumptions or {}))
        parts.append(
            html_table(
                table,
                "Uptake assumptions (with their sources)",
                columns=["meaning", "value", "default", "source"],
            )
        )
    except Exception:  # noqa: BLE001 (fall back to the raw values)
        parts.append(
            html_table(
                pd.DataFrame(list(scenario.assumptions.items()), columns=["parameter", "value"]),
                "Assumptions",
            )
        )
    try:
        table = rates_table(CostRates.model_validate(scenario.cost_rates or {}))
        parts.append(html_table(table, "Cost rates", columns=["meaning", "value", "default"]))
    except Exception:  # noqa: BLE001
        parts.append(
            html_table(
                pd.DataFrame(list(scenario.cost_rates.items()), columns=["parameter", "value"]),
                "Cost rates",
            )
        )
    parts.append("</section>")
    return "".join(parts)


def render_report(
    scenario: Any, charts: bool = True, whatifs: Sequence[str] = (), people: bool = True
) -> str:
    """The scenario as one printable, self-contained HTML page (a string).

    ``whatifs`` are what-if answers about this plan, one sentence each (the What-if page's).
    ``people=False`` leaves out the plan's lists of students (for a viewer the coordinator has
    not shown them to); every figure, chart and table of counts stays."""
    analysis = analyse(scenario, charts=charts)
    currency = str((scenario.cost_rates or {}).get("currency") or "£")
    scheme = scheme_name(scenario.scheme, scenario.settings)
    counts = {name: len(frame) for name, frame in scenario.cohort_tables.items()}
    generated = dt.datetime.now().strftime("%d %B %Y, %H:%M")
    body = [
        f"<header><h1>{esc(scenario.name)}</h1>",
        f'<p class="meta">{esc(scheme)} · cohort <strong>{esc(scenario.cohort_name)}</strong> '
        f"({counts.get('students', 0):,} students) · updated {esc(_when(scenario.updated))}</p>",
        "</header>",
    ]
    body.append(_headline_section(scenario, analysis, currency))
    if whatifs:
        body.append(
            '<section id="whatif"><h2>What if</h2><ul>'
            + "".join(f"<li>{esc(s)}</li>" for s in whatifs)
            + "</ul></section>"
        )
    body.append(
        '<section id="notes"><h2>Coordinator\'s notes</h2>'
        + (
            f'<div class="notes">{esc(scenario.notes)}</div>'
            if scenario.notes.strip()
            else '<p class="small">No notes.</p>'
        )
        + "</section>"
    )
    if charts:
        body.append(_chart_section(analysis))
    body.append(_plan_section(scenario) if people else PEOPLE_LEFT_OUT)
    body.append(_coverage_section(analysis))
    body.append(_cost_section(analysis, currency))
    body.append(_volunteers_section(scenario, people))
    body.append(_impact_section(scenario))
    body.append(_assumptions_section(scenario))
    body.append(_how_solved_section(scenario))
    if analysis.problems:
        body.append(
            '<section id="problems"><h2>Left out of this report</h2><ul>'
            + "".join(f"<li>{esc(p)}</li>" for p in analysis.problems)
            + "</ul></section>"
        )
    body.append(
        f"<footer>Peer-support planning workbench {esc(__version__)} · report made "
        f"{esc(generated)} · scenario id {esc(scenario.id)}. Figures marked expected "
        "apply the uptake assumptions listed above.</footer>"
    )
    title = f"{scenario.name} – {scheme}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="peer-support-workbench {esc(__version__)}">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _when(iso: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return moment.strftime("%d %B %Y, %H:%M UTC" if moment.tzinfo else "%d %B %Y, %H:%M")


def write_report(scenario: Any, path: Any, charts: bool = True, whatifs: Sequence[str] = ()) -> Any:
    """Write :func:`render_report` to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(scenario, charts=charts, whatifs=whatifs), encoding="utf-8")
    return path
