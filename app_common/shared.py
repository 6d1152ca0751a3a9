"""What every page of the app shares: session keys, the loaded cohort, cached look-ups.

Streamlit lives here and in the page scripts only; all modelling and data work is in
``workbench/``. Heavy results are cached on their inputs (a cohort fingerprint, the settings),
never per rerun; solver objects are never cached.
"""

from __future__ import annotations

import contextlib
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_common import cohort_files, session_memory, signin
from app_common.cohort_files import (  # noqa: F401 (the pages read these from here)
    SAMPLES,
    available_samples,
    contract_tables,
    quick_facts,
    template_workbook,
    template_zip,
)
from app_common.file_text import plain
from app_common.plan_files import export_files, file_stem, report_html  # noqa: F401
from app_common.rates import (  # noqa: F401 (the pages read these from here)
    GROUP_RATE_FIELDS,
    RATE_FIELDS,
    A,
    C,
    assumptions,
    cost_rates,
)
from app_common.solver_glue import SOLVE_WAIT_S, run_solve, solver_slot, sweep_places  # noqa: F401
from app_common.widgets import CHART_MEMO, KEEP, all_notes, chart_with_table, notes, readable  # noqa: F401
from workbench.cohort.domain import Cohort
from workbench.cohort.loading import (
    cohort_to_tables,
)
from workbench.cohort.validation import Mapping, ValidationReport, ValidationResult
from workbench.schemes.registry import scheme_problems

ROOT = Path(__file__).resolve().parent.parent

# Page files, for st.page_link / st.switch_page (app.py registers them with st.navigation).
HOME = "app_pages/home.py"
COHORT = "app_pages/cohort.py"
SCHEME = "app_pages/scheme.py"
SOLVE = "app_pages/solve.py"
COVERAGE = "app_pages/coverage.py"
WHATIF = "app_pages/whatif.py"
REPORT = "app_pages/report.py"
VOLUNTEERS = "app_pages/volunteers.py"
WORKSPACE = "app_pages/workspace.py"  # a shared deployment's sharing, audit log and erasure

# Session-state keys. Widgets whose value must survive a page change use the "keep_" prefix.
OWNER = "owner"  # this browser session's workspace key (also in the URL as ?ws=...)
COHORT_KEY = "cohort"
FINGERPRINT = "cohort_fingerprint"
LABEL = "cohort_label"
LAST_REPORT = "last_report"  # the report of the most recent load attempt
LAST_SOURCE = "last_source"
UPLOAD_SIG = "upload_signature"

_WS = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class LoadAttempt:
    """What the last load or correction produced, kept to show its report."""

    source: str
    ok: bool
    report: ValidationReport


def start_session(seat: signin.Seat | None = None) -> None:
    """Called by app.py on every run: the workspace key and widget values kept across pages.

    Without sign-in the workspace key in the address is the workspace; with it, the ``seat``
    (the signed-in user's workspace and role) is, and a viewer's session brings back plans only.
    """
    ss = st.session_state
    if OWNER not in ss:
        session_memory.start_janitor()  # closed sessions are released (once per server)
        given = st.query_params.get("ws", "")
        if seat is not None:
            ss[OWNER] = seat.workspace
            restore_last(seat.link_plan or st.query_params.get("plan", ""), bool(seat.link_plan))
            if not seat.is_viewer:
                restore_cohort()
        else:
            ss[OWNER] = given if _WS.fullmatch(given or "") else uuid.uuid4().hex
            if ss[OWNER] == given:
                restore_last(st.query_params.get("plan", ""))
                restore_cohort()
        if cohort() is None and start_sample() and not signin.is_viewer():
            load_sample(start_sample(), keep=False)
    if st.query_params.get("ws") != ss[OWNER]:
        st.query_params["ws"] = ss[OWNER]
    # Re-assigning a widget's value keeps it when the page holding the widget is not shown.
    for key in [k for k in ss if isinstance(k, str) and k.startswith(KEEP)]:
        ss[key] = ss[key]


def start_sample() -> str:
    """The sample a new session starts with: ``streamlit run app.py -- --sample department``."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == "--sample" and i + 1 < len(args):
            return args[i + 1] if args[i + 1] in SAMPLES else ""
        if arg.startswith("--sample="):
            name = arg.split("=", 1)[1]
            return name if name in SAMPLES else ""
    return ""


def owner() -> str:
    return st.session_state[OWNER]


# ----------------------------------------------------------------------------- the cohort


def cohort() -> Cohort | None:
    return st.session_state.get(COHORT_KEY)


def cohort_label() -> str:
    """Where the loaded cohort came from (a sample, the files uploaded, a saved plan)."""
    current = cohort()
    return st.session_state.get(LABEL) or (current.name if current is not None else "")


def fingerprint() -> str:
    return st.session_state.get(FINGERPRINT, "")


def set_cohort(result: ValidationResult, source: str, fp: str, keep: bool = True) -> bool:
    """Use the loaded cohort when it validated; otherwise keep the previous one.

    A cohort in use is kept with the workspace (``keep``), so a refresh or a restart brings it
    back before any plan is solved."""
    ss = st.session_state
    ss[LAST_REPORT] = LoadAttempt(source, result.cohort is not None, result.report)
    if result.cohort is None:
        return False
    ss[COHORT_KEY] = result.cohort
    ss[FINGERPRINT] = fp
    ss[LABEL] = source
    if keep:
        keep_cohort(result.cohort, source, fp)
    return True


def keep_cohort(current: Cohort, label: str, fp: str) -> None:
    """Keep the workspace's cohort in the scenario store (a store that cannot take it is said)."""
    from workbench.scenarios.store import StoreError

    saved = store()
    if saved is None:
        return
    try:
        saved.keep_cohort(owner(), cohort_to_tables(current), current.name, label, fp)
    except StoreError as exc:
        st.warning(
            f"This cohort could not be kept with your workspace: {plain(exc)} It stays loaded "
            "in this session; after a refresh, load it again."
        )


def restore_cohort() -> None:
    """On a new session with a workspace key: bring back the cohort the workspace loaded last
    (after the plan reopened with it, since it was loaded later)."""
    saved = store()
    if saved is None:
        return
    try:
        key = saved.kept_cohort_key(owner())
        if key is None:
            return
        kept = session_memory.restored_cohort(str(saved.path), owner(), *key)
        if kept is None:
            return
        current = kept.cohort()
    except Exception as exc:  # noqa: BLE001 (a damaged entry must not block the app)
        st.warning(f"The cohort you loaded last could not be brought back: {plain(exc)}")
        return
    ss = st.session_state
    ss[COHORT_KEY], ss[FINGERPRINT], ss[LABEL] = current, kept.fingerprint, kept.label


def load_sample(name: str = "department", keep: bool = True) -> bool:
    result, fp = cohort_files.read_sample(name)
    if result is None:
        st.error(
            f"The {plain(name)} sample is not installed "
            f"(looked in {plain(cohort_files.sample_path(name))})."
        )
        return False
    return set_cohort(result, SAMPLES.get(name, name), fp, keep=keep)


def load_files(files: list[tuple[str, bytes]], mapping: Mapping | None = None) -> bool:
    """Read and check uploaded files (with the coordinator's mapping, if any)."""
    result, fp = cohort_files.read_uploads(files, mapping)
    names = ", ".join(name for name, _ in files)
    signin.record(store(), "uploaded a cohort", names, "accepted" if result.cohort else "refused")
    return set_cohort(result, f"Uploaded: {names}", fp)


def apply_corrections(table: str, edited: pd.DataFrame) -> bool:
    """Re-validate the whole cohort with one table corrected; keep the old cohort if it fails."""
    current = cohort()
    if current is None:
        return False
    result, fp = cohort_files.corrected(fingerprint(), current, table, edited)
    signin.record(store(), "corrected the cohort", table)
    return set_cohort(result, f"{st.session_state.get(LABEL, 'cohort')} (corrected)", fp)


# ----------------------------------------------------------------------------- page helpers


def require_cohort(scheme: str | None = None) -> Cohort:
    """The loaded cohort; otherwise say what to do first and stop the page here."""
    current = cohort()
    if current is None and signin.is_viewer():
        viewer_has_no_plan()
    if current is None:
        st.info(
            "**First, load a cohort.** Start with the sample department in one click, or "
            "upload your own files on the Cohort page."
        )
        cols = st.columns(2)
        if (
            available_samples()
            and cols[0].button("Load the sample department", key="need_sample", type="primary")
            and load_sample("department")
        ):
            st.rerun()
        cols[1].page_link(COHORT, label="Go to the Cohort page", icon=":material/upload_file:")
        st.stop()
    if scheme is not None:
        missing = scheme_problems(current, scheme)
        if missing:
            st.warning(
                "This cohort cannot run this scheme yet:\n\n"
                + "\n".join(f"- {plain(p.message)} ({plain(p.file)})" for p in missing)
            )
            st.page_link(
                COHORT,
                label="Add the missing tables on the Cohort page",
                icon=":material/upload_file:",
            )
            st.stop()
    return current


def viewer_has_no_plan() -> None:
    """A viewer's page with no plan open: where to open one (a viewer cannot load or solve)."""
    st.info("**No plan is open.** Open one of the plans shared with you on the Home page.")
    st.page_link(HOME, label="Go to Home", icon=":material/home:")
    st.stop()


def sidebar_status(slot) -> None:
    """A reminder of the loaded cohort and the current plan, in the sidebar on every page."""
    current = cohort()
    if current is None:
        slot.caption("No cohort loaded yet.")
        return
    text = (
        f"**Cohort:** {plain(st.session_state.get(LABEL, current.name))}  \n"
        f"{len(current.students):,} students, {len(current.modules):,} modules"
    )
    chosen = st.session_state.get(SCENARIO)
    if chosen is not None:
        text += f"  \n**Plan:** {plain(chosen.name)}"  # its verdict is on Solve
    slot.caption(text)


# ----------------------------------------------------------------------------- scenarios

SCENARIO = "scenario"  # the current Scenario (a solved plan with its cohort and settings)
RESULT = "result"  # the live result object behind it (this session only; not after a restore)
SCHEME_KEY = "keep_scheme"


@st.cache_resource(show_spinner=False)
def _store(path: str):
    from workbench.scenarios.store import ScenarioStore

    return ScenarioStore(path)


def store():
    """The embedded scenario store (shared file; every call filters by this session's owner)."""
    from workbench.scenarios.store import StoreError, default_store_path

    try:
        return _store(str(default_store_path()))
    except StoreError as exc:
        st.warning(f"Saved scenarios are not available: {plain(exc)}")
        return None


def scenario():
    return st.session_state.get(SCENARIO)


def current_scheme() -> str:
    return st.session_state.setdefault(SCHEME_KEY, "mentoring")


PENDING_SETTINGS = "pending_settings"  # a reopened plan's settings, for the settings controls


def use_scenario(
    chosen, result: Any = None, from_store: bool = False, restoring: bool = False
) -> None:
    """Make a scenario the current one; a scenario from the store also brings its cohort (and
    replaces the workspace's kept cohort, unless the session is only being restored)."""
    ss = st.session_state
    ss[SCENARIO] = chosen
    ss[RESULT] = result
    if from_store:
        ss[COHORT_KEY] = chosen.cohort()
        ss[FINGERPRINT] = f"scenario-{chosen.id}"
        ss[LABEL] = f"{chosen.cohort_name} (from the scenario '{chosen.name}')"
        ss[SCHEME_KEY] = chosen.scheme
        # The Scheme and Solve pages put these back into their controls (forms.apply_pending).
        ss[PENDING_SETTINGS] = (chosen.scheme, chosen.settings)
        for key in ("locked_pairs", "previous_pairs", "locked_sessions"):
            ss.pop(key, None)
        saved = store() if not restoring else None
        if saved is not None:
            with contextlib.suppress(Exception):  # nothing kept, or a store that cannot write
                saved.forget_cohort(owner())


def solve_and_save(current: Cohort, scheme: str, settings: Any, name: str, notes: str = ""):  # noqa: F811
    """Solve, wrap the plan as a scenario and save it for this workspace (never cached)."""
    from workbench.review.jobs import solve_plan

    result, made = run_solve(
        solve_plan,
        current,
        scheme,
        settings,
        name=name,
        notes=notes,
        assumptions=assumptions(scheme, settings),
        cost_rates=cost_rates(),
    )
    made._cohort = current  # the worker's copy of the cohort is the same cohort
    save_to_store(made, "solved a plan")
    use_scenario(made, result)
    return made


def save_to_store(made, action: str = "saved a plan") -> bool:
    """Save a scenario for this workspace; a store that cannot take it (e.g. a full disk) is
    reported and the plan stays in use for this session. ``action`` goes to the audit log."""
    from workbench.scenarios.store import StoreError

    saved = store()
    if saved is None:
        made.touch()
        return False
    try:
        saved.save(made, owner())
        signin.record(saved, action, made.name)
    except StoreError as exc:
        st.warning(
            f"The plan could not be saved to your scenarios: {plain(exc)} It stays open in this "
            "session; download it from the Report page to keep it."
        )
        return False
    return True


def restore_last(plan: str = "", only: bool = False) -> None:
    """On a new session with a workspace key: reopen the plan named in the address (``plan=``),
    else the workspace's most recently saved scenario (``only``: that plan or none)."""
    saved = store()
    if saved is None:
        return
    try:
        # Every session reopening the same plan version shares one copy of it (session_memory).
        versions = {info.id: info.updated for info in saved.list(owner())}
        chosen = plan if _WS.fullmatch(plan or "") and plan in versions else ""
        chosen = chosen or ("" if only else next(iter(versions), ""))
        last = None
        if chosen:
            last = session_memory.restored_scenario(
                str(saved.path), owner(), chosen, versions[chosen]
            )
    except Exception as exc:  # noqa: BLE001 (a damaged entry must not block the app)
        st.warning(f"Your last scenario could not be reopened: {plain(exc)}")
        return
    if last is not None:
        use_scenario(last, from_store=True, restoring=True)
        st.toast(f"Reopened your last scenario: {plain(last.name)}")


def after_page(slot) -> None:
    """After every page: the current plan in the address (so a refresh reopens it) and the
    sidebar reminder."""
    chosen = scenario()
    if chosen is not None and st.query_params.get("plan") != chosen.id:
        st.query_params["plan"] = chosen.id
    sidebar_status(slot)


@st.cache_data(max_entries=16, show_spinner="Working out coverage and cost...")
def analysis_of(scenario_key: str, _chosen):
    """Coverage, cost and charts of a scenario (with its saved assumptions), once per scenario."""
    from workbench.review.report import analyse

    return analyse(_chosen, charts=True)


def scenario_key(chosen) -> str:
    return f"{chosen.id}-{chosen.updated}"


def require_scenario(scheme: str | None = None):
    """The current solved scenario; otherwise say what to do first and stop."""
    require_cohort()
    chosen = scenario()
    if chosen is None and signin.is_viewer():
        viewer_has_no_plan()
    if chosen is None or (scheme is not None and chosen.scheme != scheme):
        st.info("**Next, solve a plan.** Choose a scheme and its settings, then press Solve.")
        cols = st.columns(2)
        cols[0].page_link(SCHEME, label="Choose a scheme", icon=":material/tune:")
        cols[1].page_link(SOLVE, label="Go to Solve", icon=":material/play_circle:")
        st.stop()
    return chosen


def solve_variation(
    current: Cohort,
    scheme: str,
    settings: Any,
    changes: dict[str, float],
    name: str,
    volunteers_grow: bool = True,
):
    """Apply what-if changes (intake, recruitment, capacity...), solve and save the variation.

    The variation is saved to the workspace's scenarios but does not replace the current plan.
    """
    from workbench.review.jobs import solve_plan

    _, made = run_solve(
        solve_plan,
        current,
        scheme,
        settings,
        name=name,
        assumptions=assumptions(scheme, settings),
        cost_rates=cost_rates(),
        changes=changes,
        volunteers_grow=volunteers_grow,
    )
    save_to_store(made, "solved a what-if variation")
    return made


def saved_scenarios(scheme: str | None = None) -> dict[str, str]:
    """This workspace's saved scenarios: id -> name (most recent first)."""
    saved = store()
    if saved is None:
        return {}
    return {
        info.id: f"{info.name} ({info.updated[:16].replace('T', ' ')})"
        for info in saved.list(owner())
        if (scheme is None or info.scheme == scheme) and signin.may_open(info.id)
    }


def load_saved(scenario_id: str):
    return store().load(scenario_id, owner())


@st.cache_data(max_entries=16, show_spinner=False)
def comparison(ids: tuple[str, ...], workspace: str, stamp: str):
    """Headline figures of saved scenarios side by side (cached until one is saved again)."""
    from workbench.review.whatif import compare_scenarios

    saved = store()
    return compare_scenarios([saved.load(i, workspace) for i in ids])


def compare(ids: list[str]):
    saved = store()
    if saved is None or not ids:
        return None
    stamps = {info.id: info.updated for info in saved.list(owner())}
    return comparison(tuple(ids), owner(), "|".join(stamps.get(i, "") for i in ids))


# ----------------------------------------------------------------------------- report and files


def forget_open_plan() -> None:
    """After an erasure: drop this session's cohort and plan and every cached copy of a saved
    one (they may hold the student); the next page reads the corrected store."""
    for key in (COHORT_KEY, FINGERPRINT, LABEL, SCENARIO, RESULT):
        st.session_state.pop(key, None)
    session_memory.restored_scenario.clear()
    session_memory.restored_cohort.clear()
    st.cache_data.clear()


def save_notes(chosen, text: str) -> None:
    """Keep the coordinator's notes with the scenario (saved again in the store)."""
    chosen.notes = text
    save_to_store(chosen)
