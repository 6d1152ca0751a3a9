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
PAGES = ["home", "cohort", "scheme", "solve", "coverage", "whatif", "volunteers", "report"]
TIMEOUT = 60

needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample department not installed")


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own scenario store."""
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


class _Recorder:
    """Every media storage AppTest creates, so a download button's bytes can be read back."""

    stores: list = []


@pytest.fixture(autouse=True)
def _record_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    class Recording(MemoryMediaFileStorage):
        def __init__(self, endpoint: str) -> None:
            super().__init__(endpoint)
            _Recorder.stores.append(self)

    _Recorder.stores = []
    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)


def download(at: AppTest, label_start: str) -> bytes:
    """The bytes behind the download button whose label starts with ``label_start``."""
    found = [b for b in at.download_button if b.label.startswith(label_start)]
    assert found, f"no download {label_start!r}: {[b.label for b in at.download_button]}"
    file_name = found[0].proto.url.rsplit("/", 1)[-1]
    for store in reversed(_Recorder.stores):
        try:
            return store.get_file(file_name).content
        except Exception:  # noqa: BLE001 (another run's storage)
            continue
    raise AssertionError(f"the bytes of {label_start!r} were not found")


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
    # File values are shown escaped (app_common/file_text.py): read the text as a person sees it.
    return "\n".join(str(p) for p in parts).replace("\\", "")


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
                text = (
                    "\n".join(",".join(line.split(",")[i] for i in keep) for line in lines) + "\n"
                )
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
    assert "font" not in config.get("theme", {})  # the bundled fonts, served locally


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
@needs_sample
def test_the_run_command_can_start_on_the_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """README: ``streamlit run app.py -- --sample department`` opens with the sample loaded."""
    monkeypatch.setattr("sys.argv", ["app.py", "--sample", "department"])
    at = new_app().run()
    no_errors(at)
    assert len(at.session_state["cohort"].students) == 300
    monkeypatch.setattr("sys.argv", ["app.py"])
    assert "cohort" not in new_app().run().session_state


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
    assert any(
        "was not used" in e.value and "previous cohort is still loaded" in e.value for e in at.error
    )
    report = at.dataframe[0].value
    row = report.loc[report["Column"] == "level"].iloc[0]
    assert row["File"].endswith("students.csv") and row["Row"] == "1"
    assert "missing required column 'level'" in row["What is wrong"]
    assert not report.isin(["None", None]).any().any()  # blanks, never "None"
    full = at.code[0].value
    assert row["What is wrong"] in full  # every message shown whole


@needs_sample
def test_correction_is_validated_before_use() -> None:
    """A bad correction is refused (report shown, cohort kept); a good one is used."""
    at = loaded_sample()
    at = page(at, "cohort")
    before = at.session_state["cohort_fingerprint"]
    first = at.session_state["cohort"].students["student_id"].iloc[0]
    editor = f"editor_students_{before}"
    assert at.session_state["keep_edit_table"] == "students"
    at.session_state[editor] = {
        "edited_rows": {"0": {"level": "Year Nine"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    button(at, "Check and use these corrections").click().run()
    no_errors(at)
    assert at.session_state["cohort_fingerprint"] == before
    report = at.dataframe[0].value
    assert "Year Nine" in " ".join(report["What is wrong"]) and (report["Row"] == "2").any()

    at.session_state[editor] = {
        "edited_rows": {"0": {"programme": "Astrophysics"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    button(at, "Check and use these corrections").click().run()
    no_errors(at)
    after = at.session_state["cohort"]
    assert at.session_state["cohort_fingerprint"] != before
    assert after.students.set_index("student_id").loc[first, "programme"] == "Astrophysics"


# ------------------------------------------------------------------------------ the whole flow


def solved(scheme: str, at: AppTest | None = None, limit: int = 10) -> AppTest:
    at = at or loaded_sample()
    at.session_state["keep_scheme"] = scheme
    at = page(at, "scheme")
    no_errors(at)
    assert not at.error, [e.value for e in at.error]
    at.session_state["keep_time_limit"] = limit
    at = page(at, "solve")
    button(at, "Solve").click().run()
    no_errors(at)
    chosen = at.session_state["scenario"]
    assert chosen.scheme == scheme and chosen.status["status"] in ("optimal", "feasible")
    return at


def vega_charts(at: AppTest) -> int:
    return len(at.get("vega_lite_chart"))


@needs_sample
def test_mentoring_flow_solve_charts_whatif_and_exports() -> None:
    import openpyxl

    from workbench.scenarios.scenario import read_scenario_bytes

    at = solved("mentoring")
    chosen = at.session_state["scenario"]
    # The verdict comes first, in words, and the plan is shown with its reasons.
    verdicts = [s.value.replace("\\", "") for s in [*at.success, *at.warning]]
    assert any(chosen.summary["headline"] in v for v in verdicts), verdicts
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Mentees matched"] == (
        f"{chosen.summary['matched']:,} of {chosen.summary['mentees']:,}"
    )
    pairs = at.data_editor[0].value if len(at.data_editor) else None
    assert pairs is not None and len(pairs) == chosen.summary["matched"]
    assert vega_charts(at) >= 2
    # Saved automatically for this workspace.
    from workbench.scenarios.store import ScenarioStore

    assert ScenarioStore().list(at.session_state["owner"])[0].id == chosen.id

    at = page(at, "coverage")
    no_errors(at)
    assert vega_charts(at) >= 3
    assert any("mentees matched" in i.value for i in at.info)
    expanders = [e.label for e in at.expander]
    assert any(label.startswith("Table: Coverage by") for label in expanders)

    at = page(at, "whatif")
    no_errors(at)
    at.slider[0].set_value(1.2)
    [b for b in at.button if b.label == "Solve with these changes"][0].click().run()
    no_errors(at)
    table = at.dataframe[0].value
    row = table.loc[table["Figure"] == "Students in the cohort"].iloc[0]
    base, variation = (int(str(v).replace(",", "")) for v in row.iloc[1:3])
    assert variation == round(base * 1.2)  # 20% more students in the variation
    assert row.iloc[3] == f"+{variation - base:,}"

    at = page(at, "report")
    no_errors(at)
    html = download(at, "Download the report").decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and chosen.name in html
    assert "http://" not in html.split("<body>", 1)[1] and "<script" not in html
    book = openpyxl.load_workbook(io.BytesIO(download(at, "Everything as an Excel")))
    assert "matches" in book.sheetnames
    import pandas as pd

    matches = pd.read_csv(io.BytesIO(download(at, "Matches (CSV)")), encoding="utf-8-sig")
    assert len(matches) == chosen.summary["matched"]
    with zipfile.ZipFile(io.BytesIO(download(at, "Everything as CSV"))) as archive:
        assert "summary.csv" in archive.namelist()
    again = read_scenario_bytes(download(at, "Scenario file"))
    assert again.id == chosen.id and again.results["matches"].shape == matches.shape


@needs_sample
def test_pass_flow_sessions_heatmap_and_calendar() -> None:
    at = solved("pass")
    chosen = at.session_state["scenario"]
    assert chosen.summary["sessions"] >= 1
    assert any(s.value.startswith("Sessions (") for s in at.header)
    assert vega_charts(at) >= 1  # the free-students heat map with the sessions on it
    for note in chosen.summary.get("diagnostics", []):  # a note a message already says is
        code, _, text = note.partition(":")  # not repeated in its own words
        if any(
            m.startswith(code + ":") and text.strip() in m
            for m in chosen.summary.get("messages", [])
        ):
            assert note not in texts(at)
    at = page(at, "coverage")
    no_errors(at)
    assert vega_charts(at) >= 3
    at = page(at, "report")
    no_errors(at)
    from icalendar import Calendar

    calendar = Calendar.from_ical(download(at, "Sessions as a calendar"))
    assert len(calendar.walk("VEVENT")) == chosen.summary["sessions"]
    sessions = __import__("pandas").read_csv(
        io.BytesIO(download(at, "Sessions (CSV)")), encoding="utf-8-sig"
    )
    assert len(sessions) == chosen.summary["sessions"]


@needs_sample
def test_locked_pair_survives_a_resolve() -> None:
    at = solved("mentoring")
    first = at.session_state["scenario"]
    pair = first.results["matches"].iloc[0]
    at.session_state[f"locks_{first.id}"] = {
        "edited_rows": {"0": {"lock": True}},
        "added_rows": [],
        "deleted_rows": [],
    }
    button(
        at, "Re-solve keeping locked pairs (and changing as few pairs as possible)"
    ).click().run()
    no_errors(at)
    second = at.session_state["scenario"]
    assert second.id != first.id
    matches = second.results["matches"]
    kept = matches.loc[
        (matches["mentee_id"] == pair["mentee_id"]) & (matches["mentor_id"] == pair["mentor_id"])
    ]
    assert len(kept) == 1 and bool(kept["locked"].iloc[0])
    assert at.session_state["locked_pairs"] == [(pair["mentee_id"], pair["mentor_id"])]


@needs_sample
def test_sweep_and_inverse_question() -> None:
    at = solved("mentoring")
    at = page(at, "whatif")
    at.session_state["keep_sweep_param"] = "capacity"
    at.run()
    at.text_input(key="keep_sweep_range_capacity").set_value("1,3").run()
    button(at, "Run sweep").click().run()
    no_errors(at)
    table = at.session_state["sweep"]
    assert table["value"].tolist() == [1.0, 3.0] and set(table["status"]) <= {"optimal", "feasible"}
    assert table["coverage"].iloc[1] >= table["coverage"].iloc[0]
    button(at, "Find out").click().run()
    no_errors(at)
    answer = at.session_state["inverse"]
    assert answer.question.startswith("How many mentors") and answer.message


@needs_sample
def test_settings_problem_is_reported_not_raised() -> None:
    at = loaded_sample()
    at.session_state["keep_scheme"] = "pass"
    at.session_state["keep_p_targeting"] = "modules"
    at.session_state["keep_p_modules"] = []
    at = page(at, "scheme")
    no_errors(at)
    assert any("cannot be used" in e.value for e in at.error)
    at = page(at, "solve")
    no_errors(at)
    assert any("cannot be used" in e.value for e in at.error)


@needs_sample
def test_study_and_social_groups_are_real_schemes() -> None:
    """Both kinds of groups are choices on the Scheme page, with their settings, and solve."""
    at = loaded_sample()
    at = page(at, "scheme")
    at.radio(key="scheme_choice").set_value("social").run()
    no_errors(at)
    assert at.session_state["keep_scheme"] == "groups"
    assert at.session_state["keep_g_kind"] == "social"
    assert "coming" not in texts(at).lower()
    assert any("of UG1 in social-integration groups" in i.value for i in at.info)
    at = page(at, "solve")
    no_errors(at)
    assert [b for b in at.button if b.label == "Solve"]
    assert at.text_input(key="keep_name_groups_social").value == "Social-integration groups plan"


# ------------------------------------------------------------------------------ sessions


@needs_sample
def test_sessions_are_isolated_and_a_refresh_reopens_the_last_plan() -> None:
    first = solved("mentoring")
    plan = first.session_state["scenario"]
    owner = first.session_state["owner"]

    stranger = new_app().run()
    assert stranger.session_state["owner"] != owner
    assert "scenario" not in stranger.session_state
    assert any("None yet" in c.value for c in stranger.caption)

    assert first.query_params["plan"] == plan.id
    # A what-if variation is saved later, but the address still names the plan.
    first = page(first, "whatif")
    [b for b in first.button if b.label == "Solve with these changes"][0].click().run()
    no_errors(first)
    assert first.query_params["plan"] == plan.id

    refreshed = new_app()
    refreshed.query_params.update(ws=owner, plan=plan.id)
    refreshed.run()
    no_errors(refreshed)
    assert refreshed.session_state["scenario"].id == plan.id
    assert len(refreshed.session_state["cohort"].students) == len(plan.cohort().students)
    refreshed = page(refreshed, "solve")
    no_errors(refreshed)
    assert any(plan.name in s.value for s in [*refreshed.success, *refreshed.warning])

    # Home lists this workspace's plans (the plan and the what-if) and reopens one.
    refreshed = page(refreshed, "home")
    listing = refreshed.dataframe[0].value
    assert set(listing["name"]) == {plan.name, "What-if"}
    refreshed.selectbox(key="reopen_choice").set_value(plan.id)
    button(refreshed, "Reopen").click().run()
    no_errors(refreshed)
    assert refreshed.session_state["scenario"].id == plan.id
    assert refreshed.title[0].value == "Solve"

    # Deleting a saved scenario removes it from this workspace only.
    refreshed = page(refreshed, "home")
    refreshed.selectbox(key="reopen_choice").set_value(plan.id)
    refreshed.button(key="delete_scenario").click().run()
    no_errors(refreshed)
    assert set(refreshed.dataframe[0].value["name"]) == {"What-if"}
    from workbench.scenarios.store import ScenarioStore, default_store_path

    store = ScenarioStore(default_store_path())
    assert [i.name for i in store.list(owner)] == ["What-if"]


@needs_sample
def test_scenario_file_from_a_colleague_opens_and_a_bad_one_is_refused() -> None:
    sender = solved("mentoring")
    data = sender.session_state["scenario"].to_bytes()
    colleague = new_app().run()
    uploader = [u for u in colleague.file_uploader if u.label == "Scenario file"][0]
    uploader.set_value(("plan.wbscenario", b"not a zip", "application/octet-stream")).run()
    no_errors(colleague)
    assert any("not a scenario file" in e.value for e in colleague.error)
    uploader = [u for u in colleague.file_uploader if u.label == "Scenario file"][0]
    uploader.set_value(("plan.wbscenario", data, "application/octet-stream")).run()
    no_errors(colleague)
    opened = colleague.session_state["scenario"]
    assert opened.name == sender.session_state["scenario"].name
    assert colleague.session_state["cohort"] is not None


@needs_sample
def test_infeasible_plan_is_explained_in_words() -> None:
    at = solved("mentoring")
    first = at.session_state["scenario"]
    at.session_state["keep_m_min_level_gap"] = 7  # no mentor is seven years above a mentee
    at.session_state[f"locks_{first.id}"] = {
        "edited_rows": {"0": {"lock": True}},
        "added_rows": [],
        "deleted_rows": [],
    }
    button(
        at, "Re-solve keeping locked pairs (and changing as few pairs as possible)"
    ).click().run()
    no_errors(at)
    assert at.session_state["scenario"].status["status"] == "infeasible"
    assert any("no plan could be made" in e.value for e in at.error)
    assert "locked pair" in texts(at) and "breaks a hard rule" in texts(at)
    for name in ("coverage", "whatif", "report"):
        no_errors(page(at, name))


WIDGETS = (
    "selectbox",
    "radio",
    "slider",
    "number_input",
    "text_input",
    "text_area",
    "multiselect",
    "checkbox",
    "time_input",
    "file_uploader",
)


@needs_sample
def test_every_control_has_a_label_and_plain_language_help() -> None:
    at = solved("mentoring")
    seen = 0
    for scheme in ("mentoring", "pass"):
        at.session_state["keep_scheme"] = scheme
        for name in PAGES:
            at = page(at, name)
            for kind in WIDGETS:
                for widget in at.get(kind):
                    seen += 1
                    where = f"{name}: {kind} {widget.label!r}"
                    assert widget.label.strip(), where
                    assert len(widget.help or "") >= 15, where
    assert seen > 40


def test_mapping_step_loads_an_export_with_other_headers_and_codes() -> None:
    """An export with its own file name, headers and level codes loads after the mapping step."""
    at = new_app().run()
    at = page(at, "cohort")
    export = b"Reg No,Course,Stage\nA1,Physics,Foundation\nA2,Physics,Final\n"
    at.file_uploader[0].set_value(("SITS export.csv", export, "text/csv")).run()
    no_errors(at)
    assert "cohort" not in at.session_state
    at.selectbox(key="map_file_SITS export.csv").set_value("students")
    at.button[[b.label for b in at.button].index("Apply the mapping and check again")].click().run()
    no_errors(at)
    at.selectbox(key="map_col_students_student_id").set_value("Reg No")
    at.selectbox(key="map_col_students_programme").set_value("Course")
    at.button[[b.label for b in at.button].index("Apply the mapping and check again")].click().run()
    no_errors(at)
    at.selectbox(key="map_val_students_level_Foundation").set_value("UG1")
    at.selectbox(key="map_val_students_level_Final").set_value("UG3")
    at.button[[b.label for b in at.button].index("Apply the mapping and check again")].click().run()
    no_errors(at)
    cohort = at.session_state["cohort"]
    assert cohort.students["level"].tolist() == ["UG1", "UG3"]
    saved = download(at, "Save this mapping")
    assert b"reg no: student_id" in saved and b"foundation: UG1" in saved
