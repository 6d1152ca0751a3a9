"""Charts sized to the column they are shown in, with every label, title and legend readable.

:func:`fit_to_column` takes a chart's Vega-Lite spec (as the app shows it) and makes a single
or layered chart as wide as its column (``width: "container"`` with ``autosize: fit``), keeps
each panel of a stacked chart within :data:`PANEL_MAX` pixels, and raises Vega's default label
and title limits (180 px for axis labels, 200 for titles) so no label, axis title or legend is
cut to "Electronic Engine…". The report keeps its own fixed sizes (it is printed, not laid out
in columns).
"""

from __future__ import annotations

import copy
from typing import Any

PANEL_MAX = 560  # px: a stacked panel fits the content column at 1,280 px with its axis titles
LABEL_LIMIT = 360  # px for axis and legend labels (about 55 characters at 11 px)
TITLE_LIMIT = 600  # px for axis, legend and chart titles

LIMITS: dict[str, dict[str, int]] = {
    "axis": {"labelLimit": LABEL_LIMIT, "titleLimit": TITLE_LIMIT},
    "legend": {"labelLimit": LABEL_LIMIT, "titleLimit": TITLE_LIMIT},
    "title": {"limit": TITLE_LIMIT},
}


def _limits(config: dict[str, Any]) -> dict[str, Any]:
    out = dict(config)
    for part, values in LIMITS.items():
        merged = dict(out.get(part) or {})
        for key, value in values.items():
            merged[key] = max(int(merged.get(key) or 0), value)
        out[part] = merged
    return out


def _axis_limits(node: Any) -> None:
    """Raise explicit labelLimit / titleLimit set on encodings' axes and legends."""
    if isinstance(node, dict):
        for key in ("axis", "legend"):
            inner = node.get(key)
            if isinstance(inner, dict):
                for limit in ("labelLimit", "titleLimit"):
                    if limit in inner and inner[limit] is not None:
                        wanted = LABEL_LIMIT if limit == "labelLimit" else TITLE_LIMIT
                        inner[limit] = max(int(inner[limit]), wanted)
        for value in node.values():
            _axis_limits(value)
    elif isinstance(node, list):
        for value in node:
            _axis_limits(value)


def fit_to_column(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the spec sized to its column, with readable labels (see the module docstring)."""
    out = copy.deepcopy(spec)
    concat = next((k for k in ("vconcat", "hconcat", "concat") if k in out), None)
    if concat is None:
        out["width"] = "container"
        out["autosize"] = {"type": "fit", "contains": "padding"}
    else:
        for panel in out[concat]:
            width = panel.get("width")
            if isinstance(width, (int, float)) and width > PANEL_MAX:
                panel["width"] = PANEL_MAX
    out["config"] = _limits(out.get("config") or {})
    _axis_limits({k: v for k, v in out.items() if k != "config"})
    return out
