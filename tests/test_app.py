"""The Streamlit app through AppTest: every page, the whole flow, the error paths, exports.

Each test drives ``app.py`` (the real navigation) on the sample department with small solver
time limits. Browser tests are in ``tests/e2e``.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SAMPLE_ROOT = Path(os.environ.get("WORKBENCH_SAMPLE_ROOT", ROOT / "sample_data"))
SAMPLE = SAMPLE_ROOT / "department"
PAGES = ["home", "cohort", "scheme", "solve", "coverage", "whatif", "report"]
TIMEOUT = 60

needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample department not installed")


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own scenario store."""
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT)


def page(at: AppTest, name: str) -> AppTest:
    return at.switch_page(f"app_pages/{name}.py").run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    for kind in (at.info, at.warning, at.error, at.success):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def loaded_sample() -> AppTest:
    at = new_app().run()
    button(at, "Start with the sample department").click().run()
    no_errors(at)
    assert at.session_state["cohort"] is not None
    return at


def sample_zip(drop_column: tuple[str, str] | None = None) -> bytes:
    """The sample department as a zip, optionally with one column removed from one table."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(SAMPLE.glob("*.csv")):
            text = path.read_text(encoding="utf-8")
            if drop_column and path.stem == drop_column[0]:
                lines = text.splitlines()
                header = lines[0].split(",")
                keep = [i for i, h in enumerate(header) if h != drop_column[1]]
                text = "\n".join(",".join(line.split(",")[i] for i in keep)
                                 for line in lines) + "\n"
            archive.writestr(path.name, text)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ structure


def test_no_legacy_pages_folder_beside_the_entry_script() -> None:
    """A `pages/` folder would put Streamlit in legacy mode for cold deep links."""
    assert not (ROOT / "pages").exists()


def test_pages_stay_thin() -> None:
    for name in PAGES:
        source = (ROOT / "app_pages" / f"{name}.py").read_bytes()
        assert len(source) < 12_000, f"{name}.py is {len(source)} bytes"
        assert b"import pulp" not in source and b"from pulp" not in source


def test_config_is_private_and_limits_uploads() -> None:
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert 1 <= config["server"]["maxUploadSize"] <= 200
    assert config["theme"]["font"] == "sans-serif"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_cold_and_says_what_to_do_first(name: str) -> None:
    at = new_app().run()
    at = page(at, name)
    no_errors(at)
    if name != "home" and name != "cohort":
        assert "First, load a cohort" in texts(at)


def test_workspace_key_is_in_the_url_and_kept() -> None:
    at = new_app().run()
    key = at.session_state["owner"]
    assert len(key) == 32 and at.query_params["ws"] == key
    other = new_app()
    other.query_params["ws"] = key
    other.run()
    assert other.session_state["owner"] == key
    forged = new_app()
    forged.query_params["ws"] = "../../etc"
    forged.run()
    assert forged.session_state["owner"] != "../../etc"


# ------------------------------------------------------------------------------ cohort


@needs_sample
def test_sample_loads_and_cohort_page_shows_facts() -> None:
    at = loaded_sample()
    at = page(at, "cohort")
    no_errors(at)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Students"].replace(",", "")) == len(at.session_state["cohort"].students)
    assert len(at.dataframe) >= 4  # quick facts
    assert "Quick facts" in [s.value for s in at.subheader]


@needs_sample
def test_upload_replaces_cohort_and_bad_upload_keeps_it() -> None:
    at = loaded_sample()
    at = page(at, "cohort")
    before = at.session_state["cohort_fingerprint"]
    at.file_uploader[0].set_value(("cohort.zip", sample_zip(), "application/zip")).run()
    no_errors(at)
    good = at.session_state["cohort_fingerprint"]
    assert good != before and good.startswith("upload-")
    assert at.session_state["cohort_label"] == "Uploaded: cohort.zip"

    bad = sample_zip(drop_column=("students", "level"))
    at.file_uploader[0].set_value(("broken.zip", bad, "application/zip")).run()
    no_errors(at)
    assert at.session_state["cohort_fingerprint"] == good  # the previous cohort is kept
    assert any("was not used" in e.value and "previous cohort is still loaded" in e.value
               for e in at.error)
    report = at.dataframe[0].value
    row = report.loc[report["column"] == "level"].iloc[0]
    assert row["file"].endswith("students.csv") and row["row"] == 1
    assert "missing required column 'level'" in row["message"]


@needs_sample
def test_correction_is_validated_before_use() -> None:
    """A bad correction is refused (report shown, cohort kept); a good one is used."""
    at = loaded_sample()
    at = page(at, "cohort")
    before = at.session_state["cohort_fingerprint"]
    first = at.session_state["cohort"].students["student_id"].iloc[0]
    editor = f"editor_students_{before}"
    assert at.session_state["keep_edit_table"] == "students"
    at.session_state[editor] = {"edited_rows": {"0": {"level": "Year Nine"}},
                                "added_rows": [], "deleted_rows": []}
    button(at, "Check and use these corrections").click().run()
    no_errors(at)
    assert at.session_state["cohort_fingerprint"] == before
    report = at.dataframe[0].value
    assert "Year Nine" in " ".join(report["message"]) and (report["row"] == 2).any()

    at.session_state[editor] = {"edited_rows": {"0": {"programme": "Astrophysics"}},
                                "added_rows": [], "deleted_rows": []}
    button(at, "Check and use these corrections").click().run()
    no_errors(at)
    after = at.session_state["cohort"]
    assert at.session_state["cohort_fingerprint"] != before
    assert after.students.set_index("student_id").loc[first, "programme"] == "Astrophysics"
