"""Report and export: formulas made inert, hostile names escaped, self-contained HTML, the CLI."""

from __future__ import annotations

import base64
import csv
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from workbench.cli.main import main
from workbench.cohort.generate import generate_cohort
from workbench.cohort.loading import write_tables
from workbench.review.export import scenario_csv_zip, scenario_excel_bytes
from workbench.review.report import render_report
from workbench.safe_tables import neutralise, safe_frame, sheet_name, to_csv_bytes, to_excel_bytes
from workbench.scenarios.scenario import read_scenario, solve_scenario
from workbench.schemes.mentoring.solve import MentoringSettings
from workbench.schemes.pass_sessions.settings import PassSettings

HOSTILE = "<script>alert('x')</script>"
ATTRIBUTE_BREAK = '"><img src=x onerror=alert(1)>'
FORMULAS = [
    "=1+1",
    "+44 20 7946 0000",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTAB",
    "\rCR",
    '=HYPERLINK("http://evil.example","click")',
]


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(400, seed=5)


@pytest.fixture(scope="module")
def mentoring_scenario(cohort):
    return solve_scenario(
        cohort,
        "mentoring",
        MentoringSettings(),
        name=HOSTILE,
        notes=f"Check with the department.\n{ATTRIBUTE_BREAK}\n& more",
    )


@pytest.fixture(scope="module")
def pass_scenario(cohort):
    return solve_scenario(
        cohort, "pass", PassSettings(), name="PASS autumn", notes="Rooms to confirm"
    )


# ------------------------------------------------------------------------------ export


def test_neutralise_rules() -> None:
    for value in FORMULAS:
        assert neutralise(value) == "'" + value
    for value in ("Chemistry", "", "a=b", " =x", "3-4", 5, -2.5, None, True):
        assert neutralise(value) == value


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": FORMULAS + ["plain"],
            "count": list(range(-3, 5)),
            "share": [0.5, -0.25, 1.0, 0.0, 2.5, -1.0, 0.1, 0.2],
            "flag": [True, False] * 4,
            "languages": [("english", "welsh")] * 8,
        }
    )


def test_csv_export_neutralises_text_and_keeps_numbers() -> None:
    frame = _frame()
    data = to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r["name"] for r in rows] == ["'" + v for v in FORMULAS] + ["plain"]
    assert [int(r["count"]) for r in rows] == list(range(-3, 5))  # "-3" stays a number
    assert [float(r["share"]) for r in rows] == frame["share"].tolist()
    assert rows[0]["languages"] == "english;welsh"
    for row in rows:
        assert not row["name"].startswith(("=", "+", "-", "@", "\t", "\r"))
    # The caller's frame is left as it was.
    assert frame["name"].iloc[0] == "=1+1"
    hostile_header = pd.DataFrame({"=cmd": [1]})
    assert to_csv_bytes(hostile_header).decode("utf-8-sig").startswith('"\'=cmd"')


def test_excel_export_has_no_formulas_and_real_numbers() -> None:
    data = to_excel_bytes(
        {
            "plan/one:[x]": _frame(),
            "plan one x": _frame().head(1),
            "a" * 40: pd.DataFrame({"v": ["ok\x01"]}),
        }
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["plan one  x", "plan one x", "a" * 31]
    sheet = book["plan one  x"]
    header = [c.value for c in sheet[1]]
    assert header == ["name", "count", "share", "flag", "languages"]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    names = [sheet.cell(row=r, column=1).value for r in range(2, 10)]
    # (XML reads a carriage return back as a line feed.)
    assert names == ["'" + v.replace("\r", "\n") for v in FORMULAS] + ["plain"]
    counts = [sheet.cell(row=r, column=2).value for r in range(2, 10)]
    assert counts == list(range(-3, 5)) and all(isinstance(v, int) for v in counts)
    assert sheet.cell(row=3, column=3).value == -0.25
    assert sheet.cell(row=2, column=4).value is True
    assert sheet.cell(row=2, column=5).value == "english;welsh"
    assert book["a" * 31]["A2"].value == "ok"  # control characters dropped, not an error


def test_sheet_names_are_unique_and_valid() -> None:
    taken: set[str] = set()
    names = [sheet_name(n, taken) for n in ["Summary", "summary", "x" * 50, "x" * 50, "a/b"]]
    assert names[0] == "Summary" and names[1] == "summary (2)"
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == 5
    assert names[4] == "a b"


def test_safe_frame_keeps_numeric_dtypes() -> None:
    out = safe_frame(_frame())
    assert out["count"].dtype == "int64" and out["share"].dtype == "float64"
    assert out["flag"].dtype == bool


def test_scenario_workbook_and_csv_zip(mentoring_scenario) -> None:
    book = load_workbook(io.BytesIO(scenario_excel_bytes(mentoring_scenario)))
    assert book.sheetnames[:4] == ["summary", "matches", "unmatched", "mentor_load"]
    assert book.sheetnames[-1] == "parameters"
    summary = {r[0].value: r[1].value for r in book["summary"].iter_rows(min_row=2)}
    assert summary["Scenario"] == HOSTILE  # text is kept, just never run
    assert summary["Mentees matched"] == mentoring_scenario.summary["reached"]
    assert book["matches"].max_row == len(mentoring_scenario.results["matches"]) + 1
    with zipfile.ZipFile(io.BytesIO(scenario_csv_zip(mentoring_scenario))) as archive:
        names = archive.namelist()
        assert {"summary.csv", "matches.csv", "parameters.csv"} <= set(names)
        matches = pd.read_csv(
            io.BytesIO(archive.read("matches.csv")),
            encoding="utf-8-sig",
            dtype={"mentee_id": str, "mentor_id": str},
        )
    pd.testing.assert_series_equal(
        matches["mentee_id"],
        mentoring_scenario.results["matches"]["mentee_id"].astype(str),
        check_dtype=False,
        check_names=False,
    )


def test_pass_calendar_export(pass_scenario) -> None:
    import datetime as dt

    from icalendar import Calendar

    from workbench.review.export import pass_ics_bytes

    data = pass_ics_bytes(pass_scenario, term_start=dt.date(2025, 9, 22))
    calendar = Calendar.from_ical(data)
    assert str(calendar["x-wr-calname"]) == "PASS: PASS autumn"
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    sessions = pass_scenario.results["sessions"]
    assert len(events) == len(sessions)
    starts = sorted(
        (e["dtstart"].dt.weekday(), e["dtstart"].dt.hour * 60 + e["dtstart"].dt.minute)
        for e in events
    )
    assert starts == sorted(
        zip(sessions["day"].astype(int), sessions["start"].astype(int), strict=True)
    )
    assert all(int(e["rrule"]["count"][0]) == 10 for e in events)
    assert pass_ics_bytes(pass_scenario, term_start=dt.date(2025, 9, 22)) == data
    with pytest.raises(ValueError, match="PASS"):
        pass_ics_bytes(solve_scenario(generate_cohort(60, seed=1), "mentoring"))


# ------------------------------------------------------------------------------ report


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Collector:
    parser = _Collector()
    parser.feed(page)
    return parser


def test_report_escapes_hostile_names_and_notes(mentoring_scenario) -> None:
    page = render_report(mentoring_scenario, charts=False)
    assert "<script" not in page.lower()
    assert "<img src=x" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    parsed = _parse(page)
    assert not [t for t, _ in parsed.tags if t in ("script", "iframe", "object", "embed")]
    text = "".join(parsed.text)
    assert HOSTILE in text and ATTRIBUTE_BREAK in text  # shown as text, intact
    title = page[page.index("<title>") : page.index("</title>")]
    assert "&lt;script&gt;" in title


def test_report_escapes_values_inside_result_tables(mentoring_scenario) -> None:
    hostile = mentoring_scenario.with_changes()
    matches = hostile.results["matches"].copy()
    matches.loc[0, "mentee_programme"] = HOSTILE
    hostile.results = {**hostile.results, "matches": matches}
    hostile.settings = {**hostile.settings, "rule": ATTRIBUTE_BREAK}
    page = render_report(hostile, charts=False)
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert page.count("&lt;script&gt;") >= 2


def test_report_is_self_contained_with_inline_charts(pass_scenario) -> None:
    page = render_report(pass_scenario, charts=True)
    parsed = _parse(page)
    images = [a for t, a in parsed.tags if t == "img"]
    assert len(images) >= 3
    for attrs in images:
        assert attrs["src"].startswith("data:image/png;base64,")
        png = base64.b64decode(attrs["src"].split(",", 1)[1])
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert attrs.get("alt")  # a text alternative for every chart
    alts = " ".join(a["alt"] for a in images)
    assert "When targeted students are free" in alts and "Coverage by module" in alts
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "iframe")
        for key in ("src", "href"):
            assert not attrs.get(key, "").startswith(("http:", "https:", "//")), (tag, attrs)
    assert not re.search(r"@import|url\(", page)
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page
    # The plan, the figures, the assumptions and the notes are all there.
    text = "".join(parsed.text)
    for needle in (
        "Weekly PASS sessions",
        "Headline figures",
        "Cost line by line",
        "Share of students with a session that fits who attend PASS regularly.",
        "How this was solved",
        "Rooms to confirm",
        "Who the plan reaches",
    ):
        assert needle in text, needle
    for code in pass_scenario.results["sessions"]["module_code"]:
        assert code in text
    assert "Left out of this report" not in text


def test_report_survives_a_round_trip_and_missing_tables(mentoring_scenario, tmp_path) -> None:
    path = mentoring_scenario.save(tmp_path / "m")
    back = read_scenario(path)
    page = render_report(back, charts=False)
    assert f"{mentoring_scenario.summary['reached']:,}" in page
    # A scenario whose result tables are gone still reports, and says what it left out.
    stripped = back.with_changes(results={})
    page = render_report(stripped, charts=True)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Left out of this report" in page and "cost could not be computed" in page
    assert "Headline figures" in page


# ------------------------------------------------------------------------------ CLI


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory, cohort) -> Path:
    from workbench.cohort.loading import cohort_to_tables

    out = tmp_path_factory.mktemp("cohort")
    write_tables(cohort_to_tables(cohort), out, "csv")
    return out


def test_cli_report_from_cohort_and_from_scenario(cohort_dir, tmp_path, capsys) -> None:
    html_path, scenario_path = tmp_path / "r.html", tmp_path / "plan.wbscenario"
    xlsx = tmp_path / "plan.xlsx"
    code = main(
        [
            "report",
            str(cohort_dir),
            "--scheme",
            "mentoring",
            "--out",
            str(html_path),
            "--name",
            "Mentoring 2025",
            "--notes",
            "<b>draft</b>",
            "--scenario",
            str(scenario_path),
            "--excel",
            str(xlsx),
            "--no-charts",
        ]
    )
    assert code == 0, capsys.readouterr().err
    page = html_path.read_text(encoding="utf-8")
    assert "Mentoring 2025" in page and "&lt;b&gt;draft&lt;/b&gt;" in page
    assert read_scenario(scenario_path).name == "Mentoring 2025"
    assert "matches" in load_workbook(xlsx).sheetnames
    again = tmp_path / "again.html"
    assert main(["report", str(scenario_path), "--out", str(again), "--no-charts"]) == 0
    assert "Mentoring 2025" in again.read_text(encoding="utf-8")


def test_cli_report_refuses_bad_input_without_a_traceback(cohort_dir, tmp_path, capsys) -> None:
    broken = tmp_path / "broken.wbscenario"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["report", str(broken), "--out", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert "not a scenario file" in err and "Traceback" not in err
    assert main(["report", str(cohort_dir), "--out", str(tmp_path / "x.html")]) == 2
    assert "--scheme" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_cli_whatif_writes_the_sweep_and_charts(cohort_dir, tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    code = main(
        [
            "whatif",
            str(cohort_dir),
            "--scheme",
            "mentoring",
            "--vary",
            "mentors=-10,0,10",
            "--out",
            str(out),
            "--serial",
            "--seed",
            "3",
        ]
    )
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    assert table["value"].tolist() == [-10, 0, 10]
    assert table["reached"].is_monotonic_increasing
    for name in ("sweep.png", "cost_per_student.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    assert (
        main(
            [
                "whatif",
                str(cohort_dir),
                "--scheme",
                "pass",
                "--vary",
                "mentors=1,2",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "does not apply" in capsys.readouterr().err
    assert (
        main(
            [
                "whatif",
                str(cohort_dir),
                "--scheme",
                "pass",
                "--vary",
                "intake=2:1:0.1",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "not a range" in capsys.readouterr().err
