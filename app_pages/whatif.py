"""What-if: try changes, sweep one of them, ask the inverse question, compare scenarios."""

import threading

import streamlit as st

from app_common import forms, shared, whatif_view
from app_common.file_text import plain
from workbench.outcomes import charts
from workbench.outcomes.budget import budget_status
from workbench.review import whatif
from workbench.schemes import registry

st.title("What-if")
st.markdown(
    "What happens with a bigger intake, more volunteers, more places or sessions, a "
    "different take-up or a budget cap? Each change is solved for real and saved to "
    "your scenarios, so you can compare it with today's plan."
)
base = shared.require_scenario()
cohort = shared.require_cohort()
scheme = base.scheme
settings, problem = forms.settings_from_state(scheme, st.session_state.get("keep_time_limit", 30))
if problem:
    st.error(f"The settings cannot be used: {plain(problem)}")
    st.stop()
entry = registry.get(scheme)
groups = entry.recruits is None  # no volunteers or places to change
mentoring = entry.recruits == "mentors"  # places per mentor; mentors grow with the intake
volunteers = entry.recruits or "leaders"
if groups:
    st.caption(
        "Groups have no volunteers or places to change (mentor-led groups use the "
        "mentors as they are): intake, take-up and a budget cap can be tried."
    )
ss = st.session_state
# What-if results belong to the plan they were made for: after switching the scheme (or solving
# again) the earlier sweep, variation and answer are not shown as if they were about this plan.
if ss.get("whatif_for") != base.id:
    for stale in ("sweep", "inverse", "whatif_ids", "whatif_budget", "whatif_answer"):
        ss.pop(stale, None)
    ss["whatif_for"] = base.id

# ------------------------------------------------------------------------------ one change
st.header("Try a change")
with st.form("variation"):
    cols = st.columns(3)
    intake = cols[0].slider(
        "Intake (today = 1.0)",
        0.5,
        2.0,
        1.0,
        0.05,
        help="1.2 = 20% more students, with the same mix of programmes and "
        "years (students are resampled from today's cohort).",
    )
    recruit = (
        0
        if groups
        else cols[1].number_input(
            f"{volunteers.capitalize()} recruited (+) or lost (-)",
            -500,
            500,
            0,
            help=f"Recruits are eligible students where the demand is; losing {volunteers} "
            "removes them.",
        )
    )
    if groups:
        per = 0
    elif mentoring:
        per = cols[2].number_input(
            "Mentees per mentor (0 = as today)",
            0,
            20,
            0,
            help="Gives every mentor this many places.",
        )
    else:
        per = cols[2].number_input(
            "Sessions per module (0 = as today)",
            0,
            10,
            0,
            help="Weekly sessions each targeted module gets.",
        )
    uptake = cols[0].slider(
        "Take-up (0 = as assumed)",
        0.0,
        1.0,
        0.0,
        0.05,
        help="Share of reached students expected to take the scheme up.",
    )
    budget = cols[1].number_input(
        "Compare the cost with a budget (0 = no comparison)",
        0,
        1_000_000,
        0,
        step=500,
        help="Only compares the variation's cost with this amount. "
        "To make the solver stay within a cap, tick 'Cap the "
        "cost per term' on the Scheme page.",
    )
    name = cols[2].text_input("Name", "What-if", help="Name of the saved variation.")
    grow = mentoring and st.checkbox(
        "Mentors grow with the intake",
        True,
        help="On: a bigger intake brings proportionally more mentor volunteers (copies of "
        "today's mentors). Off: the mentors stay as they are.",
    )
    submitted = st.form_submit_button(
        "Solve with these changes", type="primary", icon=":material/play_arrow:"
    )
if submitted:
    changes = {
        k: v
        for k, v in {
            "intake": intake,
            volunteers: recruit,
            "capacity" if mentoring else "sessions": per,
            "uptake": uptake,
        }.items()
        if v and not (k == "intake" and v == 1.0)
    }
    with st.spinner("Solving the variation..."):
        try:
            made = shared.solve_variation(
                cohort, scheme, settings, changes, name, volunteers_grow=bool(grow)
            )
        except ValueError as exc:
            st.error(plain(exc))
            st.stop()
    ss["whatif_ids"] = [made.id, *ss.get("whatif_ids", [])][:5]
    ss["whatif_budget"] = budget or None
    ss["whatif_answer"] = whatif_view.variation_answer(base, made, changes, bool(grow))
    ss.pop("compare_ids", None)  # the comparison below starts again with this variation
if ss.get("whatif_ids"):
    whatif_view.show_answer(ss.get("whatif_answer"))
    st.caption(
        "Your plan and the latest variation side by side (the variation is saved with "
        "your scenarios):"
    )
    table = shared.compare([base.id, ss["whatif_ids"][0]])
    st.dataframe(shared.readable(table), hide_index=True, width="stretch")
    if ss.get("whatif_budget") and table is not None:
        cost = table.loc[table["metric"] == "cost"].iloc[0, 3]
        check = budget_status(float(cost or 0.0), ss["whatif_budget"])
        (st.success if check.ok else st.error)(plain(check.message))

# ------------------------------------------------------------------------------ sweep
st.header("Sweep one change")
params = [p for p, schemes in whatif.VARIATION_SCHEMES.items() if scheme in schemes]
ranges = {
    "intake": "0.8:1.4:0.2",
    "mentors": "-10:20:10",
    "leaders": "0:6:2",
    "capacity": "1,2,3,4",
    "sessions": "1,2,3",
    "uptake": "0.2:0.6:0.1",
    "budget": "1000:5000:2000",
}
cols = st.columns([2, 2, 1], vertical_alignment="bottom")
param = cols[0].selectbox(
    "Change",
    params,
    format_func=whatif.variation_label,
    key="keep_sweep_param",
    help="The one thing that varies.",
)
ss.setdefault(f"keep_sweep_range_{param}", ranges[param])
text = cols[1].text_input(
    "Values",
    key=f"keep_sweep_range_{param}",
    help="START:STOP:STEP (0.8:1.4:0.2) or a list (1,2,3).",
)
run = cols[2].button("Run sweep", icon=":material/stacked_line_chart:")
sweep_grow = (
    mentoring
    and param.startswith("intake")
    and st.checkbox(
        "Mentors grow with the intake",
        True,
        key="keep_sweep_grow",
        help="Off: the mentors stay as they are at every point.",
    )
)
if run:
    try:
        values = whatif.parse_range(text)
    except ValueError as exc:
        st.error(plain(exc))
        st.stop()
    running = st.empty()  # the progress bar and the cancel button go when the sweep ends
    with running.container():
        bar = st.progress(0.0, text="Starting...")
        st.button("Cancel the sweep", icon=":material/cancel:")  # any click stops this run
    stop, interrupted = threading.Event(), []

    def progress(done: int, total: int) -> None:
        try:
            bar.progress(done / max(total, 1), text=f"{done} of {total} points solved")
        except BaseException as exc:  # a click: Streamlit stops this run; end the workers first
            interrupted.append(exc)
            stop.set()

    # One worker process per solver place held; a sweep leaves a place for other coordinators.
    with shared.solver_slot(want=shared.sweep_places(whatif.MAX_WORKERS)) as places:
        table = whatif.run_sweep(
            cohort,
            scheme,
            settings,
            param,
            values,
            progress=progress,
            cancel=stop,
            assumptions=shared.assumptions(scheme, settings),
            rates=shared.cost_rates(),
            workers=places.places,
            volunteers_grow=bool(sweep_grow) or not mentoring,
        )
    running.empty()
    ss["sweep"] = table  # a cancelled sweep keeps its finished points
    ss["sweep_n"] = ss.get("sweep_n", 0) + 1
    if interrupted:
        raise interrupted[0]
if ss.get("sweep") is not None:
    table = ss["sweep"]
    if table.attrs.get("cancelled"):
        st.warning("The sweep was cancelled: the points not solved are marked 'cancelled'.")
    whatif_view.show_sweep_answer(table, base)
    current = {"intake": 1.0, "mentors": 0, "leaders": 0}.get(table.attrs.get("param"))
    shared.chart_with_table(
        lambda: charts.sweep_chart(
            table.loc[table["status"] != "cancelled"],
            current,
            table.attrs.get("param"),
            whatif.variation_label(table.attrs["param"]),
        ),
        "Sweep",
        "sweep",
        f"sweep-{ss.get('sweep_n', 0)}",
    )
    with st.expander("Every point solved"):
        whatif_view.sweep_table(table)

# ------------------------------------------------------------------------------ inverse
if groups:
    st.header("Inverse questions")
    st.caption(
        "The inverse questions (how many mentors or leaders reach a target) are for "
        "mentoring and PASS; for groups, sweep the intake above instead."
    )
else:
    st.header(f"How many {volunteers} do we need?")
    cols = st.columns([3, 1], vertical_alignment="bottom")
    ss.setdefault("keep_target", 0.9)
    target = cols[0].slider(
        f"Target share of {'mentees matched' if mentoring else 'enrolments reached'}",
        0.05,
        1.0,
        step=0.05,
        key="keep_target",
        help="Searches with the solver for the fewest volunteers reaching it.",
    )
    if cols[1].button("Find out", icon=":material/search:"):
        ask = whatif.mentors_needed if mentoring else whatif.leaders_needed
        with st.spinner("Solving with different numbers of volunteers..."):
            try:
                ss["inverse"] = shared.run_solve(ask, cohort, settings, target)
            except ValueError as exc:
                st.error(plain(exc))
    if ss.get("inverse") is not None:
        answer = ss["inverse"]
        st.info(f"**{plain(answer.question)}** {plain(answer.message)}")
        with st.expander("The solves behind this answer"):
            whatif_view.sweep_table(answer.evidence)

# ------------------------------------------------------------------------------ compare
st.header("Compare scenarios side by side")
saved = shared.saved_scenarios()
picked = st.multiselect(
    "Scenarios",
    list(saved),
    format_func=saved.get,
    default=whatif_view.compare_defaults(saved, base.id, ss.get("whatif_ids") or []),
    key="compare_ids",
    help="Your saved plans and variations; the first is the reference.",
)
if picked:
    st.dataframe(shared.readable(shared.compare(picked)), hide_index=True, width="stretch")
shared.notes("whatif")
