"""What a browser session may keep in the server's memory, and releasing it when it ends.

Every reload of a page is a new Streamlit session; the old one is kept by Streamlit for a while
(``server.disconnectedSessionTTL``, two minutes) in case the browser reconnects, and was only
dropped when a later session happened to disconnect. With a whole university's cohort a reload
then cost 90-120 MB that stayed after the browser had gone. Two things bound it:

* A session that reopens its workspace (a reload, a second tab) shares the restored plan and
  cohort with the other sessions of that workspace (:func:`restored_scenario`,
  :func:`restored_cohort`: one copy per plan version, a few kept), instead of reading and
  validating its own copy.
* A janitor thread (one per server, :func:`start_janitor`) closes sessions whose browser has
  been gone for ``WORKBENCH_SESSION_RELEASE_S`` seconds (default 30) the way Streamlit closes a
  session (its state, uploads and media are released), then returns the freed memory to the
  operating system (``gc`` and glibc's ``malloc_trim``).

The janitor reads Streamlit's session storage (``MemorySessionStorage``); on a Streamlit whose
storage looks different it does nothing, and Streamlit's own expiry applies.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import threading
import time
from typing import Any

import streamlit as st

LOG = logging.getLogger(__name__)
RELEASE_AFTER_S = float(os.environ.get("WORKBENCH_SESSION_RELEASE_S", "30"))
SWEEP_EVERY_S = max(1.0, min(10.0, RELEASE_AFTER_S / 3))
KEPT_RESTORES = 6  # plan versions (and kept cohorts) shared by reopening sessions


@st.cache_resource(max_entries=KEPT_RESTORES, show_spinner=False)
def restored_scenario(store_path: str, owner: str, scenario_id: str, updated: str) -> Any:
    """The saved plan ``scenario_id`` as of ``updated``, with its cohort validated: one shared
    copy for every session of the workspace that reopens it."""
    from workbench.scenarios.store import ScenarioStore

    chosen = ScenarioStore(store_path).load(scenario_id, owner)
    chosen.cohort()
    return chosen


@st.cache_resource(max_entries=KEPT_RESTORES, show_spinner=False)
def restored_cohort(store_path: str, owner: str, fingerprint: str, saved: str) -> Any:
    """The workspace's kept cohort (``fingerprint`` as saved at ``saved``; validated once and
    shared by the sessions that reopen the workspace)."""
    from workbench.scenarios.store import ScenarioStore

    kept = ScenarioStore(store_path).kept_cohort(owner)
    if kept is not None:
        kept.cohort()
    return kept


# ----------------------------------------------------------------------------- the janitor


def _storage_ages() -> tuple[Any, dict[str, float]] | None:
    """(runtime, {session id: seconds since its browser went}) or None when not readable."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None
    runtime = Runtime.instance()
    storage = getattr(getattr(runtime, "_session_mgr", None), "_session_storage", None)
    cache = getattr(storage, "_cache", None)
    expirations = getattr(cache, "_expirations", None)
    ttl = getattr(cache, "ttl", None)
    timer = getattr(cache, "timer", None)
    if not isinstance(expirations, dict) or ttl is None or not callable(timer):
        return None
    now = timer()
    return runtime, {key: now - (expires - ttl) for key, expires in list(expirations.items())}


def release_closed_sessions(after_s: float = RELEASE_AFTER_S) -> int:
    """Close the sessions whose browser has been gone ``after_s`` seconds; how many."""
    found = _storage_ages()
    if found is None:
        return 0
    runtime, ages = found
    gone = [key for key, age in ages.items() if age >= after_s]
    if not gone:
        return 0
    loop = runtime._get_async_objs().eventloop
    done = threading.Event()

    def close() -> None:  # on Streamlit's event loop, as Streamlit closes sessions
        try:
            for key in gone:
                runtime.close_session(key)
        finally:
            done.set()

    loop.call_soon_threadsafe(close)
    done.wait(timeout=10)
    return len(gone)


def give_back_memory() -> None:
    """Collect garbage and hand freed heap pages back to the operating system."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _sweep_forever() -> None:
    while True:
        time.sleep(SWEEP_EVERY_S)
        try:
            if release_closed_sessions():
                give_back_memory()
        except Exception:  # noqa: BLE001 (the janitor must never stop the server)
            LOG.debug("session janitor: nothing released", exc_info=True)


@st.cache_resource(show_spinner=False)
def start_janitor() -> threading.Thread:
    """Start the server's one janitor thread (called by every session; starts it once)."""
    thread = threading.Thread(target=_sweep_forever, name="workbench-session-janitor", daemon=True)
    thread.start()
    return thread
