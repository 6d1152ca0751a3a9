"""The printable pages' HTML: the style sheet, the content policy, escaping and tables.

Every value is escaped (:func:`esc`); a table cell that a spreadsheet would read as a formula is
shown as text. Used by the plan report and the options report.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from workbench.review.words import column_words

MAX_ROWS = 1000  # rows per table in the printed report; the CSV export has them all

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: #1a1a1a; background: #fff; margin: 0; line-height: 1.45;
       font-size: 11pt; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; border-bottom: 2px solid #0072B2; padding-bottom: 3px;
     margin: 28px 0 10px; }
h3 { font-size: 1.05em; margin: 18px 0 6px; }
p.meta { color: #444; margin: 0 0 12px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; border: 1px solid #888;
          font-weight: 600; }
.status.ok { background: #e6f4ea; border-color: #009E73; }
.status.warn { background: #fff4e0; border-color: #E69F00; }
.status.bad { background: #fde8e4; border-color: #D55E00; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
           gap: 8px; margin: 8px 0 12px; }
.figure { border: 1px solid #ccc; border-radius: 6px; padding: 8px 10px; }
.figure .value { font-size: 1.35em; font-weight: 700; }
.figure .label { color: #444; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 12px 0 18px; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { color: #333; font-size: 0.9em; margin-top: 4px; }
.notes { white-space: pre-wrap; border-left: 4px solid #E69F00; padding: 6px 12px;
         background: #fffaf0; }
.small { color: #555; font-size: 0.85em; }
footer { margin-top: 36px; color: #555; font-size: 0.85em; border-top: 1px solid #ccc;
         padding-top: 8px; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table { page-break-inside: auto; }
  tr { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  section { page-break-before: auto; }
}
@page { margin: 16mm 14mm; }
"""

CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'none'; "
    "script-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
)

PLAN_COLUMNS = {
    "matches": [
        "mentee_id",
        "mentee",
        "mentee_programme",
        "mentee_level",
        "mentor_id",
        "mentor",
        "mentor_programme",
        "mentor_level",
        "score",
        "locked",
        "why",
        "explanation",
    ],
    "unmatched": ["mentee_id", "mentee", "programme", "level", "reason"],
    "sessions": [
        "module_code",
        "module_name",
        "day_name",
        "day",
        "time",
        "start",
        "end",
        "room_id",
        "leader_id",
        "leader",
        "seats",
        "capacity",
        "free_students",
        "reached",
        "students",
    ],
}
SHARE_KEYS = {"coverage", "expected_coverage"}
MONEY_KEYS = {"cost", "cost_per_student_reached", "budget"}


def esc(value: Any) -> str:
    """Any value as escaped HTML text."""
    return html.escape(_plain(value), quote=True)


def _plain(value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (tuple, list, set, frozenset)):
        return ", ".join(_plain(v) for v in value)
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return _plain(value.item())
        except (ValueError, AttributeError):
            pass
    return str(value)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        or (hasattr(value, "dtype") and pd.api.types.is_number(value))
    )


def html_table(
    frame: pd.DataFrame,
    caption: str = "",
    max_rows: int = MAX_ROWS,
    columns: list[str] | None = None,
    formats: dict[str, str] | None = None,
) -> str:
    """A table as escaped HTML; numbers right-aligned; long tables cut with a note."""
    if columns:
        chosen = [c for c in columns if c in frame.columns]
        frame = frame[chosen] if chosen else frame
    formats = formats or {}
    shown = frame.head(max_rows)
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append(
        "<thead><tr>"
        + "".join(f'<th scope="col">{esc(column_words(c))}</th>' for c in shown.columns)
        + "</tr></thead><tbody>"
    )
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(shown.columns, row, strict=True):
            fmt = formats.get(str(col))
            if fmt and _is_number(value) and not pd.isna(value):
                text = html.escape(format(value, fmt))
            else:
                text = esc(value)
            klass = ' class="num"' if _is_number(value) else ""
            cells.append(f"<td{klass}>{text}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    if len(frame) > max_rows:
        parts.append(
            f'<p class="small">First {max_rows:,} of {len(frame):,} rows; the CSV '
            "and Excel exports have every row.</p>"
        )
    if frame.empty:
        parts.append('<p class="small">No rows.</p>')
    return "".join(parts)


# ------------------------------------------------------------------------------ analysis


def _status_class(status: str) -> str:
    return {"optimal": "ok", "feasible": "warn"}.get(status, "bad")


def _figure_text(key: str, value: Any, currency: str) -> str:
    if value is None:
        return "–"
    if key in SHARE_KEYS and _is_number(value):
        return f"{float(value):.1%}"
    if key in MONEY_KEYS and _is_number(value):
        return (
            f"{currency}{float(value):,.2f}"
            if key == "cost_per_student_reached"
            else f"{currency}{float(value):,.0f}"
        )
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return _plain(value)
