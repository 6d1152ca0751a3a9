"""What-if answers in one sentence (numbers from the sweep table) and sweeps that do not zig-zag."""

from __future__ import annotations

import pytest

from workbench.cohort.generate import generate_cohort
from workbench.review.whatif import resample_cohort, run_sweep
from workbench.review.whatif_answer import (
    answer_sentence,
    change_words,
    sweep_sentences,
    variation_sentence,
)
from workbench.review.words import money, money_change

INTAKE = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]


@pytest.fixture(scope="module")
def cohort():
    return generate_cohort(300, seed=1)  # the bundled department sample


@pytest.fixture(scope="module")
def grown(cohort):
    return run_sweep(cohort, "mentoring", None, "intake", INTAKE, parallel=False)


@pytest.fixture(scope="module")
def kept(cohort):
    return run_sweep(
        cohort, "mentoring", None, "intake", INTAKE, parallel=False, volunteers_grow=False
    )


def test_money_is_never_written_with_the_sign_after_the_currency() -> None:
    assert money(1380) == "£1,380"
    assert money(-4.36, pence=True) == "-£4.36"
    assert money(-4.36) == "-£4"
    assert money(-0.2) == "£0"  # rounds to nothing: no "-£0"
    assert money(None) == "n/a"
    assert money_change(120) == "£120 more" and money_change(-30.4) == "£30 less"
    assert money_change(0.3) == "no change"


def test_change_words() -> None:
    assert change_words("intake", 1.3) == "+30% students"
    assert change_words("intake", 0.8) == "-20% students"
    assert change_words("intake[programme=Chemistry]", 1.5) == "+50% Chemistry students"
    assert change_words("mentors", 10) == "10 more mentors"
    assert change_words("leaders", -2) == "2 fewer PASS leaders"
    assert change_words("budget", 1200) == "a budget of £1,200"


def test_the_sentence_says_the_sweep_tables_numbers(grown) -> None:
    base = grown.loc[grown["value"] == 1.0].iloc[0]
    point = grown.loc[grown["value"] == 1.3].iloc[0]
    joined = int(point["volunteers"] - base["volunteers"])
    assert joined > 0  # mentors grow with the intake
    expected = (
        f"+30% students: coverage {base['coverage']:.0%} -> {point['coverage']:.0%}, "
        f"cost £{base['cost']:,.0f} -> £{point['cost']:,.0f}, assuming {joined} more mentors "
        "join (mentors grow with the intake)."
    )
    sentences = sweep_sentences(grown)
    assert expected in sentences
    assert len(sentences) == len(INTAKE) - 1  # today's row is the reference, not an answer


def test_keeping_the_volunteers_says_so_and_keeps_them(kept, cohort) -> None:
    assert (kept["volunteers"] == len(cohort.mentors)).all()
    point = kept.loc[kept["value"] == 1.3].iloc[0]
    sentence = sweep_sentences(kept)[2]
    assert sentence.startswith("+30% students: coverage ")
    assert sentence.endswith(
        f"with today's {len(cohort.mentors)} mentors (volunteers kept as they are)."
    )
    assert f"-> {point['coverage']:.0%}" in sentence


def test_a_failed_point_says_no_plan_and_several_changes_join() -> None:
    failed = {"status": "error", "message": "ValueError: bad"}
    assert answer_sentence("intake", 1.3, failed, {}, "mentoring") == (
        "+30% students: no plan (ValueError: bad)."
    )
    base = {"coverage": 0.96, "cost": 1380.0, "volunteers": 34}
    after = {"status": "optimal", "coverage": 0.9, "cost": 1500.0, "volunteers": 39}
    assert variation_sentence({"intake": 1.3, "mentors": 5}, after, base, "mentoring") == (
        "+30% students and 5 more mentors: coverage 96% -> 90%, cost £1,380 -> £1,500, "
        "assuming 5 more mentors join (mentors grow with the intake)."
    )


def test_a_larger_intake_carries_every_student_of_a_smaller_one(cohort) -> None:
    previous = None
    for factor in (0.6, 0.8, 1.0, 1.2, 1.5, 2.5):
        varied = resample_cohort(cohort, factor, seed=3)
        ids = set(varied.students["student_id"])
        mentors = set(varied.mentors["student_id"])
        if previous is not None:
            assert previous[0] <= ids and previous[1] <= mentors, factor
        previous = (ids, mentors)
    kept = resample_cohort(cohort, 0.5, seed=3, volunteers_grow=False)
    assert set(cohort.mentors["student_id"]) <= set(kept.mentors["student_id"])
    assert len(resample_cohort(cohort, 1.5, seed=3, volunteers_grow=False).mentors) == len(
        cohort.mentors
    )


@pytest.mark.parametrize("which", ["grown", "kept"])
def test_the_intake_sweep_does_not_zig_zag(which, request) -> None:
    """With the same students carried between points, a bigger intake can only match more
    mentees (the smaller plan is still possible), and with the mentors kept as they are the
    mentees left without a mentor can only grow: no point goes back on the trend."""
    table = request.getfixturevalue(which)
    assert (table["status"] == "optimal").all()
    reached = table["reached"].astype(int).tolist()
    assert reached == sorted(reached) and reached[-1] > reached[0]
    eligible = table["eligible"].astype(int).tolist()
    assert eligible == sorted(eligible)
    if which == "kept":
        unmatched = [e - r for e, r in zip(eligible, reached, strict=True)]
        assert unmatched == sorted(unmatched)
        coverage = table["coverage"].astype(float).tolist()
        assert coverage[-1] < coverage[0]  # the trend: fewer mentors per mentee


def test_cli_report_carries_the_sweeps_answers(cohort, tmp_path, capsys) -> None:
    import html

    import pandas as pd

    from workbench.cli.main import main
    from workbench.cohort.loading import cohort_to_tables, write_tables

    folder = tmp_path / "cohort"
    write_tables(cohort_to_tables(cohort), folder, "csv")
    args = ["--scheme", "mentoring", "--vary", "intake=1,1.3", "--serial", "--no-charts"]
    assert main(["whatif", str(folder), *args, "--out", str(tmp_path / "sweep")]) == 0
    printed = capsys.readouterr().out
    sweep = pd.read_csv(tmp_path / "sweep" / "sweep.csv")
    base, point = sweep.iloc[0], sweep.iloc[1]
    sentence = (
        f"+30% students: coverage {base['coverage']:.0%} -> {point['coverage']:.0%}, "
        f"cost £{base['cost']:,.0f} -> £{point['cost']:,.0f}, assuming "
        f"{int(point['volunteers'] - base['volunteers'])} more mentors join (mentors grow with "
        "the intake)."
    )
    assert printed.splitlines()[1] == sentence  # the answer first, before the table
    report = tmp_path / "report.html"
    command = ["report", str(folder), "--scheme", "mentoring", "--no-charts"]
    assert (
        main([*command, "--whatif", str(tmp_path / "sweep" / "sweep.csv"), "--out", str(report)])
        == 0
    )
    assert f"<li>{html.escape(sentence)}</li>" in report.read_text(encoding="utf-8")


def test_the_comparison_table_writes_negative_money_with_the_sign_first() -> None:
    import pandas as pd

    from app_common.shared import readable

    table = pd.DataFrame(
        {
            "metric": ["cost", "cost_per_student_reached", "coverage"],
            "label": ["Cost per term", "Cost per student reached", "Coverage"],
            "Plan": [1380.0, 29.36, 0.96],
            "change: What-if": [-120.4, -4.36, -0.06],
        }
    )
    shown = readable(table)
    assert list(shown["Plan"]) == ["£1,380", "£29.36", "96.0%"]
    assert list(shown["change: What-if"]) == ["-£120", "-£4.36", "-6.0 points"]
    assert not shown.apply(lambda c: c.str.contains("£-")).any().any()
