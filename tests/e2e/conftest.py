"""End-to-end fixtures: a real `streamlit run app.py` server and Debian's headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, Server, start_server


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        message = (
            "Debian's chromium is not installed (/usr/bin/chromium); scripts/test.sh installs it"
        )
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI the browser tests must run, never skip quietly
        pytest.skip(message)
    pytest.importorskip("playwright.sync_api")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("server")
    running = start_server(folder / "data", folder / "streamlit.log")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
