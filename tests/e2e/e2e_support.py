"""End-to-end support: start `streamlit run app.py`, Chromium settings, screenshot folders."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = '[data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(
    data_dir: Path,
    log: Path,
    port: int | None = None,
    options: tuple[str, ...] = (),
    app_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Server:
    """`streamlit run app.py` headless on a free localhost port, using the repo's config
    (``options``: more Streamlit options, e.g. ``--secrets.files=...``; ``app_args``: the
    app's own, e.g. ``--sample department``; ``env``: more environment variables)."""
    port = port or free_port()
    env = {
        **os.environ,
        **(env or {}),
        "WORKBENCH_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless=true",
                f"--server.port={port}",
                "--server.address=127.0.0.1",
                *options,
                *(["--", *app_args] if app_args else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer,
        ):
            if answer.status == 200:
                return Server(url, process, log)
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not start in 60 s:\n{log.read_text()[-3000:]}")


def copy_to_docs(names: list[str]) -> None:
    """Refresh the README's screenshots (only when WORKBENCH_UPDATE_SCREENSHOTS=1)."""
    if os.environ.get("WORKBENCH_UPDATE_SCREENSHOTS") != "1":
        return
    docs = ROOT / "docs" / "screenshots"
    docs.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = SCREENSHOTS / name
        if source.exists():
            shutil.copyfile(source, docs / name)
