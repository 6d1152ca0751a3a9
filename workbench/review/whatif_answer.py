"""What-if answers in one sentence, before any table.

"+30% students: coverage 96% -> 90%, cost £1,380 -> £1,500, assuming 10 more mentors join
(mentors grow with the intake)". The figures are the sweep's (or the variation's) own: the
sentence is written from the same rows the table and the chart show.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from workbench.review.words import money
from workbench.schemes import registry

# The value of each change that means "as today" (a sweep row there is today's plan).
NEUTRAL: dict[str, float] = {"intake": 1.0, "mentors": 0.0, "leaders": 0.0}
_GROUP_RE = re.compile(r"^intake\[(programme|level)\s*=\s*(.+)\]$")
_FAILED = ("error", "infeasible", "cancelled", "not solved", "timed out")


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def change_words(param: str, value: float, currency: str = "£") -> str:
    """The change in words: "+30% students", "10 more mentors", "a budget of £1,200"."""
    group = _GROUP_RE.match(param)
    if group or param == "intake":
        who = f"{group.group(2).strip()} students" if group else "students"
        pct = round((float(value) - 1.0) * 100)
        return f"the same number of {who}" if pct == 0 else f"{pct:+d}% {who}"
    if param in ("mentors", "leaders"):
        word = "mentors" if param == "mentors" else "PASS leaders"
        n = int(round(value))
        if n == 0:
            return f"today's {word}"
        return f"{n} more {word}" if n > 0 else f"{-n} fewer {word}"
    if param == "capacity":
        return f"up to {int(value)} mentees per mentor"
    if param == "sessions":
        return f"{int(value)} session{'s' if int(value) != 1 else ''} per module"
    if param == "uptake":
        return f"take-up {float(value):.0%}"
    if param == "budget":
        return f"a budget of {money(value, currency)}"
    return f"{param} {value:g}"


def _pct(value: Any) -> str:
    number = _number(value)
    return "n/a" if number is None else f"{number:.0%}"


def _volunteer_clause(
    param: str, scheme: str, base: Mapping[str, Any], point: Mapping[str, Any], grow: bool
) -> str:
    entry = registry.get(scheme)
    if entry.recruits is None:  # no volunteers to change (groups)
        return ""
    word = entry.volunteers_word
    before, after = _number(base.get("volunteers")), _number(point.get("volunteers"))
    if before is None or after is None:
        return ""
    change = int(round(after - before))
    intake = param == "intake" or bool(_GROUP_RE.match(param))
    if intake and entry.grows_with_intake and grow:
        if change > 0:
            return f", assuming {change} more {word} join (mentors grow with the intake)"
        if change < 0:
            return f", assuming {-change} fewer {word} (mentors shrink with the intake)"
        return f", with today's {int(after)} {word} (mentors grow with the intake)"
    if intake:
        return f", with today's {int(after)} {word} (volunteers kept as they are)"
    if change:
        return f", with {int(after)} {word} instead of {int(before)}"
    return f", with {int(after)} {word}"


def answer_sentence(
    param: str,
    value: float,
    point: Mapping[str, Any],
    base: Mapping[str, Any],
    scheme: str,
    *,
    volunteers_grow: bool = True,
    currency: str = "£",
) -> str:
    """One sentence: the change, coverage before -> after, cost before -> after, volunteers."""
    head = change_words(param, value, currency)
    status = str(point.get("status") or "")
    if status in _FAILED:
        why = str(point.get("message") or "").strip()
        return f"{head[:1].upper()}{head[1:]}: no plan" + (f" ({why})" if why else "") + "."
    cost_before, cost_after = _number(base.get("cost")), _number(point.get("cost"))
    cost = (
        f", cost {money(cost_before, currency)} -> {money(cost_after, currency)}"
        if cost_before is not None and cost_after is not None
        else ""
    )
    clause = _volunteer_clause(param, scheme, base, point, volunteers_grow)
    return (
        f"{head[:1].upper()}{head[1:]}: coverage {_pct(base.get('coverage'))} -> "
        f"{_pct(point.get('coverage'))}{cost}{clause}."
    )


def base_row(table: pd.DataFrame) -> dict[str, Any] | None:
    """The sweep's row for today (intake 1, no volunteers recruited), when it has one."""
    param = str(table.attrs.get("param") or (table["param"].iloc[0] if len(table) else ""))
    neutral = NEUTRAL.get("intake" if _GROUP_RE.match(param) else param)
    if neutral is None or not len(table):
        return None
    rows = table.loc[(table["value"].astype(float) - neutral).abs() < 1e-9]
    ok = rows.loc[~rows["status"].isin(_FAILED)]
    return ok.iloc[0].to_dict() if len(ok) else None


def sweep_sentences(
    table: pd.DataFrame, base: Mapping[str, Any] | None = None, currency: str = "£"
) -> list[str]:
    """One sentence per point of a sweep (today's row left out), against ``base`` or the
    sweep's own row for today."""
    scheme = str(table.attrs.get("scheme") or "")
    param = str(table.attrs.get("param") or "")
    grow = bool(table.attrs.get("volunteers_grow", True))
    reference = base_row(table) or (dict(base) if base is not None else None)
    if reference is None or not scheme:
        return []
    neutral = NEUTRAL.get("intake" if _GROUP_RE.match(param) else param)
    out = []
    for row in table.to_dict("records"):
        if neutral is not None and abs(float(row["value"]) - neutral) < 1e-9:
            continue
        out.append(
            answer_sentence(
                param,
                float(row["value"]),
                row,
                reference,
                scheme,
                volunteers_grow=grow,
                currency=currency,
            )
        )
    return out


def headline_sentence(
    table: pd.DataFrame, base: Mapping[str, Any] | None = None, currency: str = "£"
) -> str:
    """The sweep's answer in one sentence: its furthest point against today."""
    sentences = sweep_sentences(table, base, currency)
    return sentences[-1] if sentences else ""


def variation_sentence(
    changes: Mapping[str, float],
    point: Mapping[str, Any],
    base: Mapping[str, Any],
    scheme: str,
    *,
    volunteers_grow: bool = True,
    currency: str = "£",
) -> str:
    """One sentence for a variation made of several changes at once ("+20% students and 5
    more mentors: coverage ... -> ..., cost ... -> ...")."""
    if not changes:
        return answer_sentence("intake", 1.0, point, base, scheme, currency=currency)
    param = "intake" if "intake" in changes else next(iter(changes))
    sentence = answer_sentence(
        param,
        float(changes[param]),
        point,
        base,
        scheme,
        volunteers_grow=volunteers_grow,
        currency=currency,
    )
    heads = [change_words(k, float(v), currency) for k, v in changes.items()]
    first = change_words(param, float(changes[param]), currency)
    joined = " and ".join(heads)
    return joined[:1].upper() + joined[1:] + sentence[len(first) :]
