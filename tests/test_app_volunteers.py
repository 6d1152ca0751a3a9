"""The Volunteers page through AppTest on the sample department: recruit, train, supervise and
record, each checked against the core it calls."""

from __future__ import annotations

import io
import zipfile

from test_app import (  # noqa: F401 (the fixtures: own store, recorded downloads)
    _own_store,
    _record_downloads,
    download,
    loaded_sample,
    needs_sample,
    no_errors,
    page,
    texts,
)

from workbench.volunteers.people import with_uploaded_table
from workbench.volunteers.recruit import candidates
from workbench.volunteers.supervision import term_weeks
from workbench.volunteers.training import TrainingSettings, solve_training

SUPERVISORS = (
    b"staff_id,name,email,capacity,faculty\n"
    b"S1,Dr Ada Byron,ada@uni.example,30,Faculty of Science\n"
    b"S2,Dr Alan Turing,alan@uni.example,30,Faculty of Engineering\n"
)


def frame_with(at, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with {column}"
    return found[0]


@needs_sample
def test_volunteers_page_walks_recruit_train_supervise_record() -> None:
    at = loaded_sample()
    cohort = at.session_state["cohort"]
    at = page(at, "volunteers")
    no_errors(at)
    assert at.title[0].value == "Volunteers"
    assert [t.label for t in at.tabs] == ["Recruit", "Train", "Supervise", "Record"]

    # Recruit: mentors; the list is the core's list
    at.radio(key="rec_for").set_value("Mentors").run()
    no_errors(at)
    shown = frame_with(at, "invited to")
    expected = candidates(cohort, "mentoring")
    assert shown["student id"].tolist() == expected["student_id"].tolist()
    listed = download(at, "Download the invitation list").decode("utf-8-sig").splitlines()
    assert len(listed) == len(expected) + 1  # a header and one row per candidate

    # Train: the plan's headline and sessions are the core's
    at.tabs[1].button[0].click().run()
    no_errors(at)
    plan = solve_training(cohort, TrainingSettings(time_limit=20))
    assert plan.headline() in texts(at)
    sessions = frame_with(at, "trainees")
    who = [d.value for d in at.dataframe if {"name", "session id"} <= set(d.value.columns)][0]
    named = dict(zip(cohort.students["student_id"], cohort.students["name"], strict=True))
    assert who["name"].tolist() == [named[s] or s for s in who["student id"]]
    assert len(who) == plan.trained
    assert sessions["trainees"].sum() == plan.trained
    assert download(at, "Download the sessions (calendar)").startswith(b"BEGIN:VCALENDAR")

    # Supervise: no supervisors table yet, so the page asks for one; then with one
    assert "Add a supervisors table" in texts(at)
    with_staff = with_uploaded_table(cohort, "supervisors", SUPERVISORS).cohort
    at.session_state["cohort"] = with_staff
    at.session_state["cohort_fingerprint"] = "with-supervisors"
    at.run()
    no_errors(at)
    loads = frame_with(at, "capacity")
    assert loads["volunteers"].sum() == plan.volunteers  # everyone has a supervisor
    assert (loads["volunteers"] <= loads["capacity"]).all()
    checkins = frame_with(at, "week")
    teaching = term_weeks(with_staff)["week"].tolist()
    assert sorted(set(checkins["week"])) == teaching[::2]  # every 2 teaching weeks

    # Record: training planned for this cohort gives hours; the coordinator's name goes on
    # the certificate
    at.tabs[1].button[0].click().run()
    at.text_input(key="keep_coordinator").input("Dr Grace Hopper").run()
    at.text_input(key="keep_skills_mentor").input("patience; **listening**").run()
    no_errors(at)
    hours = frame_with(at, "total hours")
    assert len(hours) == plan.volunteers
    trained = set(plan.assignments["student_id"])
    length = plan.settings.minutes / 60
    assert (hours.loc[hours["student id"].isin(trained), "training hours"] == length).all()
    certificate = download(at, "Download the certificate").decode("utf-8")
    assert "Dr Grace Hopper" in certificate and "Certificate of volunteering" in certificate
    with zipfile.ZipFile(io.BytesIO(download(at, "Download every certificate"))) as archive:
        pages = {n: archive.read(n).decode("utf-8") for n in archive.namelist()}
    assert len(pages) == len(hours[hours["total hours"] > 0])
    mentor = hours.loc[hours["role"] == "mentor", "student id"].iloc[0]
    page_of = next(t for n, t in pages.items() if f"-{mentor}-" in n)
    assert "patience; **listening**" in page_of  # the edited skills, as text


@needs_sample
def test_a_bad_supervisors_file_lists_its_problems_in_words() -> None:
    at = page(loaded_sample(), "volunteers")
    bad = b"staff_id,name,email,capacity,faculty\nS1,Dr Ada Byron,ada@uni.example,many,Science\n"
    at.file_uploader(key="supervisors_upload").set_value(("supervisors.csv", bad, "text/csv"))
    at.run()
    no_errors(at)
    assert "The supervisors file has problems:" in [e.value for e in at.error]
    shown = frame_with(at, "What is wrong")
    assert list(shown.columns) == ["File", "Row", "Column", "Kind", "What is wrong"]
    row = shown.iloc[0]
    assert (row["File"], row["Row"], row["Column"]) == ("supervisors.csv", "2", "capacity")
    assert "many" in row["What is wrong"]
