"""How fast the app answers, through Streamlit's AppTest, on the faculty sample (~3,000 students).

    python benchmarks/bench_app.py [--sample faculty] [--repeats 5]

For each step it prints the median wall time of the whole script run (the entry script, the
navigation and the page). The reference in the same run is the same rerun with Streamlit's caches
cleared (and the session's kept chart specs dropped), i.e. what every rerun would cost if the
heavy work were not cached on its inputs.

Targets (issue 6): a rerun that changes nothing heavy returns in under 300 ms; the first page
paints in under 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RERUN_TARGET_S = 0.300
FIRST_PAINT_TARGET_S = 3.0


def _timed(at, action=None) -> float:
    started = time.perf_counter()
    (action or at.run)()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return elapsed


def _median(repeats: int, fn) -> float:
    return statistics.median(fn() for _ in range(repeats))


def run(sample: str, repeats: int) -> pd.DataFrame:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    rows: list[dict] = []

    def add(
        step: str,
        seconds: float,
        target: float | None,
        reference: float | None = None,
    ) -> None:
        rows.append(
            {
                "step": step,
                "median_ms": seconds * 1000,
                "uncached_ms": None if reference is None else reference * 1000,
                "target_ms": None if target is None else target * 1000,
                "ok": "" if target is None else ("yes" if seconds < target else "NO"),
            }
        )

    def app() -> AppTest:
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)

    def cold() -> float:
        st.cache_data.clear()
        st.cache_resource.clear()
        return _timed(app())

    add(
        "first paint: Home on a new session (caches cold)",
        _median(repeats, cold),
        FIRST_PAINT_TARGET_S,
    )

    at = app()
    at.run()
    at.session_state["keep_sample_choice"] = sample
    at.switch_page("app_pages/cohort.py").run()
    load = [b for b in at.button if b.label == "Load this sample"][0]
    add(
        f"load the {sample} sample and paint the Cohort page (once)",
        _timed(at, load.click().run),
        None,
    )

    def rerun_cleared() -> float:
        st.cache_data.clear()
        if "_chart_memo" in at.session_state:
            del at.session_state["_chart_memo"]  # the session's chart specs too
        return _timed(at)

    add(
        "rerun of the Cohort page, nothing changed",
        _median(repeats, lambda: _timed(at)),
        RERUN_TARGET_S,
        _median(repeats, rerun_cleared),
    )

    for scheme in ("mentoring", "pass"):
        at.session_state["keep_scheme"] = scheme
        at.session_state["keep_time_limit"] = 60
        at.switch_page("app_pages/scheme.py").run()
        add(
            f"rerun of the Scheme page ({scheme})",
            _median(repeats, lambda: _timed(at)),
            RERUN_TARGET_S,
        )
        at.switch_page("app_pages/solve.py").run()
        solve = [b for b in at.button if b.label == "Solve"][0]
        add(f"solve {scheme} (once, includes the solver)", _timed(at, solve.click().run), None)
        add(
            f"rerun of the Solve page with the {scheme} plan",
            _median(repeats, lambda: _timed(at)),
            RERUN_TARGET_S,
        )
        at.switch_page("app_pages/coverage.py").run()
        add(
            f"rerun of the Coverage page ({scheme})",
            _median(repeats, lambda: _timed(at)),
            RERUN_TARGET_S,
            _median(repeats, rerun_cleared),
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="faculty", help="sample cohort (default: faculty)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data:
        os.environ["WORKBENCH_DATA_DIR"] = data  # a scratch scenario store
        os.chdir(ROOT)
        table = run(args.sample, args.repeats)
    with pd.option_context("display.width", 140, "display.max_colwidth", 70):
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.0f}", na_rep="-"))
    return 0 if (table["ok"] != "NO").all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
