"""The Report page's options report: two to four saved plans side by side for a head of
department, and the what-if answers that go into the plan's own report."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_common import shared, signin
from app_common.file_text import plain
from workbench.review import options, whatif_answer


def whatif_sentences(chosen: Any) -> tuple[str, ...]:
    """The What-if page's answers about this plan (none when they were made for another)."""
    ss = st.session_state
    if ss.get("whatif_for") != chosen.id:
        return ()
    out = []
    answer = ss.get("whatif_answer")
    if answer:
        out.append(answer["sentence"])
    sweep = ss.get("sweep")
    if sweep is not None:
        currency = (chosen.cost_rates or {}).get("currency") or "£"
        figures = {**(chosen.summary or {}), "status": (chosen.status or {}).get("status")}
        out += whatif_answer.sweep_sentences(sweep, figures, currency)
    return tuple(dict.fromkeys(out))


def options_section(chosen: Any) -> None:
    """Pick plans, name a budget or a coverage target, see the choice and download the page."""
    st.header("Options for your head of department")
    st.markdown(
        "Two to four saved plans (any schemes) side by side on one printable page: reach, "
        "take-up, cost, cost per student reached, volunteers needed, the largest equity gap "
        "and each plan's verdict."
    )
    saved = shared.saved_scenarios()
    if len(saved) < options.MIN_PLANS:
        st.caption("Save at least two plans (solve, or try a change on the What-if page) first.")
        return
    default = [i for i in dict.fromkeys([chosen.id, *saved]) if i in saved][:2]
    picked = st.multiselect(
        "Plans to compare",
        list(saved),
        default=default,
        format_func=saved.get,
        max_selections=options.MAX_PLANS,
        key="options_ids",
        help="Your saved plans and what-if variations, two to four of them.",
    )
    cols = st.columns(2)
    budget = cols[0].number_input(
        "Best within a budget per term (0 = none)", 0, 10_000_000, 0, step=500, key="options_budget"
    )
    target = cols[1].number_input(
        "Best reaching a coverage of (%; 0 = none)", 0, 100, 0, step=5, key="options_target"
    )
    if len(picked) < options.MIN_PLANS:
        st.caption("Pick at least two plans.")
        return
    plans = [shared.load_saved(i) for i in picked]
    budget_value = float(budget) if budget else None
    target_value = target / 100 if target else None
    found = options.plan_options(plans)
    _, why = options.best_plan(found, budget_value, target_value)
    if why:
        st.info(plain(why), icon=":material/recommend:")
    st.dataframe(options.options_table(found), hide_index=True, width="stretch")
    st.download_button(
        "Download the options page (HTML, prints on one page)",
        options.render_options(plans, budget_value, target_value),
        file_name="options.html",
        mime="text/html",
        icon=":material/compare:",
        on_click=signin.on_export(
            shared.store(), "Download the options page (HTML, prints on one page)"
        ),
    )
