"""An uploaded cohort is kept with the workspace, like a plan (issue 11, item 9).

A refresh (a new session with the same ``?ws=``) before any solve brings back the uploaded
cohort, never the sample; after a solve and a later upload it brings back the later upload with
the plan; reopening a saved plan makes that plan's cohort the workspace's again. The store keeps
one cohort per workspace, in the checked scenario file format. The browser and a real server
restart are in tests/e2e/test_kept_cohort_browser.py (the sidebar on every page).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from test_app import SAMPLE, button, new_app, no_errors, page, sample_zip

from workbench.cohort.generate import generate_tables
from workbench.cohort.loading import cohort_to_tables
from workbench.scenarios.store import SCHEMA_VERSION, ScenarioStore, create_v1_store

needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample department not installed")
PAGES = ["home", "cohort", "scheme", "solve", "coverage", "whatif", "report"]


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


def generated_zip(n: int = 120, seed: int = 5, broken: bool = False) -> bytes:
    """A generated cohort as a zip; ``broken``: its students have no student_id column."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, frame in generate_tables(n, seed).items():
            if broken and name == "students":
                frame = frame.drop(columns=["student_id"])
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()


def upload(at, name: str, data: bytes):
    at = page(at, "cohort")
    at.file_uploader[0].set_value((name, data, "application/zip")).run()
    no_errors(at)
    return at


def refreshed(owner: str, plan: str = ""):
    """A new browser session on the same workspace address (what a reload is)."""
    at = new_app()
    at.query_params["ws"] = owner
    if plan:
        at.query_params["plan"] = plan
    at.run()
    no_errors(at)
    return at


# ------------------------------------------------------------------------------ the store


def _tables(n: int, seed: int):
    from workbench.cohort.validation import validate_tables

    result = validate_tables(generate_tables(n, seed))
    assert result.cohort is not None
    return cohort_to_tables(result.cohort)


def test_store_keeps_one_cohort_per_workspace(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path / "s.sqlite3")
    assert store.kept_cohort("a") is None
    store.keep_cohort("a", _tables(40, 1), "first", "Uploaded: first.zip", "upload-1")
    store.keep_cohort("b", _tables(30, 2), "other", "Uploaded: other.zip", "upload-2")
    store.keep_cohort("a", _tables(50, 3), "second", "Uploaded: second.zip", "upload-3")
    # A new store object on the same file: what a server restart sees.
    again = ScenarioStore(tmp_path / "s.sqlite3")
    kept = again.kept_cohort("a")
    assert kept is not None and kept.label == "Uploaded: second.zip"
    assert kept.fingerprint == "upload-3" and len(kept.cohort().students) == 50
    assert kept.cohort().name == "second"
    expected = _tables(50, 3)["students"].reset_index(drop=True)
    got = cohort_to_tables(kept.cohort())["students"].reset_index(drop=True)
    assert got["student_id"].tolist() == expected["student_id"].tolist()
    assert len(again.kept_cohort("b").cohort().students) == 30
    assert again.count() == 0  # a kept cohort is not a saved scenario
    assert again.forget_cohort("a") and not again.forget_cohort("a")
    assert again.kept_cohort("a") is None and again.kept_cohort("b") is not None


def test_an_old_store_is_upgraded_and_can_keep_a_cohort(tmp_path: Path) -> None:
    path = create_v1_store(tmp_path / "old.sqlite3", [])
    store = ScenarioStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    store.keep_cohort("a", _tables(20, 4), "c", "Uploaded: c.zip", "upload-c")
    assert len(store.kept_cohort("a").cohort().students) == 20


# ------------------------------------------------------------------------------ the app


def test_a_refresh_before_any_solve_brings_back_the_upload_on_every_page() -> None:
    at = upload(new_app().run(), "mine.zip", generated_zip(120))
    owner = at.session_state["owner"]
    assert len(at.session_state["cohort"].students) == 120
    again = refreshed(owner)
    assert again.session_state["cohort_label"] == "Uploaded: mine.zip"
    assert len(again.session_state["cohort"].students) == 120
    assert "scenario" not in again.session_state
    for name in PAGES:
        again = page(again, name)
        no_errors(again)
        assert again.session_state["cohort_label"] == "Uploaded: mine.zip", name
        assert len(again.session_state["cohort"].students) == 120, name
    # The Solve page says whose students it will plan for.
    again = page(again, "solve")
    assert any("mine.zip" in c.value.replace("\\", "") for c in again.caption)


@needs_sample
def test_after_a_solve_the_later_upload_wins_and_a_reopened_plan_brings_its_own() -> None:
    at = new_app().run()
    button(at, "Start with the sample department").click().run()
    owner = at.session_state["owner"]
    at.session_state["keep_time_limit"] = 10
    at = page(at, "solve")
    button(at, "Solve").click().run()
    no_errors(at)
    plan = at.session_state["scenario"]
    assert len(plan.cohort().students) == 300

    at = upload(at, "later.zip", generated_zip(90, seed=8))
    again = refreshed(owner, plan.id)
    assert again.session_state["scenario"].id == plan.id  # the plan is back ...
    assert len(again.session_state["cohort"].students) == 90  # ... with the later upload
    assert again.session_state["cohort_label"] == "Uploaded: later.zip"

    # Reopening the saved plan makes its cohort the workspace's one again.
    again = page(again, "home")
    button(again, "Reopen").click().run()
    no_errors(again)
    assert len(again.session_state["cohort"].students) == 300
    third = refreshed(owner, plan.id)
    assert len(third.session_state["cohort"].students) == 300
    assert "later.zip" not in third.session_state["cohort_label"]


def test_a_bad_upload_keeps_the_good_one_kept() -> None:
    at = upload(new_app().run(), "good.zip", generated_zip(60, seed=3))
    owner = at.session_state["owner"]
    broken = generated_zip(60, seed=3, broken=True)
    at.file_uploader[0].set_value(("broken.zip", broken, "application/zip")).run()
    no_errors(at)
    assert at.error  # the broken upload was refused
    assert at.session_state["cohort_label"] == "Uploaded: good.zip"
    again = refreshed(owner)
    assert again.session_state["cohort_label"] == "Uploaded: good.zip"
    assert len(again.session_state["cohort"].students) == 60


@needs_sample
def test_an_upload_replaces_the_sample_also_after_a_refresh() -> None:
    at = new_app().run()
    button(at, "Start with the sample department").click().run()
    owner = at.session_state["owner"]
    assert len(refreshed(owner).session_state["cohort"].students) == 300
    at = upload(at, "cohort.zip", sample_zip(drop_column=("students", "interests")))
    again = refreshed(owner)
    assert again.session_state["cohort_label"] == "Uploaded: cohort.zip"
    assert again.session_state["cohort_fingerprint"] == at.session_state["cohort_fingerprint"]
    assert again.session_state["cohort"].students["interests"].map(len).eq(0).all()
