"""How a solved plan is shown: the honest outcome, the tables with their reasons, locks."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_common import forms, shared
from workbench.outcomes import charts
from workbench.schemes.form_values import budget_line

CRITERIA_COLUMNS = {
    name: st.column_config.NumberColumn(label, format="%.2f", help="Points this criterion adds")
    for name, label in forms.CRITERIA_LABELS.items()
}


def lock_summary(scheme: str) -> str:
    ss = st.session_state
    if scheme == "groups":
        return "After solving, you can move students between groups by hand."
    if scheme == "mentoring":
        locked, previous = ss.get("locked_pairs", []), ss.get("previous_pairs", [])
        text = f"{len(locked)} locked pair(s)." if locked else "No locked pairs."
        return text + (
            f" Keeps as many of the {len(previous)} current pairs as possible." if previous else ""
        )
    locked = ss.get("locked_sessions", [])
    return f"{len(locked)} locked session(s)." if locked else "No locked sessions."


def model_size_text(cohort: Any, scheme: str, settings: Any) -> str:
    if scheme == "groups":
        from workbench.schemes.groups.view import model_size_text as groups_size

        return groups_size(cohort, settings)
    if scheme == "mentoring":
        return (
            f"Model: {len(cohort.mentees):,} mentees and {len(cohort.mentors):,} mentors "
            f"({int(cohort.mentors['capacity'].sum()):,} places); one choice per eligible "
            "pair."
        )
    return (
        f"Model: {settings.describe_targeting()}, {settings.sessions_per_module} session(s) "
        f"each, {len(cohort.leaders['student_id'].unique()):,} leaders, "
        f"{len(cohort.rooms):,} rooms."
    )


def outcome(chosen: Any) -> None:
    """The solver's outcome in words, and the headline figures."""
    status = chosen.status.get("status", "not solved")
    text = f"**{chosen.name}**: {chosen.status_label}."
    messages = list(chosen.summary.get("messages") or chosen.status.get("messages") or [])
    if status == "optimal":
        st.success(text + " No better plan exists under these rules.")
    elif status == "feasible" and chosen.scheme == "groups":
        st.warning(text + " Not proven the best possible: how close it is is said below.")
    elif status == "feasible":
        st.warning(text + " The time limit was reached; a longer limit may find a better plan.")
    elif status == "infeasible" and messages:
        st.error(f"{text} {messages.pop(0)}")  # the first message says why (e.g. the budget)
    else:
        st.error(text)
    for message in messages:
        st.caption(message)
    s = chosen.summary
    cols = st.columns(5 if chosen.scheme in ("mentoring", "pass") else 4)
    if chosen.scheme == "mentoring":
        cols[0].metric("Mentees matched", f"{s.get('matched', 0):,} of {s.get('mentees', 0):,}")
        cols[4].metric(
            "Mentors used",
            f"{s.get('mentors_used', 0):,}",
            help="Mentors with at least one mentee: the ones the scheme pays for.",
        )
    elif chosen.scheme == "groups":
        cols[0].metric(
            "Students placed",
            f"{s.get('placed', 0):,} of {s.get('eligible', 0):,}",
            help=f"In {s.get('groups', 0):,} groups; weakest group score "
            f"{s.get('worst_score') or 0:.2f}, mean {s.get('mean_score') or 0:.2f}.",
        )
    else:
        cols[0].metric("Weekly sessions", f"{s.get('sessions', 0):,}")
        cols[4].metric(
            "Leaders",
            f"{s.get('leaders', s.get('leaders_used', 0)):,}",
            help="Leaders running at least one session: each is trained and debriefed.",
        )
    cols[1].metric(
        "Coverage", _pct(s.get("coverage")), help="Reached as a share of those the scheme is for."
    )
    cols[2].metric(
        "Expected to take it up",
        _pct(s.get("expected_coverage")),
        help="Coverage times the expected uptake (see the Scheme page).",
    )
    currency = (chosen.cost_rates or {}).get("currency") or "£"
    cols[3].metric(
        "Cost per term",
        f"{currency}{s.get('cost') or 0:,.0f}",
        help="Pay, training, staff time and rooms, with the rates on the Scheme page.",
    )
    if chosen.scheme in ("mentoring", "pass"):
        kind, words = budget_line(s, currency)
        if kind == "none":
            st.caption(f"{words} Cap the cost on the Scheme page to plan within a budget.")
        else:
            (st.success if kind == "ok" else st.error)(words, icon=":material/payments:")


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{value:.0%}"


# ------------------------------------------------------------------------------ mentoring


def mentoring_plan(chosen: Any) -> None:
    matches = chosen.results.get("matches", pd.DataFrame())
    unmatched = chosen.results.get("unmatched", pd.DataFrame())
    fixes = chosen.summary.get("fixes") or []
    st.header("Pairs")
    st.caption(
        "Each pair's score is the sum of the points on the right (why it was made). Tick "
        "**lock** to keep a pair, then re-solve."
    )
    shown = matches.assign(lock=matches.get("locked", False)).drop(
        columns=["locked"], errors="ignore"
    )
    order = [
        "lock",
        "mentee_id",
        "mentor_id",
        "score",
        "mentee_programme",
        "mentee_level",
        "mentor_programme",
        "mentor_level",
        *forms.CRITERIA_LABELS,
        "previous",
    ]
    edited = st.data_editor(
        shown,
        key=f"locks_{chosen.id}",
        hide_index=True,
        width="stretch",
        height=320,
        column_order=[c for c in order if c in shown.columns],
        disabled=[c for c in shown.columns if c != "lock"],
        column_config={
            "lock": st.column_config.CheckboxColumn("lock", help="Keep this pair when re-solving"),
            **CRITERIA_COLUMNS,
        },
    )
    cols = st.columns(2)
    if cols[0].button(
        "Re-solve keeping locked pairs (and changing as few pairs as possible)",
        icon=":material/lock:",
    ):
        picked = edited.loc[edited["lock"].fillna(False).astype(bool)]
        st.session_state["locked_pairs"] = list(
            zip(picked["mentee_id"], picked["mentor_id"], strict=True)
        )
        st.session_state["previous_pairs"] = list(
            zip(matches["mentee_id"], matches["mentor_id"], strict=True)
        )
        resolve(chosen)
    if cols[1].button("Clear locks", icon=":material/lock_open:"):
        for key in ("locked_pairs", "previous_pairs"):
            st.session_state.pop(key, None)
        st.rerun()

    st.header(f"Unmatched mentees ({len(unmatched):,})")
    if len(unmatched):
        st.dataframe(
            unmatched.drop(columns=["reason_code"], errors="ignore"),
            hide_index=True,
            width="stretch",
            column_config={"reason": st.column_config.TextColumn("why not matched", width="large")},
        )
    else:
        st.caption("Every mentee has a mentor.")
    if fixes:
        st.markdown("**What would help**\n\n" + "\n".join(f"- {f}" for f in fixes))

    left, right = st.columns(2)
    with left:
        shared.chart_with_table(
            lambda: charts.mentor_load_chart(chosen.results["mentor_load"]),
            "Mentor load",
            "load",
            f"{shared.scenario_key(chosen)}-load",
        )
    with right:
        top = chosen.settings_model().best_possible_score
        shared.chart_with_table(
            lambda: charts.match_score_chart(matches, score_range=(0, top)),
            "Match scores",
            "scores",
            f"{shared.scenario_key(chosen)}-scores",
        )


# ------------------------------------------------------------------------------ PASS


def _said(note: str, messages: list[str]) -> bool:
    """True when a message already says this note ("MA2001: 0 of 2 sessions placed: <note>")."""
    code, _, text = note.partition(":")
    return any(
        m == note or (text and m.startswith(code + ":") and text.strip() in m) for m in messages
    )


def pass_plan(chosen: Any) -> None:
    sessions = chosen.results.get("sessions", pd.DataFrame())
    st.header(f"Sessions ({len(sessions):,})")
    st.caption(
        "One row per weekly session. Tick **lock** to keep a session (with its room and "
        "leader) when re-solving."
    )
    shown = sessions.assign(lock=sessions.get("locked", False)).drop(
        columns=["locked"], errors="ignore"
    )
    hidden = {"lock", "day", "start", "end"}
    edited = st.data_editor(
        shown,
        key=f"locks_{chosen.id}",
        hide_index=True,
        width="stretch",
        column_order=["lock", *[c for c in shown.columns if c not in hidden]],
        disabled=[c for c in shown.columns if c != "lock"],
    )
    cols = st.columns(2)
    if cols[0].button("Re-solve keeping locked sessions", icon=":material/lock:"):
        picked = edited.loc[edited["lock"].fillna(False).astype(bool)]
        st.session_state["locked_sessions"] = [
            {
                "module_code": r["module_code"],
                "day": int(r["day"]),
                "start": int(r["start"]),
                "room_id": r.get("room_id") or None,
                "leader_id": r.get("leader_id") or None,
            }
            for r in picked.to_dict("records")
        ]
        resolve(chosen)
    if cols[1].button("Clear locks", icon=":material/lock_open:"):
        st.session_state.pop("locked_sessions", None)
        st.rerun()
    st.header("Reach per module")
    st.caption(
        "reachable: students free at one of the module's sessions; could_reach: the "
        "most any plan could reach with the leaders and rooms available."
    )
    st.dataframe(
        chosen.results.get("coverage"),
        hide_index=True,
        width="stretch",
        column_config={"coverage": st.column_config.NumberColumn(format="percent")},
    )
    shown = chosen.summary.get("messages") or []  # already in the outcome box above
    notes = (chosen.summary.get("diagnostics") or []) + (chosen.summary.get("notes") or [])
    for note in dict.fromkeys(n for n in notes if not _said(n, shown)):
        st.caption(note)
    reach = chosen.results.get("reach", pd.DataFrame())
    missed = reach.loc[~reach["reached"].astype(bool)] if len(reach) else reach
    st.header(f"Enrolments not reached ({len(missed):,})")
    if len(missed):
        st.dataframe(
            missed,
            hide_index=True,
            width="stretch",
            height=260,
            column_config={"reason": st.column_config.TextColumn("why not", width="large")},
        )
    free = chosen.results.get("free_by_slot")
    if free is not None:
        shared.chart_with_table(
            lambda: charts.free_heatmap_chart(free, sessions),
            "When targeted students are free",
            "free",
            f"{shared.scenario_key(chosen)}-free",
        )


def resolve(chosen: Any) -> None:
    """Solve again with the locks just chosen; the new plan becomes the current one."""
    cohort = shared.require_cohort()
    limit = st.session_state.get("keep_time_limit", 30)
    settings, problem = forms.settings_from_state(chosen.scheme, limit)
    if problem:
        st.error(f"The settings cannot be used: {problem}")
        return
    with st.spinner("Solving again with your locks..."):
        try:
            shared.solve_and_save(cohort, chosen.scheme, settings, f"{chosen.name} (re-solved)")
        except ValueError as exc:
            st.error(str(exc))
            return
    st.rerun()
