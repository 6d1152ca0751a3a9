"""How a solved plan is shown: the honest outcome, the tables with their reasons, locks."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_common import forms, shared, tables
from app_common.file_text import bullets, plain
from workbench.outcomes import charts
from workbench.review.report import fix_lines, verdict_text
from workbench.schemes import registry
from workbench.schemes.form_values import budget_line
from workbench.schemes.groups.edit import BREAKS_RULES

CRITERIA_COLUMNS = {
    name: st.column_config.NumberColumn(label, format="%.2f", help="Points this criterion adds")
    for name, label in forms.CRITERIA_LABELS.items()
}


VERDICT_BOXES = {"good": st.success, "partial": st.warning, "none": st.error}
STOPPED = {"infeasible", "timed out", "not solved", "error"}


def outcome(chosen: Any) -> None:
    """The plan's verdict first, what would help, the headline figures; the solver's own
    account of the solve only in the collapsed "How this was solved"."""
    s = chosen.summary
    status = chosen.status.get("status", "not solved")
    messages = list(s.get("messages") or chosen.status.get("messages") or [])
    if status in STOPPED:
        why = f" {plain(messages[0])}" if messages else ""
        st.error(f"**{plain(chosen.name)}**: no plan could be made.{why}")
    elif status == BREAKS_RULES:
        st.error(
            f"**{plain(chosen.name)}**: this plan was edited by hand and breaks rules:\n"
            + bullets(messages)
        )
        messages = []
    else:
        box = VERDICT_BOXES.get(str(s.get("verdict")), st.info)
        box(f"**{plain(chosen.name)}**: {plain(verdict_text(s))}")
    fixes = fix_lines(s)
    if fixes:
        st.markdown(
            "**What would help** (each change was tried by planning again with it):\n"
            + bullets(fixes)
        )
    keys = registry.get(chosen.scheme).headline_keys
    currency = (chosen.cost_rates or {}).get("currency") or "£"
    for col, key in zip(st.columns(len(keys)), keys, strict=True):
        col.metric(
            registry.figure_label(key, chosen.scheme),
            _figure(key, s, currency),
            help=FIGURE_HELP.get(key),
        )
    if registry.get(chosen.scheme).budgeted:
        kind, words = budget_line(s, currency)
        if kind == "none":
            st.caption(f"{plain(words)} Cap the cost on the Scheme page to plan within a budget.")
        else:
            (st.success if kind == "ok" else st.error)(plain(words), icon=":material/payments:")
    with st.expander("How this was solved"):
        st.markdown(f"Outcome: {plain(chosen.status_label)}.")
        if status == "feasible":
            st.markdown("The time limit was reached; a longer limit may find a better plan.")
        for message in messages:
            st.markdown(plain(message))


FIGURE_HELP = {
    "reached": "Reached, of everyone the scheme is for (for PASS: enrolments on targeted "
    "modules with a session the student is free for).",
    "coverage": "Reached as a share of those the scheme is for.",
    "expected_coverage": "Coverage times the expected uptake (see the Scheme page).",
    "cost": "Pay, training, staff time and rooms, with the rates on the Scheme page.",
    "mentors_used": "Mentors with at least one mentee: the ones the scheme pays for.",
    "leaders_used": "Leaders running at least one session: each is trained and debriefed.",
}


def _figure(key: str, s: dict, currency: str) -> str:
    if key == "reached":
        return f"{s.get('reached', 0):,} of {s.get('eligible', 0):,}"
    if key in ("coverage", "expected_coverage"):
        return _pct(s.get(key))
    if key == "cost":
        return f"{currency}{s.get('cost') or 0:,.0f}"
    return f"{s.get(key) or 0:,}"


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{value:.0%}"


# ------------------------------------------------------------------------------ mentoring


def mentoring_plan(chosen: Any) -> None:
    matches = chosen.results.get("matches", pd.DataFrame())
    unmatched = chosen.results.get("unmatched", pd.DataFrame())
    st.header("Pairs")
    st.caption(
        "Each pair's score is the sum of the points on the right (why it was made). Tick "
        "**lock** to keep a pair, then re-solve."
    )
    shown = tables.pairs_view(matches, chosen, forms.CRITERIA_LABELS)
    shown = shown.assign(lock=shown.get("locked", False)).drop(columns=["locked"], errors="ignore")
    order = [
        "lock",
        "mentee",
        "mentor",
        "score",
        "why",
        "mentee_programme",
        "mentee_level",
        "mentor_programme",
        "mentor_level",
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
        column_config=tables.headers(
            shown.columns,
            lock=st.column_config.CheckboxColumn("Lock", help="Keep this pair when re-solving"),
            score=st.column_config.NumberColumn("Match score", format="%.2f"),
            why=st.column_config.TextColumn("Why this pair", width="large"),
        ),
    )
    with st.expander("Points per criterion for each pair"):
        points = ["mentee", "mentor", "score", *[c for c in CRITERIA_COLUMNS if c in shown]]
        st.dataframe(
            shown[points],
            hide_index=True,
            width="stretch",
            column_config=tables.headers(points, **CRITERIA_COLUMNS),
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
        unmatched_shown = tables.with_people(
            unmatched.drop(columns=["reason_code"], errors="ignore"), chosen
        )
        st.dataframe(
            unmatched_shown,
            hide_index=True,
            width="stretch",
            column_config=tables.headers(
                unmatched_shown.columns,
                reason=st.column_config.TextColumn("Why not matched", width="large"),
            ),
        )
    else:
        st.caption("Every mentee has a mentor.")

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
    shown = tables.with_people(sessions, chosen)
    shown = shown.assign(lock=shown.get("locked", False)).drop(columns=["locked"], errors="ignore")
    hidden = {"lock", "day", "start", "end"} | ({"leader_id"} if "leader" in shown else set())
    edited = st.data_editor(
        shown,
        key=f"locks_{chosen.id}",
        hide_index=True,
        width="stretch",
        column_order=["lock", *[c for c in shown.columns if c not in hidden]],
        disabled=[c for c in shown.columns if c != "lock"],
        column_config=tables.headers(
            shown.columns,
            lock=st.column_config.CheckboxColumn("Lock", help="Keep this session when re-solving"),
            leader=st.column_config.TextColumn("Leader"),
        ),
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
        "Free at a session: students free at one of the module's sessions. Most any plan "
        "could reach: the most any plan could reach with the leaders and rooms available."
    )
    module_reach = chosen.results.get("coverage")
    st.dataframe(
        module_reach,
        hide_index=True,
        width="stretch",
        column_config=tables.headers(
            [] if module_reach is None else module_reach.columns,
            coverage=st.column_config.NumberColumn("Coverage", format="percent"),
        ),
    )
    shown = chosen.summary.get("messages") or []  # already in the outcome box above
    notes = (chosen.summary.get("diagnostics") or []) + (chosen.summary.get("notes") or [])
    for note in dict.fromkeys(n for n in notes if not _said(n, shown)):
        st.caption(plain(note))
    reach = chosen.results.get("reach", pd.DataFrame())
    missed = reach.loc[~reach["reached"].astype(bool)] if len(reach) else reach
    st.header(f"Enrolments not reached ({len(missed):,})")
    if len(missed):
        missed = tables.with_people(missed.drop(columns=["reached"]), chosen)  # all unticked
        st.dataframe(
            missed,
            hide_index=True,
            width="stretch",
            height=260,
            column_config=tables.headers(
                missed.columns, reason=st.column_config.TextColumn("Why not", width="large")
            ),
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
        st.error(f"The settings cannot be used: {plain(problem)}")
        return
    with st.spinner("Solving again with your locks..."):
        try:
            shared.solve_and_save(cohort, chosen.scheme, settings, f"{chosen.name} (re-solved)")
        except ValueError as exc:
            st.error(plain(exc))
            return
    st.rerun()
