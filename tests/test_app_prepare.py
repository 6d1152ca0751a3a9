"""Scheme of work and Messages in the app (AppTest through app.py): plan the weeks of the
solved PASS modules, move a topic into a break and see the rule it breaks, mark a week open,
download the handbook, the weeks and the messages, and parse what was downloaded."""

from __future__ import annotations

import io
import zipfile
from email import policy
from email.parser import BytesParser

import pandas as pd
from test_app import (  # noqa: F401 (the fixtures: own store, recorded downloads)
    _own_store,
    _record_downloads,
    button,
    download,
    needs_sample,
    no_errors,
    page,
    solved,
)

from workbench.prepare.sow_rules import check_module

pytestmark = needs_sample


def weeks_shown(at) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if "topics" in d.value.columns]
    assert found
    return found[0]


def test_plan_the_weeks_edit_one_and_download_handbook_and_messages() -> None:
    at = solved("pass")
    at = page(at, "scheme_of_work")
    no_errors(at)
    button(at, "Plan the weeks").click().run()
    no_errors(at)
    plan = at.session_state["prepare_scheme_of_work"][1]
    chosen = at.session_state["scenario"]
    assert {m.module_code for m in plan.instance.modules} == set(
        chosen.results["sessions"]["module_code"]
    )
    for module in plan.instance.modules:
        assert check_module(module, plan.visits, plan.settings) == []
    assert any("Scheme of work for 5 PASS module(s)" in s.value for s in at.success)

    code = at.selectbox(key="sow_module").value
    shown = weeks_shown(at)
    assert list(shown["kind"][shown["week"] == 7]) == ["break"]  # the sample's reading week
    first = next(v for v in plan.visits if v.module_code == code and v.visit == "first")

    # Move a topic into the reading week: the page says which rule that breaks.
    at.selectbox(key="sow_topic").set_value(first.topic)
    at.selectbox(key="sow_week").set_value(7)
    button(at, "Move the topic").click().run()
    no_errors(at)
    problems = [t.value for t in at.text]
    assert any(f"'{first.topic}' is in week 7, a break week with no session" in p for p in problems)
    assert at.warning

    # Mark that topic's old week open instead: the plan keeps the rules again.
    at.selectbox(key="sow_topic").set_value(first.topic)
    at.selectbox(key="sow_week").set_value(first.week)
    button(at, "Move the topic").click().run()
    at.selectbox(key="sow_open_week").set_value(first.week)
    button(at, "Keep this week for students' own questions").click().run()
    no_errors(at)
    edited = at.session_state["prepare_scheme_of_work"][1]
    assert not [v for v in edited.visits if v.module_code == code and v.week == first.week]
    shown = weeks_shown(at)
    assert shown.loc[shown["week"] == first.week, "kind"].item() == "open"
    left = [d.value for d in at.dataframe if "reason" in d.value.columns][0]
    assert left["reason"].str.contains("marked open by hand").any()

    page_html = download(at, "Download the handbook for this module").decode()
    assert page_html.startswith("<!DOCTYPE html>") and code in page_html
    assert "marked open by hand" in page_html
    weeks = pd.read_csv(
        io.BytesIO(download(at, "Download every module's weeks")), encoding="utf-8-sig"
    )
    assert set(weeks["module_code"]) == {m.module_code for m in plan.instance.modules}

    # Messages for the leaders carry the edited handbook; a bad field is refused in words.
    at = page(at, "messages")
    no_errors(at)
    at.radio(key="msg_kind").set_value("leaders").run()
    no_errors(at)
    archive = zipfile.ZipFile(io.BytesIO(download(at, "Download the drafts")))
    emails = [
        BytesParser(policy=policy.default).parsebytes(archive.read(n)) for n in archive.namelist()
    ]
    leaders = set(chosen.results["sessions"]["leader_id"])
    assert len(emails) == len(leaders)
    mine = [e for e in emails if e["Subject"] == f"Your PASS sessions for {code}"]
    assert mine and all(e["To"].addresses for e in mine)
    attached = list(mine[0].iter_attachments())[0].get_content()
    assert "marked open by hand" in attached
    merged = pd.read_csv(io.BytesIO(download(at, "Download the mail merge")), encoding="utf-8-sig")
    assert list(merged.columns) == ["to", "subject", "body"] and len(merged) == len(emails)

    at.text_input(key="msg_subject_leaders").set_value("Hi {leader_name.__class__}").run()
    no_errors(at)
    assert at.error and any("is not a field here" in t.value for t in at.text)
    assert not [b for b in at.download_button if b.label.startswith("Download the drafts")]


def test_messages_page_says_what_to_solve_first() -> None:
    at = solved("pass")
    at = page(at, "messages")
    at.radio(key="msg_kind").set_value("introductions").run()
    no_errors(at)
    assert any("needs a mentoring plan" in i.value for i in at.info)


def test_introductions_and_training_messages_from_the_app() -> None:
    at = solved("mentoring")
    matches = at.session_state["scenario"].results["matches"]
    at = page(at, "messages")
    no_errors(at)
    archive = zipfile.ZipFile(io.BytesIO(download(at, "Download the drafts")))
    emails = [
        BytesParser(policy=policy.default).parsebytes(archive.read(n)) for n in archive.namelist()
    ]
    assert len(emails) == len(matches)
    assert [str(e["To"]) for e in emails if len(e["To"].addresses) != 2] == []
    assert all(e["Subject"].startswith("Meet your peer mentor, ") for e in emails)

    at = page(at, "volunteers")
    button(at, "Plan the training").click().run()
    no_errors(at)
    assigned = at.session_state["volunteer_training"][1].assignments
    at = page(at, "messages")
    at.radio(key="msg_kind").set_value("training").run()
    no_errors(at)
    merged = pd.read_csv(io.BytesIO(download(at, "Download the mail merge")), encoding="utf-8-sig")
    assert len(merged) == len(assigned) > 0
    assert merged["subject"].str.startswith("Your volunteer training: ").all()
