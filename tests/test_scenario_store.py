"""Scenario files and the scenario store: round trips, damage refused, migration, crashes, races."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from workbench.scenarios.scenario import (
    FILE_SCHEMA_VERSION,
    Scenario,
    ScenarioFileError,
    read_manifest,
    read_scenario,
    read_scenario_bytes,
)
from workbench.scenarios.store import (
    DEFAULT_OWNER,
    SCHEMA_VERSION,
    ScenarioNotFound,
    ScenarioStore,
    StoreError,
    create_v1_store,
    default_store_path,
)

ROOT = Path(__file__).resolve().parents[1]


def _cohort_tables(n: int = 6) -> dict[str, pd.DataFrame]:
    students = pd.DataFrame(
        {
            "student_id": [f"S{i:03d}" for i in range(n)],
            "programme": ["Chemistry", "Physics"] * (n // 2),
            "level": ["UG1", "UG2", "UG3"] * (n // 3),
            "first_generation": ["yes", "no", ""] * (n // 3),
            "languages": ["english;welsh", "", "french"] * (n // 3),
        }
    )
    mentees = pd.DataFrame({"student_id": ["S000", "S003"]})
    mentors = pd.DataFrame({"student_id": ["S002", "S005"], "capacity": ["2", "3"]})
    return {"students": students, "mentees": mentees, "mentors": mentors}


def make_scenario(
    name: str = "Autumn plan", notes: str = "first draft", rows: int = 2, pad: int = 0
) -> Scenario:
    matches = pd.DataFrame(
        {
            "mentor_id": ["S002", "S005"][:rows],
            "mentee_id": ["S000", "S003"][:rows],
            "score": [1.5, 2.25][:rows],
            "same_programme": [True, False][:rows],
            "why": ['=HYPERLINK("x")', 'shared language, "quoted"\nnext line'][:rows],
        }
    )
    return Scenario(
        name=name,
        scheme="mentoring",
        cohort_tables=_cohort_tables(),
        settings={"max_level_gap": 2, "weights": {"programme": 1.0}},
        notes=notes + ("x" * pad),
        assumptions={"mentoring_active_share": 0.5},
        cost_rates={"leader_hourly": 15.0},
        results={
            "matches": matches,
            "mentor_load": pd.DataFrame({"mentor_id": ["S002"], "load": [1]}),
        },
        status={"status": "optimal", "objective": 3.75, "gap": 0.0, "messages": []},
        summary={"matched": rows, "coverage": 1.0},
    )


# ------------------------------------------------------------------------------ the file


def test_scenario_file_round_trip_keeps_everything(tmp_path: Path) -> None:
    scenario = make_scenario(notes="Ünïcode notes, <b>bold</b>")
    path = scenario.save(tmp_path / "plan")
    assert path.suffix == ".wbscenario"
    back = read_scenario(path)
    assert back.name == scenario.name and back.scheme == "mentoring"
    assert back.notes == scenario.notes and back.id == scenario.id
    assert back.settings == scenario.settings
    assert back.assumptions == scenario.assumptions and back.cost_rates == scenario.cost_rates
    assert back.status == scenario.status and back.summary == scenario.summary
    pd.testing.assert_frame_equal(
        back.results["matches"], scenario.results["matches"], check_dtype=False
    )
    assert back.results["matches"]["score"].dtype == "float64"
    assert back.results["matches"]["same_programme"].dtype == bool
    assert back.results["matches"]["why"].iloc[1] == 'shared language, "quoted"\nnext line'
    for name, frame in scenario.cohort_tables.items():
        got = back.cohort_tables[name].fillna("")
        pd.testing.assert_frame_equal(got, frame.astype(object), check_dtype=False)
    # The cohort in the file validates again into the same students.
    cohort = back.cohort()
    assert list(cohort.students["student_id"]) == list(
        scenario.cohort_tables["students"]["student_id"]
    )
    assert cohort.students["languages"].iloc[0] == ("english", "welsh")
    manifest = read_manifest(path.read_bytes())
    assert manifest["schema_version"] == FILE_SCHEMA_VERSION


def _rewrite(data: bytes, change: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    dst.writestr(info.filename, change[info.filename])
                continue
            dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: b"", "is empty"),
        (lambda d: b"not a zip at all", "not a scenario file"),
        (lambda d: d[: len(d) // 2], "not a scenario file"),
        (lambda d: _rewrite(d, {"manifest.json": b"{not json"}), "manifest is not valid JSON"),
        (lambda d: _rewrite(d, {"manifest.json": None}), "manifest.json is missing"),
        (
            lambda d: _rewrite(d, {"results/matches.csv": b"mentor_id\nS999\n"}),
            "does not match its checksum",
        ),
        (lambda d: _rewrite(d, {"settings.json": None}), "settings.json is missing"),
    ],
)
def test_damaged_scenario_file_is_refused_with_a_message(damage, message) -> None:
    data = make_scenario().to_bytes()
    with pytest.raises(ScenarioFileError, match=message):
        read_scenario_bytes(damage(data), "plan.wbscenario")


def test_flipped_bytes_are_refused_or_harmless() -> None:
    data = make_scenario().to_bytes()
    refused = tried = 0
    for position in range(0, len(data), 3):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        tried += 1
        try:
            read_scenario_bytes(bytes(damaged))
        except ScenarioFileError:
            refused += 1
        # anything but ScenarioFileError propagates and fails the test
    # Only bytes zip readers ignore (times, versions, attributes) may pass unnoticed.
    assert refused > 0.75 * tried


def test_foreign_and_newer_files_are_refused() -> None:
    data = make_scenario().to_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    newer = dict(manifest, schema_version=FILE_SCHEMA_VERSION + 1)
    with pytest.raises(ScenarioFileError, match="newer workbench"):
        read_scenario_bytes(_rewrite(data, {"manifest.json": json.dumps(newer).encode()}))
    foreign = dict(manifest, format="something else")
    with pytest.raises(ScenarioFileError, match="not a workbench scenario"):
        read_scenario_bytes(_rewrite(data, {"manifest.json": json.dumps(foreign).encode()}))
    escape = dict(manifest, sha256={**manifest["sha256"], "../evil.csv": "0"})
    with pytest.raises(ScenarioFileError, match="outside"):
        read_scenario_bytes(_rewrite(data, {"manifest.json": json.dumps(escape).encode()}))


def test_missing_and_folder_paths_are_plain_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError, match="no such file"):
        read_scenario(tmp_path / "nope.wbscenario")
    with pytest.raises(ScenarioFileError, match="folder"):
        read_scenario(tmp_path)


# ------------------------------------------------------------------------------ the store


def test_store_save_list_load_rename_delete(tmp_path: Path) -> None:
    seconds = iter(range(60))  # the store's clock moves one second a save
    store = ScenarioStore(
        tmp_path / "s.sqlite3", clock=lambda: f"2026-10-01T09:00:{next(seconds):02d}+00:00"
    )
    assert store.schema_version() == SCHEMA_VERSION
    first = make_scenario("First")
    second = make_scenario("Second", rows=1)
    store.save(first)
    store.save(second)  # a second later, by the store's clock
    assert first.updated == "2026-10-01T09:00:00+00:00"
    infos = store.list()
    assert [i.name for i in infos] == ["Second", "First"]
    assert infos[0].summary["matched"] == 1 and infos[0].summary["status"] == "optimal"
    loaded = store.load(first.id)
    assert loaded.name == "First"
    pd.testing.assert_frame_equal(
        loaded.results["matches"], first.results["matches"], check_dtype=False
    )
    store.rename(first.id, "  Renamed  ")
    assert store.load(first.id).name == "Renamed"
    assert {i.name for i in store.list()} == {"Renamed", "Second"}
    # Saving again with the same id replaces, not duplicates.
    second.notes = "edited"
    store.save(second)
    assert store.count() == 2 and store.load(second.id).notes == "edited"
    assert store.latest().id == second.id
    assert store.delete(first.id) is True
    assert store.delete(first.id) is False
    with pytest.raises(ScenarioNotFound):
        store.load(first.id)
    with pytest.raises(ValueError):
        store.rename(second.id, "   ")
    frame = store.list_frame()
    assert list(frame["name"]) == ["Second"] and "matched" in frame.columns


def test_owners_see_only_their_own_scenarios(tmp_path: Path) -> None:
    store = ScenarioStore(tmp_path / "s.sqlite3")
    mine = make_scenario("Mine")
    theirs = make_scenario("Theirs")
    store.save(mine, owner="session-a")
    store.save(theirs, owner="session-b")
    assert [i.name for i in store.list("session-a")] == ["Mine"]
    assert [i.name for i in store.list("session-b")] == ["Theirs"]
    assert store.list(DEFAULT_OWNER) == []
    assert len(store.list(None)) == 2
    with pytest.raises(ScenarioNotFound):
        store.load(theirs.id, owner="session-a")
    assert store.delete(theirs.id, owner="session-a") is False
    with pytest.raises(ScenarioNotFound):
        store.rename(theirs.id, "hijacked", owner="session-a")
    # Saving someone else's scenario (e.g. opened from a shared file) makes a copy.
    opened = store.load(theirs.id, owner=None)
    store.save(opened, owner="session-a")
    assert opened.id != theirs.id
    assert store.load(theirs.id, owner="session-b").name == "Theirs"
    assert {i.name for i in store.list("session-a")} == {"Mine", "Theirs"}
    imported = store.import_bytes(mine.to_bytes(), owner="session-b")
    assert imported.id != mine.id and len(store.list("session-b")) == 2


def test_default_path_follows_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("WORKBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "peer-support-workbench" / "scenarios.sqlite3"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_store_path() == (
        tmp_path / "home" / ".local" / "share" / "peer-support-workbench" / "scenarios.sqlite3"
    )
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    store = ScenarioStore()
    assert store.path == tmp_path / "data" / "scenarios.sqlite3" and store.path.exists()
    assert ScenarioStore(tmp_path / "arg.sqlite3").path == tmp_path / "arg.sqlite3"
    with pytest.raises(StoreError, match="inside the workbench package"):
        ScenarioStore(ROOT / "workbench" / "scenarios.sqlite3")
    assert not (ROOT / "workbench" / "scenarios.sqlite3").exists()


def test_corrupt_database_is_refused_with_a_message(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 200)
    with pytest.raises(StoreError, match="damaged"):
        ScenarioStore(garbage)
    # A real store whose pages are overwritten in the middle.
    path = tmp_path / "s.sqlite3"
    store = ScenarioStore(path)
    for i in range(5):
        store.save(make_scenario(f"plan {i}", pad=20_000))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 8192
    data[4096 : len(data) - 4096] = b"\x5a" * (len(data) - 8192)
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged"):
        ScenarioStore(path).list()
    # Another application's database is not taken over.
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE invoices (n INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a scenario store"):
        ScenarioStore(other)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    ScenarioStore(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer workbench"):
        ScenarioStore(path)


def test_v1_database_is_migrated_on_open(tmp_path: Path) -> None:
    old = [make_scenario("Old mentoring"), make_scenario("Old second", rows=1)]
    path = create_v1_store(
        tmp_path / "v1.sqlite3",
        [(s.name, s.scheme, s.to_bytes()) for s in old] + [("Broken", "pass", b"not a zip")],
    )
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == 1
    assert "owner" not in {r[1] for r in conn.execute("PRAGMA table_info(scenarios)")}
    conn.close()
    store = ScenarioStore(path)
    assert store.schema_version() == SCHEMA_VERSION
    infos = {i.name: i for i in store.list()}
    assert set(infos) == {"Old mentoring", "Old second", "Broken"}
    assert infos["Old second"].summary["matched"] == 1
    assert infos["Old mentoring"].id == "v1-1" and infos["Old mentoring"].owner == DEFAULT_OWNER
    assert "could not read" in infos["Broken"].notes
    assert store.load("v1-1").results["matches"]["mentee_id"].tolist() == ["S000", "S003"]
    with pytest.raises(ScenarioFileError):
        store.load(infos["Broken"].id)
    # v2 allows the same name twice (v1 did not) and owners work.
    store.save(make_scenario("Old mentoring"), owner="someone")
    assert store.count() == 4 and store.integrity_ok()
    # Opening again does not migrate twice.
    assert ScenarioStore(path).count() == 4


_WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from test_scenario_store import make_scenario
    from workbench.scenarios.store import ScenarioStore
    store = ScenarioStore({path!r})
    i = 0
    while True:
        scenario = make_scenario(f"plan {{i}}", pad={pad})
        store.save(scenario, owner={owner!r})
        print(scenario.id, flush=True)
        i += 1
""")


def _writer(path: Path, owner: str, pad: int) -> subprocess.Popen:
    code = _WRITER.format(tests=str(ROOT / "tests"), path=str(path), owner=owner, pad=pad)
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_killed_mid_save_loses_nothing_already_saved(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    ScenarioStore(path).save(make_scenario("saved before"))
    proc = _writer(path, "crashy", pad=400_000)  # big payloads: the kill lands mid-write
    saved: list[str] = []
    try:
        while len(saved) < 6:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            saved.append(line.strip())
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    saved += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    store = ScenarioStore(path)
    assert store.integrity_ok()
    ids = {i.id for i in store.list("crashy")}
    assert set(saved) <= ids  # every save that returned is there
    assert len(ids) <= len(saved) + 1  # at most the one in flight, and then whole
    for scenario_id in ids:
        assert store.load(scenario_id, "crashy").results["matches"].shape == (2, 5)
    assert store.list()[0].name == "saved before"


def test_concurrent_writers_in_processes_and_threads(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    ScenarioStore(path)
    procs = [_writer(path, f"proc-{k}", pad=2_000) for k in range(2)]
    store = ScenarioStore(path)
    errors: list[Exception] = []

    def thread_writer(owner: str) -> None:
        try:
            for i in range(8):
                store.save(make_scenario(f"thread plan {i}"), owner=owner)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=thread_writer, args=(f"thread-{k}",)) for k in range(2)]
    for t in threads:
        t.start()
    counts = []
    for proc in procs:
        got = 0
        while got < 10:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            got += 1
        counts.append(got)
    for t in threads:
        t.join()
    for proc in procs:
        proc.terminate()
        proc.wait()
    assert not errors
    assert len(store.list("thread-0")) == 8 and len(store.list("thread-1")) == 8
    assert all(len(store.list(f"proc-{k}")) >= 10 for k in range(2))
    assert store.integrity_ok()


@pytest.mark.parametrize("scheme", ["mentoring", "pass"])
def test_solved_scenario_survives_store_and_file(tmp_path: Path, scheme: str) -> None:
    from workbench.cohort.generate import generate_cohort
    from workbench.scenarios.scenario import solve_scenario

    cohort = generate_cohort(300, seed=2)
    scenario = solve_scenario(cohort, scheme, name=f"{scheme} plan", notes="n", budget=1.0)
    assert scenario.summary["within_budget"] is False
    assert scenario.summary["status"] in ("optimal", "feasible")
    assert scenario.assumptions and scenario.cost_rates["weeks_per_term"] == 10
    store = ScenarioStore(tmp_path / "s.sqlite3")
    store.save(scenario, owner="me")
    back = store.load(scenario.id, owner="me")
    assert back.summary == json.loads(json.dumps(scenario.summary))
    assert back.settings_model() == scenario.settings_model()
    assert set(back.results) == set(scenario.results)
    for name, frame in scenario.results.items():
        pd.testing.assert_frame_equal(
            back.results[name].reset_index(drop=True),
            frame.reset_index(drop=True),
            check_dtype=False,
            check_index_type=False,
            check_column_type=False,
        )
    assert back.cohort().counts() == cohort.counts()
    pd.testing.assert_frame_equal(back.cohort().enrolments, cohort.enrolments)
