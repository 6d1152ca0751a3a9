"""The budget cap in the app (AppTest on the sample department): ticked on the Scheme page it
becomes a constraint (the plan's cost stays within it and reach drops when it binds), a cap
below the fixed staff time is explained in words, unticking restores the uncapped plan, and a
stable matching turns the cap off and says why.

With the default rates (docs/assumptions.md) PASS costs £600 of fixed staff time, £269 a term
per weekly session and £236 per leader; mentoring £600 fixed and £30 per mentor used. Without a
cap the sample's PASS plan uses 8 sessions and 4 leaders and its mentoring plan 26 mentors.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest
from test_app import (  # noqa: F401 (the fixtures: own store, recorded downloads)
    _own_store,
    _record_downloads,
    button,
    loaded_sample,
    needs_sample,
    new_app,
    no_errors,
    page,
    texts,
)

from workbench.outcomes.costs import CostRates
from workbench.schemes.form_values import (
    STABLE_BUDGET_REASON,
    budget_capacity_text,
    form_defaults,
    settings_from_values,
    values_from_settings,
)

LIMIT = 10  # seconds per solve


def scheme_page(at: AppTest, scheme: str, cap: float | None) -> AppTest:
    """Open the Scheme page for ``scheme`` and tick (with ``cap``) or untick the cost cap."""
    at.session_state["keep_scheme"] = scheme
    at = page(at, "scheme")
    no_errors(at)
    prefix = "keep_m_" if scheme == "mentoring" else "keep_p_"
    box = at.checkbox(key=prefix + "cap_budget")
    amount = at.number_input(key=prefix + "budget")
    assert box.label == "Cap the cost per term" and amount.label.startswith("Budget per term")
    assert amount.disabled is (not box.value)
    if cap is None:
        box.uncheck().run()
    else:
        box.check().run()
        at.number_input(key=prefix + "budget").set_value(float(cap)).run()
    no_errors(at)
    assert at.number_input(key=prefix + "budget").disabled is (cap is None)
    assert not at.error, [e.value for e in at.error]
    return at


def solve(at: AppTest):
    at.session_state["keep_time_limit"] = LIMIT
    at = page(at, "solve")
    no_errors(at)
    button(at, "Solve").click().run()
    no_errors(at)
    return at, at.session_state["scenario"]


def shown_cost(at: AppTest) -> float:
    value = {m.label: m.value for m in at.metric}["Cost per term"]
    return float(re.sub(r"[^0-9.]", "", value))


def solved_status(chosen) -> str:
    return chosen.status["status"]


# ------------------------------------------------------------------------------ PASS


@needs_sample
def test_pass_cap_binds_then_unticking_restores_the_uncapped_plan() -> None:
    at = scheme_page(loaded_sample(), "pass", None)
    at, free = solve(at)
    assert solved_status(free) == "optimal"
    assert free.settings["budget"] is None
    assert "No budget cap set" in texts(at) and "No cost cap." in texts(at)
    uncapped_cost, uncapped_reach = free.summary["cost"], free.summary["reached"]
    cap = 1500.0
    assert uncapped_cost > cap  # the cap binds: the plan without it costs more

    at = scheme_page(at, "pass", cap)
    # Before solving, the page says what the cap pays for with these rates.
    assert "£1,500 pays for the fixed staff time (£600)" in texts(at)
    at, capped = solve(at)
    assert solved_status(capped) in ("optimal", "feasible")
    assert capped.settings["budget"] == cap
    assert "Within a budget of £1,500 per term." in texts(at)
    s = capped.summary
    assert s["cost"] <= cap + 1e-6 and shown_cost(at) <= cap
    assert s["within_budget"] is True
    assert s["reached"] < uncapped_reach and s["sessions"] < free.summary["sessions"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Enrolments reached"] == f"{s['reached']:,} of {s['eligible']:,}"
    assert metrics["Leaders running a session"] == str(s["leaders_used"]) and s["leaders"] >= 1
    # The cost against the cap, and what the cap left out, in words.
    assert any(m.value.startswith("Within budget") for m in at.success), [
        m.value for m in at.success
    ]
    assert "sessions not placed: over budget" in texts(at)
    missed = capped.results["reach"]
    missed = missed.loc[~missed["reached"].astype(bool)]
    assert missed["reason"].str.contains("budget").any()
    # The rates shown in the costs expander are the ones the budget was solved with.
    assert capped.settings["cost_rates"]["leader_pay_per_hour"] == CostRates().leader_pay_per_hour

    at = scheme_page(at, "pass", None)
    at, again = solve(at)
    assert solved_status(again) == "optimal" and again.settings["budget"] is None
    assert again.summary["reached"] == uncapped_reach
    assert again.summary["cost"] == pytest.approx(uncapped_cost)
    columns = ["module_code", "day", "start", "leader_id", "room_id"]
    assert again.results["sessions"][columns].equals(free.results["sessions"][columns])


@needs_sample
def test_pass_cap_below_the_fixed_staff_time_is_explained_in_words() -> None:
    at = scheme_page(loaded_sample(), "pass", 0.0)  # 0 is a real cap, not "none"
    assert "£0 does not cover the fixed staff time of £600" in texts(at)
    at, chosen = solve(at)
    assert chosen.settings["budget"] == 0.0
    assert solved_status(chosen) == "infeasible"
    assert chosen.summary["sessions"] == 0
    errors = [e.value for e in at.error]
    assert any(
        "no plan could be made" in e and "does not cover the fixed staff time of £600" in e
        for e in errors
    ), errors
    for name in ("coverage", "whatif", "report"):
        no_errors(page(at, name))


# ------------------------------------------------------------------------------ mentoring


@needs_sample
def test_mentoring_cap_pays_for_fewer_mentors_and_says_what_more_money_would_do() -> None:
    at = scheme_page(loaded_sample(), "mentoring", None)
    at, free = solve(at)
    assert solved_status(free) == "optimal"
    matched, mentors = free.summary["matched"], free.summary["mentors_used"]
    cap = 900.0  # £600 fixed + 10 mentors at £30
    assert mentors > 10

    at = scheme_page(at, "mentoring", cap)
    assert "up to 10 mentors at £30 each a term" in texts(at)
    at, capped = solve(at)
    assert solved_status(capped) in ("optimal", "feasible")
    s = capped.summary
    assert s["cost"] <= cap + 1e-6 and shown_cost(at) <= cap
    assert s["mentors_used"] <= 10 and s["matched"] < matched
    assert {m.label: m.value for m in at.metric}["Mentors with a mentee"] == str(s["mentors_used"])
    assert any(m.value.startswith("Within budget") for m in at.success)
    unmatched = capped.results["unmatched"]
    assert len(unmatched) == s["mentees"] - s["matched"]
    assert (unmatched["reason_code"] == "budget").any()
    shown = [d.value for d in at.dataframe if "reason" in d.value.columns]
    assert shown and shown[0]["reason"].str.contains("budget").any()  # "why not matched"
    assert "What would help" in texts(at) and "Raise the budget to" in texts(at)

    at = scheme_page(at, "mentoring", None)
    at, again = solve(at)
    assert again.summary["matched"] == matched and again.summary["mentors_used"] == mentors


@needs_sample
def test_mentoring_cap_below_the_fixed_staff_time_is_explained_in_words() -> None:
    at = scheme_page(loaded_sample(), "mentoring", 100.0)
    at, chosen = solve(at)
    assert solved_status(chosen) == "infeasible" and chosen.summary["matched"] == 0
    errors = [e.value for e in at.error]
    assert any("does not cover the fixed staff time of £600" in e for e in errors), errors
    assert "Over budget" in " ".join(errors)  # the fixed staff time alone is over the cap
    for name in ("coverage", "whatif", "report"):
        no_errors(page(at, name))


@needs_sample
def test_a_stable_matching_turns_the_cap_off_and_says_why() -> None:
    at = scheme_page(loaded_sample(), "mentoring", 900.0)
    at.session_state["keep_m_stable"] = "mentee_optimal"
    at = page(at, "scheme")
    no_errors(at)
    assert at.checkbox(key="keep_m_cap_budget").disabled
    assert at.number_input(key="keep_m_budget").disabled
    assert STABLE_BUDGET_REASON in texts(at)
    assert not at.error, [e.value for e in at.error]  # the settings are usable
    at = page(at, "solve")
    no_errors(at)
    assert "No cost cap." in texts(at) and not at.error
    # Back to the goal: the tick and amount chosen before are used again.
    at.session_state["keep_m_stable"] = "off"
    at = page(at, "scheme")
    assert not at.checkbox(key="keep_m_cap_budget").disabled
    assert "up to 10 mentors" in texts(at)


@needs_sample
def test_a_reopened_plan_brings_its_cap_and_rates_back() -> None:
    at = loaded_sample()
    at.session_state["keep_c_staff_hourly_cost"] = 20.0  # £400 fixed, £20 per mentor
    at = scheme_page(at, "mentoring", 900.0)
    assert "up to 25 mentors at £20 each a term" in texts(at)
    at, chosen = solve(at)
    assert chosen.settings["budget"] == 900.0 and chosen.summary["mentors_used"] <= 25
    assert chosen.settings["cost_rates"]["staff_hourly_cost"] == 20.0

    reopened = new_app()
    reopened.query_params.update(ws=at.session_state["owner"], plan=chosen.id)
    reopened.run()
    no_errors(reopened)
    assert reopened.session_state["scenario"].id == chosen.id
    assert reopened.session_state["keep_m_cap_budget"] is True
    assert reopened.session_state["keep_m_budget"] == 900.0
    assert reopened.session_state["keep_c_staff_hourly_cost"] == 20.0
    reopened = page(reopened, "solve")
    no_errors(reopened)
    assert "Within a budget of £900 per term." in texts(reopened)


# ------------------------------------------------------------------------------ the helpers


def test_settings_from_controls_and_back_keep_the_cap() -> None:
    rates = CostRates(staff_hourly_cost=40.0)
    for scheme in ("mentoring", "pass"):
        values = form_defaults(scheme)
        assert settings_from_values(scheme, values).budget is None  # unticked
        values.update(cap_budget=True, budget=0.0)
        settings = settings_from_values(scheme, values, cost_rates=rates, time_limit=5)
        assert settings.budget == 0.0 and settings.cost_rates == rates  # 0 is a real cap
        back = values_from_settings(scheme, settings.model_dump(mode="json"))
        assert back["cap_budget"] is True and back["budget"] == 0.0
        assert settings_from_values(scheme, {**values, **back}).budget == 0.0
        unticked = values_from_settings(
            scheme, {**settings.model_dump(mode="json"), "budget": None}
        )
        assert unticked["cap_budget"] is False
    pass_values = {**form_defaults("pass"), "first_start": dt.time(9)}
    assert settings_from_values("pass", pass_values).first_start == 9 * 60
    stable = {**form_defaults("mentoring"), "stable": "best_score", "cap_budget": True}
    assert settings_from_values("mentoring", stable).budget is None  # refused, not an error


def test_what_a_budget_pays_for_in_words() -> None:
    rates = CostRates()
    assert budget_capacity_text("mentoring", 900, rates) == (
        "£900 pays for the fixed staff time (£600) and up to 10 mentors at £30 each a term."
    )
    assert "not one mentor" in budget_capacity_text("mentoring", 620, rates)
    assert "no mentor can be paid for" in budget_capacity_text("mentoring", 599, rates)
    text = budget_capacity_text("pass", 1500, rates)
    assert "£269 a term for each weekly session" in text and "1 weekly session with" in text
    assert "or 2 if each leader runs two" in text  # 600 + 2 x 269 + 236 = 1,374
    assert "not one session" in budget_capacity_text("pass", 1000, rates)  # 600+269+236 > 1000
    assert "no session can be placed" in budget_capacity_text("pass", 0, rates)
