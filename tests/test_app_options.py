"""Report page: the what-if answers go into the plan's report, and the options report compares
saved plans side by side with the best one for a budget."""

from __future__ import annotations

import html

from tests.test_app import (  # noqa: F401 (the autouse fixtures)
    _own_store,
    _record_downloads,
    button,
    download,
    needs_sample,
    no_errors,
    page,
    solved,
)
from workbench.review.options import best_plan, plan_options


@needs_sample
def test_report_has_the_whatifs_and_the_options_page_compares_saved_plans() -> None:
    at = page(solved("mentoring"), "whatif")
    chosen = at.session_state["scenario"]
    at.slider[0].set_value(1.3)
    button(at, "Solve with these changes").click().run()
    no_errors(at)
    sentence = at.session_state["whatif_answer"]["sentence"]
    variation_id = at.session_state["whatif_ids"][0]

    at = page(at, "report")
    no_errors(at)
    report = download(at, "Download the report").decode("utf-8")
    assert '<section id="whatif"><h2>What if</h2>' in report
    assert html.escape(sentence) in report

    picked = at.multiselect(key="options_ids")
    assert picked.value == [chosen.id, variation_id]
    at.number_input(key="options_budget").set_value(100_000).run()
    no_errors(at)
    from workbench.scenarios.store import ScenarioStore

    store = ScenarioStore()
    plans = [store.load(i, at.session_state["owner"]) for i in (chosen.id, variation_id)]
    index, why = best_plan(plan_options(plans), budget=100_000)
    assert index is not None
    assert any(why == i.value.replace("\\", "") for i in at.info)
    table = at.dataframe[-1].value
    assert list(table["Figure"])[:3] == ["Scheme", "Verdict", "Reach"]
    page_html = download(at, "Download the options page").decode("utf-8")
    assert html.escape(plans[0].name) in page_html and html.escape(plans[1].name) in page_html
