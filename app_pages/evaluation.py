"""Evaluation: results by attendance band and an honest, adjusted estimate of the effect."""

import pandas as pd
import streamlit as st

from app_common import shared, term_state
from workbench.schemes import registry
from workbench.term.charts import bands_chart
from workbench.term.evaluation import DEFAULT_BANDS, impact_of

st.title("Evaluation")
st.markdown(
    "Did attending make a difference? The standard PASS table (students, mean mark, pass and "
    "DFW rate by how many sessions they came to) and the difference between attenders and "
    "similar students who did not attend, allowing for prior attainment and who they are."
)
cohort = term_state.term_cohort()
cols = st.columns(3)
# The schemes the term's data can evaluate, PASS first (the standard SI table).
evaluated = sorted(
    (key for key in registry.KEYS if registry.get(key).evaluation),
    key=lambda key: registry.get(key).evaluation.outcome != "mark",
)
scheme = cols[0].radio(
    "Scheme", evaluated, format_func=lambda key: registry.get(key).evaluation.name
)
spec = registry.get(scheme).evaluation
bands_text = cols[1].text_input("Attendance bands", DEFAULT_BANDS)
attender_min = cols[2].number_input("Sessions that make an attender", 1, 20, 1)
try:
    impact = impact_of(cohort, scheme, bands_text, int(attender_min))
except ValueError as exc:
    st.error(f"Those bands cannot be used: {exc}")
    st.stop()
if impact is None:
    st.info(f"**Nothing to evaluate yet.** Upload {spec.upload} on the Attendance page.")
    st.page_link("app_pages/attendance.py", label="Go to Attendance")
    st.stop()

effect = impact.effect
if effect.adjusted_difference is None:
    st.info(effect.sentence)
else:
    st.success(effect.sentence)
st.text(effect.dfw_sentence)
shared.chart_with_table(
    lambda: bands_chart(impact.bands, spec.measure),
    "Results by attendance band",
    "term_bands",
    f"term_bands_{scheme}_{bands_text}_{attender_min}_{hash(impact.bands.to_json())}",
)
st.header("By module and band")
st.dataframe(impact.bands, hide_index=True, width="stretch")
if effect.groups:
    st.header("By student group")
    st.dataframe(pd.DataFrame(effect.groups), hide_index=True, width="stretch")
with st.expander("How this was estimated"):
    st.text(
        f"Least squares of the outcome on attending, allowing for "
        f"{', '.join(effect.adjusted_for) or 'nothing'}; standard errors clustered by "
        f"{effect.clustered_by} ({effect.clusters} clusters); 95% confidence intervals. "
        f"Raw difference: {effect.naive_difference}. Attenders are often better-prepared "
        "students; the adjustment allows only for what the data records."
    )
