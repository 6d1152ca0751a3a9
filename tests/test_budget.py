"""A budget as a constraint: PASS and mentoring plans within a budget, against brute force,
costed independently by ``workbench.outcomes.costs``, explained in words, and swept."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from pydantic import ValidationError
from test_mentoring_support import all_matchings, check_plan, cohort, eligible, score, student
from test_pass_sessions import assert_hard_rules, tiny

import workbench.schemes.mentoring.objectives as mentoring
from workbench.cohort.generate import generate_cohort
from workbench.outcomes.costs import (
    CostRates,
    cost_of_mentoring,
    cost_of_mentors,
    cost_of_pass,
    pass_cost_model,
)
from workbench.review.whatif import Case, apply_variation, run_sweep
from workbench.schemes.mentoring.scoring import DEFAULT_WEIGHTS
from workbench.schemes.mentoring.solve import MentoringSettings, solve_mentoring
from workbench.schemes.pass_sessions.instance import build_instance
from workbench.schemes.pass_sessions.model import build_model
from workbench.schemes.pass_sessions.solve import PassSettings, greedy_plan, solve_pass

# Round numbers: fixed staff time 100, each weekly session 100, each leader 50 a term.
RATES = CostRates(
    leader_pay_per_hour=10,
    leader_prep_hours_per_session=0,
    leader_training_hours=5,
    training_pay_per_hour=10,
    staff_hourly_cost=10,
    pass_staff_hours_per_week=1,
    pass_staff_hours_per_leader_per_week=0,
    weeks_per_term=10,
)
MON = {"days": [0], "first_start": 9 * 60, "last_start": 11 * 60}  # Mon 09:00, 10:00, 11:00
SLOTS = ("09:00", "10:00", "11:00")


def test_round_number_rates():
    model = pass_cost_model(RATES)
    assert (model.fixed, model.per_session, model.per_leader) == (100, 100, 50)


def busy_except(student_id: str, free: set[str]) -> list[tuple]:
    """Busy rows for every Monday slot except ``free`` (start times)."""
    out = []
    for start in SLOTS:
        if start not in free:
            h = int(start[:2])
            out.append((student_id, "Mon", start, f"{h + 1:02d}:00", "job"))
    return out


def pass_settings(budget: float | None, **extra) -> PassSettings:
    return PassSettings(
        modules=extra.pop("modules", None) or ["CH101"],
        **MON,
        budget=budget,
        cost_rates=RATES,
        **extra,
    )


def slots_of(result, module: str | None = None) -> set[str]:
    s = result.sessions
    if module is not None:
        s = s[s["module_code"] == module]
    return {label.split(" ")[1].split("-")[0] for label in s["slot"]}


# ------------------------------------------------------------------------------------------
# PASS: hand-built instances with known answers


def one_module_cohort():
    """CH101: free at 09:00 {a,b,c,d}, at 10:00 {a,b,e}, at 11:00 {e,f,g}; one leader, 3 a week.
    Best single slot: 09:00 (4); best pair: 09:00 + 11:00 (7); all three: 7."""
    free = {
        "a": {"09:00", "10:00"},
        "b": {"09:00", "10:00"},
        "c": {"09:00"},
        "d": {"09:00"},
        "e": {"10:00", "11:00"},
        "f": {"11:00"},
        "g": {"11:00"},
    }
    busy = [row for sid, slots in free.items() for row in busy_except(sid, slots)]
    return tiny(
        [*free, "L1"], [(s, "CH101") for s in free], busy=busy, leaders=[("L1", "CH101", 3)]
    )


@pytest.mark.parametrize("formulation", ["patterns", "compact"])
@pytest.mark.parametrize(
    "budget, sessions, reach, chosen",
    [
        (249, 0, 0, set()),  # fixed 100 + session 100 + leader 50 = 250 for one session
        (250, 1, 4, {"09:00"}),
        (349, 1, 4, {"09:00"}),
        (350, 2, 7, {"09:00", "11:00"}),
        (450, 3, 7, {"09:00", "10:00", "11:00"}),  # reach first, then the sessions still paid
    ],
)
def test_pass_budget_pays_for_exactly_k_sessions(formulation, budget, sessions, reach, chosen):
    c = one_module_cohort()
    settings = pass_settings(budget, sessions_per_module=3, formulation=formulation)
    r = solve_pass(c, settings)
    assert r.status.status == "optimal"
    assert len(r.sessions) == sessions and r.reach_count == reach
    assert slots_of(r) == chosen
    assert cost_of_pass(r, RATES).total <= budget
    assert r.summary()["within_budget"] is True and r.summary()["budget"] == budget
    assert_hard_rules(c, settings, r)
    if sessions < 3:
        assert f"CH101: {3 - sessions} of 3 sessions not placed: over budget." in r.messages
    else:
        assert not any("over budget" in m for m in r.messages)


def test_pass_budget_counts_leaders():
    """CH101 and PH101 each have their own leader; 350 pays for two sessions of one leader but
    not one session each (100 + 2 x 100 + 2 x 50 = 400)."""
    free = {
        "a": {"09:00"},
        "b": {"09:00"},
        "c": {"10:00"},
        "d": {"11:00"},
        "e": {"11:00"},
        "f": {"11:00"},
    }
    busy = [row for sid, slots in free.items() for row in busy_except(sid, slots)]
    enrol = [(s, "CH101") for s in "abc"] + [(s, "PH101") for s in "def"]
    c = tiny(
        [*free, "L1", "L2"],
        enrol,
        busy=busy,
        leaders=[("L1", "CH101", 2), ("L2", "PH101", 2)],
        rooms=(("R1", 30), ("R2", 30)),
    )
    settings = pass_settings(350, modules=["CH101", "PH101"], sessions_per_module=2)
    r = solve_pass(c, settings)
    # Two CH101 sessions reach 3 (09:00 + 10:00); two PH101 sessions reach 3 as well, but
    # one session each (CH101 09:00 reaches 2, PH101 11:00 reaches 3) is over budget.
    assert r.reach_count == 3 and len(r.sessions) == 2
    assert r.sessions["leader_id"].nunique() == 1
    assert cost_of_pass(r, RATES).total == 350
    r = solve_pass(c, settings.model_copy(update={"budget": 400}))
    assert r.reach_count == 5 and r.sessions["leader_id"].nunique() == 2
    # A leader listed for both modules makes one session each affordable at 350.
    c2 = tiny(
        [*free, "L1"],
        enrol,
        busy=busy,
        leaders=[("L1", "CH101", 2), ("L1", "PH101", 2)],
        rooms=(("R1", 30), ("R2", 30)),
    )
    r = solve_pass(c2, settings)
    assert r.reach_count == 5 and set(r.sessions["leader_id"]) == {"L1"}
    assert cost_of_pass(r, RATES).total == 350


def test_pass_budget_below_fixed_cost_is_explained():
    c = one_module_cohort()
    r = solve_pass(c, pass_settings(60))
    assert r.status.status == "infeasible"
    assert len(r.sessions) == 0
    assert any(
        "the budget of £60 does not cover the fixed staff time of £100" in m.lower()
        for m in r.messages
    )
    assert set(r.reach["reason"]) == {"no CH101 session within the budget"}
    assert r.summary()["within_budget"] is False
    # Covers the fixed cost but not one session with its leader.
    r = solve_pass(c, pass_settings(200))
    assert r.status.status == "optimal" and len(r.sessions) == 0
    assert any(
        "not enough for one weekly session with its leader (£150 a term)" in m for m in r.messages
    )


def test_pass_locked_sessions_over_budget_are_kept_and_explained():
    from workbench.schemes.pass_sessions.settings import LockedSession

    c = one_module_cohort()
    locks = [LockedSession(module_code="CH101", day=0, start=600, leader_id="L1")]
    r = solve_pass(c, pass_settings(200, locked_sessions=locks))
    assert slots_of(r) == {"10:00"}
    assert any(
        "The locked sessions cost £150 with their leaders, more than the £100" in m
        for m in r.messages
    )
    r = solve_pass(c, pass_settings(350, locked_sessions=locks))
    assert slots_of(r) == {"10:00", "11:00"} and r.reach_count == 5  # 09:00 + 10:00 reach 5 too
    assert cost_of_pass(r, RATES).total <= 350


def test_pass_reasons_name_the_budget():
    c = one_module_cohort()
    r = solve_pass(c, pass_settings(250, sessions_per_module=2))
    reasons = r.reach.set_index("student_id")["reason"]
    assert reasons["f"].startswith("busy at every chosen session: Mon 09:00")
    assert reasons["f"].endswith("; a further session is over budget")
    summary = r.summary()
    assert summary["cost"] == 250 and summary["leaders"] == 1
    assert summary["budget_message"].startswith("Within budget but close")


# ------------------------------------------------------------------------------------------
# PASS: brute force on random tiny instances


def random_pass(seed: int):
    rng = random.Random(seed)
    students = [f"s{i}" for i in range(rng.randint(4, 8))]
    modules = ["CH101", "PH101"]
    enrol = [(s, m) for s in students for m in modules if rng.random() < 0.6]
    busy = [
        (s, "Mon", t, f"{int(t[:2]) + 1:02d}:00", "job")
        for s in students
        for t in SLOTS
        if rng.random() < 0.4
    ]
    leaders = [("L1", "CH101", rng.choice([1, 2])), ("L2", "PH101", rng.choice([1, 2]))]
    if rng.random() < 0.5:
        leaders.append(("L3", rng.choice(modules), 2))
    if rng.random() < 0.5:
        leaders.append(("L1", "PH101", 2))
    lbusy = [
        (lid, "Mon", t, f"{int(t[:2]) + 1:02d}:00", "job")
        for lid in ("L1", "L2", "L3")
        for t in SLOTS
        if rng.random() < 0.25
    ]
    c = tiny(
        students + ["L1", "L2", "L3"],
        enrol or [(students[0], "CH101")],
        busy=busy + lbusy,
        leaders=leaders,
        rooms=(("R1", 50), ("R2", 50)),
        modules=modules,
    )
    return c, rng


def brute_force_pass(c, settings) -> tuple[int, int]:
    """(most reach, most sessions at that reach) within the budget, over every set of
    sessions and every leader assignment, from the cohort tables."""
    from workbench.cohort.availability import busy_intervals, free_matrix
    from workbench.cohort.domain import Slot

    slots = [Slot(0, 540 + 60 * i, 600 + 60 * i) for i in range(3)]
    modules = ["CH101", "PH101"]
    people = sorted(set(c.students["student_id"]))
    free = free_matrix(c, people, slots, busy_intervals(c))
    row = {p: i for i, p in enumerate(people)}
    leaders = c.leaders
    cap = {(r.student_id, r.module_code): int(r.max_sessions) for r in leaders.itertuples()}
    weekly: dict[str, int] = {}
    for r in leaders.itertuples():
        weekly[r.student_id] = max(weekly.get(r.student_id, 0), int(r.max_sessions))
    model = pass_cost_model(settings.cost_rates)
    enrolled = {
        m: list(c.enrolments.loc[c.enrolments["module_code"] == m, "student_id"]) for m in modules
    }
    best = (0, 0)
    options = [
        s
        for k in range(settings.sessions_per_module + 1)
        for s in itertools.combinations(range(3), k)
    ]
    for chosen in itertools.product(options, repeat=2):
        sessions = [(m, s) for m, picks in zip(modules, chosen, strict=True) for s in picks]
        who = [[lid for (lid, mod) in cap if mod == m and free[row[lid], s]] for m, s in sessions]
        cheapest = None
        for pick in itertools.product(*who):
            load: dict[str, int] = {}
            per_module: dict[tuple[str, str], int] = {}
            ok = True
            for (m, _s), lid in zip(sessions, pick, strict=True):
                load[lid] = load.get(lid, 0) + 1
                per_module[lid, m] = per_module.get((lid, m), 0) + 1
                if load[lid] > weekly[lid] or per_module[lid, m] > cap[lid, m]:
                    ok = False
            at = [(lid, s) for (_, s), lid in zip(sessions, pick, strict=True)]
            if ok and len(set(at)) == len(at):
                n = len(set(pick))
                cheapest = n if cheapest is None else min(cheapest, n)
        if cheapest is None:
            continue
        if model.total(len(sessions), cheapest) > settings.budget + 1e-9:
            continue
        reach = sum(
            int(any(free[row[sid], s] for s in picks))
            for m, picks in zip(modules, chosen, strict=True)
            for sid in enrolled[m]
        )
        best = max(best, (reach, len(sessions)))
    return best


@pytest.mark.parametrize("seed", range(14))
def test_pass_budget_matches_brute_force(seed):
    c, rng = random_pass(seed)
    budget = rng.choice([250, 350, 400, 450, 550, 650])
    for formulation in ("patterns", "compact"):
        settings = pass_settings(
            budget, modules=["CH101", "PH101"], sessions_per_module=2, formulation=formulation
        )
        r = solve_pass(c, settings)
        assert r.status.status == "optimal"
        best_reach, best_sessions = brute_force_pass(c, settings)
        assert r.reach_count == best_reach, (seed, formulation, r.sessions)
        assert len(r.sessions) == best_sessions  # then every session the budget still pays
        assert cost_of_pass(r, RATES).total <= budget + 1e-9
        assert_hard_rules(c, settings, r)
        g = greedy_plan(c, settings)
        assert cost_of_pass(g, RATES).total <= budget + 1e-9
        assert g.reach_count <= best_reach


def test_pass_no_budget_model_is_unchanged():
    """Without a budget (or with one that pays for everything) the model has no budget rule
    and the plan is the same."""
    c = generate_cohort(400, seed=3)
    plain = PassSettings(top=4)
    inst = build_instance(c, plain)
    from workbench.schemes.pass_sessions.greedy import greedy_sessions

    model = build_model(inst, greedy_sessions(inst), "compact")
    assert "budget" not in model.prob.constraints and not model.used
    r0 = solve_pass(c, plain)
    assert r0.summary()["budget"] is None and r0.summary()["within_budget"] is None
    r1 = solve_pass(c, plain.model_copy(update={"budget": 1e9}))
    assert r1.sessions.equals(r0.sessions) and r1.reach.equals(r0.reach)
    assert r1.messages == r0.messages


# ------------------------------------------------------------------------------------------
# Mentoring


def four_programmes():
    """P1: e0-e2 and mA (cap 3); P2: e3-e6 with mB (cap 2, shares an interest with them) and
    mC (cap 2); P3: e7 with mD (cap 1). Two mentors: mA + mB (5 mentees)."""
    people = (
        [student(f"e{i}", "P1", interests="chess") for i in range(3)]
        + [student(f"e{i}", "P2", interests="chess") for i in range(3, 7)]
        + [student("e7", "P3")]
        + [
            student("mA", "P1", "UG3"),
            student("mB", "P2", "UG3", interests="chess"),
            student("mC", "P2", "UG3"),
            student("mD", "P3", "UG3"),
        ]
    )
    return cohort(
        people, mentors={"mA": 3, "mB": 2, "mC": 2, "mD": 1}, mentees=[f"e{i}" for i in range(8)]
    )


def test_mentor_costs_from_the_cost_model():
    rates = CostRates()
    fixed = cost_of_mentors(0, rates).total
    per = cost_of_mentors(1, rates).total - fixed
    assert (fixed, per) == (600, 30)


@pytest.mark.parametrize(
    "budget, matched, mentors",
    [
        (600, 0, set()),
        (630, 3, {"mA"}),
        (659, 3, {"mA"}),
        (660, 5, {"mA", "mB"}),
        (690, 7, {"mA", "mB", "mC"}),
        (720, 8, {"mA", "mB", "mC", "mD"}),
    ],
)
def test_mentoring_budget_pays_for_exactly_k_mentors(budget, matched, mentors):
    c = four_programmes()
    r = solve_mentoring(c, MentoringSettings(budget=budget))
    check_plan(c, r.matches)
    assert r.status.status == "optimal"
    assert r.matched == matched
    assert set(r.matches["mentor_id"]) == mentors
    assert cost_of_mentoring(r).total <= budget
    assert r.summary()["within_budget"] is True
    assert r.summary()["mentors_used"] == len(mentors)


def test_mentoring_budget_reasons_and_fixes():
    c = four_programmes()
    r = solve_mentoring(c, MentoringSettings(budget=660))
    reasons = r.unmatched.set_index("mentee_id")
    assert set(reasons["reason_code"]) == {"budget"}
    assert reasons.loc["e7", "reason"] == (
        "eligible mentors exist but the budget covers only 2 mentors"
    )
    assert (
        "£60 more (a budget of £720) would pay for 2 more mentors and match 3 more mentees: "
        "every mentee the mentors can take"
    ) in r.fixes
    assert any(
        "pays for the fixed staff time (£600" in m and "2 mentors at £30 each" in m
        for m in r.status.messages
    )
    # Below the fixed staff time: no plan is within the budget, and the words say so.
    r = solve_mentoring(c, MentoringSettings(budget=500))
    assert r.status.status == "infeasible" and r.matched == 0
    assert set(r.unmatched["reason"]) == {
        "the budget of £500 does not cover the fixed staff time of £600"
    }
    assert any("does not cover the fixed staff time of £600" in m for m in r.status.messages)
    assert r.summary()["within_budget"] is False
    assert any(
        f.startswith("£220 more (a budget of £720) would pay the fixed staff time and 4 mentors")
        for f in r.fixes
    )


def test_mentoring_locked_pairs_over_budget_are_kept():
    c = four_programmes()
    r = solve_mentoring(c, MentoringSettings(budget=630, locked_pairs=[("e7", "mD"), ("e3", "mC")]))
    assert {("e7", "mD"), ("e3", "mC")} <= set(
        zip(r.matches["mentee_id"], r.matches["mentor_id"], strict=True)
    )
    assert set(r.matches["mentor_id"]) == {"mC", "mD"}  # the budget covers one: no third
    assert r.matched == 3  # mC's second place is free to fill
    assert any(
        "The locked pairs use 2 mentors, more than the 1 the budget covers" in m
        for m in r.status.messages
    )


def test_budget_and_stable_matching_refused():
    with pytest.raises(ValidationError, match="stable matching"):
        MentoringSettings(budget=700, stable="best_score")


def random_mentoring(seed: int):
    rng = random.Random(seed)
    progs = ["P1", "P2"]
    n_e, n_m = rng.randint(4, 6), rng.randint(3, 5)
    interests = ["chess", "film", "music"]
    people = [
        student(
            f"e{i}",
            rng.choice(progs),
            rng.choice(["UG1", "UG2"]),
            interests=";".join(rng.sample(interests, rng.randint(0, 2))),
            home_status=rng.choice(["home", "international"]),
        )
        for i in range(n_e)
    ]
    people += [
        student(
            f"m{i}",
            rng.choice(progs),
            rng.choice(["UG2", "UG3", "UG4"]),
            interests=";".join(rng.sample(interests, rng.randint(0, 2))),
            home_status=rng.choice(["home", "international"]),
        )
        for i in range(n_m)
    ]
    mentors = {f"m{i}": rng.randint(1, 2) for i in range(n_m)}
    return cohort(people, mentors=mentors, mentees=[f"e{i}" for i in range(n_e)]), rng


def brute_force_mentoring(c, limit: int) -> tuple[int, float]:
    mentees = list(c.mentees["student_id"])
    mentors = dict(zip(c.mentors["student_id"], c.mentors["capacity"], strict=True))
    pairs = eligible(c)
    points = {(e, m): score(c, e, m, DEFAULT_WEIGHTS) for e, m in pairs}
    best = (0, 0.0)
    for plan in all_matchings(mentees, mentors, pairs):
        if len({m for _, m in plan}) > limit:
            continue
        total = round(sum(points[p] for p in plan), 3)
        best = max(best, (len(plan), total))
    return best


@pytest.mark.parametrize("seed", range(24))
def test_mentoring_budget_matches_brute_force(seed, monkeypatch):
    c, rng = random_mentoring(seed)
    limit = rng.randint(1, len(c.mentors) - 1) if seed else 0
    budget = 600 + 30 * limit + rng.choice([0, 10])
    r = solve_mentoring(c, MentoringSettings(budget=budget))
    check_plan(c, r.matches)
    best = brute_force_mentoring(c, limit)
    assert (r.matched, round(r.total_score, 3)) == best
    assert r.status.status == "optimal"
    assert cost_of_mentoring(r).total <= budget
    # Large cohorts choose the mentors over mentee types: the coverage is the same.
    monkeypatch.setattr(mentoring, "FULL_MIP_MAX_PAIRS", 0)
    t = solve_mentoring(c, MentoringSettings(budget=budget))
    check_plan(c, t.matches)
    assert t.matched == best[0] and t.total_score <= best[1] + 1e-9
    assert cost_of_mentoring(t).total <= budget
    assert t.status.status in ("optimal", "feasible")


def test_mentoring_fairness_and_quality_within_budget():
    c = four_programmes()
    for objective in ("fairness", "quality"):
        r = solve_mentoring(c, MentoringSettings(budget=660, objective=objective))
        check_plan(c, r.matches)
        assert len(set(r.matches["mentor_id"])) <= 2
        assert cost_of_mentoring(r).total <= 660
    r = solve_mentoring(c, MentoringSettings(budget=660, objective="fairness"))
    assert r.matched == 5


def test_mentoring_no_budget_is_unchanged():
    c = generate_cohort(600, seed=5)
    r0 = solve_mentoring(c)
    r1 = solve_mentoring(c, MentoringSettings(budget=1e9))
    assert r1.matches.equals(r0.matches)
    assert r0.summary()["budget"] is None and r0.summary()["within_budget"] is None
    assert any("solved as an LP" in m for m in r0.status.messages)


def test_mentoring_types_path_on_a_generated_cohort(monkeypatch):
    """The mentee-type MIP gives the same coverage as the full MIP."""
    c = generate_cohort(500, seed=2)
    free = solve_mentoring(c)
    budget = 600 + 30 * math.ceil(free.mentors_used / 2)
    full = solve_mentoring(c, MentoringSettings(budget=budget))
    monkeypatch.setattr(mentoring, "FULL_MIP_MAX_PAIRS", 0)
    typed = solve_mentoring(c, MentoringSettings(budget=budget))
    assert full.status.status == "optimal"
    assert typed.matched == full.matched and typed.total_score <= full.total_score + 1e-9
    assert typed.mentors_used <= math.ceil(free.mentors_used / 2)
    assert any(
        "groups of mentees with the same eligible mentors" in m for m in typed.status.messages
    )
    for r in (full, typed):
        check_plan(c, r.matches)
        assert cost_of_mentoring(r).total <= budget


# ------------------------------------------------------------------------------------------
# Settings and what-if


def test_settings_round_trip_with_budget():
    p = PassSettings(budget=900, cost_rates={"leader_pay_per_hour": 12})
    assert PassSettings.model_validate_json(p.model_dump_json()) == p
    m = MentoringSettings(budget=700, cost_rates=RATES)
    assert MentoringSettings.model_validate_json(m.model_dump_json()) == m
    with pytest.raises(ValidationError):
        PassSettings(budget=-1)


def test_apply_variation_sets_the_budget_and_one_set_of_rates():
    c = one_module_cohort()
    _, s = apply_variation(c, pass_settings(None), "budget", 350)
    assert s.budget == 350 and s.cost_rates == RATES
    _, s = apply_variation(four_programmes(), MentoringSettings(), "budget", 660)
    assert s.budget == 660
    case = Case(c, "pass", pass_settings(None), rates=CostRates())
    assert case.settings.cost_rates == CostRates()  # the case's rates are the plan's rates
    case = Case(c, "pass", pass_settings(None))
    assert case.rates == RATES


def test_budget_sweep_is_monotone_pass():
    c = one_module_cohort()
    values = [60, 200, 250, 300, 350, 450]
    table = run_sweep(
        c,
        "pass",
        pass_settings(None, sessions_per_module=3),
        "budget",
        values,
        parallel=False,
        rates=RATES,
    )
    assert list(table["reached"]) == [0, 0, 4, 4, 7, 7]
    assert list(table["status"]) == ["infeasible"] + ["optimal"] * 5
    assert list(table["within_budget"]) == [False] + [True] * 5
    assert (table["cost"][1:] <= table["value"][1:]).all()


def test_budget_sweep_is_monotone_generated():
    c = generate_cohort(500, seed=4)
    free = solve_mentoring(c)
    top = 600 + 30 * free.mentors_used
    values = [500, 600, 630, 700, 800, top - 30, top]
    table = run_sweep(c, "mentoring", MentoringSettings(), "budget", values, parallel=False)
    reached = list(table["reached"])
    assert reached == sorted(reached) and reached[-1] == free.matched and reached[0] == 0
    assert (table["cost"][1:] <= table["value"][1:] + 1e-9).all()
    assert table["within_budget"][1:].all()
    settings = PassSettings(top=3, sessions_per_module=2, time_limit=30)
    free_pass = solve_pass(c, settings)
    values = [800, 1500, 2500, 3500, free_pass.cost]
    table = run_sweep(c, "pass", settings, "budget", values, parallel=False)
    reached = list(table["reached"])
    assert reached == sorted(reached) and reached[-1] >= free_pass.reach_count
    assert (table["cost"] <= table["value"] + 1e-6).all()
