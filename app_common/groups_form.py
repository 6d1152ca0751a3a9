"""Study and social-integration groups: the Scheme page's controls, presets and read-back.

Widget values live in ``st.session_state`` under ``keep_g_`` keys (kept across pages);
:func:`settings_from_state` turns them into :class:`workbench.schemes.groups.solve.GroupSettings` without
drawing anything, so the Solve and What-if pages use what was last chosen here. The choices,
presets and the mapping between values and settings are in :mod:`workbench.schemes.groups.view`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_common import shared
from workbench.cohort.domain import DAYS
from workbench.schemes import registry
from workbench.schemes.groups import view as gv

G = "keep_g_"
SCHEME_CHOICE = "scheme_choice"
# The Scheme radio: each scheme by its name, a scheme with variants by each of them (study and
# social-integration groups are two choices and one scheme).
SCHEME_CHOICES = {
    choice: name
    for entry in (registry.get(key) for key in registry.KEYS)
    for choice, name in (gv.KINDS if entry.variants else {entry.key: entry.name}).items()
}
BY = {
    "module": "A module (everyone enrolled on it)",
    "programme": "A programme and/or a year group",
}
MINUTES = [30, 45, 60, 90, 120]
ANY = ""


# ------------------------------------------------------------------------------ the scheme


def choice_from_state() -> str:
    """The Scheme radio's value from the scheme and the kind of groups."""
    ss = st.session_state
    scheme = ss.setdefault("keep_scheme", "mentoring")
    return ss.get(G + "kind", "study") if registry.get(scheme).variants else scheme


def choose_scheme() -> None:
    """The Scheme radio changed: study and social groups are both the groups scheme."""
    ss = st.session_state
    choice = ss[SCHEME_CHOICE]
    if choice in gv.KINDS:
        ss["keep_scheme"], ss[G + "kind"] = "groups", choice
    else:
        ss["keep_scheme"] = choice


def kind() -> str:
    return st.session_state.get(G + "kind", "study")


def title(scheme: str) -> str:
    """The scheme's name for the coordinator (groups: study or social-integration)."""
    return gv.KINDS[kind()] if registry.get(scheme).variants else SCHEME_CHOICES.get(scheme, scheme)


# ------------------------------------------------------------------------------ state


def init_state(cohort: Any = None) -> None:
    """Every control's default once (the module and year group from the cohort)."""
    if cohort is None:
        cohort = shared.cohort()
    for key, value in gv.form_defaults(cohort).items():
        if st.session_state.get(G + key) is None:
            st.session_state[G + key] = value


def _fit_to(cohort: Any) -> None:
    """Values another cohort left behind that this cohort does not offer go back to defaults."""
    ss, defaults = st.session_state, gv.form_defaults(cohort)
    checks = {
        "module": list(gv.module_choices(cohort)),
        "programme": [ANY, *gv.programme_choices(cohort)],
        "level": [ANY, *gv.level_choices(cohort)],
        "social_level": gv.level_choices(cohort),
    }
    for key, options in checks.items():
        if ss.get(G + key) not in options:
            ss[G + key] = (
                defaults[key] if defaults[key] in options else (options[0] if options else None)
            )
    for key, options in (
        ("similar", gv.attribute_options(cohort)),
        ("diverse", gv.attribute_options(cohort)),
        ("no_isolation", gv.isolation_options(cohort)),
    ):
        ss[G + key] = [a for a in ss.get(G + key) or [] if a in options]


def _set(values: dict[str, Any]) -> None:
    for key, value in values.items():
        st.session_state[G + key] = value


def settings_from_state(time_limit: float | None = None) -> tuple[Any, str | None]:
    """GroupSettings from the widget values, or (None, the problem in words)."""
    init_state()
    ss = st.session_state
    values = {k[len(G) :]: ss[k] for k in ss if isinstance(k, str) and k.startswith(G)}
    limit = time_limit if time_limit is not None else ss.get("keep_time_limit", 30)
    try:
        return gv.settings_from_form(values, limit), None
    except ValueError as exc:
        return None, str(exc)


def load_settings(settings: dict[str, Any]) -> None:
    """Put a saved scenario's group settings back into the controls."""
    init_state()
    _set(gv.form_from_settings(settings))


# ------------------------------------------------------------------------------ widgets


def presets(cohort: Any) -> None:
    """The preset chooser for the current kind of groups."""
    choices = list(gv.PRESETS[kind()])
    with st.container(border=True):
        cols = st.columns([4, 1], vertical_alignment="bottom")
        name = cols[0].selectbox(
            "Start from a preset",
            choices,
            key=f"preset_{kind()}",
            help="Sets the group size and criteria below; the students "
            "chosen stay as they are. You can change anything after.",
        )
        cols[1].button(
            "Apply preset",
            on_click=lambda: _set(gv.preset_values(kind(), name, cohort)),
            icon=":material/auto_fix_high:",
        )


def _who(cohort: Any, left: Any, social: bool) -> None:
    if social:
        left.selectbox(
            "Year group to mix",
            gv.level_choices(cohort),
            key=G + "social_level",
            help="Social-integration groups mix the students of one year group "
            "across programmes, so they meet people outside their course.",
        )
        left.checkbox(
            "Each group led by a mentor",
            key=G + "led",
            help="A mentor from the mentors table leads each group: free at its "
            "meeting time, one group each, at most their capacity. Students "
            "beyond what the mentors can lead are listed with the reason.",
        )
        return
    left.radio(
        "Choose the students by",
        list(BY),
        format_func=BY.get,
        key=G + "by",
        help="Study groups are usually formed within one module; a programme and "
        "year group works too.",
    )
    if st.session_state[G + "by"] == "module":
        modules = gv.module_choices(cohort)
        left.selectbox(
            "Module",
            list(modules),
            format_func=modules.get,
            key=G + "module",
            help="Everyone enrolled on this module is grouped. Type a code to "
            "find it; the number is how many students it has.",
        )
        return
    sub = left.columns(2)
    sub[0].selectbox(
        "Programme",
        [ANY, *gv.programme_choices(cohort)],
        format_func=lambda p: p or "Any programme",
        key=G + "programme",
        help="Only students of this programme (or any programme).",
    )
    sub[1].selectbox(
        "Year group",
        [ANY, *gv.level_choices(cohort)],
        format_func=lambda lv: lv or "Any year group",
        key=G + "level",
        help="Only students of this level (UG1 = first year).",
    )


def form(cohort: Any) -> None:
    """The settings of study or social-integration groups."""
    init_state(cohort)
    _fit_to(cohort)
    social = kind() == "social"
    attributes, isolation = gv.attribute_options(cohort), gv.isolation_options(cohort)
    left, right = st.columns(2)
    _who(cohort, left, social)
    left.slider(
        "Students per group",
        2,
        12,
        key=G + "size",
        help="The smallest and largest group. 4-6 is usual for study groups: big "
        "enough to keep going when someone is away, small enough to talk.",
    )
    left.text_area(
        "Keep together (optional)",
        key=G + "keep",
        height=80,
        placeholder="2500012, 2500013",
        help="One pair of student ids per line: they are put in the same group, "
        "or both left out with the reason.",
    )
    right.multiselect(
        "Similar in",
        attributes,
        format_func=gv.attribute_label,
        key=G + "similar",
        help="Groups whose members share these score higher: e.g. interests "
        "(full marks when most share one) or programme.",
    )
    right.multiselect(
        "Diverse in",
        attributes,
        format_func=gv.attribute_label,
        key=G + "diverse",
        help="Groups mixing these score higher: e.g. several programmes or "
        "genders in each group."
        + (
            " Social groups always mix programmes unless programme is chosen as similar."
            if social
            else ""
        ),
    )
    right.multiselect(
        "Nobody the only one of their kind",
        isolation,
        format_func=gv.attribute_label,
        key=G + "no_isolation",
        help="A hard rule: no group has exactly one student of a value, e.g. "
        "nobody is the only international student in their group.",
    )
    right.caption(
        "Criteria all weigh the same; each group's score is the mean of its parts "
        "(0-1). The plan makes the weakest group as good as possible first."
    )
    with st.expander("Meeting times and time limit"):
        cols = st.columns(2)
        cols[0].multiselect(
            "Days groups may meet",
            list(DAYS),
            key=G + "days",
            help="Each group gets one weekly meeting time on one of these "
            "days, when all its members are free.",
        )
        cols[0].selectbox(
            "Meeting length (minutes)",
            MINUTES,
            key=G + "minutes",
            help="How long a weekly meeting lasts; usually one hour.",
        )
        cols[1].time_input(
            "Earliest start",
            key=G + "first_start",
            step=1800,
            help="No meeting starts before this time.",
        )
        cols[1].time_input(
            "Latest start",
            key=G + "last_start",
            step=1800,
            help="No meeting starts after this time.",
        )
        st.session_state.setdefault("keep_time_limit", 30)
        cols[0].number_input(
            "Time limit (seconds)",
            1,
            3600,
            step=5,
            key="keep_time_limit",
            help="The solver stops here with the best plan found and says "
            "how far from the best possible it could still be.",
        )
