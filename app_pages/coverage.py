"""Coverage: who the plan reaches, by programme, module and student group; and what it costs."""

import streamlit as st

from app_common import shared
from app_common.file_text import plain
from app_common.groups_plan import plan_charts
from workbench.outcomes import charts
from workbench.schemes import registry

st.title("Coverage")
st.markdown(
    "Who the current plan reaches, broken down by programme, level, module and every "
    "student characteristic in your data, with the expected take-up. Each chart has "
    "its numbers underneath."
)
chosen = shared.require_scenario()
analysis = shared.analysis_of(shared.scenario_key(chosen), chosen)
cov = analysis.coverage
st.caption(
    f"Plan: **{plain(chosen.name)}** ({registry.scheme_name(chosen.scheme, chosen.settings)})."
)
for problem in analysis.problems:
    st.warning(plain(problem))
if cov is None:
    st.stop()
st.info(plain(cov.headline()))

# ------------------------------------------------------------------------------ breakdowns
st.header("Coverage by group")
dimensions = [d for d in cov.table["dimension"].unique() if d != "overall"]
labels = dict(zip(cov.table["dimension"], cov.table["dimension_label"], strict=False))
default = "module" if "module" in dimensions else "programme"
st.session_state.setdefault("keep_cov_dimension", default)
if st.session_state["keep_cov_dimension"] not in dimensions:
    st.session_state["keep_cov_dimension"] = default
dimension = st.selectbox(
    "Break down by",
    dimensions,
    format_func=lambda d: labels.get(d, d),
    key="keep_cov_dimension",
    help="Bars show the share reached and the share expected to take the "
    "scheme up, for each group.",
)
key = shared.scenario_key(chosen)
shared.chart_with_table(
    lambda: charts.coverage_chart(cov.table, dimension, cov.measure_labels),
    f"Coverage by {labels.get(dimension, dimension).lower()}",
    "cov",
    f"{key}-coverage-{dimension}",
)

st.header("Equity: each student group against the average")
st.caption(
    "Groups below the cohort average are listed first; groups too small to compare "
    f"(fewer than {cov.assumptions.small_group} students) are marked, not judged."
)
shared.chart_with_table(
    lambda: charts.equity_chart(cov.equity), "Reach by student group", "equity", f"{key}-equity"
)

# ------------------------------------------------------------------------------ the plan's own
others = [
    (name, chart)
    for name, chart in analysis.charts
    if name in ("Mentor load", "Match scores", "When targeted students are free")
]
has_variants = bool(registry.get(chosen.scheme).variants)  # groups: their own charts
if others or has_variants:
    st.header("The plan")
    for name, chart in others:
        shared.chart_with_table(lambda c=chart: c, name, f"plan_{name}", f"{key}-{name}")
    if has_variants:
        plan_charts(chosen)

# ------------------------------------------------------------------------------ cost
st.header("Cost")
if analysis.cost is not None:
    st.markdown(plain(analysis.cost.summary()))
    for name, chart in analysis.charts:
        if name == "Cost per student reached":
            shared.chart_with_table(lambda c=chart: c, name, "cost", f"{key}-cost")
    with st.expander("Cost line by line"):
        st.dataframe(analysis.cost.table(), hide_index=True, width="stretch")

with st.expander("The assumptions behind these figures"):
    from workbench.outcomes.coverage import assumptions_table

    st.dataframe(assumptions_table(cov.assumptions), hide_index=True, width="stretch")
    st.caption("Change uptake and cost rates on the Scheme page, then solve again.")

st.page_link(shared.WHATIF, label="Next: what if...", icon=":material/science:")
shared.notes("coverage")
