"""What-if comparisons: saved plans' headline figures side by side, with their differences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.schemes import registry

# ------------------------------------------------------------------------------ comparing

HEADLINE: list[tuple[str, str]] = list(registry.FIGURE_LABELS.items())


def headline_label(key: str, scheme: str | None = None) -> str:
    """A headline figure's name in the coordinator's words (per scheme when it differs)."""
    return registry.figure_label(key, scheme)


def compare_scenarios(scenarios: Sequence[Any]) -> pd.DataFrame:
    """Headline figures of several scenarios side by side, with differences from the first.

    One row per figure (``metric``, ``label``); one column per scenario (by name, made unique),
    then ``change: NAME`` columns (numbers only) against the first scenario. Settings that differ
    between scenarios are listed at the end as ``setting: NAME`` rows.
    """
    if not scenarios:
        raise ValueError("give at least one scenario to compare")
    names = _unique([s.name for s in scenarios])
    rows = []
    # The solver's own outcome stays out: each plan is told by its verdict.
    metrics = [
        m for m in HEADLINE if m[0] != "status" and any(m[0] in s.summary for s in scenarios)
    ]
    schemes = {s.scheme for s in scenarios}
    same = next(iter(schemes)) if len(schemes) == 1 else None
    told = {
        "scheme": lambda s: registry.scheme_name(s.scheme, s.settings),
        "headline": lambda s: s.summary.get("headline") or "",
    }
    for key, label in [("scheme", "Scheme"), ("headline", "Verdict"), *metrics]:
        row: dict[str, Any] = {
            "metric": key,
            "label": label if key in told else headline_label(key, same),
        }
        for name, s in zip(names, scenarios, strict=True):
            row[name] = told[key](s) if key in told else s.summary.get(key)
        rows.append(row)
    for key in _differing_settings(scenarios):
        row = {"metric": f"setting: {key}", "label": f"Setting: {key.replace('_', ' ')}"}
        for name, s in zip(names, scenarios, strict=True):
            value = s.settings.get(key)
            row[name] = (
                value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
            )
        rows.append(row)
    table = pd.DataFrame(rows)
    first = names[0]
    for name in names[1:]:
        table[f"change: {name}"] = [
            _difference(r[first], r[name]) for r in table.to_dict("records")
        ]
    return table


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _difference(a: Any, b: Any) -> float | None:
    numeric = (int, float, np.integer, np.floating)
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, numeric) and isinstance(b, numeric):
        if pd.isna(a) or pd.isna(b):
            return None
        return float(b) - float(a)
    return None


def _differing_settings(scenarios: Sequence[Any]) -> list[str]:
    keys: list[str] = []
    for s in scenarios:
        keys += [k for k in s.settings if k not in keys]
    return [k for k in keys if len({repr(s.settings.get(k)) for s in scenarios}) > 1]
