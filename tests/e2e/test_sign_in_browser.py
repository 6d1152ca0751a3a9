"""A shared deployment in a real browser: sign-in through a local OpenID provider, two roles.

The tests start a small OpenID Connect provider on localhost (``oidc-provider-mock``, as
Streamlit's own tests of ``st.login`` do) and the app with secrets naming it, then sign in
through the provider's form as

- a coordinator (``coord@uni.ac.uk``): every page, solves a plan, shares the workspace with a
  head of department as a viewer, makes a read-only link, and sees the audit log;
- the head of department (viewer): only Home, Coverage and the report; no upload, solve or
  edit on any page (every other page's address shows Home instead); the report without the
  plan's lists of students until the coordinator allows them;
- another coordinator (``other@uni.ac.uk``): their own, empty workspace; never the first one's,
  not even with its key in the address or with a link made for someone else;
- a head of another department (``dean@uni.ac.uk``), in no workspace: opens the read-only link
  made for them while signed out, signs in and lands on that plan without opening the link
  again (sign-in returns to the app's start address, without the link); the head of department,
  who is in the workspace, keeps it and finds the link's plan in the sidebar's Workspace list.

A signed-out browser sees nothing but the sign-in page, at every address. axe-core checks the
pages only a shared deployment has (sign-in, Workspace). The store file the server wrote is
read at the end: its audit log holds every action the test took.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import oidc_provider_mock
import pytest
from e2e_support import ROOT, free_port, start_server
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_accessibility import _axe_source, _report, audit, blocking
from test_browser import _idle, _nav, _open

from workbench.access import audit as audit_log
from workbench.scenarios.store import DB_NAME, ScenarioStore

pytestmark = pytest.mark.e2e

SAMPLE = ROOT / "sample_data" / "department"
COORD, HEAD, OTHER = "coord@uni.ac.uk", "head@uni.ac.uk", "other@uni.ac.uk"
DEAN = "dean@uni.ac.uk"  # a head of another department, in no workspace: only a link
NAMES = {COORD: "Casey Coordinator", HEAD: "Harper Head", OTHER: "Olu Other", DEAN: "Dana Dean"}
# Every page's address, and the page title a coordinator sees there.
PAGES = {
    "cohort": "Cohort",
    "scheme": "Scheme",
    "solve": "Solve",
    "coverage": "Coverage",
    "what-if": "What-if",
    "volunteers": "Volunteers",
    "scheme-of-work": "Scheme of work",
    "messages": "Messages",
    "attendance": "Attendance",
    "monitoring": "Monitoring",
    "evaluation": "Evaluation",
    "report": "Report and export",
    "workspace": "Workspace",
}
VIEWER_PAGES = ["Home", "Coverage", "Report and export"]


@pytest.fixture(scope="module")
def provider():
    with oidc_provider_mock.run_server_in_thread(port=0) as server:
        url = f"http://localhost:{server.server_port}"
        for email, name in NAMES.items():
            answer = httpx.put(f"{url}/users/{quote(email)}", json={"email": email, "name": name})
            assert answer.status_code == 204
        yield url


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, provider):
    """The app with sign-in on (secrets in a temporary file), starting on the sample."""
    if not SAMPLE.is_dir():
        pytest.skip("the sample department is not installed")
    folder = tmp_path_factory.mktemp("deployment")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(24).hex()}"\n'
        'client_id = "workbench"\n'
        'client_secret = "not-a-secret-in-tests"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        "[workbench]\n"
        f'coordinators = ["{COORD}", "{OTHER}"]\n',
        encoding="utf-8",
    )
    running = start_server(
        folder / "data",
        folder / "streamlit.log",
        port=port,
        options=(f"--secrets.files={secrets}",),
        app_args=("--sample", "department"),
    )
    running.store_path = folder / "data" / DB_NAME
    yield running
    running.stop()


def _sign_in(browser, url: str, email: str, path: str = ""):
    """A new browser signed in as ``email`` through the provider's form, at ``url/path``."""
    context, page, outside = _open(browser, f"{url}/{path}")
    # The test provider's form asks a CDN for a stylesheet: refused, so no test waits on it.
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort())
    button = page.get_by_role("button", name="Sign in with your university account")
    button.wait_for()
    if "link=" in path:
        assert "the plan opens once you have signed in" in _main(page)
    button.click()
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**")
    _idle(page)
    outside.clear()  # the test provider's own form loads a stylesheet from a CDN; the app never
    return context, page, outside


def _titles(page) -> list[str]:
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [t.strip() for t in links.all_inner_texts() if t.strip()]


def _heading(page) -> str:
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=60_000)
    return page.locator('[data-testid="stMain"] h1').first.inner_text().strip()


def _heading_is(page, title: str) -> bool:
    """Whether the page's heading becomes ``title`` (a page switch after a click may paint after
    the script looked idle on a busy machine); False after a minute."""
    wanted = page.locator('[data-testid="stMain"] h1').filter(has_text=title).first
    try:
        wanted.wait_for(timeout=60_000)
    except PlaywrightTimeout:
        return False
    return _heading(page) == title


def _main(page) -> str:
    """The page's text (without the word joiner the app puts before an @ in file text)."""
    return page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")


def _sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text().replace("\u2060", "")


def test_signed_out_sees_only_the_sign_in_page(browser, deployment):
    context, page, outside = _open(browser, deployment.url)
    try:
        source = _axe_source()
        for path in ["", *PAGES, "?ws=" + "0" * 32]:
            page.goto(f"{deployment.url}/{path}")
            _idle(page)
            assert _heading_is(page, "Sign in"), (path, _heading(page))
            assert _titles(page) == [], f"{path}: navigation shown to a signed-out browser"
            text = _main(page)
            assert "students" not in text.lower() or "student data" in text.lower(), text
        found = blocking(audit(page, source))
        assert not found, _report("sign-in page", found)
        assert not outside, f"requests left the machine: {outside}"
    finally:
        context.close()


def test_each_role_does_exactly_what_it_should(browser, deployment):
    url, source = deployment.url, _axe_source()
    # ---- the coordinator: every page, a solve, sharing, a link, the audit log
    coord, page, outside = _sign_in(browser, url, COORD)
    try:
        assert _titles(page) == ["Home", *PAGES.values()]
        assert "Start here" in _main(page)
        _nav(page, "Solve")
        page.get_by_role("button", name="Solve", exact=True).click()
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
        _idle(page)
        _nav(page, "Workspace")
        assert _heading_is(page, "Workspace"), _heading(page)
        found = blocking(audit(page, source))
        assert not found, _report("Workspace page", found)
        page.get_by_label("Their university e-mail", exact=True).fill(HEAD)
        page.get_by_role("button", name="Share", exact=True).click()
        _idle(page)
        assert f"Shared with {HEAD} as a viewer" in _main(page)
        page.get_by_label("For (their university e-mail)", exact=True).fill(HEAD)
        page.get_by_role("button", name="Make the link").click()
        _idle(page)
        link = page.locator('[data-testid="stCode"]').inner_text().strip()
        assert "?link=" in link, link
        page.get_by_label("For (their university e-mail)", exact=True).fill(DEAN)
        page.get_by_role("button", name="Make the link").click()
        page.locator('[data-testid="stCode"]').filter(has_not_text=link).wait_for()
        dean_link = page.locator('[data-testid="stCode"]').inner_text().strip()
        assert "Who did what" in _main(page)  # the log's rows are checked on disk below
        workspace = page.evaluate("() => new URL(location.href).searchParams.get('ws')")
        assert not outside, f"requests left the machine: {outside}"
    finally:
        coord.close()

    # ---- the head of department: a viewer
    head, page, outside = _sign_in(browser, url, HEAD)
    try:
        assert _titles(page) == VIEWER_PAGES
        text = _main(page)
        assert "Plans shared with you" in text and "Start here" not in text
        assert "Delete" not in text and ".wbscenario" not in text
        for path, title in PAGES.items():  # every coordinator-only address shows Home instead
            if title in VIEWER_PAGES:
                continue
            page.goto(f"{url}/{path}")
            _idle(page)
            assert _heading(page) != title, f"a viewer opened {title}"
            assert not page.get_by_role("button", name="Solve", exact=True).count()
            assert not page.locator('[data-testid="stFileUploader"]').count(), path
        page.goto(url)
        _idle(page)
        page.get_by_role("button", name="Open this plan").click()
        _idle(page)
        assert _heading_is(page, "Coverage"), _heading(page)
        _nav(page, "Report and export")
        text = _main(page)
        assert "leaves out the plan's lists of students" in text
        assert "Save the notes" not in text
        assert not page.get_by_role("button", name="Everything as an Excel workbook").count()
        assert not page.get_by_role("button", name="Scenario file to send to a colleague").count()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the report").click()
        report = Path(download.value.path()).read_text(encoding="utf-8")
        students = (SAMPLE / "students.csv").read_text(encoding="utf-8").splitlines()[1:]
        ids = [row.split(",")[0] for row in students]
        assert not [i for i in ids if f">{i}<" in report], "a student id in the viewer's report"
        _idle(page)
        assert not outside, f"requests left the machine: {outside}"
    finally:
        head.close()

    # ---- the coordinator lets viewers see the lists of students: the files appear
    coord, page, _ = _sign_in(browser, url, COORD)
    try:
        _nav(page, "Workspace")
        page.get_by_text("Viewers may see the lists of students").click()
        _idle(page)
    finally:
        coord.close()
    head, page, _ = _sign_in(browser, url, HEAD)
    try:
        page.get_by_role("button", name="Open this plan").click()
        _idle(page)
        _nav(page, "Report and export")
        assert "leaves out the plan's lists of students" not in _main(page)
        assert page.get_by_role("button", name="Everything as an Excel workbook").count() == 1
        assert not page.get_by_role("button", name="Solve", exact=True).count()
    finally:
        head.close()

    # ---- the read-only link: the named viewer only
    other, page, _ = _sign_in(browser, url, OTHER, f"?ws={workspace}")
    try:
        assert "Start here" in _main(page)  # their own new workspace, not the first one
        assert "None yet" in _main(page)
        page.goto(link)
        _idle(page)
        assert "None yet" in _main(page), "a link for someone else opened the plan"
    finally:
        other.close()
    # Opened signed out: signing in returns to the app's start address (Streamlit keeps no
    # address), and someone in no workspace lands on their link's plan all the same.
    dean, page, _ = _sign_in(browser, url, DEAN, dean_link.split("/", 3)[-1])
    try:
        assert _titles(page) == VIEWER_PAGES
        assert _heading_is(page, "Peer-support planning workbench"), _heading(page)
        assert "Plans shared with you" in _main(page)
        side = _sidebar(page)
        assert f"{DEAN}: viewer of a shared plan" in side and "Plan:" in side, side
        token = page.evaluate("() => new URL(location.href).searchParams.get('link')")
        assert dean_link.endswith(f"?link={token}")  # a refresh opens the same plan
    finally:
        dean.close()
    # The head of department is in the workspace: they keep it, and the link's plan is in the
    # sidebar's Workspace list.
    head, page, _ = _sign_in(browser, url, HEAD, link.split("/", 3)[-1])
    try:
        assert f"{HEAD}: viewer of Casey Coordinator's workspace" in _sidebar(page)
        page.get_by_role("combobox", name="Workspace", exact=True).click()
        page.get_by_role("option").filter(has_text="(read-only link)").first.click()
        _idle(page)
        side = _sidebar(page)
        assert f"{HEAD}: viewer of a shared plan" in side and "Plan:" in side, side
        assert "Plans shared with you" in _main(page)
    finally:
        head.close()

    # ---- the audit log on disk: every action above, by whom
    log = audit_log.entries(ScenarioStore(deployment.store_path), workspace)
    done = set(zip(log["Who"], log["What"], strict=True))
    for expected in [
        (COORD, "signed in"),
        (COORD, "solved a plan"),
        (COORD, "shared the workspace"),
        (COORD, "made a read-only link"),
        (COORD, "changed what viewers see"),
        (HEAD, "signed in"),
        (HEAD, "exported"),
        (HEAD, "opened a read-only link"),
        (DEAN, "signed in"),
        (DEAN, "opened a read-only link"),
    ]:
        assert expected in done, (expected, sorted(done))
