"""The What-if page's answers: one sentence first, then cost and volunteers at a glance."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_common import tables
from app_common.file_text import plain
from workbench.review import whatif_answer
from workbench.review.words import money

CARRIED = (
    "The same students are carried from point to point (a larger intake keeps every student "
    "of a smaller one and adds more), so the points differ by the change alone."
)


def _figures(scenario: Any) -> dict[str, Any]:
    return {**(scenario.summary or {}), "status": (scenario.status or {}).get("status")}


def variation_answer(base: Any, made: Any, changes: dict[str, float], grow: bool) -> dict:
    """What the page shows for a variation: its sentence and the before/after figures."""
    before, after = _figures(base), _figures(made)
    currency = (base.cost_rates or {}).get("currency") or "£"
    sentence = whatif_answer.variation_sentence(
        changes, after, before, base.scheme, volunteers_grow=grow, currency=currency
    )
    return {"sentence": sentence, "before": before, "after": after, "currency": currency}


def _number(value: Any) -> float | None:
    try:
        number = None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None
    return None if number is None or number != number else number


def _signed_money(change: float, currency: str) -> str | None:
    """ "+£120" / "-£30" (the sign first, so the metric's arrow points the right way)."""
    if not round(change):
        return None  # no arrow for no change
    return ("+" if change > 0 else "") + money(change, currency)


def show_answer(answer: dict | None) -> None:
    """The sentence, then coverage, cost and volunteers before -> after (no scrolling)."""
    if not answer:
        return
    st.info(plain(answer["sentence"]), icon=":material/lightbulb:")
    before, after, currency = answer["before"], answer["after"], answer["currency"]
    cols = st.columns(3)
    cov_b, cov_a = _number(before.get("coverage")), _number(after.get("coverage"))
    cols[0].metric(
        "Coverage",
        "n/a" if cov_a is None else f"{cov_a:.0%}",
        None if cov_a is None or cov_b is None else f"{(cov_a - cov_b) * 100:+.0f} points",
        help="Was " + ("n/a" if cov_b is None else f"{cov_b:.0%}") + " in your plan.",
    )
    cost_b, cost_a = _number(before.get("cost")), _number(after.get("cost"))
    cols[1].metric(
        "Cost per term",
        money(cost_a, currency),
        None if cost_a is None or cost_b is None else _signed_money(cost_a - cost_b, currency),
        delta_color="inverse",
        help=f"Was {money(cost_b, currency)} in your plan.",
    )
    vol_b, vol_a = _number(before.get("volunteers")), _number(after.get("volunteers"))
    cols[2].metric(
        "Volunteers",
        "n/a" if vol_a is None else f"{vol_a:,.0f}",
        None if vol_a is None or vol_b is None else f"{vol_a - vol_b:+,.0f}",
        delta_color="off",
        help="Mentors or PASS leaders available"
        + ("" if vol_b is None else f"; {vol_b:,.0f} in your plan."),
    )


def show_sweep_answer(table: pd.DataFrame, base: Any) -> None:
    """The sweep's answer in one sentence, every point's sentence, and why it does not zig-zag."""
    currency = (base.cost_rates or {}).get("currency") or "£"
    sentences = whatif_answer.sweep_sentences(table, _figures(base), currency)
    if sentences:
        st.info(plain(sentences[-1]), icon=":material/lightbulb:")
    param = str(table.attrs.get("param") or "")
    if param.startswith("intake"):
        st.caption(CARRIED)
    if len(sentences) > 1:
        with st.expander("Every point in one sentence"):
            for sentence in sentences:
                st.text(sentence)


def sweep_table(table: pd.DataFrame) -> None:
    """The sweep's points with headers in words, shares as percentages and money in pounds."""
    shown = table.drop(columns=["param", "seconds"], errors="ignore")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=tables.headers(
            shown.columns,
            value=st.column_config.NumberColumn("Change"),
            change=st.column_config.NumberColumn("Recruited (+) or lost (-)"),
            coverage=st.column_config.NumberColumn("Coverage", format="percent"),
            expected_coverage=st.column_config.NumberColumn(
                "Expected to take it up", format="percent"
            ),
            cost=st.column_config.NumberColumn("Cost per term", format="£%.0f"),
            cost_per_student_reached=st.column_config.NumberColumn(
                "Cost per student reached", format="£%.2f"
            ),
            message=st.column_config.TextColumn("Note", width="medium"),
        ),
    )


def compare_defaults(saved: dict[str, str], base_id: str, whatif_ids: list[str]) -> list[str]:
    """Your plan and the variation just solved first, then other saved plans (three at most)."""
    wanted = [base_id, *whatif_ids[:1], *saved]
    return [i for i in dict.fromkeys(wanted) if i in saved][:3]
