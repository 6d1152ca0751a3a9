"""Through app.py with sign-in on (AppTest's signed-in user): a coordinator's open session
drops a student another coordinator forgot, and says so once."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from workbench.access.erasure import forget_student
from workbench.access.workspaces import COORDINATOR, Access
from workbench.scenarios.store import ScenarioStore, default_store_path

CASEY, ROBIN = "casey@uni.ac.uk", "robin@uni.ac.uk"
APP = Path(__file__).resolve().parents[1] / "app.py"
SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "workbench",
        "client_secret": "secret",
        "server_metadata_url": "http://localhost:1/.well-known/openid-configuration",
    },
    "workbench": {"coordinators": ["casey@uni.ac.uk", "robin@uni.ac.uk"]},
}


def _session(email: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in SECRETS.items():
        app.secrets[key] = value
    app.user = {"email": email, "name": email.split("@")[0].title(), "is_logged_in": True}
    return app


def _notices(app: AppTest) -> list[str]:
    return [e.value.replace("\u2060", "").replace("\\@", "@") for e in app.info]


def test_an_open_session_drops_a_student_forgotten_by_a_colleague(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    casey = _session(CASEY).run()
    [start] = [b for b in casey.button if b.label == "Start with the sample department"]
    start.click().run()
    casey.switch_page("app_pages/solve.py").run()
    [solve] = [b for b in casey.button if b.label == "Solve"]
    solve.click().run()
    assert not casey.exception, [e.value for e in casey.exception]
    plan = casey.session_state["scenario"]
    mentee = str(plan.results["matches"]["mentee_id"].iloc[0])
    assert mentee in set(plan.cohort_tables["students"]["student_id"].astype(str))

    store = ScenarioStore(default_store_path())
    access = Access(store)
    [workspace] = [m.workspace for m in access.memberships(CASEY)]
    access.share(workspace, CASEY, ROBIN, COORDINATOR)
    report = forget_student(store, workspace, mentee, ROBIN)
    assert report.changed  # the saved plan named the student

    casey.run()  # Casey's next click, anywhere
    assert not casey.exception, [e.value for e in casey.exception]
    reloaded = casey.session_state["scenario"]
    assert mentee not in set(reloaded.cohort_tables["students"]["student_id"].astype(str))
    assert mentee not in set(reloaded.results["matches"]["mentee_id"].astype(str))
    assert mentee not in set(casey.session_state["cohort"].students["student_id"].astype(str))
    said = [n for n in _notices(casey) if "erased" in n]
    assert len(said) == 1 and ROBIN in said[0], _notices(casey)
    casey.run()
    assert not [n for n in _notices(casey) if "erased" in n]  # said once
