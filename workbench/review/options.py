"""The options report for a head of department: two to four saved plans side by side.

Each plan's figures are its own stored figures (the scenario's summary, written by
:func:`workbench.schemes.registry.plan_summary` when it was solved), so the page says what the
app, the plan's own report and ``summary.json`` say. The largest equity gap comes from the
plan's coverage report. :func:`best_plan` names the plan that suits a budget or a coverage
target the coordinator gives, and says why in one sentence.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import __version__
from workbench.review.html import CSP, CSS, esc
from workbench.review.report import analyse
from workbench.review.words import money
from workbench.schemes import registry
from workbench.schemes.registry import scheme_name

MIN_PLANS, MAX_PLANS = 2, 4

ROWS: list[tuple[str, str]] = [
    ("scheme", "Scheme"),
    ("verdict", "Verdict"),
    ("reach", "Reach"),
    ("coverage", "Coverage"),
    ("expected_students", "Students expected to take it up"),
    ("cost", "Cost per term"),
    ("cost_per_student_reached", "Cost per student reached"),
    ("volunteers_needed", "Volunteers needed"),
    ("equity_gap", "Largest equity gap"),
]


@dataclass
class PlanOption:
    """One plan's figures as the options page shows them."""

    name: str
    scheme: str
    scheme_name: str
    status: str
    verdict: str
    reached: int
    eligible: int
    unit: str
    coverage: float | None
    students_reached: int
    expected_students: float | None
    cost: float | None
    cost_per_student_reached: float | None
    volunteers_needed: int | None
    volunteers_word: str
    equity_gap_pp: float | None  # percentage points below the plan's average (negative)
    equity_group: str
    currency: str = "£"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def _equity(scenario: Any) -> tuple[float | None, str, str]:
    """(gap in points, group, the plan's coverage sentence) from its coverage report."""
    try:
        coverage = analyse(scenario, charts=False).coverage
    except Exception:  # noqa: BLE001 (a plan without reach tables has no equity figures)
        coverage = None
    if coverage is None:
        return None, "", ""
    equity = coverage.equity
    below = equity.loc[equity["below_average"] & ~equity["small"]]
    if not len(below):
        return 0.0, "", coverage.headline()
    worst = below.iloc[0]
    return (
        float(worst["gap_pp"]),
        f"{worst['dimension_label']}: {worst['group']}",
        (coverage.headline()),
    )


def plan_option(scenario: Any) -> PlanOption:
    """A saved plan's figures for the options page (from its stored summary)."""
    s = scenario.summary or {}
    gap, group, coverage_sentence = _equity(scenario)
    status = str((scenario.status or {}).get("status") or s.get("status") or "not solved")
    verdict = str(s.get("headline") or coverage_sentence or scenario.status_label)
    # The stored figure counting the volunteers the plan needs (the ones it uses).
    entry = registry.get(scenario.scheme)
    needed = _number(s.get(entry.volunteers_figure)) if entry.volunteers_figure else None
    return PlanOption(
        name=str(scenario.name),
        scheme=scenario.scheme,
        scheme_name=scheme_name(scenario.scheme, scenario.settings),
        status=status,
        verdict=verdict,
        reached=int(s.get("reached") or 0),
        eligible=int(s.get("eligible") or 0),
        unit=entry.unit,
        coverage=_number(s.get("coverage")),
        students_reached=int(s.get("students_reached") or 0),
        expected_students=_number(s.get("expected_students")),
        cost=_number(s.get("cost")),
        cost_per_student_reached=_number(s.get("cost_per_student_reached")),
        volunteers_needed=None if needed is None else int(needed),
        volunteers_word=entry.volunteers_word,
        equity_gap_pp=gap,
        equity_group=group,
        currency=str((scenario.cost_rates or {}).get("currency") or "£"),
    )


def plan_options(scenarios: Sequence[Any]) -> list[PlanOption]:
    """Two to four plans' options (raises ValueError otherwise)."""
    if not MIN_PLANS <= len(scenarios) <= MAX_PLANS:
        raise ValueError(
            f"an options report compares {MIN_PLANS} to {MAX_PLANS} plans (got {len(scenarios)})"
        )
    return [plan_option(s) for s in scenarios]


# ------------------------------------------------------------------------------ the choice


def best_plan(
    options: Sequence[PlanOption], budget: float | None = None, target: float | None = None
) -> tuple[int | None, str]:
    """Which plan suits a budget (money per term) and/or a coverage target (0-1), and why.

    Within the budget, the plan that reaches the most students (the cheaper on a tie); with a
    target, the cheapest plan that reaches it; with both, the cheapest plan that does both.
    Returns (index or None, the reason in one sentence).
    """
    if budget is None and target is None:
        return None, ""
    if target is not None and not 0.0 < target <= 1.0:
        raise ValueError("a coverage target is a share between 0 and 1 (e.g. 0.8)")
    if budget is not None and budget < 0:
        raise ValueError("a budget cannot be negative")
    currency = options[0].currency if options else "£"
    fits = [
        i
        for i, o in enumerate(options)
        if o.status not in ("infeasible", "error", "not solved")
        and (budget is None or (o.cost is not None and o.cost <= budget + 1e-9))
        and (target is None or (o.coverage is not None and o.coverage >= target - 1e-9))
    ]
    asked = " and ".join(
        p
        for p in (
            f"a budget of {money(budget, currency)}" if budget is not None else "",
            f"coverage of at least {target:.0%}" if target is not None else "",
        )
        if p
    )
    if not fits:
        return None, _nothing_fits(options, budget, target, asked)
    if target is not None:
        best = min(fits, key=lambda i: (options[i].cost or 0.0, -options[i].students_reached))
        o = options[best]
        return best, (
            f"For {asked}: {o.name} ({o.scheme_name}), the cheapest plan that reaches it: "
            f"{_pct(o.coverage)} coverage for {money(o.cost, currency)} per term."
        )
    best = max(fits, key=lambda i: (options[i].students_reached, -(options[i].cost or 0.0)))
    o = options[best]
    return best, (
        f"For {asked}: {o.name} ({o.scheme_name}) reaches the most students within it: "
        f"{o.students_reached:,} students for {money(o.cost, currency)} per term."
    )


def _nothing_fits(
    options: Sequence[PlanOption], budget: float | None, target: float | None, asked: str
) -> str:
    currency = options[0].currency if options else "£"
    costed = [o for o in options if o.cost is not None]
    covered = [o for o in options if o.coverage is not None]
    if budget is not None and costed and min(o.cost for o in costed) > budget + 1e-9:
        cheapest = min(costed, key=lambda o: o.cost)
        return (
            f"No plan fits {asked}: the cheapest, {cheapest.name}, costs "
            f"{money(cheapest.cost, currency)} per term."
        )
    if covered:
        widest = max(covered, key=lambda o: o.coverage)
        return (
            f"No plan meets {asked}: the widest reach is {widest.name} at "
            f"{_pct(widest.coverage)} coverage for {money(widest.cost, currency)}."
        )
    return f"No plan meets {asked}."


# ------------------------------------------------------------------------------ the page


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _cell(key: str, o: PlanOption) -> str:
    if key == "scheme":
        return o.scheme_name
    if key == "verdict":
        return o.verdict
    if key == "reach":
        return f"{o.reached:,} of {o.eligible:,} {o.unit} ({o.students_reached:,} students)"
    if key == "coverage":
        return _pct(o.coverage)
    if key == "expected_students":
        return "n/a" if o.expected_students is None else f"about {o.expected_students:,.0f}"
    if key == "cost":
        return money(o.cost, o.currency)
    if key == "cost_per_student_reached":
        return money(o.cost_per_student_reached, o.currency, pence=True)
    if key == "volunteers_needed":
        if o.volunteers_needed is None:
            return "none"
        return f"{o.volunteers_needed:,} {o.volunteers_word}"
    if key == "equity_gap":
        if o.equity_gap_pp is None:
            return "n/a"
        if not o.equity_group:
            return "no group reached less than the average"
        return f"{o.equity_group}, {abs(o.equity_gap_pp):.1f} points below the plan's average"
    raise KeyError(key)


def options_table(options: Sequence[PlanOption]) -> pd.DataFrame:
    """The options side by side as text: one row per figure, one column per plan."""
    names = _unique([o.name for o in options])
    rows = [
        {"Figure": label, **{n: _cell(key, o) for n, o in zip(names, options, strict=True)}}
        for key, label in ROWS
    ]
    return pd.DataFrame(rows)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


PAGE_CSS = """
main { max-width: none; }
table.options { table-layout: fixed; width: 100%; }
table.options col.figure { width: 18%; }
table.options th[scope="row"] { text-align: left; }
table.options td { vertical-align: top; }
td.best, th.best { background: #e8f4fb; }
.choice { border-left: 4px solid #0072B2; padding: 6px 12px; background: #f2f8fc; }
@media print { @page { size: A4 landscape; margin: 12mm; } body { font-size: 9.5pt; } }
"""


def render_options(
    scenarios: Sequence[Any],
    budget: float | None = None,
    target: float | None = None,
    title: str = "Options for peer support",
) -> str:
    """Two to four saved plans side by side on one printable, self-contained HTML page."""
    options = plan_options(scenarios)
    best, why = best_plan(options, budget, target)
    names = _unique([o.name for o in options])

    def mark(i: int) -> str:
        return ' class="best"' if best == i else ""

    head = "".join(
        f'<th scope="col"{mark(i)}>{esc(n)}' + (" (best fit)" if best == i else "") + "</th>"
        for i, n in enumerate(names)
    )
    body_rows = []
    for key, label in ROWS:
        cells = "".join(f"<td{mark(i)}>{esc(_cell(key, o))}</td>" for i, o in enumerate(options))
        body_rows.append(f'<tr><th scope="row">{esc(label)}</th>{cells}</tr>')
    cohorts = sorted({str(getattr(s, "cohort_name", "")) for s in scenarios} - {""})
    generated = dt.datetime.now().strftime("%d %B %Y, %H:%M")
    parts = [
        f"<header><h1>{esc(title)}</h1>",
        f'<p class="meta">{len(options)} plans compared'
        + (f" · cohort {esc(', '.join(cohorts))}" if cohorts else "")
        + "</p></header>",
    ]
    if why:
        parts.append(f'<section id="choice"><p class="choice">{esc(why)}</p></section>')
    parts.append(
        '<section id="options"><table class="options"><caption>Each plan\'s own figures, '
        "side by side</caption>"
        '<colgroup><col class="figure">' + '<col class="plan">' * len(options) + "</colgroup>"
        f'<thead><tr><th scope="col">Figure</th>{head}</tr></thead>'
        f"<tbody>{''.join(body_rows)}</tbody></table></section>"
    )
    units = ", ".join(dict.fromkeys(entry.unit for entry in registry.SCHEMES.values()))
    parts.append(
        f'<p class="small">Reach counts what each scheme is for ({esc(units)}); students '
        "expected to take it up apply each plan's uptake assumptions. The largest equity gap is "
        "the student group (big enough to compare) reached furthest below the plan's own "
        "average.</p>"
    )
    parts.append(
        f"<footer>Peer-support planning workbench {esc(__version__)} · made {esc(generated)} · "
        + esc(", ".join(str(getattr(s, "id", "")) for s in scenarios))
        + "</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}{PAGE_CSS}</style></head>"
        f"<body><main>{''.join(parts)}</main></body></html>\n"
    )


def write_options(
    scenarios: Sequence[Any],
    path: str | Path,
    budget: float | None = None,
    target: float | None = None,
) -> Path:
    """Write :func:`render_options` to ``path`` (.html)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_options(scenarios, budget, target), encoding="utf-8")
    return out
