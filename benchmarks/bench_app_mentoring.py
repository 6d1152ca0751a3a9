"""A whole-university mentoring solve in the browser against the same solve on the command line.

    python benchmarks/bench_app_mentoring.py [--students 40000] [--port 0]

Writes a generated cohort (as ``bench_mentoring.py`` does) as the sample "department" in a
scratch folder, then:

* **command line**: ``python -m workbench solve mentoring FOLDER --out OUT``, timed as a whole
  process (reading the files, the solve, the verdict and its measured fixes, writing the plan);
* **app**: ``streamlit run app.py -- --sample department`` (``WORKBENCH_SAMPLE_ROOT`` pointing at
  the scratch folder), opened in Debian's headless Chromium through Playwright: the session starts
  with the cohort loaded; on the Solve page (peer mentoring, the defaults) the clock runs from the
  click on **Solve** until the plan is shown (its "Mentees matched" figure painted and the script
  idle); the time the page itself shows for the solve is read off the page;
* **what-if point**: on the What-if page, intake x1.2, from the click on **Solve with these
  changes** until the variation's comparison is shown;
* **peak memory**: the memory of the server process and all its children (solve and reading
  workers, the fork server), summed, sampled every 0.1 s over the whole run: their proportional
  memory (PSS: a page the server shares with a worker it forked is counted once, so the sum is
  what they take from the machine), and beside it their resident sizes summed (RSS, counting a
  shared page in every process that maps it).

Targets (issue 18): the app within 1.5x of the command line for the same solve, a what-if point
within 1.5x of a solve, the server with its workers under 1 GB at peak, and the time shown is
the whole wait.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))  # the browser tests' server starter
from bench_mentoring import write_cohort  # noqa: E402
from e2e_support import free_port, start_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
IDLE = '[data-test-script-state="notRunning"]'
APP_RATIO_TARGET = 1.5
WHATIF_RATIO_TARGET = 1.5
PEAK_TARGET_MB = 1024


class PeakMemory:
    """The largest sum of memory of a process and all its children, sampled.

    Two sums: resident memory (RSS) counts a page shared by the server and the workers it forked
    once per process; proportional memory (PSS) shares such a page between them, so its sum is
    what the processes take from the machine. ``breakdown``: each process's PSS at the PSS peak.
    """

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.root, self.every = psutil.Process(pid), every
        self.peak = self.peak_pss = 0
        self.breakdown: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _name(process: psutil.Process) -> str:
        with contextlib.suppress(psutil.Error):
            line = " ".join(process.cmdline())[:80]
            return line or process.name()
        return "?"

    def _sample(self) -> None:
        rss = pss = 0
        parts: list[tuple[str, int]] = []
        for process in [self.root, *self.root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                info = process.memory_full_info()
                rss += info.rss
                pss += info.pss
                parts.append((self._name(process), info.pss))
        self.peak = max(self.peak, rss)
        if pss > self.peak_pss:
            self.peak_pss, self.breakdown = pss, parts

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self._sample()
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def cli_seconds(folder: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "workbench", "solve", "mentoring", str(folder), "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


def _idle(page, timeout: float = 300_000) -> None:
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)
    page.wait_for_timeout(200)
    page.wait_for_selector(IDLE, state="attached", timeout=timeout)


def _nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    _idle(page)


def _until_shown(page, started: float, text: str) -> float:
    """Seconds from ``started`` until ``text`` is on the page and the script is idle."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=300_000)
    page.wait_for_selector(IDLE, state="attached", timeout=300_000)
    return time.perf_counter() - started


def in_browser(url: str) -> dict[str, float | str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_context(viewport={"width": 1400, "height": 1500}).new_page()
        page.set_default_timeout(300_000)
        started = time.perf_counter()
        page.goto(url)
        _idle(page)
        first = time.perf_counter() - started
        _nav(page, "Solve")
        page.get_by_role("button", name="Solve", exact=True).click()
        started = time.perf_counter()
        solve = _until_shown(page, started, "Mentees matched")
        _idle(page)
        shown = page.get_by_text(re.compile(r"^Plan made \(")).first.inner_text()
        _nav(page, "What-if")
        page.get_by_text("Try a change", exact=True).wait_for()
        intake = page.get_by_role("slider").first
        intake.focus()
        for _ in range(4):  # 1.00 -> 1.20
            intake.press("ArrowRight")
        page.get_by_role("button", name="Solve with these changes").click()
        started = time.perf_counter()
        point = _until_shown(page, started, "the latest variation side by side")
        browser.close()
    return {"first_s": first, "solve_s": solve, "shown": shown, "whatif_s": point}


def run(students: int, port: int) -> dict[str, float | str]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "samples" / "department"
        write_cohort(students, folder)
        cli = cli_seconds(folder, tmp / "cli")
        server = start_server(
            tmp / "data",
            tmp / "streamlit.log",
            port=port,
            app_args=("--sample", "department"),
            env={"WORKBENCH_SAMPLE_ROOT": str(tmp / "samples")},
        )
        try:
            with PeakMemory(server.process.pid) as memory:
                row = in_browser(server.url)
        finally:
            server.stop()
        row.update(
            students=students,
            cli_s=cli,
            peak_MB=memory.peak_pss / 2**20,
            peak_rss_MB=memory.peak / 2**20,
            breakdown=[(name, pss / 2**20) for name, pss in memory.breakdown],
        )
    return row


def table(row: dict) -> str:
    app_ratio = row["solve_s"] / row["cli_s"]
    point_ratio = row["whatif_s"] / row["solve_s"]

    def ok(good: bool) -> str:
        return "yes" if good else "NO"

    return "\n".join(
        [
            "| students | command line s | app solve s (click to plan) | app / command line "
            "| time the page shows | what-if point s | point / solve | peak MB (server + workers) "
            "| resident MB summed |",
            "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
            f"| {row['students']:,} | {row['cli_s']:.2f} | {row['solve_s']:.2f} "
            f"| {app_ratio:.2f}x ({ok(app_ratio <= APP_RATIO_TARGET)}) | {row['shown']} "
            f"| {row['whatif_s']:.2f} | {point_ratio:.2f}x ({ok(point_ratio <= WHATIF_RATIO_TARGET)}) "
            f"| {row['peak_MB']:,.0f} ({ok(row['peak_MB'] < PEAK_TARGET_MB)}) "
            f"| {row['peak_rss_MB']:,.0f} |",
            "",
            f"first page with the cohort loaded: {row['first_s']:.1f} s; targets: app within "
            f"{APP_RATIO_TARGET}x of the command line, a what-if point within "
            f"{WHATIF_RATIO_TARGET}x of a solve, peak under {PEAK_TARGET_MB:,} MB (the "
            "processes' proportional memory, a page shared by the server and a worker it forked "
            "counted once; the resident sizes summed count it in each)",
            "",
            "at the peak: "
            + "; ".join(f"{name} {mb:,.0f} MB" for name, mb in row.get("breakdown", [])),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40_000)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args(argv)
    row = run(args.students, args.port or free_port())
    print(table(row))
    met = (
        row["solve_s"] <= APP_RATIO_TARGET * row["cli_s"]
        and row["whatif_s"] <= WHATIF_RATIO_TARGET * row["solve_s"]
        and row["peak_MB"] < PEAK_TARGET_MB
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
