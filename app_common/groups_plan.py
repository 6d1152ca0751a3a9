"""A groups plan on the Solve page: the groups with their meeting time and score parts, who was
not placed and why, the charts, and moving a student by hand with the rules re-checked.

Editing works on a copy of the plan kept in this session (``groups_edit_<scenario id>``); the
checks and scores come from :mod:`workbench.schemes.groups.edit` (cached on the edited table), and the
edited plan is saved as a new scenario (:mod:`workbench.scenarios.edited`) only when the
coordinator asks.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from app_common import shared, tables
from app_common.file_text import bullets, plain
from workbench.scenarios.edited import edited_scenario
from workbench.schemes.groups import edit as ge
from workbench.schemes.groups import view as gv

SCORE = st.column_config.NumberColumn(
    "score", format="%.2f", help="Mean of the parts (1 = every criterion fully met)"
)


def _edit_key(chosen: Any) -> str:
    return f"groups_edit_{chosen.id}"


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()[:16]


@st.cache_data(max_entries=16, show_spinner="Checking the rules...")
def _checked(scenario_key: str, digest: str, _chosen: Any, _frame: pd.DataFrame) -> ge.EditedPlan:
    return ge.check_edited(
        _chosen.cohort(),
        _chosen.settings_model(),
        _chosen.results["groups"],
        _chosen.results["unplaced"],
        _frame,
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _free_times(
    scenario_key: str, digest: str, group_id: str, _chosen: Any, _frame: pd.DataFrame
) -> dict[str, Any]:
    slots = ge.free_times(_chosen.cohort(), _chosen.settings_model(), _frame, group_id)
    return {s.label: s for s in slots}


def _columns(scores: pd.DataFrame) -> dict[str, Any]:
    parts = {
        c: st.column_config.NumberColumn(
            gv.part_label(c), format="%.2f", help="This criterion's part of the score (0-1)"
        )
        for c in scores.columns
        if c.startswith(("similar_", "diverse_"))
    }
    return {
        "score": SCORE,
        **parts,
        "meets": st.column_config.TextColumn("meets", help="The weekly meeting time"),
        "free_times_shared": st.column_config.NumberColumn(
            "free times shared", help="Meeting times of the grid all members are free"
        ),
        "members": st.column_config.TextColumn("members", width="large"),
    }


def _groups_table(groups: pd.DataFrame, scores: pd.DataFrame, key: str) -> None:
    table = gv.group_table(groups, scores)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key=key,
        height=min(400, 38 + 35 * len(table)),
        column_config=_columns(scores),
    )


def _unplaced_table(unplaced: pd.DataFrame, key: str) -> None:
    if len(unplaced):
        st.dataframe(
            unplaced,
            hide_index=True,
            width="stretch",
            key=key,
            column_config={"reason": st.column_config.TextColumn("why not placed", width="large")},
        )
    else:
        st.caption("Everyone is in a group.")


def plan_charts(chosen: Any) -> None:
    """The group scores and the meeting times over when the students are free."""
    results, key = chosen.results, shared.scenario_key(chosen)
    scores = results.get("group_scores", pd.DataFrame())

    def meeting_times():
        pool = ge.pool_of(results["groups"], results["unplaced"])
        free = gv.free_by_slot(chosen.cohort(), chosen.settings_model(), pool)
        return gv.meeting_times_chart(free, scores)

    left, right = st.columns(2)
    with left:
        shared.chart_with_table(
            lambda: gv.group_scores_chart(scores),
            "Group scores",
            "group_scores",
            f"{key}-group-scores",
        )
    with right:
        shared.chart_with_table(
            meeting_times,
            "When the students are free, and when groups meet",
            "meeting_times",
            f"{key}-meeting-times",
        )


def show(chosen: Any) -> None:
    """The solved (or edited) groups plan, its charts and the editor."""
    results, summary = chosen.results, chosen.summary
    groups, scores = results.get("groups"), results.get("group_scores")
    unplaced = results.get("unplaced", pd.DataFrame(columns=["student_id", "reason"]))
    if groups is None or scores is None:
        st.warning("This scenario has no groups table to show.")
        return
    for note in summary.get("notes") or []:
        st.caption(plain(note))
    st.header(f"Groups ({len(scores):,})")
    st.caption(
        "Each group with its weekly meeting time (when all its members are free), its "
        "score and the parts of the score, one per criterion; 1 = fully met."
    )
    _groups_table(groups, scores, f"groups_{chosen.id}")
    attributes = [
        *chosen.settings.get("similar", []),
        *chosen.settings.get("diverse", []),
        *chosen.settings.get("no_isolation", []),
    ]
    with st.expander("Who is in each group, with what the rules look at"):
        members = tables.with_people(gv.member_table(chosen.cohort(), groups, attributes), chosen)
        st.dataframe(
            members,
            hide_index=True,
            column_config=tables.headers(members.columns),
            width="stretch",
            key=f"members_{chosen.id}",
        )
    st.header(f"Students not placed ({len(unplaced):,})")
    _unplaced_table(tables.with_people(unplaced, chosen), f"unplaced_{chosen.id}")
    plan_charts(chosen)
    editor(chosen)


# ------------------------------------------------------------------------------ editing


def editor(chosen: Any) -> None:
    """Move a student or change a meeting time; the rules are re-checked on every change."""
    ss, key = st.session_state, _edit_key(chosen)
    original = chosen.results["groups"]
    frame = ss.get(key)
    current = original if frame is None else frame
    st.header("Move a student by hand")
    st.caption(
        "Pick a student and the group to move them to. The plan is re-checked against "
        "every rule and scored again; nothing is saved until you press **Save**."
    )
    pool = pd.DataFrame({"student_id": ge.pool_of(original, chosen.results["unplaced"])})
    students, targets = ge.student_choices(current, pool), ge.target_choices(current)
    cols = st.columns([2, 2, 1], vertical_alignment="bottom")
    who = cols[0].selectbox(
        "Student to move",
        list(students),
        format_func=students.get,
        key=f"move_who_{chosen.id}",
        help="Type an id to find a student; their group now is in brackets.",
    )
    to = cols[1].selectbox(
        "Move to",
        list(targets),
        format_func=targets.get,
        key=f"move_to_{chosen.id}",
        help="The group they join, at its meeting time (and with its mentor), or no group at all.",
    )
    if cols[2].button("Move", icon=":material/move_down:", width="stretch"):
        ss[key] = ge.move_student(current, who, to)
        st.rerun()
    group_ids = [g for g in targets if g != ge.NOT_IN_A_GROUP]
    if group_ids:
        cols = st.columns([2, 2, 1], vertical_alignment="bottom")
        gid = cols[0].selectbox(
            "Group",
            group_ids,
            format_func=targets.get,
            key=f"retime_group_{chosen.id}",
            help="Choose a group to give it another weekly meeting time.",
        )
        times = _free_times(shared.scenario_key(chosen), _digest(current), gid, chosen, current)
        when = cols[1].selectbox(
            "Meet at",
            list(times),
            key=f"retime_slot_{chosen.id}",
            help="Only the times at which every member (and the mentor) is free are offered.",
        )
        if cols[2].button(
            "Change the time", icon=":material/schedule:", width="stretch", disabled=not times
        ):
            ss[key] = ge.retime_group(current, gid, times[when])
            st.rerun()
        if not times:
            st.caption(f"No time of the grid suits every member of {plain(gid)}.")
    if frame is not None:
        _edited(chosen, frame)


def _edited(chosen: Any, frame: pd.DataFrame) -> None:
    ss, key = st.session_state, _edit_key(chosen)
    plan = _checked(shared.scenario_key(chosen), _digest(frame), chosen, frame)
    st.markdown(
        "**Your changes**\n\n" + bullets(plan.changes) if plan.changes else "**No changes yet.**"
    )
    if plan.problems:
        st.error(
            f"The edited plan breaks {len(plan.problems)} rule"
            f"{'s' if len(plan.problems) != 1 else ''}:\n\n" + bullets(plan.problems)
        )
    else:
        st.success("The edited plan keeps every rule.")
    before = chosen.summary
    cols = st.columns(3)
    cols[0].metric(
        "Students placed",
        f"{plan.placed:,} of {plan.students:,}",
        delta=plan.placed - int(before.get("placed") or 0) or None,
    )
    for col, label, value, was in (
        (cols[1], "Weakest group", plan.worst, "worst_score"),
        (cols[2], "Mean group score", plan.mean, "mean_score"),
    ):
        change = None if value is None or before.get(was) is None else value - before[was]
        col.metric(
            label,
            "n/a" if value is None else f"{value:.2f}",
            delta=f"{change:+.2f}" if change else None,
        )
    with st.expander("The edited groups, scored again", expanded=bool(plan.problems)):
        _groups_table(plan.groups, plan.scores, f"edited_groups_{chosen.id}")
        _unplaced_table(plan.unplaced, f"edited_unplaced_{chosen.id}")
    ss.setdefault(f"edit_name_{chosen.id}", f"{chosen.name} (edited)")
    cols = st.columns([3, 2], vertical_alignment="bottom")
    name = cols[0].text_input(
        "Name of the edited plan",
        key=f"edit_name_{chosen.id}",
        help="The edited plan is saved as a new scenario under this "
        "name; the solved plan is kept as it is.",
    )
    confirmed = True
    if plan.problems:
        confirmed = cols[1].checkbox(
            "Save even though it breaks rules",
            key=f"edit_confirm_{chosen.id}",
            help="The scenario is then marked 'breaks rules' and lists each broken rule.",
        )
    cols = st.columns(2)
    if cols[0].button(
        "Save the edited plan as a scenario",
        type="primary",
        icon=":material/save:",
        disabled=not confirmed,
    ):
        try:
            made = edited_scenario(chosen, frame, name.strip() or f"{chosen.name} (edited)")
        except ValueError as exc:
            st.error(plain(exc))
            return
        shared.save_to_store(made)
        shared.use_scenario(made)
        ss.pop(key, None)
        st.rerun()
    if cols[1].button("Undo every change", icon=":material/undo:"):
        ss.pop(key, None)
        st.rerun()
