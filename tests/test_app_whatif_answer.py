"""The What-if page answers in one sentence, shows cost and volunteers at a glance, can keep the
volunteers as they are, compares the variation just solved and clears the sweep's progress."""

from __future__ import annotations

from tests.test_app import button, needs_sample, no_errors, page, solved


def shown(markdown: str) -> str:
    """Text as a person reads it (values are shown escaped, app_common/file_text.py)."""
    return markdown.replace("\\", "")


@needs_sample
def test_a_variation_answers_in_one_sentence_with_cost_and_volunteers_in_view() -> None:
    at = page(solved("mentoring"), "whatif")
    base = at.session_state["scenario"]
    at.slider[0].set_value(1.3)
    button(at, "Solve with these changes").click().run()
    no_errors(at)
    made_id = at.session_state["whatif_ids"][0]
    answer = at.session_state["whatif_answer"]
    after = answer["after"]
    sentence = shown(at.info[0].value)
    assert sentence.startswith("+30% students: coverage ")
    assert (
        f"coverage {base.summary['coverage']:.0%} -> {after['coverage']:.0%}, "
        f"cost £{base.summary['cost']:,.0f} -> £{after['cost']:,.0f}, assuming " in sentence
    )
    assert "mentors grow with the intake" in sentence
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cost per term"] == f"£{after['cost']:,.0f}"
    assert metrics["Volunteers"] == f"{after['volunteers']:,}"
    assert after["volunteers"] > base.summary["volunteers"]
    # The comparison below starts with today's plan and the variation just solved.
    assert at.multiselect(key="compare_ids").value[:2] == [base.id, made_id]

    # Keeping the volunteers as they are.
    at.checkbox[0].uncheck()
    at.slider[0].set_value(1.3)
    button(at, "Solve with these changes").click().run()
    no_errors(at)
    kept = at.session_state["whatif_answer"]
    assert kept["after"]["volunteers"] == base.summary["volunteers"]
    assert shown(at.info[0].value).endswith(
        f"with today's {base.summary['volunteers']} mentors (volunteers kept as they are)."
    )


@needs_sample
def test_the_sweep_answers_first_and_leaves_no_progress_or_cancel_behind() -> None:
    at = page(solved("mentoring"), "whatif")
    at.text_input(key="keep_sweep_range_intake").set_value("1,1.2").run()
    button(at, "Run sweep").click().run()
    no_errors(at)
    table = at.session_state["sweep"]
    point = table.loc[table["value"] == 1.2].iloc[0]
    assert any(
        shown(i.value).startswith("+20% students: coverage ")
        and f"-> {point['coverage']:.0%}" in shown(i.value)
        for i in at.info
    )
    assert not [b for b in at.button if b.label == "Cancel the sweep"]
    assert not at.get("progress")
    assert any("carried from point to point" in c.value for c in at.caption)
