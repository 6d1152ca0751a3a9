"""Messages that launch a scheme: every kind parsed back from its .eml with the standard
library, templates filled safely, hostile values neutralised, the mail-merge CSV and the CLI."""

from __future__ import annotations

import csv
import io
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pandas as pd
import pytest

from workbench.cli.main import main
from workbench.cohort.validation import cohort_from_records
from workbench.prepare import messages as msg
from workbench.prepare.drafts import eml_zip, make_drafts, messages_csv, messages_table
from workbench.prepare.plans import PlanFiles, clock_columns

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"
EVIL_NAME = "Eve\r\nBcc: thief@evil.example"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def cohort():
    people = [
        ("m1", "Mia Mentee", "mia@uni.example", "UG1"),
        ("m2", EVIL_NAME, "eve@uni.example", "UG1"),
        ("t1", "Tom <b>Mentor</b>", "tom@uni.example", "UG3"),
        ("z1", "Zoë Ünal, Jr", "zoe@uni.example", "UG1"),
        ("z2", "Ștefan Çelik " + "Long" * 60, "stefan@uni.example", "UG3"),
        ("t2", FORMULA, "formula@uni.example", "UG3"),
        ("x1", "No Address", "not an address\r\nBcc: z@evil.example", "UG1"),
    ]
    return cohort_from_records(
        students=[
            {"student_id": i, "programme": "Maths", "level": lv, "name": n, "email": e}
            for i, n, e, lv in people
        ],
        modules=[{"module_code": "MA1", "module_name": "Calculus"}],
        enrolments=[{"student_id": s, "module_code": "MA1"} for s in ("m1", "m2", "x1")],
        timetable=[{"module_code": "MA1", "day": "Mon", "start": "10:00", "end": "11:00"}],
        busy=[{"student_id": "m2", "day": "Tue", "start": "10:00", "end": "11:00"}],
        rooms=[{"room_id": "R1", "capacity": 20}, {"room_id": "R2", "capacity": 20}],
        leaders=[{"student_id": "t1", "module_code": "MA1"}],
        mentors=[{"student_id": "t1", "capacity": 2}, {"student_id": "t2", "capacity": 2}],
        mentees=[{"student_id": "m1"}, {"student_id": "m2"}, {"student_id": "x1"}],
    )


def sessions() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "module_code": "MA1",
                "day": "Tue",
                "start": "10:00",
                "end": "11:00",
                "room_id": "R1",
                "leader_id": "t1",
            },
            {
                "module_code": "MA1",
                "day": "Wed",
                "start": "14:00",
                "end": "15:00",
                "room_id": "R2",
                "leader_id": "t1",
            },
        ]
    )
    return clock_columns(frame, "sessions")


def plan() -> PlanFiles:
    return PlanFiles(
        sessions=sessions(),
        matches=pd.DataFrame(
            {"mentee_id": ["m1", "m2", "x1", "z1"], "mentor_id": ["t1", "t2", "t1", "z2"]},
            dtype=str,
        ),
        training_sessions=clock_columns(
            pd.DataFrame(
                [
                    {
                        "session_id": "T01",
                        "day": "Thu",
                        "start": "13:00",
                        "end": "15:00",
                        "room_id": "R2",
                    }
                ]
            ),
            "training",
        ),
        training_assignments=pd.DataFrame(
            {
                "student_id": ["t1", "t2"],
                "role": ["mentor", "PASS leader"],
                "session_id": ["T01", "T01"],
            }
        ),
    )


def parsed(drafts) -> list:
    archive = zipfile.ZipFile(io.BytesIO(eml_zip(drafts, "pass@uni.example")))
    names = sorted(archive.namelist())
    assert all(n.endswith(".eml") for n in names)
    return [BytesParser(policy=policy.default).parsebytes(archive.read(n)) for n in names]


def addresses(message) -> list[str]:
    return [a.addr_spec for a in message["To"].addresses]


def assert_no_injection(emails) -> None:
    for e in emails:
        assert e["Bcc"] is None and e["Cc"] is None
        assert e["X-Unsent"] == "1" and e["From"].addresses[0].addr_spec == "pass@uni.example"
        for header in ("To", "Subject"):
            assert "\n" not in str(e[header]) and "\r" not in str(e[header])


def test_introductions_go_to_both_and_name_each_other():
    drafts = make_drafts("introductions", cohort(), plan(), coordinator="Dr Ada\nLovelace")
    emails = parsed(drafts)
    assert [addresses(e) for e in emails] == [
        ["mia@uni.example", "tom@uni.example"],
        ["eve@uni.example", "formula@uni.example"],
        ["tom@uni.example"],  # x1's address is refused, not injected; their mentor still hears
        ["zoe@uni.example", "stefan@uni.example"],  # non-ASCII names, a comma, a long name
    ]
    assert emails[3]["To"].addresses[0].display_name == "Zoë Ünal, Jr"
    assert drafts.without_address == ["No Address"]
    assert_no_injection(emails)
    first = emails[0]
    assert first["Subject"] == "Meet your peer mentor, Tom <b>Mentor</b>"
    body = first.get_content()
    assert "Dear Mia Mentee," in body and "tom@uni.example" in body
    assert body.rstrip().endswith("Dr Ada Lovelace")
    evil = emails[1]
    assert evil["To"].addresses[0].display_name == "Eve Bcc: thief@evil.example"
    assert "thief@evil.example" not in addresses(evil)
    assert evil.get_content().startswith("Dear Eve Bcc: thief@evil.example,\n")


def test_pass_timetable_lists_sessions_the_student_is_free_for_first():
    emails = parsed(make_drafts("pass-timetable", cohort(), plan()))
    by_to = {addresses(e)[0]: e for e in emails}
    assert sorted(by_to) == ["eve@uni.example", "mia@uni.example"]
    assert_no_injection(emails)
    assert by_to["mia@uni.example"]["Subject"] == "PASS sessions for MA1 Calculus"
    mia = by_to["mia@uni.example"].get_content()
    assert "first that fits your timetable is Tuesday 10:00-11:00 in R1" in mia
    eve = by_to["eve@uni.example"].get_content()
    assert "Wednesday 14:00-15:00 in R2" in eve
    lines = [line for line in eve.splitlines() if line.startswith("- ")]
    assert lines == [
        "- Wednesday 14:00-15:00 in R2",
        "- Tuesday 10:00-11:00 in R1 (clashes with your timetable)",
    ]


def test_leaders_get_their_sessions_and_the_handbook_attached():
    book = ("handbook_MA1.html", b"<html><p>weeks</p></html>")
    emails = parsed(make_drafts("leaders", cohort(), plan(), handbooks={"MA1": book}))
    assert len(emails) == 1
    e = emails[0]
    assert addresses(e) == ["tom@uni.example"]
    assert e["Subject"] == "Your PASS sessions for MA1"
    body = e.get_body(("plain",)).get_content()
    assert "Tuesday 10:00-11:00 in R1" in body and "Wednesday 14:00-15:00 in R2" in body
    assert msg.HANDBOOK_ATTACHED in body
    attached = list(e.iter_attachments())
    assert [a.get_filename() for a in attached] == ["handbook_MA1.html"]
    assert attached[0].get_content() == "<html><p>weeks</p></html>"


def test_training_tells_each_volunteer_their_session():
    emails = parsed(make_drafts("training", cohort(), plan()))
    assert [addresses(e) for e in emails] == [["tom@uni.example"], ["formula@uni.example"]]
    assert emails[0]["Subject"] == "Your volunteer training: Thursday 13:00-15:00"
    assert "as a mentor" in emails[0].get_content()
    assert "as a PASS leader" in emails[1].get_content()


def test_mail_merge_csv_neutralises_formulas():
    template = msg.Template("{mentor_name}", "{mentor_name}")
    drafts = make_drafts("introductions", cohort(), plan(), template)
    rows = list(csv.DictReader(io.StringIO(messages_csv(drafts).decode("utf-8-sig"))))
    assert list(rows[0]) == ["to", "subject", "body"]
    formula_rows = [r for r in rows if "formula@uni.example" in r["to"]]
    assert formula_rows[0]["subject"] == "'" + FORMULA
    assert formula_rows[0]["body"] == "'" + FORMULA
    assert len(messages_table(drafts)) == len(rows) == 4


@pytest.mark.parametrize(
    "text, words",
    [
        ("{mentee_name.__class__}", "not a field"),
        ("{0}", "not a field"),
        ("{mentee_name[0]}", "not a field"),
        ("{mentee_name!r}", "no format or conversion"),
        ("{mentee_name:>99999}", "no format or conversion"),
        ("{student_name}", "not a field"),
        ("{mentee_name", "braces do not match"),
    ],
)
def test_templates_accept_named_fields_only(text, words):
    problems = msg.template_problems(text, "introductions")
    assert problems and words in problems[0]
    with pytest.raises(msg.TemplateError):
        make_drafts("introductions", cohort(), plan(), msg.Template("Hi", text))


def test_a_value_is_never_formatted_again():
    out = msg.fill(
        "Hi {mentee_name} {{literal}}", "introductions", {"mentee_name": "{mentor_email}"}
    )
    assert out == "Hi {mentor_email} {literal}"


def test_a_plan_without_what_the_kind_needs_is_explained():
    with pytest.raises(ValueError, match=r"needs a mentoring plan \(matches.csv\)"):
        make_drafts("introductions", cohort(), PlanFiles(sessions=sessions()))


def test_cli_messages_and_scheme_of_work_on_the_sample(tmp_path, capsys):
    data = str(SAMPLES / "department")
    plan_dir = tmp_path / "pass"
    assert main(["solve", "pass", data, "--out", str(plan_dir)]) == 0
    out = tmp_path / "sow"
    assert main(["scheme-of-work", data, "--plan", str(plan_dir), "--out", str(out)]) == 0
    weeks = pd.read_csv(out / "weeks.csv", encoding="utf-8-sig")
    codes = set(pd.read_csv(plan_dir / "sessions.csv", encoding="utf-8-sig")["module_code"])
    assert set(weeks["module_code"]) == codes
    assert list(weeks.columns[:5]) == ["module_code", "week", "date", "kind", "topics"]
    assert set(weeks["kind"]) <= {"topics", "open", "break", "exams"}
    assert (weeks.loc[weeks["kind"] == "break", "topics"].isna()).all()
    left = pd.read_csv(out / "left_out.csv", encoding="utf-8-sig")
    assert list(left.columns) == ["module_code", "topic", "reason"]
    assert len(list(out.glob("handbook_*.html"))) == len(codes)
    assert (out / "scheme_of_work.ics").is_file()
    assert "Scheme of work for 5 PASS module(s)" in capsys.readouterr().out

    template = tmp_path / "t.txt"
    template.write_text("Subject: Sessions for {leader_name}\n\nHello {leader_name}: {sessions}\n")
    mout = tmp_path / "msgs"
    args = ["messages", data, "--plan", str(plan_dir), "--kind", "leaders", "--out", str(mout)]
    assert main([*args, "--template", str(template)]) == 0
    rows = pd.read_csv(mout / "messages.csv", encoding="utf-8-sig")
    leaders = set(
        pd.read_csv(plan_dir / "sessions.csv", encoding="utf-8-sig", dtype=str)["leader_id"]
    )
    assert len(rows) == len(leaders)
    assert rows["subject"].str.startswith("Sessions for ").all()
    archive = zipfile.ZipFile(mout / "messages.zip")
    first = BytesParser(policy=policy.default).parsebytes(archive.read(archive.namelist()[0]))
    assert [a.get_filename() for a in first.iter_attachments()][0].startswith("handbook_")
    assert "nothing was sent" in capsys.readouterr().out

    template.write_text("Subject: {leader_name.__init__}\n\nx\n")
    assert main([*args, "--template", str(template)]) == 2
    assert "is not a field here" in capsys.readouterr().err
    bad = ["messages", data, "--plan", str(plan_dir), "--kind", "introductions", "--out", str(mout)]
    assert main(bad) == 2
    assert "needs a mentoring plan" in capsys.readouterr().err
